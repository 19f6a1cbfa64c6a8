"""Benchmark: the monthly report (R7.1) of one subsidiary over 1,000,000 cases vs over 10,000.

    .venv/bin/python bench/report.py [--cases 1000000] [--small 10000] [--rounds 5]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Two PostgreSQL databases are created (and dropped at the end), migrated, and given an organisation
of a group, 2 subsidiaries and 6 projects and ``--cases`` (resp. ``--small``) cases spread evenly
over the 36 months 2024-01 … 2026-12: 60 % complaints, 25 % repairs, 15 % consultations, with
categories, channels, urgencies, departments, deadlines met or missed, closures, handling times,
return visits and texts. The rows are the statistics' facts (``case_stats``: what the report reads),
loaded with ``COPY`` in the order a live system writes them (by receipt time); the workflow tables
are not filled, since no report reads them. A third database holds only the reported month's cases
of the big one (the same month without its history). The first report of each database builds its
cells (``report_cells``, as the first closed-month report after migration 0023 does: the rows were
loaded with ``COPY``, not by transitions); its time is printed. Then each round computes
``monthly_statistics`` for the subsidiary ``sub-a`` and month 2026-11 on each database in turn (the
order turning each round, so a shared machine's drift hits them alike) and serialises it to JSON
(what ``kefu report monthly`` and the API do: the figures with the first page of the month's
complaints, ``items_total`` and where the next page is; the Excel and the PDF, which list every
complaint, are not measured). Each database's month is also computed from its rows and compared
with its cells (``cells = rows: True``). Prints the median, best and worst time of each, the per-round ratios
(median, quartiles, range) of big ÷ the month alone (``history ratio``) and, last, ``ratio: X`` = the
median of the per-round ratios big ÷ small. Goals: big ≤ 1 s; ratio ≤ 3. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from engine.policy import load_policy_set  # noqa: E402
from engine.reports.monthly import monthly_statistics  # noqa: E402
from engine.store import Store  # noqa: E402

UNITS = [("group", "华锦集团", "group", None)] + [
    row for sub, name in (("sub-a", "甲公司"), ("sub-b", "乙公司"))
    for row in [(sub, name, "subsidiary", "group")] + [
        (f"{sub}-p{i}", f"{name}项目{i}", "project", sub) for i in (1, 2, 3)]]
PROJECTS = [u[0] for u in UNITS if u[2] == "project"]
CATEGORIES = ["facilities", "safety", "environment", "billing", "attitude", "communication", "handling_delay",
              "feedback_delay", "real_estate", "other"]
DEPARTMENTS = {"facilities": "property", "safety": "security", "environment": "property",
               "billing": "finance", "attitude": "property", "communication": "property",
               "handling_delay": "cs_centre",
               "feedback_delay": "cs_centre", "real_estate": "development", "other": "cs_centre"}
CHANNELS = ["phone", "visit", "letter", "email", "wechat", "app", "website"]
SATISFACTION = ["satisfied", "basically_satisfied", "dissatisfied"]
FIRST = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # 2024-01-01 00:00 Shanghai
SPAN = (datetime(2027, 1, 1, tzinfo=UTC) - timedelta(hours=8) - FIRST).total_seconds()
MONTH_START = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(hours=8)  # the reported month, Shanghai time
MONTH_END = datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=8)
NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # the report of the closed month 2026-11, made on the 3rd
COLUMNS = ("case_id", "number", "process_id", "subsidiary", "project", "opened_at", "closed_at", "status",
           "outcome", "valid", "category", "channel", "urgency", "responsible_department", "content",
           "corrective", "satisfaction", "visited_at", "handling_minutes", "dispatch_due", "dispatch_done",
           "visit_due", "visit_done", "reply_due", "reply_done", "completion_due", "completion_done")


def fact(i: int, total: int, rnd: random.Random) -> tuple[Any, ...]:
    """The facts of the i-th of ``total`` cases, received in time order as a live system writes them
    (deterministic for a seed)."""
    draw = rnd.random()
    process = "complaint" if draw < 0.6 else "repair" if draw < 0.85 else "consultation"
    project = PROJECTS[i % len(PROJECTS)]
    opened = FIRST + timedelta(seconds=(i + rnd.random()) * SPAN / total)  # received in time order
    closed = opened + timedelta(hours=rnd.uniform(0.5, 240)) if rnd.random() < 0.85 else None
    category = rnd.choice(CATEGORIES)
    unresolvable = closed is not None and rnd.random() < 0.02
    visited = closed + timedelta(hours=2) if closed is not None and rnd.random() < 0.9 else None

    def pair(minutes: float, late_share: float) -> tuple[datetime | None, datetime | None]:
        due = opened + timedelta(minutes=minutes)
        if rnd.random() < 0.05:
            return due, None
        spent = minutes * (rnd.uniform(1.05, 3) if rnd.random() < late_share else rnd.uniform(0.1, 1))
        return due, opened + timedelta(minutes=spent)

    deadlines: list[datetime | None] = []
    for minutes, late in ((30, 0.1), (90, 0.15), (24 * 60, 0.1), (72 * 60, 0.2)):
        deadlines.extend(pair(minutes, late) if process == "complaint" else (None, None))
    outcome = "unresolvable" if unresolvable else "resolved" if closed else None
    urgency = "emergency" if rnd.random() < 0.05 else "normal"
    return (uuid.uuid4().hex, f"TS-{i:08d}", process, project[:5], project, opened, closed,
            "closed" if closed else "in_progress", outcome, rnd.random() > 0.03, category,
            rnd.choice(CHANNELS), urgency,
            DEPARTMENTS[category], f"第{i}号投诉：楼上漏水，天花板渗水已两天，请尽快处理。",
            "修复防水层并重新粉刷天花板\n客户签字验收" if closed else None,
            rnd.choice(SATISFACTION) if visited else None, visited,
            int(rnd.uniform(30, 3000)) if closed else None, *deadlines)


def build(admin: str, cases: int, seed: int, month_only: bool = False) -> str:
    """A new migrated database with the org and ``cases`` facts (only those received in the reported
    month with ``month_only``); returns its URL."""
    name = f"kefu_bench_report_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    store = Store(url)
    store.migrate()
    store.dispose()
    rnd = random.Random(seed)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            for code, title, kind, parent in UNITS:
                cur.execute("INSERT INTO org_units (code, name, kind, parent) VALUES (%s, %s, %s, %s)",
                            (code, title, kind, parent))
            with cur.copy(f"COPY case_stats ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for i in range(cases):
                    row = fact(i, cases, rnd)
                    if month_only and not MONTH_START <= row[5] < MONTH_END:
                        continue
                    copy.write_row(row)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE case_stats")
    what = "the reported month of " if month_only else ""
    print(f"loaded {what}{cases:,} cases into {name} in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def prepare(url: str) -> tuple[Store, Any, dict[str, Any], float]:
    """A store on ``url``, the policies, a first report (which builds the cells of the zone on
    PostgreSQL when they are not kept yet: what the first closed-month report after migration 0023
    does) and how long that first report took."""
    store = Store(url)
    policies = load_policy_set(ROOT / "policies")
    started = time.perf_counter()
    figures = monthly_statistics(store, policies, "2026-11", "sub-a", now=NOW)
    return store, policies, figures, time.perf_counter() - started


def same_as_rows(store: Store) -> bool:
    """The measured month of ``sub-a`` from its cells equals the same figures from its rows."""
    from zoneinfo import ZoneInfo

    from engine.reports.monthly import month_range
    from engine.store.report_repo import ReportRepo, Scope

    zone, scale, others = "Asia/Shanghai", list(SATISFACTION), ["repair", "consultation"]
    start, end = month_range(2026, 11, ZoneInfo(zone))
    scope = Scope("complaint", "subsidiary", "sub-a", start, end, end)
    with store.read() as tx:
        repo = ReportRepo(tx)
        if not repo.month_cells(scope, zone):
            return False
        totals, breakdowns, other = repo.cell_month(scope, zone, scale, others)
        rows = {k: sorted(v, key=str) for k, v in repo.breakdowns(scope).items()}
        return (totals == repo.figures(scope, scale) and other == repo.process_totals(scope, others)
                and {k: sorted(v, key=str) for k, v in breakdowns.items()} == rows)


def once(store: Store, policies: Any) -> float:
    """Seconds for one report (figures + JSON)."""
    started = time.perf_counter()
    figures = monthly_statistics(store, policies, "2026-11", "sub-a", now=NOW)
    json.dumps(figures, ensure_ascii=False)
    return time.perf_counter() - started


def main() -> int:
    """Build the databases, measure them in interleaved rounds, print, drop."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", metavar="URL")
    parser.add_argument("--keep", action="store_true", help="Keep the databases (their URLs are printed).")
    parser.add_argument("--reuse", nargs=2, metavar=("BIG_URL", "SMALL_URL"),
                        help="Measure databases kept by an earlier --keep run instead of building them.")
    args = parser.parse_args()
    urls: list[str] = []
    stores: dict[str, tuple[Store, Any]] = {}
    try:
        runs = [("big", args.cases, 1, False), ("month", args.cases, 1, True),
                ("small", args.small, 2, False)]
        for label, count, seed, month_only in runs:
            if args.reuse and label == "month":
                continue
            url = (args.reuse[0 if label == "big" else 1] if args.reuse
                   else build(args.postgres, count, seed, month_only))
            if not args.reuse and not args.keep:
                urls.append(url)
            if args.keep:
                print(f"kept {label}: {url}", flush=True)
            store, policies, figures, first = prepare(url)
            stores[label] = (store, policies)
            c = figures["complaints"]
            scope = "only 2026-11 of " if month_only else ""
            print(f"{label}: {scope}{count:,} cases; sub-a 2026-11: {c['received']:,} complaints, "
                  f"{len(figures['items']):,} of {c['items_total']:,} listed; first report "
                  f"{first * 1000:.0f} ms (builds the cells when not kept yet); cells = rows: "
                  f"{same_as_rows(store)}", flush=True)
        # Interleaved rounds (the order turns each round), so a shared machine's drift hits every
        # database alike; each round's ratios are of reports a few milliseconds apart.
        times: dict[str, list[float]] = {label: [] for label in stores}
        labels = list(stores)
        for i in range(args.rounds):
            for label in labels[i % len(labels):] + labels[:i % len(labels)]:
                times[label].append(once(*stores[label]))
        for label, values in times.items():
            print(f"{label}: median {statistics.median(values) * 1000:.1f} ms, "
                  f"best {min(values) * 1000:.1f} ms, worst {max(values) * 1000:.1f} ms "
                  f"over {args.rounds} rounds", flush=True)

        def spread(name: str, other: str) -> float:
            ratios = sorted(a / b for a, b in zip(times[name], times[other], strict=True))
            q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
            median = statistics.median(ratios)
            print(f"{name} ÷ {other} per round: median {median:.2f}, quartiles {q1:.2f}–{q3:.2f}, "
                  f"range {ratios[0]:.2f}–{ratios[-1]:.2f}; ratio of the medians "
                  f"{statistics.median(times[name]) / statistics.median(times[other]):.2f}")
            return median

        if "month" in times:  # the same month without its 35 months of history
            alone = spread("big", "month")
            print(f"history ratio ({args.cases:,} cases ÷ the same month alone): {alone:.2f}")
        print(f"ratio: {spread('big', 'small'):.2f}")
    finally:
        for store, _policies in stores.values():
            store.dispose()
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            for url in urls:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
