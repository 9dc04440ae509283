// The on-screen pinyin keyboard (issue 21): a locked-down terminal shows no input method,
// so Chinese is typed here. Letters build a syllable; the candidate bar lists its
// characters ranked by how common they are in names (static pinyin.json, generated from
// pypinyin by servicehall/kiosk/pinyin_data.py: no round trip per key, and it works while
// the hall is unreachable). A tapped candidate goes into the input.
import { fetchFile } from "./api.js";
import { h } from "./dom.js";

const ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const PAGE = 8;
let data = null;

/** The candidate data, fetched once per page load (kept in memory only). */
export function loadPinyin() {
  data ||= fetchFile("pinyin.json", { abortable: false })
    .then((response) => response.json())
    .then((json) => {
      const rank = new Map([...json.order].map((char, n) => [char, n]));
      return { syllables: json.syllables, rank };
    })
    .catch((error) => {
      data = null;
      throw error;
    });
  return data;
}

/** Characters for what was typed: the syllable itself first, then longer syllables
 * beginning with it (``zh`` → 张 周 郑 …), each character once, in rank. */
export function candidates(table, typed) {
  if (!typed) return [];
  const exact = [...(table.syllables[typed] || "")];
  const seen = new Set(exact);
  const more = [];
  for (const [syllable, chars] of Object.entries(table.syllables)) {
    if (syllable !== typed && syllable.startsWith(typed)) {
      for (const char of chars) if (!seen.has(char)) seen.add(char), more.push(char);
    }
  }
  more.sort((a, b) => table.rank.get(a) - table.rank.get(b));
  return exact.concat(more);
}

/** A pinyin keyboard typing into ``input`` (firing its input event); ``letters``: the
 * candidate bar also offers the typed letters themselves (a search by pinyin initials). */
export function pinyinKeyboard(input, label = "拼音键盘", { letters = false } = {}) {
  let typed = "";
  let page = 0;
  let table = null;
  const shown = h("span", { class: "pinyin-typed", "aria-live": "polite" });
  const bar = h("div", { class: "candidates", role: "group", "aria-label": "候选字" });

  function emit(value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function draw() {
    shown.textContent = typed ? `拼音：${typed}` : "请按拼音输入，再点选汉字";
    const all = table ? candidates(table, typed) : [];
    const pages = Math.max(1, Math.ceil(all.length / PAGE));
    page = Math.min(page, pages - 1);
    const buttons = all.slice(page * PAGE, page * PAGE + PAGE).map((char) =>
      h("button", { type: "button", class: "key candidate", lang: "zh-CN", onclick: () => choose(char) }, char),
    );
    if (typed && letters) {
      buttons.unshift(h("button", { type: "button", class: "key candidate-letters", onclick: () => choose(typed) }, `字母 ${typed}`));
    }
    if (typed && !all.length && !letters) buttons.push(h("span", { class: "hint" }, "没有这个拼音，请检查"));
    if (all.length > PAGE) {
      buttons.push(
        h("button", { type: "button", class: "key key-page", disabled: page === 0, onclick: () => turn(-1) }, "上一页"),
        h("button", { type: "button", class: "key key-page", disabled: page >= pages - 1, onclick: () => turn(1) }, "下一页"),
      );
    }
    bar.replaceChildren(...buttons);
  }

  function turn(by) {
    page += by;
    draw();
  }

  function choose(char) {
    emit(input.value + char);
    typed = "";
    page = 0;
    draw();
  }

  function letter(char) {
    if (typed.length >= 6) return;
    typed += char;
    page = 0;
    draw();
  }

  function backspace() {
    if (typed) typed = typed.slice(0, -1);
    else emit(input.value.slice(0, -1));
    page = 0;
    draw();
  }

  function clear() {
    typed = "";
    page = 0;
    emit("");
    draw();
  }

  const keyboard = h(
    "div",
    { class: "pinyin", role: "group", "aria-label": label },
    h("div", { class: "pinyin-head" }, shown),
    bar,
    ROWS.map((row, n) =>
      h(
        "div",
        { class: "key-row" },
        [...row].map((char) => h("button", { type: "button", class: "key key-letter", onclick: () => letter(char) }, char)),
        n === 2 ? h("button", { type: "button", class: "key key-wide", "aria-label": "退格", onclick: backspace }, "⌫ 退格") : null,
        n === 2 ? h("button", { type: "button", class: "key key-wide", onclick: clear }, "清空") : null,
      ),
    ),
  );
  draw();
  loadPinyin()
    .then((loaded) => {
      table = loaded;
      draw();
    })
    .catch(() => {
      shown.textContent = "拼音数据加载失败，请联系工作人员";
    });
  // a reset empties the input: whatever was half typed goes with it
  input.addEventListener("input", () => {
    if (!input.value && typed) {
      typed = "";
      draw();
    }
  });
  return keyboard;
}
