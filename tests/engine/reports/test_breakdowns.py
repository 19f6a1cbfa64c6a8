"""The monthly breakdowns on both backends: PostgreSQL counts them in one pass (GROUPING SETS), SQLite
with a UNION ALL of the four groupings; both give the same exact counts."""

from __future__ import annotations

from typing import Any

from engine.reports.monthly import monthly_statistics
from tests.conftest import shanghai

BASE: dict[str, Any] = {
    "customer_name": "周先生",
    "customer_phone": "13912345678",
    "room": "3栋1单元1202",
    "event_time": "2026-11-22T20:00:00+08:00",
    "description": "楼上漏水",
    "customer_request": "尽快维修",
    "channel": "phone",
    "category": "facilities",
    "urgency": "normal",
    "scope": "household",
    "severity": "general",
    "read_back_confirmed": True,
}


def test_the_breakdowns_are_exact_on_each_backend(runtime: Any) -> None:
    for login, changes in (
        ("zhang.wei", {}),
        ("zhang.wei", {"channel": "wechat", "category": "billing"}),
        ("liu.yang", {"category": "billing"}),
        ("fan.ming", {}),
    ):
        runtime.open_case("complaint", {**BASE, **changes}, login)
    figures = monthly_statistics(
        runtime.store, runtime.policies, "2026-11", "sz-property", now=shanghai("2026-11-23 12:00")
    )
    c = figures["complaints"]
    assert c["by_project_category"] == {
        "sz-property-jhy": {"billing": 1},
        "sz-property-lyc": {"billing": 1, "facilities": 1},
    }
    assert c["by_channel"] == {"phone": 2, "wechat": 1}
    assert c["by_urgency"] == {"normal": 3}
    assert c["by_department"] == {"finance": 2, "property": 1}
    group = monthly_statistics(
        runtime.store, runtime.policies, "2026-11", None, now=shanghai("2026-11-23 12:00")
    )
    assert group["complaints"]["by_project"] == {
        "hn-region-bhw": 1,
        "sz-property-jhy": 1,
        "sz-property-lyc": 2,
    }


def test_the_item_list_reads_the_same_on_each_backend(runtime: Any) -> None:
    """PostgreSQL formats the month's list in the database (the time in the unit's zone); SQLite in
    Python: the same JSON either way, in receipt order."""
    from engine.reports.monthly import month_range
    from engine.store.report_repo import ReportRepo, Scope

    for login, changes in (("zhang.wei", {}), ("liu.yang", {"category": "billing", "description": "物业费"})):
        runtime.open_case("complaint", {**BASE, **changes}, login)
    now = shanghai("2026-11-23 12:00")
    figures = monthly_statistics(runtime.store, runtime.policies, "2026-11", "sz-property", now=now)
    zone = runtime.policies.effective(None).calendar.tz
    start, end = month_range(2026, 11, zone)
    with runtime.store.read() as tx:
        rows = ReportRepo(tx).complaints(Scope("complaint", "subsidiary", "sz-property", start, end, now))
    assert len(rows) == 2
    assert figures["items"] == [
        {"number": number, "project": project, "category": category,
         "received_at": opened.astimezone(zone).isoformat(timespec="seconds"), "content": content or "",
         "corrective": corrective or "", "valid": bool(valid), "closed": bool(closed), "outcome": outcome}
        for number, project, category, opened, content, corrective, valid, closed, outcome in rows]
    assert all(i["received_at"].startswith("2026-11-") and i["received_at"].endswith("+08:00")
               for i in figures["items"])
    assert [i["category"] for i in figures["items"]] == ["facilities", "billing"]
