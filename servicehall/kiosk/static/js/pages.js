// The directory pages: home with the map (STA-1) and the service guide (ITEM-2) with its
// printable PDF (issue 21); station and village point pages are in station.js.
import { call, fetchFile } from "./api.js";
import { h, stars } from "./dom.js";
import { districtMap } from "./map.js";

/** Columns of the village grid: 3 to 6, by how many villages there are (STA-1). */
export function villageColumns(count) {
  return Math.min(6, Math.max(3, Math.ceil(count / 3)));
}

export function facts(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.filter(([, value]) => value).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

export async function homePage(nav) {
  const { towns } = await call("KioskHome");
  const own = nav.station ? towns.find((t) => nav.station.startsWith(t.code)) : null;
  const panel = h("section", { class: "villages", "aria-live": "polite", "aria-label": "村（居）办事点" });
  const list = h("ul", { class: "town-list" });
  const buttons = new Map();
  let map = null;

  function select(town) {
    if (buttons.get(town.code)?.getAttribute("aria-pressed") === "true") return;
    for (const [code, button] of buttons) button.setAttribute("aria-pressed", String(code === town.code));
    map.select(town.code);
    const columns = villageColumns(town.villages.length);
    panel.replaceChildren(
      h(
        "div",
        { class: "villages-head" },
        h("h2", {}, `${town.name}：${town.villages.length}个村（居）办事点`),
        h(
          "button",
          { type: "button", class: "primary", onclick: () => nav.go("station", { code: town.code }) },
          `进入${town.name}办事站`,
        ),
      ),
      h(
        "ul",
        { class: `village-grid cols-${columns}`, "data-columns": columns },
        town.villages.map((village) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "tile", onclick: () => nav.go("station", { code: village.code }) },
              village.name,
            ),
          ),
        ),
      ),
    );
  }

  map = districtMap(towns, select);
  for (const town of towns) {
    const button = h(
      "button",
      {
        type: "button",
        class: "town",
        "aria-pressed": "false",
        onclick: () => select(town),
        onpointerenter: (event) => event.pointerType === "mouse" && select(town),
      },
      h("span", { class: "town-name" }, town.name),
      h("span", { class: "town-count" }, `${town.villages.length}个村（居）`),
    );
    buttons.set(town.code, button);
    list.append(h("li", {}, button));
  }
  const quick = h(
    "div",
    { class: "quick" },
    nav.station
      ? h(
          "button",
          { type: "button", class: "quick-action", onclick: () => nav.go("station", { code: nav.station }) },
          h("span", { class: "quick-title" }, "本站办事"),
          h("span", { class: "quick-note" }, nav.stationName || "本办事站的事项和办事指南"),
        )
      : null,
    h(
      "button",
      { type: "button", class: "quick-action", onclick: () => nav.go("progress") },
      h("span", { class: "quick-title" }, "办件进度查询"),
      h("span", { class: "quick-note" }, "凭办件编号和申请人姓名"),
    ),
    h(
      "button",
      { type: "button", class: "quick-action", onclick: () => nav.go("rate") },
      h("span", { class: "quick-title" }, "办件评价"),
      h("span", { class: "quick-note" }, "好差评：对已办结的办件评价"),
    ),
  );
  const page = h(
    "div",
    { class: "home" },
    h("h1", { class: "visually-hidden" }, "首页：镇街办事站和村居办事点"),
    quick,
    h(
      "div",
      { class: "home-grid" },
      h("figure", { class: "map-frame" }, map.svg, h("figcaption", {}, "点按地图或右侧列表中的镇（街道），查看其村（居）办事点")),
      h("nav", { class: "towns", "aria-label": "镇（街道）列表" }, h("h2", {}, "镇（街道）"), list),
    ),
    panel,
  );
  select(own || towns[0]);
  return page;
}

function section(title, ...content) {
  return h("section", { class: "guide-section" }, h("h2", {}, title), ...content);
}

/** Print the guide's PDF (drawn by the kiosk process, kiosk.printing) through the browser's
 * print dialog, from a frame inside the page: the idle reset removes it with the page. */
async function printGuide(article, params, status) {
  const station = params.station || "";
  const url = `guide.pdf?code=${encodeURIComponent(params.code)}${station ? `&station=${encodeURIComponent(station)}` : ""}`;
  status.replaceChildren("正在生成办事指南…");
  let response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    if (error.name === "AbortError") return;
    status.replaceChildren("终端服务未响应，暂时无法打印");
    return;
  }
  if (!response.ok) {
    let text = "暂时无法打印该办事指南";
    try {
      text = (await response.json()).errors[0].message;
    } catch {
      // not JSON: keep the general message
    }
    status.replaceChildren(text);
    return;
  }
  article.querySelector("iframe.print-frame")?.remove();
  const frame = h("iframe", { class: "print-frame", title: "打印用的办事指南（PDF）" });
  frame.addEventListener("load", () => {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch {
      window.print();
    }
    status.replaceChildren("已打开打印窗口，请按“打印”。");
  });
  frame.src = url;
  article.append(frame);
}

export async function guidePage(nav, params) {
  const data = await call("ItemGuide", { code: params.code });
  const item = data.serviceItem;
  if (!item) return h("p", { class: "notice" }, "未找到该事项。");
  const guide = item.guide;
  const summary = data.ratingSummary;
  const status = h("p", { class: "print-status", role: "status" });
  const article = h("article", { class: "guide" });
  const print = h("button", { type: "button", class: "primary print-button", onclick: () => printGuide(article, params, status) }, "打印办事指南");
  return build(article, [
    h("div", { class: "guide-head" }, h("h1", {}, item.name), print),
    status,
    item.status.value !== "ACTIVE" ? h("p", { class: "notice" }, `该事项${item.status.label}。`) : null,
    facts([
      ["事项类型", item.kind.label],
      ["事项分类", item.kioskCategory ? item.kioskCategory.label : ""],
      ["实施部门", item.department.name],
      ["法定时限", `${item.statutoryLimitDays}个工作日`],
      ["承诺时限", `${item.promisedLimitDays}个工作日`],
      ["到现场次数", item.visitsRequired === 0 ? "零跑动" : `最多${item.visitsRequired}次`],
      ["收费", guide.isFree ? "不收费" : "收费（见下）"],
      [
        "满意度",
        summary && summary.count
          ? `${stars(summary.averageStars)} ${summary.averageStars}星（${summary.count}条评价）`
          : "暂无评价",
      ],
    ]),
    section("办理条件", h("ol", {}, guide.conditions.map((c) => h("li", {}, c)))),
    section(
      "申请材料",
      h(
        "table",
        { class: "materials" },
        h("thead", {}, h("tr", {}, ["材料名称", "形式", "份数", "要求"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          guide.materials.map((m) =>
            h(
              "tr",
              {},
              h("td", {}, m.name, m.note ? h("span", { class: "note" }, `（${m.note}）`) : null),
              h("td", {}, m.form.label),
              h("td", {}, [m.originals ? `原件${m.originals}份` : "", m.copies ? `复印件${m.copies}份` : ""].filter(Boolean).join("，") || "—"),
              h("td", {}, m.required ? "必须" : "视情况"),
            ),
          ),
        ),
      ),
    ),
    section("办理流程", h("ol", { class: "process" }, guide.process.map((p) => h("li", {}, h("strong", {}, p.name), "：", p.description)))),
    guide.isFree
      ? null
      : section("收费标准", h("ul", {}, guide.fees.map((f) => h("li", {}, `${f.name}：${f.standard}（依据：${f.basis}）`)))),
    section("设定依据", h("ul", {}, guide.legalBasis.map((b) => h("li", {}, b)))),
    section(
      "办理地点与咨询",
      facts([
        ["办理地点", guide.whereToApply],
        ["可就近办理", params.where],
        ["办公时间", guide.officeHours],
        ["咨询电话", guide.phone],
        ["结果送达", guide.resultDelivery],
      ]),
    ),
  ]);
}

function build(parent, children) {
  parent.append(...children.flat().filter(Boolean));
  return parent;
}

