"""A unit's rules as readable Chinese articles grouped by chapter, and the 实施细则 as a formal document.

``chapters`` gives what the policy page shows: every rule in force (``catalogue.NOT_IN_FORCE`` left
out, as in ``kefu policy rules``), numbered 第1条 … across chapters 一、二、…, each with its value
in words, the seed clause, and whether the unit changed it (the group's value beside it, and the
line of the unit's file). ``render_docx`` and ``render_pdf`` print the same articles as a formal
document: title, the unit chain and the fingerprint, chapter headings 第一章 …, articles 第N条 and
the seed clause of each, in that numbering.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from engine.policy.catalogue import ENTRIES, NOT_IN_FORCE, SECTIONS
from engine.policy.effective import EffectivePolicy
from engine.policy.rules import Labels, _differs, _numeral, format_value

__all__ = ["Article", "Chapter", "chapters", "document_title", "render_docx", "render_pdf"]


@dataclass(frozen=True)
class Article:
    """One rule: its number, key, title, value in words, seed clause, and the unit's change if any."""

    number: int
    key: str
    title: str
    text: str
    clause: str
    changed: bool
    group_text: str  # the group's value in words ("" when the unit keeps it, or for the group itself)
    note: str  # where and how the unit differs ("相同" when it keeps the group's)


@dataclass(frozen=True)
class Chapter:
    """A chapter of the rules: its numeral, title and articles."""

    numeral: str
    title: str
    articles: list[Article] = field(default_factory=list)


def document_title(policy: EffectivePolicy, group: EffectivePolicy, names: Mapping[str, str]) -> str:
    """``深圳物业公司客服工作实施细则`` (the group's: ``…管理标准``)."""
    name = names.get(policy.code, policy.code)
    return f"{name}客服工作{'管理标准' if policy.code == group.code else '实施细则'}"


def chapters(policy: EffectivePolicy, group: EffectivePolicy, names: Mapping[str, str],
             labels: Labels | None = None) -> list[Chapter]:
    """The unit's rules in force, chapter by chapter, numbered as the 实施细则 numbers them."""
    is_group = policy.code == group.code
    out: list[Chapter] = []
    number = 0
    for spec in ENTRIES:
        head = spec.key.split(".")[0]
        if head == "unit" or spec.key in NOT_IN_FORCE or not policy.has(spec.key):
            continue
        if not out or out[-1].title != SECTIONS.get(head, head):
            out.append(Chapter(_numeral(len(out) + 1), SECTIONS.get(head, head)))
        number += 1
        value = policy.get(spec.key)
        base = group.get(spec.key) if group.has(spec.key) else None
        changed = not is_group and value != base
        note = "—" if is_group else _differs(policy, group, spec, value, base, names, labels)
        group_text = format_value(group, spec, base, labels) if changed and base is not None else ""
        text = format_value(policy, spec, value, labels)
        out[-1].articles.append(Article(number, spec.key, spec.title, text, spec.clause, changed, group_text,
                                        note))
    return out


def _intro(policy: EffectivePolicy, names: Mapping[str, str]) -> list[str]:
    chain = " → ".join(names.get(code, code) for code in policy.chain)
    return [f"单位链：{chain}。",
            "本细则由系统依据生效策略自动生成，只列现行有效、系统据以执行的规定"
            f"（策略指纹 {policy.fingerprint[:12]}）。",
            "每条规定注明所依据的制度条款；本单位调整集团标准之处注明集团标准值。"]


def render_docx(policy: EffectivePolicy, group: EffectivePolicy, names: Mapping[str, str],
                labels: Labels | None = None, *, generated: datetime | None = None) -> bytes:
    """The 实施细则 as a Word document: title, chapters 第一章 …, articles 第N条 with their basis."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for name in ("Title", "Heading 1"):
        doc.styles[name].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    title = doc.add_heading(document_title(policy, group, names), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in _intro(policy, names):
        doc.add_paragraph(line)
    if generated is not None:
        doc.add_paragraph(f"生成时间：{generated:%Y年%m月%d日 %H:%M}")
    for chapter in chapters(policy, group, names, labels):
        doc.add_heading(f"第{chapter.numeral}章　{chapter.title}", level=1)
        for article in chapter.articles:
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"第{article.number}条　").bold = True
            paragraph.add_run(f"{article.title}：{article.text}。")
            basis = doc.add_paragraph(f"依据：{article.clause}。" + (
                f"本单位调整（集团标准：{article.group_text}）。" if article.changed else ""))
            basis.paragraph_format.left_indent = Pt(22)
            basis.runs[0].font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_pdf(policy: EffectivePolicy, group: EffectivePolicy, names: Mapping[str, str],
               labels: Labels | None = None, *, generated: datetime | None = None) -> bytes:
    """The 实施细则 as an A4 PDF with the same headings and numbering as the Word document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from engine.print_order import _font

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    basis = ParagraphStyle("basis", parent=body, fontSize=8.5, leading=12, leftIndent=8 * mm,
                           textColor="#555555")
    heading = ParagraphStyle("h1", parent=body, fontSize=14, leading=22, spaceBefore=10, spaceAfter=4)
    title_style = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=1, spaceAfter=8)
    story: list[Any] = [Paragraph(escape(document_title(policy, group, names)), title_style)]
    story += [Paragraph(escape(line), basis) for line in _intro(policy, names)]
    if generated is not None:
        story.append(Paragraph(escape(f"生成时间：{generated:%Y年%m月%d日 %H:%M}"), basis))
    story.append(Spacer(1, 4 * mm))
    for chapter in chapters(policy, group, names, labels):
        story.append(Paragraph(escape(f"第{chapter.numeral}章　{chapter.title}"), heading))
        for article in chapter.articles:
            line = f"<b>第{article.number}条</b>　{escape(article.title)}：{escape(article.text)}。"
            story.append(Paragraph(line, body))
            extra = f"本单位调整（集团标准：{article.group_text}）。" if article.changed else ""
            story.append(Paragraph(escape(f"依据：{article.clause}。{extra}"), basis))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=document_title(policy, group, names))
    doc.build(story)
    return out.getvalue()
