"""Benchmark: the inbox page and the inbox API on a full database vs an empty one, in the same run.

    .venv/bin/python bench/inbox.py [--cases 1000000] [--tasks 100000] [--requests 200]

The full database gets ``--cases`` cases and ``--tasks`` open tasks by bulk inserts straight into
the tables (stdlib sqlite3, not through the engine); the demo org and one real process version and
policy snapshot come from the engine so the rows are well-formed. Both databases are then served by
the real app through the Flask test client, signed in as a CS specialist (queue tab) and a supervisor
(all-open tab). Prints p50/p95 server time per case and, last, ``ratio: X`` = the worst full ÷ empty
p95. Goal: ratio ≤ 2 and p95 ≤ 20 ms. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.clock import SystemClock  # noqa: E402
from engine.org import load_org  # noqa: E402
from engine.settings import Settings  # noqa: E402
from webui import create_app  # noqa: E402
from webui.services import build_services  # noqa: E402

DEMO_ORG = ROOT / "engine" / "demo" / "org.yaml"
PASSWORD = "bench-pass"
READERS = {"specialist": ("wang.fang", "queue"), "supervisor": ("li.na", "all")}
CATEGORIES = ["facilities", "safety", "environment", "billing", "attitude", "real_estate", "property_service"]
TITLES = [
    ("raise_order", "录入督办令 raise the supervision order", "cs_specialist", "project"),
    ("sign_order", "签发督办令 sign the supervision order", "cs_centre_gm", "subsidiary"),
    ("visit_customer", "上门沟通并确定方案 visit the customer, agree a plan", "department_head", "dept"),
    ("return_visit", "回访与满意度调查 return visit and satisfaction survey", "cs_specialist", "project"),
]


def _prepare(directory: Path) -> tuple[Settings, object]:
    """A migrated database with the demo org, one case through the engine (version, snapshot), passwords."""
    settings = Settings(
        database_url=f"sqlite:///{directory / 'kefu.db'}", data_dir=directory / "data", secret_key="bench"
    )
    services = build_services(settings, SystemClock())
    services.runtime.import_org(load_org(DEMO_ORG))
    for login, _ in READERS.values():
        services.set_password(login, PASSWORD)
    return settings, services


def _fill(db: Path, cases: int, tasks: int, template: dict[str, object]) -> None:
    """Bulk-insert cases and open tasks spread over the demo org's projects and groups."""
    rng = random.Random(7)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    projects = [
        ("sz-property", "sz-property-lyc", "SZP"),
        ("sz-property", "sz-property-jhy", "SZP"),
        ("hn-region", "hn-region-bhw", "HNR"),
    ]
    now = datetime.now(UTC).replace(tzinfo=None)
    case_cols = (
        "id, number, process_id, process_version, policy_fingerprint, subsidiary, project, category, "
        "status, first_receiver, responsible_department, customer_name, customer_phone, room, channel, "
        "urgency, scope, workflow, serializer_version, opened_at, closed_at, audit_head, audit_count, "
        "version"
    )
    task_cols = (
        "task_id, case_id, task_spec, title, lane, role, unit, candidate_group, assignee, "
        "default_assignee, claimed_at, due_at, created_at, number, process_id, category, room, "
        "customer_name, customer_phone, subsidiary, project, status"
    )
    open_every = max(1, cases // max(tasks, 1))
    batch_cases: list[tuple] = []
    batch_tasks: list[tuple] = []
    for i in range(cases):
        subsidiary, project, short = projects[i % len(projects)]
        case_id = uuid.uuid4().hex
        number = f"TS-{short}-{2020 + i // 200000}-{i:07d}"
        category = CATEGORIES[i % len(CATEGORIES)]
        phone = f"13{rng.randrange(10**9):09d}"
        room = f"{i % 30 + 1}栋{i % 4 + 1}单元{i % 3000:04d}"
        name = f"客户{i}"
        opened = now - timedelta(minutes=rng.randrange(60 * 24 * 365 * 5))
        is_open = i % open_every == 0
        batch_cases.append(
            (
                case_id,
                number,
                "complaint",
                template["version"],
                template["fingerprint"],
                subsidiary,
                project,
                category,
                "in_progress" if is_open else "closed",
                "wang.fang",
                "property",
                name,
                phone,
                room,
                "phone",
                "normal",
                "household",
                "",
                "kefu-1",
                _t(opened),
                None if is_open else _t(opened + timedelta(days=3)),
                "0" * 64,
                0,
                1,
            )
        )
        if is_open:
            spec, title, role, level = TITLES[i % len(TITLES)]
            unit = {"project": project, "subsidiary": subsidiary, "dept": f"{subsidiary}-property"}[level]
            assignee = "wang.fang" if i % 997 == 0 and role == "cs_specialist" else None
            due = now + timedelta(minutes=rng.randrange(-600, 3000))
            batch_tasks.append(
                (
                    str(uuid.uuid4()),
                    case_id,
                    spec,
                    title,
                    None,
                    role,
                    unit,
                    f"{role}@{unit}",
                    assignee,
                    None,
                    _t(now) if assignee else None,
                    _t(due),
                    _t(opened),
                    number,
                    "complaint",
                    category,
                    room,
                    name,
                    phone,
                    subsidiary,
                    project,
                    "in_progress",
                )
            )
        if len(batch_cases) >= 50000:
            _flush(con, case_cols, task_cols, batch_cases, batch_tasks)
    _flush(con, case_cols, task_cols, batch_cases, batch_tasks)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _t(moment: datetime) -> str:
    """Naive UTC text, the way the store keeps times in SQLite."""
    return moment.isoformat(sep=" ")


def _flush(con: sqlite3.Connection, case_cols: str, task_cols: str, cases: list, tasks: list) -> None:
    con.executemany(f"INSERT INTO cases ({case_cols}) VALUES ({', '.join('?' * 24)})", cases)
    con.executemany(f"INSERT INTO inbox_tasks ({task_cols}) VALUES ({', '.join('?' * 22)})", tasks)
    con.commit()
    cases.clear()
    tasks.clear()


def _template(services: object) -> dict[str, object]:
    """The process version and policy fingerprint of one real case."""
    view = services.runtime.open_case(
        "complaint",
        {  # type: ignore[attr-defined]
            "customer_name": "基准",
            "customer_phone": "13800138000",
            "room": "1栋",
            "description": "x",
            "customer_request": "y",
            "channel": "phone",
            "category": "facilities",
            "urgency": "normal",
            "scope": "household",
            "severity": "general",
            "read_back_confirmed": True,
        },
        "wang.fang",
    )
    return {"version": view.process_version, "fingerprint": view.policy_fingerprint}


def _measure(settings: Settings, services: object, requests: int) -> dict[str, list[float]]:
    """Server time (ms) per request for each reader's inbox page and API call."""
    app = create_app(settings, services=services)  # type: ignore[arg-type]
    app.config["WTF_CSRF_ENABLED"] = False
    out: dict[str, list[float]] = {}
    for label, (login, view) in READERS.items():
        client = app.test_client()
        assert client.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
        token = services.issue_token(login, "bench")  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        for kind, path, kw in (
            ("page", f"/inbox?view={view}", {}),
            ("api", f"/api/v1/tasks?view={view}", {"headers": headers}),
        ):
            times = []
            for i in range(requests + 10):
                start = time.perf_counter()
                response = client.get(path + ("&page=2" if i % 5 == 4 else ""), **kw)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.status_code
                if i >= 10:  # warm-up
                    times.append(elapsed)
            out[f"{label} {kind}"] = times
    return out


def _p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[int(q) - 1]


def main() -> int:
    """Run the benchmark and print the table and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("empty", "full"):
            directory = Path(tmp) / which
            directory.mkdir()
            settings, services = _prepare(directory)
            if which == "full":
                started = time.perf_counter()
                template = _template(services)
                _fill(directory / "kefu.db", args.cases, args.tasks, template)
                print(
                    f"filled {args.cases:,} cases / {args.tasks:,} open tasks in "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
            results[which] = _measure(settings, services, args.requests)
            services.store.dispose()  # type: ignore[attr-defined]
    worst = 0.0
    print(f"{'':22} {'empty p50':>10} {'p95':>8} {'full p50':>10} {'p95':>8}")
    for key in results["full"]:
        empty, full = results["empty"][key], results["full"][key]
        print(f"{key:22} {_p(empty, 50):10.2f} {_p(empty, 95):8.2f} {_p(full, 50):10.2f} {_p(full, 95):8.2f}")
        worst = max(worst, _p(full, 95) / _p(empty, 95))
    print(f"ratio: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
