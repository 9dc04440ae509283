// Form pieces of the pages where a resident types (progress, rating, search): labelled
// fields, inputs that never autocomplete, messages, and the proof of a case (the
// applicant's name on the pinyin keyboard, or the ID number's last six characters on the
// keypad, issue 21).
import { Refused, Unavailable } from "./api.js";
import { h, uid } from "./dom.js";
import { DIGITS, keypad } from "./keypad.js";
import { pinyinKeyboard } from "./pinyin.js";

export function field(label, input, hint) {
  const id = uid("field");
  input.id = id;
  const hintId = hint ? uid("hint") : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
  );
}

export function textInput(form, key, attrs) {
  const input = h("input", {
    type: "text",
    class: "input",
    autocomplete: "off",
    autocorrect: "off",
    autocapitalize: "off",
    spellcheck: "false",
    ...attrs,
  });
  input.value = form[key] || "";
  input.addEventListener("input", () => {
    form[key] = input.value;
  });
  return input;
}

export function message(text, kind = "error") {
  return h("p", { class: `message message-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function problem(error) {
  if (error instanceof Refused || error instanceof Unavailable) return message(error.message);
  throw error;
}

/** The applicant's name or the ID number's last six characters, as the resident chooses:
 * ``form.by`` is "name" or "suffix"; ``variables()`` what the operations take. */
export function proofFields(form) {
  form.by ||= "name";
  const name = textInput(form, "name", { maxlength: "32", lang: "zh-CN" });
  const suffix = textInput(form, "suffix", { inputmode: "numeric", maxlength: "6" });
  const byName = h("div", { class: "proof-part" }, field("申请人姓名", name, "用下方拼音键盘输入：先按拼音，再点选汉字"), pinyinKeyboard(name));
  const bySuffix = h(
    "div",
    { class: "proof-part" },
    field("身份证号码后六位", suffix, "申请人身份证号码的最后六位，末位可为X"),
    keypad(suffix, DIGITS, "证件号码键盘"),
  );
  const group = uid("by");
  const choices = h(
    "fieldset",
    { class: "proof-choice" },
    h("legend", {}, "核对方式"),
    [
      ["name", "凭申请人姓名"],
      ["suffix", "凭身份证号码后六位"],
    ].map(([value, label]) => {
      const id = uid("proof");
      const radio = h("input", { type: "radio", name: group, id, value, checked: form.by === value });
      radio.addEventListener("change", () => {
        form.by = value;
        show();
      });
      return h("div", { class: "level" }, radio, h("label", { for: id }, label));
    }),
  );
  function show() {
    byName.hidden = form.by !== "name";
    bySuffix.hidden = form.by !== "suffix";
  }
  show();
  return {
    node: h("div", { class: "proof" }, choices, byName, bySuffix),
    ready: () => Boolean(form.by === "name" ? (form.name || "").trim() : (form.suffix || "").trim()),
    variables: () =>
      form.by === "name"
        ? { applicantName: form.name.trim(), idNumberSuffix: null }
        : { applicantName: null, idNumberSuffix: form.suffix.trim() },
  };
}
