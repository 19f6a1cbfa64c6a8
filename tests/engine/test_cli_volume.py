"""``kefu case open volume_escalation`` is refused (R2.13: the worker opens it when the count is reached)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from engine.store import Store
from tests.engine.conftest import Kefu

NOW = "2026-11-23T10:00:00+08:00"
START = {"level": "report", "valid_count": 5, "threshold": 5, "window_text": "30天",
         "complaint_numbers": "TS-SZP-2026-000001", "project": "sz-property-lyc"}


def test_the_cli_refuses_a_volume_escalation_by_hand_in_chinese(kefu: Kefu, db_url: str,
                                                                 tmp_path: Path) -> None:
    assert kefu("init", "--demo")[0] == 0
    form = tmp_path / "start.json"
    form.write_text(json.dumps(START, ensure_ascii=False), encoding="utf-8")
    for who in ("zheng.xiaoyan", "li.na"):  # the manager who receives it, the supervisor who writes it
        code, out, err = kefu("case", "open", "volume_escalation", "--data", f"@{form}", actor=who)
        assert code == 1, out
        assert "opened only by the worker" in err and "不能手工受理" in err
    store = Store(db_url)
    try:
        with store.read() as tx:
            count = tx.conn.execute(text("SELECT count(*) FROM cases WHERE process_id = 'volume_escalation'"))
            assert count.scalar() == 0
    finally:
        store.dispose()
