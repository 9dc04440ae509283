"""Issue 21: the kiosk process prints an item's guide as a PDF with its Chinese font
embedded, from public data only; guides seen before still print while the hall is away."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from servicehall.errors import ServiceUnavailable
from servicehall.kiosk.printable import font_path
from servicehall.kiosk.printing import guide_url
from servicehall.settings import Settings
from tests.browser.conftest import artifact
from tests.kiosk.support import JINGAN, register
from tests.kiosk.test_kiosk_process import kiosk


def pdf_text(pdf: bytes) -> tuple[str, set[str]]:
    """The text of every page, and the names of the fonts embedded in the file."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    fonts.add(str(descendant.get_object()["/BaseFont"]))
    return "\n".join(page.extract_text() for page in reader.pages), fonts


def to_png(pdf: bytes, name: str) -> Path | None:
    """The first page as PNG in test-artifacts/ (pdftoppm, from poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        return None
    root = artifact(name).with_suffix("")
    source = root.with_suffix(".pdf")
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", source, root],
        check=True,
        timeout=60,
    )
    png = root.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return png


@pytest.fixture
def cjk_font() -> Path:
    """The machine's CJK font (.ci/run installs it; elsewhere the test skips without it)."""
    try:
        return font_path()
    except ServiceUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(str(missing))
        pytest.skip(str(missing))


async def test_a_guide_prints_with_its_station_and_a_qr_code(
    kiosk_settings: Settings, cjk_font: Path
) -> None:
    client_id, secret = await register(kiosk_settings)
    async with kiosk(kiosk_settings, client_id, secret) as terminal:
        station = (await terminal.call("StationPage", {"code": JINGAN, "category": None})).json()
        page = station["data"]["station"]
        nodes = [edge["node"] for edge in page["items"]["edges"]]
        guide = (await terminal.call("ItemGuide", {"code": nodes[0]["code"]})).json()["data"]

        printed = await terminal.client.get(f"/guide.pdf?code={nodes[0]['code']}&station={JINGAN}")
        assert printed.status_code == 200, printed.text
        assert printed.headers["content-type"] == "application/pdf"
        assert printed.headers["cache-control"] == "no-store"
        assert printed.content.startswith(b"%PDF-")
        text, fonts = pdf_text(printed.content)
        item = guide["serviceItem"]
        flat = "".join(text.split())
        for expected in (
            item["name"],
            "办理条件",
            "申请材料",
            item["guide"]["materials"][0]["name"],
            "办理流程",
            f"承诺时限{item['promisedLimitDays']}个工作日",
            "办事站地址",
            page["address"],
            page["openingHours"],
            guide_url(kiosk_settings.issuer, item["code"]),
        ):
            assert "".join(expected.split()) in flat, expected
        assert any("WenQuanYiMicroHei" in font for font in fonts), fonts  # embedded
        to_png(printed.content, "kiosk-printed-guide.png")

        for bad, field in (("code=nope", "code"), (f"code={item['code']}&station=12", "station")):
            refused = await terminal.client.get(f"/guide.pdf?{bad}")
            assert refused.status_code == 400
            assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT", field
        missing = await terminal.client.get("/guide.pdf?code=XX-XX-99999")
        assert missing.status_code == 404

        # the hall goes away: a guide seen before prints, one never seen does not
        terminal.network.down = True
        offline = await terminal.client.get(f"/guide.pdf?code={item['code']}&station={JINGAN}")
        assert offline.status_code == 200
        assert "办事站地址" in pdf_text(offline.content)[0]
        unseen = await terminal.client.get(f"/guide.pdf?code={nodes[1]['code']}")
        assert unseen.status_code == 503


def test_a_missing_font_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from servicehall.errors import ServiceUnavailable
    from servicehall.kiosk import printable

    assert printable.font_path().is_file()
    monkeypatch.setattr(printable, "FONT_CANDIDATES", ())
    with pytest.raises(ServiceUnavailable):
        printable.font_path("/nonexistent/font.ttf")
