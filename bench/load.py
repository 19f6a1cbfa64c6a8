"""Load bench: real HTTP clients against ``kefu serve`` on PostgreSQL, 1 to 4 server processes.

    .venv/bin/python bench/load.py [--cases 100000] [--seconds 20] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--statements 10] [--statements-per-phase]
    make bench-load                      # the same, with the bench extra (httpx) installed first

What it does, in one run:

1. Creates its own PostgreSQL database (``kefu_load_<pid>``; dropped at the end, ``--keep`` keeps it),
   migrates it, registers the processes and imports the demo organisation scaled to 2 subsidiaries ×
   6 projects × 200 staff (2,400 generated staff beside the demo's 55), then bulk-inserts ``--cases``
   earlier cases (COPY; 2 % of them still open, with an inbox task in their project's queue).
2. Starts ``kefu serve`` (``--workers N`` when the command has it, else N separate ``kefu serve``
   processes with the clients spread over them) and runs the phases 1, 20 and 100 clients on 1
   process, 20 and 100 on 2 and on 4 processes. Each client is a thread with its own ``httpx.Client``,
   signed in as a CS specialist of one of the 12 projects (a web session for the pages, an API token
   for the API) and loops over a realistic mix: intake of complaints, repairs and consultations (API),
   the inbox page and the inbox API list, the case page, and advancing one of its open cases a step:
   claim, a photo upload where the step needs one (visit, repair), complete — each step as the staff
   member who holds it. No think time: the clients measure capacity, not a user count.
3. Prints per phase and request kind: throughput, p50/p95/p99; the server CPU time per request (from
   /proc); the PostgreSQL lock waits sampled every 50 ms from ``pg_stat_activity``/``pg_locks``; the
   slowest statements from ``pg_stat_statements`` when the server has it loaded (it says so when not,
   and prints the statements most often seen running in ``pg_stat_activity`` instead): the last phase's
   ``--statements`` (10) slowest in total, with rows per call, the bench's own left out;
   ``--statements-per-phase`` prints them after each phase too, for its window alone.
4. Measures a complaint's whole lifecycle over HTTP (1 client, 1 process: open + 11 completions)
   interleaved with the same lifecycle in raw SpiffWorkflow (``bench/intake.py``'s no-spec baseline:
   SpiffWorkflow's own converters, the specs left out) and, beside it, the stricter raw that writes its
   JSON with kefu's converters (``lean-kefu``; docs/scaling.md item 58).
5. Prints the goal ratios, last:
   20 clients ÷ 1 client throughput on 1 process ≥ 1.0; 2 processes ÷ 1 ≥ 1.7 (with the cores);
   p95 ≤ 200 ms at 20 clients; HTTP completion ÷ raw SpiffWorkflow per transition ≥ 0.5.

Not part of ``make test``. The clients run in this process (threads: they share its GIL and the
machine's cores with the servers and PostgreSQL), so on a small machine the figures are a floor.
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import httpx
except ImportError:  # bench/request_cpu.py and bench/http_overhead.py use only the database helpers here
    httpx = None  # type: ignore[assignment]
import psycopg  # noqa: E402
import yaml  # noqa: E402

PASSWORD = "bench-pass-1"
PHASES = [(1, 1), (20, 1), (100, 1), (20, 2), (100, 2), (20, 4), (100, 4)]  # (clients, processes)
KEFU = ROOT / ".venv" / "bin" / "kefu"
PROJECTS_PER_SUBSIDIARY = 6
STAFF_PER_PROJECT = 200
SUBSIDIARIES = {"sz-property": ("sz-property-lyc", "sz-property-jhy"), "hn-region": ("hn-region-bhw",)}
PROJECT_NAMES = ["丽雅苑", "锦华园", "滨海湾", "翠湖居", "云溪府", "星河湾", "海棠园", "松涛苑",
                 "香樟里", "天悦城", "紫荆苑", "南山郡"]
# Intake forms (the demo's answers, with a fresh phone and room per case).
COMPLAINT = {"customer_name": "刘先生", "room": "3栋1单元1202", "category": "facilities",
             "description": "楼上漏水，天花板渗水", "customer_request": "尽快维修并赔偿损失",
             "channel": "phone",
             "urgency": "normal", "scope": "household", "severity": "general", "read_back_confirmed": True}
REPAIR = {"customer_name": "周女士", "room": "5栋2单元803", "location": "in_home", "location_detail": "主卫",
          "description": "卫生间水龙头漏水", "channel": "phone"}
CONSULTATION = {"customer_name": "吴先生", "room": "3栋2单元701", "channel": "phone",
                "question": "小区什么时候开通燃气？", "line": "property"}
INTAKES = {"complaint": COMPLAINT, "repair": REPAIR, "consultation": CONSULTATION}
PROCESS_WEIGHTS = [("complaint", 5), ("repair", 3), ("consultation", 2)]
# One client step: what it does, by weight. "advance" = claim (if needed), photo (if needed), complete.
ACTIONS = [("intake", 12), ("inbox page", 18), ("inbox api", 18), ("case page", 14), ("advance", 38)]
OPEN_CASES_PER_CLIENT = 6
KIND_ORDER = ["intake complaint", "intake repair", "intake consultation", "inbox page", "inbox api",
              "case page", "claim", "photo", "complete"]


# -- the scaled organisation -------------------------------------------------------------------------
def scaled_org(path: Path) -> dict[str, list[str]]:
    """Write the demo org scaled to 2 subsidiaries × 6 projects × 200 staff to ``path``.

    Returns project → the logins of its CS specialists (the clients sign in as them)."""
    demo = yaml.safe_load((ROOT / "engine" / "demo" / "org.yaml").read_text(encoding="utf-8"))
    units, staff = demo["units"], demo["staff"]
    projects: dict[str, list[str]] = {}
    n = 0
    for subsidiary, existing in SUBSIDIARIES.items():
        codes = list(existing) + [f"{subsidiary}-p{i}" for i in range(len(existing) + 1,
                                                                       PROJECTS_PER_SUBSIDIARY + 1)]
        for code in codes:
            name = PROJECT_NAMES[n % len(PROJECT_NAMES)]
            n += 1
            if code not in existing:
                units.append({"code": code, "name": f"{name}管理处", "kind": "project", "parent": subsidiary})
                for dept, label in (("cs_centre", "客服中心"), ("engineering", "工程维修组"),
                                    ("security", "秩序维护组")):
                    suffix = {"cs_centre": "cs", "engineering": "engineering", "security": "security"}[dept]
                    units.append({"code": f"{code}-{suffix}", "name": label, "kind": "department",
                                  "department": dept, "parent": code})
            have = [s for s in staff if str(s["unit"]).startswith(code + "-") or s["unit"] == code]
            short = code.split("-")[-1]
            specialists = [s["login"] for s in have if "cs_specialist" in s["roles"]]
            # 200 per project: 40 CS specialists, 4 supervisors, 80 engineers, the rest guards.
            plan = ([("cs", "cs_specialist")] * (40 - len(specialists))
                    + [("cs", "cs_supervisor")] * (4 - sum("cs_supervisor" in s["roles"] for s in have))
                    + [("engineering", "engineer")] * (80 - sum("engineer" in s["roles"] for s in have)))
            plan += [("security", "security_guard")] * (STAFF_PER_PROJECT - len(have) - len(plan))
            for i, (dept, role) in enumerate(plan):
                login = f"b.{subsidiary[:2]}.{short}.{i:03d}"
                staff.append({"login": login, "name": f"员工{short}{i:03d}", "unit": f"{code}-{dept}",
                              "roles": [role], "phone": f"139{abs(hash(login)) % 10**8:08d}"})
                if role == "cs_specialist":
                    specialists.append(login)
            projects[code] = specialists
    path.write_text(yaml.safe_dump(demo, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return projects


# -- the database --------------------------------------------------------------------------------------
def _conninfo(url: str, database: str | None = None) -> str:
    """A libpq URL (no SQLAlchemy driver name), optionally for another database."""
    url = re.sub(r"^postgresql\+psycopg://", "postgresql://", url)
    if database is not None:
        url = re.sub(r"/[^/?]*(\?|$)", f"/{database}\\1", url.split("://", 1)[1], count=1)
        url = "postgresql://" + url
    return url


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(_conninfo(url), autocommit=True)


def create_database(url: str, name: str) -> str:
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _conninfo(url, name)


def drop_database(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(db_url: str, data_dir: Path, org_path: Path) -> tuple[Any, dict[str, str]]:
    """Migrate, register the processes, import the scaled org; a token and the password for everyone."""
    from werkzeug.security import generate_password_hash

    from engine.clock import SystemClock
    from engine.org import load_org
    from engine.settings import Settings
    from engine.store import web_queries as wq
    from webui.services import build_services

    settings = Settings(database_url=db_url, data_dir=data_dir, secret_key="bench")
    services = build_services(settings, SystemClock())
    services.runtime.register_processes()
    services.runtime.import_org(load_org(org_path))
    hashed = generate_password_hash(PASSWORD)
    tokens = {}
    with services.store.read() as tx:
        logins = sorted(tx.staff_logins())
    for login in logins:
        wq.set_password_hash(services.store, login, hashed)
        tokens[login] = services.issue_token(login, "load bench")
    return services, tokens


def template_case(services: Any, login: str) -> dict[str, str]:
    """The process version and policy fingerprint of one real complaint (the earlier cases reuse them)."""
    view = services.runtime.open_case("complaint", {**COMPLAINT, "customer_phone": "13800138000"}, login)
    return {"version": view.process_version, "fingerprint": view.policy_fingerprint}


def fill_cases(conninfo: str, count: int, template: dict[str, str], projects: list[str]) -> float:
    """COPY ``count`` earlier cases over the projects (2 % still open with a queued task); seconds."""
    started = time.perf_counter()
    rng = random.Random(7)
    now = datetime.now(UTC)
    case_cols = ("id", "number", "process_id", "process_version", "policy_fingerprint", "subsidiary",
                 "project", "category", "status", "first_receiver", "responsible_department",
                 "customer_name", "customer_phone", "room", "channel", "urgency", "scope", "workflow",
                 "serializer_version", "opened_at", "closed_at", "audit_head", "audit_count", "version")
    task_cols = ("task_id", "case_id", "task_spec", "title", "role", "unit", "candidate_group", "due_at",
                 "created_at", "number", "process_id", "category", "room", "customer_name", "customer_phone",
                 "subsidiary", "project", "status")
    categories = ["facilities", "safety", "environment", "billing", "attitude", "real_estate",
                  "property_service"]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY cases ({', '.join(case_cols)}) FROM STDIN") as cases_copy:
            tasks: list[tuple[Any, ...]] = []
            for i in range(count):
                project = projects[i % len(projects)]
                subsidiary = project.rsplit("-", 1)[0]
                case_id = uuid.uuid4().hex
                opened = now - timedelta(minutes=rng.randrange(60 * 24 * 365 * 3))
                number = f"HIS-{subsidiary[:2].upper()}-{opened.year}-{i:07d}"
                is_open = i % 50 == 0
                phone = f"13{rng.randrange(10**9):09d}"
                room = f"{i % 30 + 1}栋{i % 4 + 1}单元{i % 3000:04d}"
                category = categories[i % len(categories)]
                cases_copy.write_row((case_id, number, "complaint", template["version"],
                                      template["fingerprint"],
                                      subsidiary, project, category, "in_progress" if is_open else "closed",
                                      "wang.fang", "property", f"客户{i}", phone, room, "phone", "normal",
                                      "household", "", "kefu-1", opened,
                                      None if is_open else opened + timedelta(days=3), "0" * 64, 0, 1))
                if is_open:
                    unit = f"{project}"
                    tasks.append((str(uuid.uuid4()), case_id, "return_visit", "回访与满意度调查 return visit",
                                  "cs_specialist", unit, f"cs_specialist@{unit}",
                                  now + timedelta(minutes=rng.randrange(-600, 3000)), opened, number,
                                  "complaint", category, room, f"客户{i}", phone, subsidiary, project,
                                  "in_progress"))
        with cur.copy(f"COPY inbox_tasks ({', '.join(task_cols)}) FROM STDIN") as tasks_copy:
            for row in tasks:
                tasks_copy.write_row(row)
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE inbox_tasks")
    return time.perf_counter() - started


# -- the servers -----------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _has_workers_option() -> bool:
    out = subprocess.run([str(KEFU), "serve", "--help"], capture_output=True, text=True, check=False)
    return "--workers" in out.stdout


@dataclass
class Servers:
    """N server processes (or one ``--workers N``), their URLs and PIDs."""

    procs: list[subprocess.Popen[bytes]]
    urls: list[str]
    mode: str
    processes: int

    def pids(self) -> list[int]:
        """The server processes and their children (gunicorn's workers)."""
        out = []
        for p in self.procs:
            out.append(p.pid)
            out.extend(_children(p.pid))
        return out

    def cpu_seconds(self) -> float:
        return sum(_cpu(pid) for pid in self.pids())

    def stop(self) -> None:
        for p in self.procs:
            with suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _children(pid: int) -> list[int]:
    found = []
    with suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found.append(int(child))
            found.extend(_children(int(child)))
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def start_servers(n: int, env: dict[str, str], log_dir: Path, use_workers: bool,
                  threads: int | None = None) -> Servers:
    procs, urls = [], []
    count = 1 if use_workers else n
    for i in range(count):
        port = _free_port()
        cmd = [str(KEFU), "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port)]
        if use_workers:
            cmd += ["--workers", str(n)]
        if threads is not None:
            cmd += ["--threads", str(threads)]
        log = open(log_dir / f"serve-{n}-{i}.log", "wb")  # noqa: SIM115 (kept open for the process)
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                      start_new_session=True))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    for url, proc in zip(urls, procs, strict=True):
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"kefu serve exited ({proc.returncode}); see {log_dir}")
            with suppress(httpx.HTTPError):
                if httpx.get(url + "/login", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"kefu serve did not answer on {url} within 120 s; see {log_dir}")
            time.sleep(0.2)
    mode = f"kefu serve --workers {n}" if use_workers else f"{n} × kefu serve (clients spread over them)"
    return Servers(procs, urls, mode, n)


# -- the clients -------------------------------------------------------------------------------------
@dataclass
class World:
    """What every client needs: tokens, who holds which group, the forms' answers, a DB connection."""

    tokens: dict[str, str]
    holders: dict[str, list[str]]  # candidate group → logins
    answers: Callable[[str, str], dict[str, Any]]  # (process, spec) → form data
    conninfo: str
    photo: bytes
    pool: queue.Queue[psycopg.Connection] = field(default_factory=queue.Queue)

    def open_pool(self, size: int = 3) -> None:
        """A few connections for the clients' look-ups (PostgreSQL allows 100 in all, servers included)."""
        for _ in range(size):
            self.pool.put(psycopg.connect(self.conninfo, autocommit=True))

    def close_pool(self) -> None:
        while not self.pool.empty():
            self.pool.get().close()

    @contextmanager
    def db(self) -> Iterator[psycopg.Connection]:
        conn = self.pool.get()
        try:
            yield conn
        finally:
            self.pool.put(conn)


@dataclass
class Record:
    """Latencies (s) by kind, with the end time of each request; errors by kind and a sample."""

    times: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)


class Client(threading.Thread):
    """One desk: a CS specialist's session and token, looping over the mix until told to stop."""

    def __init__(self, world: World, base: str, login: str, seed: int, stop: threading.Event,
                 record: Record) -> None:
        super().__init__(daemon=True)
        self.world, self.base, self.login, self.stop_flag, self.record = world, base, login, stop, record
        self.rng = random.Random(seed)
        self.http = httpx.Client(base_url=base, timeout=600, follow_redirects=False)
        self.cases: list[str] = []
        self.ready = threading.Event()
        self.failed: BaseException | None = None

    # one timed request
    def call(self, kind: str, method: str, path: str, login: str | None = None,
             expect: tuple[int, ...] = (200, 201), **kw: Any) -> httpx.Response | None:
        if login is not None:
            kw.setdefault("headers", {})["Authorization"] = f"Bearer {self.world.tokens[login]}"
        start = time.perf_counter()
        response = self.http.request(method, path, **kw)
        end = time.perf_counter()
        if response.status_code not in expect:
            self.record.errors[f"{kind} {response.status_code}"] += 1
            self.record.samples.setdefault(f"{kind} {response.status_code}", response.text[:300])
            return None
        self.record.times[kind].append((end, end - start))
        return response

    def sign_in(self) -> None:
        page = self.http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        response = self.http.post("/login", data={"login": self.login, "password": PASSWORD,
                                                  "csrf_token": token.group(1) if token else ""})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in of {self.login} failed: {response.status_code}")

    def run(self) -> None:
        try:
            self.sign_in()
            self.ready.set()
            while not self.stop_flag.is_set():
                self.step()
        except BaseException as exc:  # noqa: BLE001 (reported by the phase)
            self.failed = exc
        finally:
            self.ready.set()
            self.http.close()

    def step(self) -> None:
        action = self.rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0]
        if action == "advance" and not self.cases:
            action = "intake"
        if action == "intake" and len(self.cases) >= OPEN_CASES_PER_CLIENT:
            action = "advance"
        if action == "intake":
            self.intake()
        elif action == "inbox page":
            self.call("inbox page", "GET", "/inbox", params={"view": self.rng.choice(["queue", "mine"])})
        elif action == "inbox api":
            self.call("inbox api", "GET", "/api/v1/tasks", self.login,
                      params={"view": self.rng.choice(["queue", "mine"])})
        elif action == "case page":
            if self.cases:
                self.call("case page", "GET", f"/cases/{self.rng.choice(self.cases)}")
            else:
                self.intake()
        else:
            self.advance(self.rng.choice(self.cases))

    def intake(self, process: str | None = None) -> str | None:
        rng = self.rng
        process = process or rng.choices([p for p, _ in PROCESS_WEIGHTS], [w for _, w in PROCESS_WEIGHTS])[0]
        room = f"{rng.randrange(1, 30)}栋{rng.randrange(1, 5)}单元{rng.randrange(101, 3300)}"
        data = {**INTAKES[process], "customer_phone": f"13{rng.randrange(10**9):09d}", "room": room}
        response = self.call(f"intake {process}", "POST", "/api/v1/cases", self.login,
                             json={"process": process, "data": data})
        if response is None:
            return None
        number = str(response.json()["number"])
        self.cases.append(number)
        return number

    def next_task(self, number: str) -> tuple[str, str, str, str | None, str | None] | None:
        """(task id, process, spec, candidate group, assignee) of the case's oldest open task."""
        with self.world.db() as db:
            row = db.execute(  # by the case's id: inbox_tasks has no index on the number
                "SELECT t.task_id, t.process_id, t.task_spec, t.candidate_group, t.assignee "
                "FROM inbox_tasks t JOIN cases c ON c.id = t.case_id WHERE c.number = %s "
                "ORDER BY t.created_at, t.task_id LIMIT 1",
                (number,)).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def worker(self, group: str | None, assignee: str | None) -> str | None:
        if assignee:
            return assignee
        people = [p for p in self.world.holders.get(group or "", []) if p != self.login]
        return self.rng.choice(people) if people else None

    def advance(self, number: str, timed: list[float] | None = None) -> bool:
        """Claim, upload a photo where needed and complete the case's next task; False when it has none."""
        task = self.next_task(number)
        if task is None:
            self.cases.remove(number)  # closed, or waiting for a timer or a message
            return False
        task_id, process, spec, group, assignee = task
        who = self.worker(group, assignee)
        if who is None:
            self.record.errors[f"no holder for {group}"] += 1
            self.cases.remove(number)
            return False
        if assignee is None and self.call("claim", "POST", f"/api/v1/tasks/{task_id}/claim", who) is None:
            self.cases.remove(number)
            return False
        # The repair's engineer photographs every stage the policy asks for (R3.3: before, during, after;
        # with fewer, the order goes back to him and the case never closes); the visit takes one photo.
        stages = repair_stages() if spec == "carry_out_repair" else [None] if spec == "visit_customer" else []
        for stage in stages:
            files = {"file": ("photo.png", self.world.photo, "image/png")}
            form = {"stage": stage} if stage else {}
            self.call("photo", "POST", f"/api/v1/cases/{number}/attachments", who, files=files, data=form)
        start = time.perf_counter()
        done = self.call("complete", "POST", f"/api/v1/tasks/{task_id}/complete", who,
                         json={"task": f"{process}.{spec}", "data": self.world.answers(process, spec)})
        if timed is not None:
            timed.append(time.perf_counter() - start)
        if done is None:
            self.cases.remove(number)
            return False
        return True


@cache
def repair_stages() -> list[str]:
    """The codes of the photo stages the demo policy asks of a repair (``repair.photo_stages``)."""
    from engine.policy import load_policy_set
    from engine.repair_orders import photo_stages

    return list(photo_stages(load_policy_set(ROOT / "policies").effective("sz-property")))


def answers_factory() -> Callable[[str, str], dict[str, Any]]:
    """(process, spec) → the form's data: bench/intake.py's path for complaints, the demo's answers else,
    every other required field from its type; dates three days ahead."""
    from bench.intake import STEPS
    from engine.policy import load_policy_set
    from engine.processes import ProcessRegistry
    from webui.demo import ANSWERS, answer_for

    registry = ProcessRegistry.load(ROOT / "processes")
    policy = load_policy_set(ROOT / "policies").effective("sz-property")
    forms: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for definition in registry.definitions():
        for spec, form in definition.forms.items():
            forms[(definition.process_id, spec)] = form.describe(policy)
    steps = dict(STEPS)
    cache: dict[tuple[str, str], dict[str, Any]] = {}

    def answer(process: str, spec: str) -> dict[str, Any]:
        if (process, spec) not in cache:
            fields = forms.get((process, spec), [])
            # the form's own fields only (task names repeat across processes), dates made afresh
            names = {f["name"] for f in fields if f["type"] not in ("datetime", "date")}
            datetimes = {f["name"] for f in fields} - names
            complaint = process.startswith("complaint")
            known = {**steps.get(spec, {}), **ANSWERS.get(spec, {})} if complaint else {}
            given = {k: v for k, v in known.items() if k in names}
            if spec == "carry_out_repair":  # a photo of every stage was uploaded (``Client.advance``)
                given["photo_stages"] = list(repair_stages())
                given["repair_result"] = "finished"  # the form's first choice, 未完成, loops back to him
            filled = answer_for(spec, [f for f in fields if f["name"] not in given], datetime.now(UTC))
            cache[(process, spec)] = {k: v for k, v in filled.items() if k in names | datetimes} | given
        return cache[(process, spec)]

    return answer


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 190, 170)).save(buffer, format="PNG")
    return buffer.getvalue()


# -- PostgreSQL sampling ---------------------------------------------------------------------------------
class LockSampler(threading.Thread):
    """Every 50 ms: backends of the bench database waiting on a lock, what they wait for, what runs."""

    def __init__(self, conninfo: str, database: str) -> None:
        super().__init__(daemon=True)
        self.conninfo, self.database = conninfo, database
        self.stop_flag = threading.Event()
        self.samples = 0
        self.waiting_samples = 0
        self.waiters = 0
        self.active = 0
        self.on: Counter[str] = Counter()
        self.running: Counter[str] = Counter()
        self.first_cpu: dict[int, float] = {}  # backend pid → CPU seconds when first seen, and last seen
        self.last_cpu: dict[int, float] = {}
        self.initial: set[int] = set()

    @property
    def pg_cpu(self) -> float:
        """CPU seconds of the bench database's backends while sampled (a backend's start not counted)."""
        return sum(self.last_cpu[pid] - self.first_cpu[pid] for pid in self.last_cpu)

    @property
    def opened(self) -> int:
        """Backends that appeared during the window: connections the servers opened."""
        return len(set(self.first_cpu) - self.initial)

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self.stop_flag.wait(0.05):
                rows = conn.execute(
                    "SELECT a.wait_event_type, a.wait_event, a.state, left(a.query, 160), "
                    "(SELECT string_agg(DISTINCT l.locktype "
                    "   || coalesce(':' || l.relation::regclass::text, ''), ',') "
                    " FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) "
                    ", a.pid FROM pg_stat_activity a WHERE a.datname = %s AND a.pid <> pg_backend_pid()",
                    (self.database,)).fetchall()
                for r in rows:
                    cpu = _cpu(int(r[5]))
                    if cpu:
                        self.first_cpu.setdefault(int(r[5]), cpu)
                        self.last_cpu[int(r[5])] = cpu
                if not self.samples:
                    self.initial = {int(r[5]) for r in rows}
                self.samples += 1
                waiting = [r for r in rows if r[0] == "Lock"]
                if waiting:
                    self.waiting_samples += 1
                self.waiters += len(waiting)
                for r in waiting:
                    self.on[f"{r[1]} {r[4] or ''}: {_shape(r[3])[:70]}".strip()] += 1
                for r in rows:
                    if r[2] == "active":
                        self.active += 1
                        self.running[_shape(r[3])] += 1


def _shape(query: str) -> str:
    """A statement with its literals and parameters folded, for counting."""
    text = re.sub(r"\s+", " ", query or "")
    text = re.sub(r"'[^']*'", "?", text)
    text = re.sub(r"\$\d+|\b\d+\b", "?", text)
    return text[:110]


def statements(conninfo: str, limit: int = 10) -> tuple[bool, list[tuple[float, int, float, float, str]]]:
    """(available, [(total ms, calls, mean ms, rows per call, query)]) from pg_stat_statements, the
    ``limit`` slowest in total first; the bench's own (the lock sampler's, these reads) left out."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            rows = conn.execute(
                "SELECT total_exec_time, calls, mean_exec_time, rows::float8 / greatest(calls, 1), "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
                "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = "
                "current_database()) AND query NOT LIKE '%%pg_stat_activity%%' "
                "AND query NOT LIKE '%%pg_stat_statements%%' "  # the bench's own: the lock sampler, this
                "ORDER BY total_exec_time DESC LIMIT %s", [max(0, limit)]).fetchall()
        return True, [(float(a), int(b), float(c), float(r), str(d)) for a, b, c, r, d in rows]
    except psycopg.Error:
        return False, []


def print_statements(slowest: list[tuple[float, int, float, float, str]]) -> None:
    for total, calls, mean, rows, query in slowest:
        print(f"  {total:9.0f} ms {calls:7d} calls {mean:7.2f} ms {rows:7.1f} rows  {query}")


def reset_statements(conninfo: str) -> None:
    with suppress(psycopg.Error), psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


# -- profiling (optional: --profile, needs py-spy) ---------------------------------------------------------
def start_profile(servers: Servers, seconds: float, out: Path) -> list[subprocess.Popen[bytes]]:
    """``py-spy record`` (collapsed stacks, every thread, idle ones left out) on each server process."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    procs = []
    for pid in servers.pids():
        procs.append(subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
             "--format", "raw", "--nonblocking", "--output", str(out.with_suffix(f".{pid}.txt"))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


def print_profile(out: Path, top: int = 22) -> None:
    """The functions of kefu (and the libraries it calls most) by share of the sampled server time."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for path in out.parent.glob(out.name.split(".")[0] + ".*.txt"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [_frame(f) for f in stack.split(";")]
            if any(f.startswith(("wait (threading", "_worker (waitress", "handler_thread", "select ("))
                   for f in frames[-1:]):
                continue  # an idle thread
            n = int(count)
            total += n
            own[frames[-1]] += n
            for f in set(frames):
                inclusive[f] += n
    if not total:
        print("profile: no samples (is py-spy installed and allowed to trace?)")
        return
    print(f"profile (py-spy, {total} busy samples): inclusive share of the busy server time")
    shown = 0
    for frame, n in inclusive.most_common():
        if ("/engine/" in frame or "/webui/" in frame or "sqlalchemy" in frame or "psycopg" in frame
                or "SpiffWorkflow" in frame or "jinja2" in frame) and n < total:
            print(f"  {100 * n / total:5.1f} %  {frame}")
            shown += 1
            if shown >= top:
                break
    print("  where the time itself is spent (self):")
    for frame, n in own.most_common(10):
        print(f"  {100 * n / total:5.1f} %  {frame}")


def _frame(text: str) -> str:
    """``function (path:line)`` shortened to the function and the path below site-packages or the root."""
    text = text.replace(str(ROOT) + "/", "/")
    text = re.sub(r"\S*/site-packages/", "", text)
    return re.sub(r":\d+\)$", ")", text)


# -- phases -----------------------------------------------------------------------------------------------
@dataclass
class Phase:
    clients: int
    processes: int
    seconds: float
    record: Record
    cpu: float  # server CPU seconds in the window
    pg_cpu: float  # CPU seconds of the bench database's PostgreSQL backends in the window
    client_cpu: float  # CPU seconds of this process (the clients' threads, the lock sampler) in the window
    locks: LockSampler
    failures: list[str]

    def window(self) -> dict[str, list[float]]:
        return {k: [d for _, d in v] for k, v in self.record.times.items()}

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.window().values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def run_phase(world: World, servers: Servers, clients: int, processes: int, logins: list[str],
              warmup: float, seconds: float, conninfo: str, database: str,
              profile: Path | None = None) -> Phase:
    stop = threading.Event()
    record = Record()
    threads = [Client(world, servers.urls[i % len(servers.urls)], logins[i % len(logins)], i, stop, record)
               for i in range(clients)]
    sampler = LockSampler(conninfo, database)
    try:
        for t in threads:
            t.start()
        for t in threads:  # every client signed in (a password check each) before the clock starts
            t.ready.wait(600)
        time.sleep(warmup)
        reset_statements(conninfo)
        window = Record()
        begin_cpu, begin, begin_own = servers.cpu_seconds(), time.perf_counter(), time.process_time()
        record_start = begin
        sampler.start()
        spies = start_profile(servers, seconds, profile) if profile is not None else []
        time.sleep(seconds)
        end, end_cpu, end_own = time.perf_counter(), servers.cpu_seconds(), time.process_time()
    finally:
        sampler.stop_flag.set()
        stop.set()
    for t in threads:
        t.join(150)
    sampler.join()
    for spy in spies:
        spy.wait(60)
    for kind, values in record.times.items():
        window.times[kind] = [(e, d) for e, d in values if record_start <= e <= end]
    window.errors, window.samples = record.errors, record.samples
    failures = [f"{t.login}: {t.failed!r}" for t in threads if t.failed is not None]
    return Phase(clients, processes, end - begin, window, end_cpu - begin_cpu, sampler.pg_cpu,
                 end_own - begin_own, sampler, failures)


def _q(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def print_phase(p: Phase, mode: str) -> None:
    print(f"\n== {p.clients} client(s) × {p.processes} process(es) [{mode}], {p.seconds:.0f} s window ==")
    print(f"{'kind':22}{'req':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    window = p.window()
    for kind in KIND_ORDER + sorted(set(window) - set(KIND_ORDER)):
        values = window.get(kind, [])
        if not values:
            continue
        print(f"{kind:22}{len(values):7d}{len(values) / p.seconds:9.1f}{_q(values, 50):9.1f}"
              f"{_q(values, 95):9.1f}{_q(values, 99):9.1f}")
    everything = [d for v in window.values() for d in v]
    print(f"{'all':22}{len(everything):7d}{p.throughput:9.1f}{_q(everything, 50):9.1f}"
          f"{_q(everything, 95):9.1f}{_q(everything, 99):9.1f}")
    per = p.cpu / p.requests * 1000 if p.requests else float("nan")
    print(f"server CPU: {p.cpu:.1f} s in the window = {per:.1f} ms per request "
          f"({p.cpu / p.seconds:.2f} cores busy)")
    pg_per = p.pg_cpu / p.requests * 1000 if p.requests else float("nan")
    print(f"PostgreSQL CPU (the bench database's backends): {p.pg_cpu:.1f} s = {pg_per:.1f} ms per request "
          f"({p.pg_cpu / p.seconds:.2f} cores busy); {p.locks.opened} connections opened in the window")
    own = p.client_cpu / p.requests * 1000 if p.requests else float("nan")
    print(f"bench's own CPU (the clients' threads, on the same cores): {p.client_cpu:.1f} s = {own:.1f} ms "
          f"per request ({p.client_cpu / p.seconds:.2f} cores busy)")
    s = p.locks
    if s.samples:
        print(f"PostgreSQL: {s.active / s.samples:.2f} backends active on average; lock waits in "
              f"{s.waiting_samples}/{s.samples} samples ({100 * s.waiting_samples / s.samples:.0f} %), "
              f"{s.waiters / s.samples:.2f} waiting backends on average")
        for what, n in s.on.most_common(4):
            print(f"  waits on {what}: {n} backend-samples")
    if p.record.errors:
        print("errors: " + ", ".join(f"{k} ×{n}" for k, n in p.record.errors.most_common()))
        for k, text in list(p.record.samples.items())[:3]:
            print(f"  {k}: {text[:200]!r}")
    for failure in p.failures[:3]:
        print(f"client failed: {failure}")


# -- HTTP lifecycle vs raw SpiffWorkflow ------------------------------------------------------------------
def lifecycle_ratio(world: World, servers: Servers, login: str, cases: int,
                    batch: int) -> tuple[float, float, float, int]:
    """(HTTP ms per transition, raw ms per transition with SpiffWorkflow's converters, the same with
    kefu's converters, HTTP transitions) on the complaint process."""
    from bench.intake import raw_batches

    raw = raw_batches(instance_only=True)
    raw_kefu = raw_batches(instance_only=True, converters="kefu")
    raw(2)
    raw_kefu(2)
    record = Record()
    client = Client(world, servers.urls[0], login, 99, threading.Event(), record)
    http_seconds, transitions, raw_seconds, raw_kefu_seconds, raw_cases = 0.0, 0, 0.0, 0.0, 0
    done = 0
    try:
        # Untimed, as raw(2) above: the fresh server's first requests load the diagrams, the policies and
        # the templates, and its pooled connections are opened.
        for _ in range(2):
            number = client.intake("complaint")
            while number is not None and client.advance(number):
                pass
        record = client.record = Record()
        while done < cases:
            n = min(batch, cases - done)
            for _ in range(n):
                timed: list[float] = []
                number = client.intake("complaint")
                if number is None:
                    continue
                timed.append(record.times["intake complaint"][-1][1])
                while client.advance(number, timed):
                    pass
                http_seconds += sum(timed)
                transitions += len(timed)
            raw_seconds += raw(n)
            raw_kefu_seconds += raw_kefu(n)
            raw_cases += n
            done += n
    finally:
        client.http.close()
    from bench.intake import STEPS

    raw_ms = raw_seconds * 1000 / (raw_cases * (len(STEPS) + 1))
    raw_kefu_ms = raw_kefu_seconds * 1000 / (raw_cases * (len(STEPS) + 1))
    if record.errors:
        print("lifecycle errors: " + ", ".join(f"{k} ×{n}" for k, n in record.errors.most_common()))
        for k, text in list(record.samples.items())[:3]:
            print(f"  {k}: {text[:300]!r}")
    return http_seconds * 1000 / max(transitions, 1), raw_ms, raw_kefu_ms, transitions


# -- main ---------------------------------------------------------------------------------------------------
@contextmanager
def bench_database(url: str, keep: bool) -> Iterator[tuple[str, str]]:
    name = f"kefu_load_{os.getpid()}"
    conninfo = create_database(url, name)
    try:
        yield name, conninfo
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_database(url, name)


def on_database(args: argparse.Namespace, prefix: str,
                run: Callable[[str, Path, argparse.Namespace], None]) -> None:
    """``run(db_url, data_dir, args)`` on a SQLite file (``args.sqlite``) or on a throw-away PostgreSQL
    database under ``args.pg``, with a temporary data folder either way (bench/request_cpu.py,
    bench/http_overhead.py)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        if args.sqlite:
            run(f"sqlite:///{Path(tmp) / 'k.db'}", Path(tmp) / "data", args)
        else:
            with bench_database(args.pg, False) as (_name, conninfo):
                run(conninfo.replace("postgresql://", "postgresql+psycopg://", 1), Path(tmp) / "data", args)


def parse_phases(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        clients, _, processes = part.strip().partition("x")
        out.append((int(clients), int(processes or 1)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--cases", type=int, default=100_000, help="earlier cases (default 100,000)")
    parser.add_argument("--seconds", type=float, default=20, help="measured window per phase (default 20)")
    parser.add_argument("--warmup", type=float, default=4, help="seconds before each window (default 4)")
    parser.add_argument("--phases", default=",".join(f"{c}x{p}" for c, p in PHASES),
                        help="CLIENTSxPROCESSES,… (default: 1x1,20x1,100x1,20x2,100x2,20x4,100x4)")
    parser.add_argument("--lifecycles", type=int, default=20,
                        help="complaint lifecycles for the HTTP ÷ raw ratio (default 20)")
    parser.add_argument("--separate", action="store_true",
                        help="N separate kefu serve processes even when kefu serve has --workers")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per server process (kefu serve --threads; default its own)")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print its name)")
    parser.add_argument("--statements", type=int, default=10, metavar="N",
                        help="how many of pg_stat_statements' slowest statements to print (default 10)")
    parser.add_argument("--statements-per-phase", action="store_true",
                        help="print them after each phase too, for its window only")
    parser.add_argument("--profile", metavar="DIR",
                        help="profile the servers with py-spy during the windows of --profile-phases, "
                             "stacks into DIR (pip install py-spy)")
    parser.add_argument("--profile-phases", default="20x1", help="which phases to profile (default 20x1)")
    args = parser.parse_args()
    if httpx is None:
        raise SystemExit("bench/load.py needs httpx, from kefu's bench extra: make bench-load installs it "
                         "(or .venv/bin/python -m pip install -e '.[bench]')")
    signal.signal(signal.SIGTERM, _interrupted)  # stop the servers and drop the database on kill too
    phases = parse_phases(args.phases)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    use_workers = _has_workers_option() and not args.separate
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start "
          f"({', '.join(f'{x:.2f}' for x in os.getloadavg())})")
    started = time.perf_counter()
    with (tempfile.TemporaryDirectory(prefix="kefu-load-") as tmp,
          bench_database(args.pg, args.keep) as (name, conninfo)):
        tmpdir = Path(tmp)
        projects = scaled_org(tmpdir / "org.yaml")
        db_url = conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
        services, tokens = prepare(db_url, tmpdir / "data", tmpdir / "org.yaml")
        from engine.runtime.access import candidate_groups

        holders: dict[str, list[str]] = defaultdict(list)
        with services.store.read() as tx:
            for login in tx.staff_logins():
                staff = tx.staff(login)
                if staff is not None and staff.active:
                    for group in candidate_groups(staff):
                        holders[group].append(login)
        template = template_case(services, projects["sz-property-lyc"][0])
        services.store.dispose()
        spent = fill_cases(conninfo, args.cases, template, sorted(projects))
        staff_count = sum(len(v) for v in holders.values())
        print(f"organisation: 2 subsidiaries × {PROJECTS_PER_SUBSIDIARY} projects × {STAFF_PER_PROJECT} "
              "staff "
              f"({len(tokens)} staff in all); {args.cases:,} earlier cases bulk-inserted in {spent:.1f} s "
              f"({args.cases // 50:,} of them open); setup {time.perf_counter() - started:.0f} s "
              f"[{staff_count} group memberships]")
        have_stats, _ = statements(conninfo)
        env = {**os.environ, "KEFU_DATABASE_URL": db_url, "KEFU_DATA_DIR": str(tmpdir / "data"),
               "KEFU_SECRET_KEY": "bench-secret"}
        world = World(tokens, dict(holders), answers_factory(), conninfo, _png())
        world.open_pool()
        # Clients: the CS specialists of the 12 projects, round-robin over the projects.
        per_project = [projects[p] for p in sorted(projects)]
        logins = []
        for i in range(max(c for c, _ in phases)):
            desk = per_project[i % len(per_project)]
            logins.append(desk[i // len(per_project) % len(desk)])
        results: list[Phase] = []
        servers: Servers | None = None
        lifecycle: tuple[float, float, float, int] | None = None
        try:
            for clients, processes in phases:
                if servers is None or servers.processes != processes:
                    if servers is not None:
                        servers.stop()
                    servers = start_servers(processes, env, tmpdir, use_workers, args.threads)
                    print(f"\nstarted {servers.mode}", flush=True)
                    if processes == 1 and lifecycle is None and args.lifecycles:
                        lifecycle = lifecycle_ratio(world, servers, logins[0], args.lifecycles, 5)
                profile = (Path(args.profile) / f"c{clients}p{processes}.stacks"
                           if args.profile and (clients, processes) in (parse_phases(args.profile_phases))
                           else None)
                phase = run_phase(world, servers, clients, processes, logins, args.warmup, args.seconds,
                                  conninfo, name, profile)
                results.append(phase)
                print_phase(phase, servers.mode)
                if args.statements_per_phase and have_stats:
                    print(f"slowest statements of this phase's window (pg_stat_statements, "
                          f"top {args.statements}):")
                    print_statements(statements(conninfo, args.statements)[1])
                if profile is not None:
                    print_profile(profile)
                sys.stdout.flush()
        finally:
            if servers is not None:
                servers.stop()
            world.close_pool()
        print_sizes(conninfo)
        available, slowest = statements(conninfo, args.statements)
        print()
        if available:
            print("slowest statements (pg_stat_statements, the last phase's window and what ran after it):")
            print_statements(slowest)
        else:
            print("pg_stat_statements: not available on this server (it must be in shared_preload_libraries; "
                  "this PostgreSQL has it unset). Instead, the statements most often seen running in "
                  "pg_stat_activity over all phases:")
            running: Counter[str] = Counter()
            for p in results:
                running.update(p.locks.running)
            total = sum(running.values()) or 1
            for query, n in running.most_common(10):
                print(f"  {100 * n / total:5.1f} %  {query}")
        if have_stats != available:
            print("(pg_stat_statements availability changed during the run)")
        print_goals(results, lifecycle)
    print(f"\nbench took {time.perf_counter() - started:.0f} s")
    return 0


def print_sizes(conninfo: str) -> None:
    """Rows and bytes (with indexes and TOAST) of the biggest tables after the run, per row."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE")
        rows = conn.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8").fetchall()
        real = conn.execute("SELECT count(*), count(*) FILTER (WHERE workflow <> ''), "
                            "coalesce(avg(pg_column_size(workflow)) FILTER (WHERE workflow <> ''), 0) "
                            "FROM cases").fetchone()
        events = conn.execute("SELECT count(*), coalesce(avg(pg_column_size(e.*)), 0) FROM audit_events e "
                              "WHERE case_id IS NOT NULL").fetchone()
    print(f"\ntables after the run ({real[0]:,} cases, {real[1]:,} of them opened through the servers: "
          f"workflow JSON {real[2]:,.0f} bytes stored per case, {events[0] / max(real[1], 1):.1f} audit "
          f"events per case of {events[1]:,.0f} bytes each):")
    for name, count, size in rows:
        per = f"{size / count:,.0f} bytes per row" if count > 0 else ""
        print(f"  {name:24} {max(count, 0):>10,} rows {size / 2**20:9.1f} MB  {per}")


def _interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def print_goals(results: list[Phase], lifecycle: tuple[float, float, float, int] | None) -> None:
    by = {(p.clients, p.processes): p for p in results}
    print(f"\ngoals ({os.cpu_count()} cores; load average now "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    one, twenty = by.get((1, 1)), by.get((20, 1))
    if one and twenty:
        r = twenty.throughput / one.throughput
        print(f"  20 clients ÷ 1 client, 1 process:   {r:5.2f}  (goal ≥ 1.0)  "
              f"{twenty.throughput:.1f} ÷ {one.throughput:.1f} req/s  {'met' if r >= 1.0 else 'NOT met'}")
    for clients in (20, 100):
        single, double = by.get((clients, 1)), by.get((clients, 2))
        if single and double:
            r = double.throughput / single.throughput
            note = "met" if r >= 1.7 else ("NOT met" if (os.cpu_count() or 1) >= 4 else
                                           f"NOT met; this machine has {os.cpu_count()} cores for servers, "
                                           "PostgreSQL and the clients together")
            print(f"  2 processes ÷ 1, {clients:3d} clients:    {r:5.2f}  (goal ≥ 1.7)  "
                  f"{double.throughput:.1f} ÷ {single.throughput:.1f} req/s  {note}")
    for (clients, processes), p in sorted(by.items()):
        if clients == 20:
            everything = [d for v in p.window().values() for d in v]
            p95 = _q(everything, 95)
            print(f"  p95 at 20 clients × {processes} process(es): {p95:6.0f} ms  (goal ≤ 200)  "
                  f"{'met' if p95 <= 200 else 'NOT met'}")
    if lifecycle:
        http_ms, raw_ms, raw_kefu_ms, transitions = lifecycle
        r = raw_ms / http_ms
        print(f"  HTTP ÷ raw SpiffWorkflow, complaint: {r:5.2f}  (goal ≥ 0.5)  {raw_ms:.2f} ms raw vs "
              f"{http_ms:.2f} ms over HTTP per transition ({transitions} HTTP transitions, 1 client, "
              f"1 process)  {'met' if r >= 0.5 else 'NOT met'}")
        print(f"    (stricter: raw with kefu's own converters {raw_kefu_ms:.2f} ms, "
              f"HTTP ÷ that {raw_kefu_ms / http_ms:.2f})")


if __name__ == "__main__":
    sys.exit(main())
