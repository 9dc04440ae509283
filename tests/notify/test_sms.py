"""Text messages: the HTTP gateway driver's contract and how its answers are classified."""

from __future__ import annotations

import json

import httpx2
import pytest

from servicehall.notify.email import DeliveryError
from servicehall.notify.sms import HttpSmsGateway, mask_phone


def _gateway(handler: httpx2.MockTransport) -> HttpSmsGateway:
    return HttpSmsGateway("https://sms.example.cn/v1/send", "key-123", transport=handler)


async def test_posts_the_message_with_its_id_and_the_key() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"ok": True})

    gateway = _gateway(httpx2.MockTransport(answer))
    await gateway.send(
        "13900001111", "【斗门区网上办事大厅】验证码123456", template="t", message_id="abc"
    )
    await gateway.close()
    (request,) = seen
    assert request.headers["authorization"] == "Bearer key-123"
    assert json.loads(request.content) == {
        "id": "abc",
        "phone": "13900001111",
        "template": "t",
        "text": "【斗门区网上办事大厅】验证码123456",
    }


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (403, True), (429, False), (500, False), (503, False)]
)
async def test_refusals_are_classified(status: int, permanent: bool) -> None:
    gateway = _gateway(httpx2.MockTransport(lambda r: httpx2.Response(status, text="号码无效")))
    with pytest.raises(DeliveryError) as caught:
        await gateway.send("13900001111", "x", template="t", message_id="abc")
    assert caught.value.permanent is permanent and str(status) in caught.value.message


async def test_an_unreachable_gateway_is_retried() -> None:
    def fail(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    with pytest.raises(DeliveryError) as caught:
        await _gateway(httpx2.MockTransport(fail)).send("1", "x", template="t", message_id="a")
    assert caught.value.permanent is False


def test_phone_numbers_are_masked() -> None:
    assert mask_phone("13926901234") == "139****1234"
    assert mask_phone("123") == "****"
