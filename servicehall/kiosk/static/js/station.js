// A town station or village point (STA-2, STA-3): its villages, its items by category,
// and a keyword box over them (issue 21) typed on the pinyin keyboard, which searches the
// station's items with the catalogue's rules while keeping the category tabs.
import { call } from "./api.js";
import { h, uid } from "./dom.js";
import { field, problem } from "./form.js";
import { facts } from "./pages.js";
import { pinyinKeyboard } from "./pinyin.js";

/** Villages shown in the collapsed one-row list of a station page (STA-3). */
const ROW = 6;

function itemButton(nav, node, where) {
  const meta = [
    node.kioskCategory ? node.kioskCategory.label : null,
    `承诺${node.promisedLimitDays}个工作日`,
    node.visitsRequired === 0 ? "零跑动" : `最多跑${node.visitsRequired}次`,
  ].filter(Boolean);
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: "item", onclick: () => nav.go("guide", { code: node.code, ...where }) },
      h("span", { class: "item-name" }, node.name),
      h("span", { class: "item-meta" }, meta.join(" · ")),
    ),
  );
}

function villageRow(nav, station) {
  const villages = station.town.villages.filter((v) => v.code !== station.code);
  if (!villages.length) return null;
  const listId = uid("villages");
  const list = h(
    "ul",
    { class: "village-row", id: listId },
    villages.map((village, n) =>
      h(
        "li",
        { hidden: n >= ROW },
        h("button", { type: "button", class: "tile", onclick: () => nav.go("station", { code: village.code }) }, village.name),
      ),
    ),
  );
  const toggle =
    villages.length > ROW
      ? h(
          "button",
          {
            type: "button",
            class: "link-button",
            "aria-expanded": "false",
            "aria-controls": listId,
            onclick: () => {
              const expanded = toggle.getAttribute("aria-expanded") !== "true";
              toggle.setAttribute("aria-expanded", String(expanded));
              toggle.textContent = expanded ? "收起" : `展开全部（${villages.length}个）`;
              list.querySelectorAll("li").forEach((li, n) => {
                li.hidden = !expanded && n >= ROW;
              });
            },
          },
          `展开全部（${villages.length}个）`,
        )
      : null;
  const title =
    station.kind.value === "TOWN_STATION"
      ? `${station.town.name}的村（居）办事点`
      : `${station.town.name}的其他村（居）办事点`;
  return h("section", { class: "siblings" }, h("div", { class: "row-head" }, h("h2", {}, title), toggle), list);
}

function tabList(counts, category, select, panelId) {
  return h(
    "div",
    { class: "tabs", role: "tablist", "aria-label": "事项分类" },
    counts.map((count) => {
      const selected = (count.category || null) === category;
      return h(
        "button",
        {
          type: "button",
          role: "tab",
          class: "tab",
          "aria-selected": String(selected),
          "aria-controls": panelId,
          tabindex: selected ? "0" : "-1",
          onclick: () => select(count.category || null),
        },
        h("span", {}, count.label),
        h("span", { class: "tab-count" }, String(count.count)),
      );
    }),
  );
}

function searchBox(params, onChange) {
  const form = { keyword: params.keyword || "" };
  const input = h("input", {
    type: "search",
    class: "input",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "20",
    lang: "zh-CN",
    value: form.keyword,
  });
  input.value = form.keyword;
  const keyboard = pinyinKeyboard(input, "搜索拼音键盘", { letters: true });
  keyboard.hidden = true;
  const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, "屏幕键盘");
  function open(shown) {
    keyboard.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
  }
  toggle.addEventListener("click", () => open(keyboard.hidden));
  input.addEventListener("focus", () => open(true));
  input.addEventListener("input", () => onChange(input.value.trim()));
  return h(
    "section",
    { class: "search", "aria-label": "搜索本站事项" },
    h("div", { class: "search-row" }, field("搜索本站事项", input, "输入事项名称中的一两个字，如“低保”“出生”"), toggle),
    keyboard,
  );
}

export async function stationPage(nav, params) {
  let category = params.category || null;
  const { station } = await call("StationPage", { code: params.code, category });
  if (!station) return h("p", { class: "notice" }, "未找到该办事站。");
  const where = { where: `${station.name}（${station.address}）`, station: station.code };
  const panelId = uid("items");
  const region = h("div", { class: "station-items" });
  let ticket = 0;

  function fill(counts, items, keyword) {
    const nodes = items.edges.map((edge) => itemButton(nav, edge.node, where));
    const list = h("ul", { class: "items" }, nodes);
    let next = items.pageInfo;
    const more = h("button", { type: "button", class: "link-button wide-button", hidden: !next || !next.hasNextPage }, "显示更多事项");
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await call("StationPage", { code: station.code, category, after: next.endCursor });
        for (const edge of page.station.items.edges) list.append(itemButton(nav, edge.node, where));
        next = page.station.items.pageInfo;
        more.hidden = !next.hasNextPage;
      } catch (error) {
        more.textContent = error.message;
      } finally {
        more.disabled = false;
      }
    });
    const label = counts.find((c) => (c.category || null) === category)?.label || "全部";
    const empty = keyword ? `本站没有名称含“${keyword}”的${label === "全部" ? "" : label}事项。` : "本站暂无该分类的事项。";
    region.replaceChildren(
      keyword ? h("p", { class: "search-summary", role: "status" }, `“${keyword}”的搜索结果：${counts[0].count}项`) : "",
      tabList(counts, category, select, panelId),
      h(
        "div",
        { role: "tabpanel", id: panelId, class: "items-panel", "aria-label": `${label}事项（${items.totalCount}项）` },
        nodes.length ? [list, more] : h("p", { class: "notice" }, empty),
      ),
    );
  }

  async function show() {
    const mine = ++ticket;
    const keyword = params.keyword || "";
    try {
      const data = keyword
        ? await call("StationSearch", { code: station.code, keyword, category })
        : await call("StationPage", { code: station.code, category });
      if (mine === ticket) fill(data.station.itemCounts, data.station.items, keyword);
    } catch (error) {
      if (error.name !== "AbortError" && mine === ticket) region.replaceChildren(problem(error));
    }
  }

  function select(chosen) {
    category = chosen;
    params.category = chosen; // kept in the page's entry: 返回 comes back to the same tab
    show();
  }

  const search = searchBox(params, (keyword) => {
    params.keyword = keyword;
    show();
  });
  if (params.keyword) await show();
  else fill(station.itemCounts, station.items, "");
  return h(
    "div",
    { class: "station" },
    h(
      "div",
      { class: "station-head" },
      h("div", {}, h("h1", {}, station.name), h("p", { class: "kind" }, station.kind.label)),
      station.parentStation
        ? h(
            "button",
            { type: "button", class: "primary", onclick: () => nav.go("station", { code: station.parentStation.code }) },
            `转至${station.parentStation.name}`,
          )
        : null,
    ),
    facts([
      ["地址", station.address],
      ["电话", station.phone],
      ["办公时间", station.openingHours],
    ]),
    villageRow(nav, station),
    h("h2", { class: "section-title" }, "办理事项"),
    search,
    region,
  );
}
