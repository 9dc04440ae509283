// The kiosk's shell: start-up, navigation (in memory only: no URLs, no history entries),
// large type, the idle reset, the "unavailable" banner and the "本终端未登记" screen.
import {
  abortAll,
  call,
  connection,
  fetchStatus,
  liveServices,
  loadOperations,
  on,
  Refused,
  Unavailable,
  Unregistered,
} from "./api.js";
import { progressPage, ratePage } from "./cases.js";
import { h } from "./dom.js";
import { guidePage, homePage } from "./pages.js";
import { stationPage } from "./station.js";

const PAGES = { home: homePage, station: stationPage, guide: guidePage, progress: progressPage, rate: ratePage };
const STATUS_EVERY = 15000;

const main = document.getElementById("main");
const back = document.getElementById("go-back");
const homeButton = document.getElementById("go-home");
const large = document.getElementById("large-type");
const banner = document.getElementById("banner");
const idle = document.getElementById("idle");
const idleSeconds = document.getElementById("idle-seconds");
const stationLine = document.getElementById("station-name");

let stack = [{ page: "home", params: {} }];
let rendering = 0;
let unregistered = false;
let hallDown = false;

/** What pages see: where the terminal stands, navigation and the resident's data. */
const nav = {
  station: null,
  stationName: "",
  idleAfter: 90,
  /** Everything a resident typed or was shown: emptied by every reset. */
  personal: {},
  go(page, params = {}) {
    stack.push({ page, params });
    render();
  },
  replace(page, params = {}) {
    stack[stack.length - 1] = { page, params };
    render(false);
  },
  back() {
    if (stack.length > 1) stack.pop();
    render();
  },
  home() {
    reset();
  },
};

async function render(focus = true) {
  const { page, params } = stack[stack.length - 1];
  const ticket = ++rendering;
  back.hidden = stack.length <= 1;
  main.setAttribute("aria-busy", "true");
  let node;
  try {
    node = await PAGES[page](nav, params);
  } catch (error) {
    if (error.name === "AbortError" || ticket !== rendering) return;
    if (error instanceof Unregistered) return;
    if (error instanceof Unavailable || error instanceof Refused) {
      node = h("div", { class: "unavailable" }, h("h1", {}, "暂时无法显示"), h("p", { class: "notice" }, error.message));
    } else {
      throw error;
    }
  }
  if (ticket !== rendering || unregistered) return;
  main.replaceChildren(node);
  main.removeAttribute("aria-busy");
  window.scrollTo(0, 0);
  if (focus) main.focus({ preventScroll: true });
}

function setLarge(on) {
  document.documentElement.classList.toggle("large", on);
  large.setAttribute("aria-pressed", String(on));
}

/** Wipe every input, result and page state, and show home. */
function reset() {
  abortAll();
  nav.personal = {};
  for (const el of document.querySelectorAll("input, textarea")) el.value = "";
  main.replaceChildren();
  stack = [{ page: "home", params: {} }];
  setLarge(false);
  hideCountdown();
  history.replaceState(null, "", location.pathname);
  if (!unregistered) render();
}

function showBanner() {
  const offline = connection.offline || hallDown;
  banner.hidden = !offline;
  banner.textContent = offline
    ? `中心服务暂时无法连接。暂停使用：${liveServices().join("、")}；已浏览过的办事站和办事指南仍可查看。`
    : "";
}

function showUnregistered(reason) {
  unregistered = true;
  abortAll();
  nav.personal = {};
  hideCountdown();
  back.hidden = true;
  document.body.classList.add("locked");
  main.replaceChildren(
    h(
      "div",
      { class: "unregistered" },
      h("h1", {}, "本终端未登记"),
      h("p", { class: "lead" }, "本终端尚未在斗门区网上办事大厅登记，或登记已被撤销，暂时不能提供服务。"),
      h("p", {}, "请到办事站窗口办理，或联系工作人员。"),
      h("p", { class: "hint" }, `原因：${reason || "终端凭据无效"}${nav.deviceId ? `；终端编号：${nav.deviceId}` : ""}`),
    ),
  );
}

function recovered() {
  if (!unregistered) return;
  unregistered = false;
  document.body.classList.remove("locked");
  reset();
}

// -- idle reset ---------------------------------------------------------------------------
let lastActivity = Date.now();
let counting = false;

function activity() {
  lastActivity = Date.now();
  if (counting) hideCountdown();
}

function hideCountdown() {
  counting = false;
  idle.hidden = true;
}

function pristine() {
  return stack.length === 1 && Object.keys(nav.personal).length === 0 && !document.documentElement.classList.contains("large");
}

function tick() {
  if (unregistered) return; // nothing to wipe: the screen says so and nothing else
  const idleFor = (Date.now() - lastActivity) / 1000;
  const warning = Math.min(15, Math.ceil(nav.idleAfter / 3));
  if (idleFor >= nav.idleAfter) {
    lastActivity = Date.now();
    if (!pristine()) reset();
    return;
  }
  if (idleFor >= nav.idleAfter - warning && !pristine()) {
    counting = true;
    idle.hidden = false;
    idleSeconds.textContent = String(Math.ceil(nav.idleAfter - idleFor));
  }
}

for (const type of ["pointerdown", "keydown", "touchstart", "input", "wheel"]) {
  document.addEventListener(type, activity, { capture: true, passive: true });
}
document.getElementById("idle-stay").addEventListener("click", activity);

// -- start --------------------------------------------------------------------------------
back.addEventListener("click", () => nav.back());
homeButton.addEventListener("click", () => nav.home());
large.addEventListener("click", () => setLarge(!document.documentElement.classList.contains("large")));
on("connection", (offline) => {
  if (!offline) hallDown = false; // a live answer: the hall is back
  showBanner();
});
on("unregistered", showUnregistered);

async function poll() {
  let status;
  try {
    status = await fetchStatus();
  } catch (error) {
    if (error.name === "AbortError") return;
    hallDown = true;
    showBanner();
    return;
  }
  nav.deviceId = status.device;
  if (status.registered === false) {
    showUnregistered(status.reason);
    return;
  }
  hallDown = status.hall !== "up";
  showBanner();
  recovered();
}

async function start() {
  await loadOperations();
  const status = await fetchStatus();
  nav.station = status.station;
  nav.deviceId = status.device;
  nav.idleAfter = status.idleSeconds || 90;
  hallDown = status.hall !== "up";
  showBanner();
  setInterval(tick, 250);
  setInterval(poll, STATUS_EVERY);
  if (status.registered === false) {
    showUnregistered(status.reason);
    return;
  }
  if (nav.station) {
    try {
      const { station } = await call("StationPage", { code: nav.station, category: null });
      if (station) {
        nav.stationName = station.name;
        stationLine.textContent = `${station.name} · ${station.address}`;
      }
    } catch (error) {
      if (error instanceof Unregistered) return;
      stationLine.textContent = "";
    }
  }
  render();
}

start().catch(() => {
  main.replaceChildren(h("div", { class: "unavailable" }, h("h1", {}, "暂时无法使用"), h("p", { class: "notice" }, "终端服务未响应，请稍后再试或联系工作人员。")));
});
