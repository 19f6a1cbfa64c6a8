"""A signed supervision order tells the responsible department at once, in the signing transaction."""

from __future__ import annotations

import pytest

from engine.store.worker_repo import WorkerRepo
from engine.worker.events import install
from tests.engine.worker.conftest import REQUIRED_BY
from tests.scenarios.conftest import Desk


def _order_notices(desk: Desk) -> list[tuple[str, str]]:
    with desk.runtime.store.read() as tx:
        return sorted((m.recipient, m.channel) for m in WorkerRepo(tx).messages() if m.kind == "order_signed")


def test_signing_the_order_texts_and_mails_the_responsible_department_head(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)
    assert _order_notices(desk) == []
    desk.complete(n, "sign_order", order_decision="sign")
    assert _order_notices(desk) == [("yang.fan", "email"), ("yang.fan", "sms")]
    with desk.runtime.store.read() as tx:
        [note] = WorkerRepo(tx).notifications("yang.fan")
    assert note.title == f"【督办令】投诉{n}已签发" and note.case_number == n


def test_a_failed_transition_leaves_no_notification_behind(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    install(desk.runtime)
    n = desk.open().number
    desk.complete(n, "raise_order", order_summary="请物业部处理", required_completion=REQUIRED_BY)

    def fail(point: str) -> None:
        raise RuntimeError("database went away")

    desk.runtime.before_commit = fail
    with pytest.raises(RuntimeError):
        desk.complete(n, "sign_order", order_decision="sign")
    desk.runtime.before_commit = None
    assert _order_notices(desk) == []
