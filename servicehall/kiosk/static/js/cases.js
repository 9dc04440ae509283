// What a resident proves with a case number and the applicant's name or the ID number's
// last six characters (issue 21): progress (CASE-1, CASE-2) and the rating of a completed
// case with a captcha (RATE-1), the kiosk's large digits-only one. Everything typed or
// shown here lives in ``nav.personal`` only, which the idle reset empties; inputs never
// autocomplete and are never submitted as forms (no browser form history).
import { call, Refused } from "./api.js";
import { h, minute, uid } from "./dom.js";
import { field, message, problem, proofFields, textInput } from "./form.js";
import { CAPTCHA_DIGITS, DIGITS, keypad } from "./keypad.js";

/** The five levels of 好差评 (RatingLevel in the schema; a test keeps them equal). */
export const LEVELS = [
  ["VERY_SATISFIED", "非常满意", 5],
  ["SATISFIED", "满意", 4],
  ["BASIC", "基本满意", 3],
  ["DISSATISFIED", "不满意", 2],
  ["VERY_DISSATISFIED", "非常不满意", 1],
];
const PHRASES = ["办事效率高", "服务态度好", "材料要求清楚", "等候时间较长", "流程不够清楚"];
const FINISHED = new Set(["COMPLETED", "COLLECTED"]);

function clockText(clock) {
  if (!clock) return "尚未受理，受理后开始计时";
  if (clock.onTime !== null && clock.onTime !== undefined) {
    return clock.onTime ? "已在法定时限内办结" : "办结超出法定时限";
  }
  const left = clock.remainingDays >= 0 ? `剩余${clock.remainingDays}个工作日` : `已超期${-clock.remainingDays}个工作日`;
  return `${clock.level.label}：${left}${clock.deadline ? `，预计${clock.deadline}前办结` : ""}`;
}

function caseCard(nav, found, form) {
  const finished = FINISHED.has(found.stage.value);
  return h(
    "section",
    { class: "case", "aria-label": "办件进度" },
    h("h2", {}, `当前环节：${found.stage.label}`),
    h(
      "dl",
      { class: "facts" },
      [
        ["办件编号", found.formattedCaseNumber],
        ["办理事项", found.item.name],
        ["办理部门", `${found.department.name}（${found.department.phone}）`],
        ["申请人", found.applicantName],
        ["办理时限", clockText(found.clock)],
        ["办理结果", found.outcome ? found.outcome.label : ""],
        ["评价", found.rating ? `${found.rating.level.label}（${found.rating.stars}星）` : ""],
      ]
        .filter(([, value]) => value)
        .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
    ),
    h("h3", {}, "办理过程"),
    h(
      "ol",
      { class: "timeline" },
      found.records.map((record) =>
        h(
          "li",
          {},
          h("span", { class: "when" }, minute(record.at)),
          h("strong", {}, record.stage.label),
          h("span", { class: "who" }, record.handler),
          record.note ? h("span", { class: "note" }, record.note) : null,
        ),
      ),
    ),
    finished
      ? h(
          "button",
          {
            type: "button",
            class: "primary",
            onclick: () => {
              nav.personal.rate = { caseNumber: form.caseNumber, name: form.name, suffix: form.suffix, by: form.by };
              nav.go("rate");
            },
          },
          found.rating ? "修改评价" : "评价此办件",
        )
      : null,
  );
}

export async function progressPage(nav) {
  nav.personal.progress ||= { caseNumber: "", name: "", result: null };
  const form = nav.personal.progress;
  const number = textInput(form, "caseNumber", { inputmode: "numeric", maxlength: "30" });
  const proof = proofFields(form);
  const result = h("div", { class: "result", "aria-live": "polite" });
  const submit = h("button", { type: "button", class: "primary wide" }, "查询进度");

  function show() {
    result.replaceChildren(form.result ? caseCard(nav, form.result, form) : "");
  }
  submit.addEventListener("click", async () => {
    if (!form.caseNumber.trim() || !proof.ready()) {
      result.replaceChildren(message("请输入办件编号和申请人姓名（或身份证号码后六位）"));
      return;
    }
    submit.disabled = true;
    result.replaceChildren(message("正在查询…", "info"));
    try {
      const data = await call("CaseProgress", { caseNumber: form.caseNumber.trim(), ...proof.variables() });
      form.result = data.caseProgress;
      show();
    } catch (error) {
      form.result = null;
      result.replaceChildren(problem(error));
    } finally {
      submit.disabled = false;
    }
  });
  show();
  return h(
    "div",
    { class: "form-page" },
    h("h1", {}, "办件进度查询"),
    h("p", { class: "lead" }, "请输入办件编号，以及申请人姓名或身份证号码后六位，两者一致才能查到。"),
    h(
      "div",
      { class: "form-grid" },
      h(
        "div",
        {},
        field("办件编号", number, "如 440403-20261126-00017-2，短横线可不输"),
        keypad(number, DIGITS, "数字键盘"),
      ),
      h("div", {}, proof.node),
    ),
    submit,
    result,
  );
}

export async function ratePage(nav) {
  nav.personal.rate ||= { caseNumber: "", name: "" };
  const form = nav.personal.rate;
  const number = textInput(form, "caseNumber", { inputmode: "numeric", maxlength: "30" });
  const proof = proofFields(form);
  const comment = h("textarea", { class: "input", rows: "3", maxlength: "500", autocomplete: "off", spellcheck: "false" });
  comment.value = form.comment || "";
  comment.addEventListener("input", () => {
    form.comment = comment.value;
  });
  const answer = textInput(form, "answer", { maxlength: "8", inputmode: "numeric" });
  // drawn at 480×180 by the hall for kiosks: shown at 320×120, larger in large type
  const image = h("img", { class: "captcha-image", alt: "图形验证码图片（4位数字）", width: "320", height: "120" });
  const result = h("div", { class: "result", "aria-live": "polite" });

  async function newCaptcha() {
    form.answer = "";
    answer.value = "";
    try {
      const data = await call("CreateCaptcha");
      const payload = data.createCaptcha;
      if (payload.errors.length) throw new Refused(payload.errors[0].code, payload.errors[0].message);
      form.captcha = payload.captcha.id;
      image.src = payload.captcha.image;
    } catch (error) {
      result.replaceChildren(problem(error));
    }
  }

  const levels = h(
    "fieldset",
    { class: "levels" },
    h("legend", {}, "总体评价"),
    LEVELS.map(([value, label, count]) => {
      const id = uid("level");
      const radio = h("input", { type: "radio", name: "level", id, value, checked: form.level === value });
      radio.addEventListener("change", () => {
        form.level = value;
      });
      return h(
        "div",
        { class: "level" },
        radio,
        h("label", { for: id }, h("span", { class: "level-stars", "aria-hidden": "true" }, "★".repeat(count)), label),
      );
    }),
  );
  const phrases = h(
    "div",
    { class: "phrases", role: "group", "aria-label": "常用评价语" },
    PHRASES.map((phrase) =>
      h(
        "button",
        {
          type: "button",
          class: "chip",
          onclick: () => {
            comment.value = comment.value ? `${comment.value}，${phrase}` : phrase;
            comment.dispatchEvent(new Event("input"));
          },
        },
        phrase,
      ),
    ),
  );
  const submit = h("button", { type: "button", class: "primary wide" }, "提交评价");
  submit.addEventListener("click", async () => {
    if (!form.caseNumber.trim() || !proof.ready() || !form.level) {
      result.replaceChildren(message("请填写办件编号、申请人姓名（或身份证号码后六位）并选择评价等级"));
      return;
    }
    submit.disabled = true;
    try {
      const data = await call("RateCase", {
        input: {
          caseNumber: form.caseNumber.trim(),
          ...proof.variables(),
          level: form.level,
          channel: "KIOSK",
          comment: (form.comment || "").trim(),
          captchaId: form.captcha || null,
          captchaAnswer: form.answer || null,
        },
      });
      const payload = data.rateCase;
      if (payload.errors.length) {
        result.replaceChildren(message(payload.errors[0].message));
        await newCaptcha();
        return;
      }
      nav.personal.rate = { done: true };
      result.replaceChildren(
        message(
          `评价已提交：${payload.rating.level.label}。${payload.followUpOpened ? "您的意见已转交办理部门回访整改，15个工作日内告知处理结果。" : "感谢您的评价！"}`,
          "success",
        ),
      );
      page.replaceChildren(h("h1", {}, "办件评价"), result, h("button", { type: "button", class: "primary wide", onclick: () => nav.home() }, "返回首页"));
    } catch (error) {
      result.replaceChildren(problem(error));
    } finally {
      submit.disabled = false;
    }
  });

  const page = h(
    "div",
    { class: "form-page" },
    h("h1", {}, "办件评价（好差评）"),
    h("p", { class: "lead" }, "对已办结的办件评价：每件一个评价，可以修改。"),
    h(
      "div",
      { class: "form-grid" },
      h("div", {}, field("办件编号", number), keypad(number, DIGITS, "数字键盘")),
      h("div", {}, proof.node),
    ),
    levels,
    field("评价内容（可不填）", comment, "可点按下方常用语"),
    phrases,
    h(
      "div",
      { class: "captcha" },
      h("div", { class: "captcha-row" }, image, h("button", { type: "button", class: "secondary captcha-new", "aria-label": "看不清，换一张", onclick: newCaptcha }, "换一张")),
      field("图形验证码", answer, "请输入图中的4位数字"),
      keypad(answer, CAPTCHA_DIGITS, "验证码数字键盘"),
    ),
    submit,
    result,
  );
  await newCaptcha();
  return page;
}
