// On-screen keypads for what a touch screen's own keyboard makes slow: case numbers
// and ID-number suffixes (digits and X) and captcha answers (digits at a kiosk).
import { h } from "./dom.js";

export const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"];
export const CAPTCHA = "23456789ABCDEFGHJKMNPRTUVWXY".split("");
/** A kiosk's captcha is digits only (the hall draws 2-9 for kiosks). */
export const CAPTCHA_DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];

/** A keypad typing into ``input`` (and firing its input event). */
export function keypad(input, keys, label) {
  function type(change) {
    input.value = change(input.value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  return h(
    "div",
    { class: `keypad ${keys.length > 12 ? "keypad-wide" : ""}`, role: "group", "aria-label": label },
    keys.map((key) =>
      h("button", { type: "button", class: "key", onclick: () => type((v) => v + key) }, key),
    ),
    h("button", { type: "button", class: "key key-wide", "aria-label": "退格", onclick: () => type((v) => v.slice(0, -1)) }, "⌫ 退格"),
    h("button", { type: "button", class: "key key-wide", onclick: () => type(() => "") }, "清空"),
  );
}
