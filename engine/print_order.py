"""The dispatch order 派工单 as a PDF: one A5-landscape page per copy of the policy's 一式四联 (R3.2).

reportlab's built-in CID font ``STSong-Light`` draws Chinese without any font file on the machine.

A ReportLab ``Paragraph`` reads its text as markup (``<img src>`` embeds a file from the server's disk,
``<a href>`` makes a live link, a broken tag raises). Every text printed here, the order's free text
and also the labels, goes through ``_text`` first: escaped, so it is drawn as the characters it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from engine.repair_orders import PrintableOrder

__all__ = ["CHINESE_FONT", "COPY_ORDINALS", "SIGNATURES", "render_order_pdf"]

CHINESE_FONT = "STSong-Light"
COPY_ORDINALS = ("第一联", "第二联", "第三联", "第四联", "第五联", "第六联")
SIGNATURES = ("维修人员签字", "业主签字确认", "完工时间")


def _font() -> str:
    if CHINESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))
    return CHINESE_FONT


def _text(value: object) -> str:
    """``value`` as Paragraph markup that draws exactly its characters: & < > escaped, lines kept."""
    text = "".join(ch for ch in str(value) if ch in "\n\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))
    return "<br/>".join(escape(line) for line in text.splitlines()) if text else ""


def copy_label(index: int, copy: dict[str, object]) -> str:
    """E.g. ``第一联 业主联``."""
    ordinal = COPY_ORDINALS[index] if index < len(COPY_ORDINALS) else f"第{index + 1}联"
    return f"{ordinal} {copy.get('name', copy.get('code', ''))}"


def render_order_pdf(printable: PrintableOrder, company: str,
                     signatures: Sequence[str] = SIGNATURES) -> bytes:
    """The PDF bytes: a page per copy, each with the order's rows and the signature lines."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=11)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A5), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, title=f"派工单 {printable.order.number}",
                            author=company)
    story: list[object] = []
    copies = printable.copies or ({"code": "single", "name": ""},)
    for index, copy in enumerate(copies):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(_text(f"{company} 报修派工单"), title))
        story.append(Paragraph(_text(f"编号 {printable.order.number}　　{copy_label(index, copy)}"), small))
        story.append(Spacer(1, 3 * mm))
        data = [[Paragraph(_text(k), cell), Paragraph(_text(v) or "　", cell)] for k, v in printable.rows[1:]]
        data += [[Paragraph(_text(s), cell), Paragraph("　", cell)] for s in signatures]
        table = Table(data, colWidths=[32 * mm, doc.width - 32 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
