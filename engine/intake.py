"""Opening a case by process id, whoever asks (web intake, API, CLI); domain processes take their own step.

Some processes keep rows of their own next to the case: a visit (``visits``, the host's SMS), an
archive request (checked against the household's unit), a consultation answered from the FAQ book
(whose wording must come from the book, never from the caller). Opening one of those with the
generic ``Runtime.open_case`` would leave a case without its rows or take the wording from the form,
so every caller that opens "a case of process X" comes here, and each such process names the domain
function that opens it together with its rows, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import FormError, NotFoundError, UnknownReference
from engine.runtime import CaseView, Runtime

__all__ = ["DOMAIN_OPENERS", "open_case"]


def _visit(runtime: Runtime, data: Mapping[str, Any], actor: str, answer_base: str) -> CaseView:
    from engine.visitors import register_visit

    visit = register_visit(runtime, actor, data, answer_base)
    return runtime.get_case(visit.number, actor)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FormError(f"{name} must be text", {name: f"expected text, got {type(value).__name__}"},
                        zh=f"{name} 必须是文本")
    return value


def _archive_request(runtime: Runtime, data: Mapping[str, Any], actor: str, answer_base: str) -> CaseView:
    from engine.archives import request_access

    documents = data.get("documents_asked") or []
    if not isinstance(documents, list | tuple):
        raise FormError("documents_asked must be a list of document codes",
                        {"documents_asked": "expected a list"}, zh="涉及资料必须是资料代码的列表")
    household = _text(data, "household").strip()
    if not household:
        raise FormError("say which household's archive", {"household": "required"}, zh="请填写住户编号")
    view = request_access(runtime, actor, household, _text(data, "request_purpose"), _text(data, "question"),
                          list(documents), data.get("direct_view_requested") in (True, "true", "1", "on"))
    return view


def _consultation(runtime: Runtime, data: Mapping[str, Any], actor: str, answer_base: str) -> CaseView:
    from engine.faq import FaqBook

    raw = str(data.get("faq_entry_id") or "").strip().lstrip("#")
    entry_id: int | None = None
    if raw:
        if not raw.isdigit() or len(raw) > 9:
            error = FormError(f"FAQ entry {raw[:20]!r} is not an entry number",
                              {"faq_entry_id": "not an FAQ entry number (e.g. 12)"},
                              zh="《答客问》条目编号无效")
            error.errors_zh = {"faq_entry_id": "请填写《答客问》条目编号（如 12）"}  # type: ignore[attr-defined]
            raise error
        entry_id = int(raw)
    book = FaqBook.for_policy(runtime.store, runtime.clock, runtime.policies.effective(None))  # the group's
    if entry_id is not None:
        try:  # only this lookup: an unknown project further on is its own NotFoundError
            book.get(entry_id)
        except NotFoundError as exc:
            error = UnknownReference(str(exc), {"faq_entry_id": "no such FAQ entry"},
                                     zh=f"《答客问》中没有第 {raw} 条")
            error.errors_zh = {"faq_entry_id": f"《答客问》中没有第 {raw} 条"}  # type: ignore[attr-defined]
            raise error from exc
    return book.open_consultation(runtime, data, actor, entry_id)


Opener = Callable[[Runtime, Mapping[str, Any], str, str], CaseView]
DOMAIN_OPENERS: dict[str, Opener] = {
    "visitor_reception": _visit,
    "archive_access": _archive_request,
    "consultation": _consultation,
}


def open_case(runtime: Runtime, process_id: str, data: Any, actor: str, *, answer_base: str = "") -> CaseView:
    """Open a case of ``process_id``: through its domain step when it has one, else ``Runtime.open_case``.

    ``answer_base``: kefu's address as residents' phones reach it (the visitor host's answer link).
    """
    if not isinstance(process_id, str):
        raise FormError("process must be a process id such as complaint", {"process": "expected text"},
                        zh="process 必须是流程代码，如 complaint")
    if not isinstance(data, Mapping):
        raise FormError(f"the data of a {process_id} case must be an object of field → value, "
                        f"not {type(data).__name__}", {"data": "expected an object"},
                        zh="data 必须是“字段 → 值”的对象")
    opener = DOMAIN_OPENERS.get(process_id)
    if opener is not None:
        runtime.registry.get(process_id)  # an unknown process is a NotFoundError, as for any other
        return opener(runtime, data, actor, answer_base)
    return runtime.open_case(process_id, data, actor)
