"""The printable service guide (办事指南, issue 21): an item's guide as an A4 PDF.

Drawn by the kiosk process from public answers only (the ``ItemGuide`` and
``StationPage`` operations, which it keeps for when the hall is unreachable): materials,
conditions, time limits, fees, where to go, the station's address and hours, and a QR code
linking to the guide online. The terminal's browser prints it through its print dialog.

Chinese text is set in WenQuanYi Micro Hei (文泉驿微米黑), embedded as a subset: the
terminal has the font for its browser anyway (``fonts-wqy-microhei``, which ``.ci/run``
installs too), it is free to embed (Apache 2.0 / GPLv3 with font exception), and an
embedded font prints the same on any viewer. reportlab's CID fonts (STSong-Light) are not
embedded and leave the glyphs to the viewer's own Asian fonts; shipping a CJK font in the
package would add megabytes. ``SERVICEHALL_KIOSK_PDF_FONT`` names another TrueType file.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from servicehall.errors import ServiceUnavailable

FONT_NAME = "WenQuanYiMicroHei"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)


def font_path(configured: str | None = None) -> Path:
    """The CJK TrueType font to embed: ``configured``, else the machine's WenQuanYi.

    Raises:
        ServiceUnavailable: no such font on this machine.
    """
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise ServiceUnavailable("本终端缺少中文字体（fonts-wqy-microhei），暂时无法打印办事指南")


@cache
def _register_font(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", base, fontSize=13, leading=18, spaceBefore=8, spaceAfter=3),
        "small": ParagraphStyle("small", base, fontSize=9, leading=12, textColor=colors.grey),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _qr(url: str, size: float = 30 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _facts(rows: list[tuple[str, Any]], s: dict[str, ParagraphStyle]) -> Table:
    data = [[_p(term, s["body"]), _p(value, s["body"])] for term, value in rows if value]
    table = Table(data, colWidths=[32 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#444444")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _materials(materials: list[dict[str, Any]], s: dict[str, ParagraphStyle]) -> Table:
    head = [_p(t, s["body"]) for t in ("材料名称", "形式", "份数", "要求")]
    rows = [head]
    for m in materials:
        counts = "，".join(
            part
            for part in (
                f"原件{m['originals']}份" if m.get("originals") else "",
                f"复印件{m['copies']}份" if m.get("copies") else "",
            )
            if part
        )
        name = m["name"] + (f"（{m['note']}）" if m.get("note") else "")
        rows.append(
            [
                _p(name, s["body"]),
                _p(m["form"]["label"], s["body"]),
                _p(counts or "—", s["body"]),
                _p("必须" if m.get("required") else "视情况", s["body"]),
            ]
        )
    table = Table(rows, colWidths=[None, 22 * mm, 34 * mm, 18 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _numbered(lines: list[str], s: dict[str, ParagraphStyle]) -> ListFlowable:
    return ListFlowable(
        [_p(line, s["body"]) for line in lines], bulletType="1", bulletFontName=s["body"].fontName
    )


def guide_pdf(
    guide: dict[str, Any],
    station: dict[str, Any] | None,
    url: str,
    printed_on: str,
    font_file: str | None = None,
) -> bytes:
    """The PDF of ``guide`` (the ``ItemGuide`` answer's data) for ``station`` (the
    ``StationPage`` answer's ``station``, or None), with a QR code of ``url``; the font is
    ``font_file`` or the machine's WenQuanYi (:func:`font_path`)."""
    font = _register_font(str(font_path(font_file)))
    s = _styles(font)
    item = guide["serviceItem"]
    detail = item["guide"]
    visits = item["visitsRequired"]
    story: list[Flowable] = [
        _p(item["name"], s["title"]),
        _p(f"办事指南 · 事项编码 {item['code']} · {printed_on} 打印", s["small"]),
        Spacer(1, 3 * mm),
    ]
    head = _facts(
        [
            ("事项类型", item["kind"]["label"]),
            ("实施部门", f"{item['department']['name']}（{item['department']['phone']}）"),
            ("法定时限", f"{item['statutoryLimitDays']}个工作日"),
            ("承诺时限", f"{item['promisedLimitDays']}个工作日"),
            ("到现场次数", "零跑动" if visits == 0 else f"最多{visits}次"),
            ("收费", "不收费" if detail["isFree"] else "收费（见收费标准）"),
        ],
        s,
    )
    story.append(Table([[head, _qr(url)]], colWidths=[None, 34 * mm]))
    story.append(_p(f"扫码查看网上办事指南：{url}", s["small"]))
    story += [_p("办理条件", s["h2"]), _numbered(detail["conditions"], s)]
    story += [_p("申请材料", s["h2"]), _materials(detail["materials"], s)]
    steps = [f"{p['name']}：{p['description']}" for p in detail["process"]]
    story += [_p("办理流程", s["h2"]), _numbered(steps, s)]
    if not detail["isFree"]:
        fees = [f"{f['name']}：{f['standard']}（依据：{f['basis']}）" for f in detail["fees"]]
        story += [_p("收费标准", s["h2"]), _numbered(fees, s)]
    story += [_p("设定依据", s["h2"]), _numbered(detail["legalBasis"], s)]
    where: list[tuple[str, Any]] = [
        ("办理地点", detail["whereToApply"]),
        ("办公时间", detail["officeHours"]),
        ("咨询电话", detail["phone"]),
        ("结果送达", detail["resultDelivery"]),
    ]
    if station:
        where += [
            ("就近办理", station["name"]),
            ("办事站地址", station["address"]),
            ("办事站电话", station["phone"]),
            ("办事站办公时间", station["openingHours"]),
        ]
    story += [_p("办理地点与咨询", s["h2"]), _facts(where, s)]
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{item['name']} 办事指南",
        author="斗门区网上办事大厅",
        invariant=1,
    )
    document.build(story)
    return out.getvalue()
