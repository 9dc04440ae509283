// Building DOM nodes from data: text always goes in as text, never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") el.setAttribute("class", value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h("button", {class: "x", onclick: f}, "文字"). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

let ids = 0;
/** A fresh element id (labels, aria-controls). */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** "2026-11-20T10:35:00+08:00" as "2026-11-20 10:35" (the hall answers in Beijing time). */
export function minute(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") : "";
}

/** Stars of an average such as 4.3: "★★★★☆". */
export function stars(value) {
  const full = Math.round(value || 0);
  return "★".repeat(full) + "☆".repeat(5 - full);
}
