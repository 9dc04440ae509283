"""Templates: HTML escapes what the data says; administrators' SMS wording is checked."""

from __future__ import annotations

import pytest

from servicehall.errors import InvalidInput
from servicehall.notify.templates import (
    SMS_TEMPLATES,
    check_sms_body,
    render_mail,
    render_sms,
    sms_segments,
)

DIGEST = {
    "enterprise_name": "<script>alert(1)</script>恒信食品",
    "day_label": "11月25日",
    "information": [
        {
            "title": "关于<b>申报</b>的通知",
            "summary": "摘要 & 说明",
            "source": "珠海市斗门区市场监督管理局",
            "published": "11月25日 09:30",
            "url": "https://hall.example.cn/information/7?a=1&b=2",
        }
    ],
    "reminders": [{"text": "您的“食品生产许可证”将于2027年1月13日到期", "due": "2027年1月13日"}],
    "unread": 3,
    "page_url": "https://hall.example.cn/enterprise",
    "subscriptions_url": "https://hall.example.cn/enterprise/subscriptions",
}


def test_html_escapes_an_enterprise_name_with_script() -> None:
    mail = render_mail("enterprise_digest", **DIGEST)
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;恒信食品" in mail.html
    assert "关于&lt;b&gt;申报&lt;/b&gt;的通知" in mail.html and "摘要 &amp; 说明" in mail.html
    assert 'href="https://hall.example.cn/information/7?a=1&amp;b=2"' in mail.html
    # plain text carries the name as it is, and the subject is one line
    assert "<script>alert(1)</script>恒信食品：" in mail.text
    assert "\n" not in mail.subject and mail.subject.startswith("【斗门区网上办事大厅】")
    assert "2027年1月13日前" in mail.text and "3条未读消息" in mail.text


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    incomplete = {k: v for k, v in DIGEST.items() if k != "page_url"}
    with pytest.raises(Exception, match="page_url"):
        render_mail("enterprise_digest", **incomplete)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("【斗门区网上办事大厅】验证码{{ code }，请勿告诉他人", "语法错误"),
        ("【斗门区网上办事大厅】验证码{{ code }}，发给{{ phone }}", "未知变量：phone"),
        ("【斗门区网上办事大厅】请在{{ minutes }}分钟内完成", "缺少必需变量：code"),
        ("验证码{{ code }}，{{ minutes }}分钟内有效", "【签名】"),
        ("【斗门区网上办事大厅】{{ code }}" + "很长" * 160, "过长"),
    ],
)
def test_administrators_wording_is_checked(body: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_sms_body(SMS_TEMPLATES["enterprise_activation"], body)
    assert message in caught.value.message and caught.value.field == "body"


def test_sms_rendering_and_billing() -> None:
    spec = SMS_TEMPLATES["enterprise_activation"]
    body = check_sms_body(
        spec, "  【斗门区网上办事大厅】验证码 {{ code }}，{{ minutes }}分钟内有效。 "
    )
    assert body == "【斗门区网上办事大厅】验证码 {{ code }}，{{ minutes }}分钟内有效。"
    assert render_sms(body, {"code": "123456", "minutes": 10}).endswith(
        "验证码 123456，10分钟内有效。"
    )
    assert sms_segments("字" * 70) == 1
    assert sms_segments("字" * 71) == 2
    assert sms_segments("字" * 135) == 3
    # the sandbox refuses to reach into Python objects
    with pytest.raises(InvalidInput):
        render_sms("【斗门区网上办事大厅】{{ code.__class__.__mro__ }}", {"code": "1"})
    for spec in SMS_TEMPLATES.values():  # every built-in wording passes its own checks
        assert check_sms_body(spec, spec.default) == spec.default
