"""Message templates: e-mail as files rendered with Jinja2 (HTML autoescaped), text
messages as data an administrator may reword (rendered in Jinja2's sandbox).

Every value from the data reaches a message through a template variable, never by string
concatenation, so an enterprise called ``<script>`` arrives as text in the HTML part.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    meta,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment

from servicehall.errors import InvalidInput

_MAIL = Environment(
    loader=PackageLoader("servicehall.notify", "mail"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

MAIL_KINDS = ("enterprise_digest", "password_changed")


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(kind: str, **context: Any) -> RenderedMail:
    """Subject (one line), plain text and HTML of the e-mail ``kind``."""
    if kind not in MAIL_KINDS:
        raise LookupError(f"no e-mail template {kind!r}")
    subject = " ".join(_MAIL.get_template(f"{kind}.subject.txt").render(context).split())
    return RenderedMail(
        subject=subject,
        text=_MAIL.get_template(f"{kind}.txt").render(context),
        html=_MAIL.get_template(f"{kind}.html").render(context, subject=subject),
    )


# -- text messages -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmsVariable:
    name: str
    description: str
    sample: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class SmsTemplateSpec:
    code: str
    name: str
    variables: tuple[SmsVariable, ...]
    default: str

    def samples(self) -> dict[str, str]:
        return {v.name: v.sample for v in self.variables}


SIGNATURE = "【斗门区网上办事大厅】"
MAX_SMS_CHARS = 300
_SIGNED = re.compile(r"【[^【】\s]{2,16}】")

_ITEM = SmsVariable("item", "事项名称", "食品经营许可（延续）")
_NUMBER = SmsVariable("number", "办件编号", "440403-20261126-00017-2", required=True)

SMS_TEMPLATES = {
    spec.code: spec
    for spec in (
        SmsTemplateSpec(
            "enterprise_activation",
            "企业账号激活验证码",
            (
                SmsVariable("code", "六位验证码", "382915", required=True),
                SmsVariable("minutes", "有效分钟数", "10"),
            ),
            SIGNATURE + "您正在激活企业专属网页账号，验证码{{ code }}，{{ minutes }}分钟内有效。"
            "如非本人操作请忽略。",
        ),
        SmsTemplateSpec(
            "case_submitted",
            "办件提交告知",
            (_ITEM, _NUMBER),
            SIGNATURE + "您申请的“{{ item }}”已提交，办件编号{{ number }}，"
            "可凭办件编号和申请人姓名查询办理进度。",
        ),
        SmsTemplateSpec(
            "case_accepted",
            "办件受理告知",
            (
                _ITEM,
                _NUMBER,
                SmsVariable("days", "法定办结时限（工作日）", "20"),
                SmsVariable("deadline", "预计办结日期", "2026年12月24日"),
            ),
            SIGNATURE + "您申请的“{{ item }}”（办件编号{{ number }}）已受理，"
            "法定办结时限{{ days }}个工作日，预计{{ deadline }}前办结。",
        ),
        SmsTemplateSpec(
            "case_supplement",
            "补交材料告知",
            (_ITEM, _NUMBER, SmsVariable("materials", "需补交的材料", "营业执照副本复印件")),
            SIGNATURE + "您申请的“{{ item }}”（办件编号{{ number }}）需补交材料：{{ materials }}。"
            "补交期间不计入办理时限。",
        ),
        SmsTemplateSpec(
            "case_completed",
            "办结告知",
            (_ITEM, _NUMBER, SmsVariable("outcome", "办理结果", "准予")),
            SIGNATURE
            + "您申请的“{{ item }}”（办件编号{{ number }}）已办结，办理结果：{{ outcome }}。"
            "欢迎对本次服务作出评价。",
        ),
        SmsTemplateSpec(
            "follow_up_rectified",
            "差评整改结果告知",
            (_ITEM, _NUMBER),
            SIGNATURE + "您对“{{ item }}”（办件编号{{ number }}）的评价已核实整改，"
            "详情请登录网上办事大厅查看，工作人员将与您联系回访。",
        ),
        SmsTemplateSpec(
            "password_changed",
            "密码修改提醒",
            (
                SmsVariable("name", "账号名称", "陈晓明"),
                SmsVariable("time", "修改时间", "11月26日 09:30", required=True),
            ),
            SIGNATURE + "{{ name }}，您的账号密码已于{{ time }}修改。如非本人操作，"
            "请立即致电12345政务服务便民热线。",
        ),
    )
}

_SMS = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def check_sms_body(spec: SmsTemplateSpec, body: str) -> str:
    """The body an administrator typed, normalised, or :class:`InvalidInput` saying what
    is wrong: syntax, an unknown or missing variable, no signature, too long."""
    body = " ".join(body.split())
    try:
        used = meta.find_undeclared_variables(_SMS.parse(body))
    except TemplateError as error:
        raise InvalidInput(f"模板语法错误：{error}", field="body") from None
    known = {v.name for v in spec.variables}
    unknown = sorted(used - known)
    if unknown:
        raise InvalidInput(
            f"未知变量：{'、'.join(unknown)}；可用变量：{'、'.join(sorted(known))}", field="body"
        )
    missing = [v.name for v in spec.variables if v.required and v.name not in used]
    if missing:
        raise InvalidInput(f"缺少必需变量：{'、'.join(missing)}", field="body")
    if not _SIGNED.match(body):
        raise InvalidInput("短信须以【签名】开头，如" + SIGNATURE, field="body")
    rendered = render_sms(body, spec.samples())
    if len(rendered) > MAX_SMS_CHARS:
        raise InvalidInput(
            f"短信过长：示例内容{len(rendered)}字，最多{MAX_SMS_CHARS}字", field="body"
        )
    return body


def render_sms(body: str, values: dict[str, Any]) -> str:
    try:
        return _SMS.from_string(body).render(values)
    except TemplateError as error:
        raise InvalidInput(f"模板无法生成短信：{error}", field="body") from None


def sms_segments(text: str) -> int:
    """How many messages a carrier bills: 70 characters fit one, longer texts go in parts
    of 67 (GSM 03.38 UCS-2 with the concatenation header)."""
    return 1 if len(text) <= 70 else math.ceil(len(text) / 67)
