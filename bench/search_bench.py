"""Benchmark: finding a case among 1,000,000 on PostgreSQL, with the n-gram index vs a LIKE scan.

    .venv/bin/python bench/search_bench.py [--cases 1000000] [--queries 40] [--url postgresql://…]

Creates a scratch database ``kefu_search_bench_<random>`` on the server (default
``postgresql://postgres@127.0.0.1:5432/postgres``, or ``KEFU_TEST_POSTGRES_URL``), migrates it,
loads ``--cases`` cases with COPY (the search columns computed by ``engine.search``, the real
function; the indexes built after the load), then times ``engine.store.case_queries.case_list`` —
the query the case list page and ``GET /api/v1/cases`` run, one page of 25 newest first plus the
capped count — for each kind of query: a case number and its last six digits, a customer's full
name, a surname, a full phone and its last four digits, a room, words of the case's text. Each kind
runs ``--queries`` times with values drawn from the loaded cases, once through the GIN index and
once as the LIKE scan over ``search_text`` that the index replaces (``index=False``), for a reader
of the whole group and one of a subsidiary. Prints p50/p95 per kind and, last, ``ratio: X`` = the
LIKE scan's p95 ÷ the index's p95 for the worst kind. Drops the database afterwards (``--keep``
keeps it). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from engine.search import case_search_fields, search_columns  # noqa: E402
from engine.store import Store  # noqa: E402
from engine.store.case_queries import CaseFilter, case_list  # noqa: E402
from engine.store.web_queries import InboxScope  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
                "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
                "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文玉兰红梅鹏飞辉志宇浩然欣怡婷雪琳晨阳")
PHRASES = ["楼上漏水", "天花板渗水", "电梯故障停运", "门禁卡失效", "噪音扰民", "停车位被占", "垃圾清运不及时",
           "外墙瓷砖脱落", "水压太低", "物业费账单有误", "保安态度差", "绿化带积水", "地下室返潮",
           "窗户关不严",
           "燃气管道异味", "监控摄像头损坏", "快递丢失", "宠物扰民", "装修噪音", "路灯不亮", "化粪池堵塞",
           "消防通道堵塞", "电费计量异常", "热水器漏电", "屋面防水失效", "楼道堆放杂物", "空调外机滴水"]
PROJECTS = [("sz-property", "sz-property-lyc", "SZP"), ("sz-property", "sz-property-jhy", "SZP"),
            ("hn-region", "hn-region-bhw", "HNR")]
PROCESSES = [("complaint", "TS"), ("repair", "BX"), ("consultation", "ZX")]
KINDS = ("number", "number_tail", "name", "surname", "phone", "phone_last4", "room", "text")
COLUMNS = ("id", "number", "process_id", "process_version", "policy_fingerprint", "subsidiary", "project",
           "category", "status", "first_receiver", "customer_name", "customer_phone", "room", "workflow",
           "serializer_version", "opened_at", "closed_at", "audit_head", "audit_count", "version",
           "search_text", "search_terms")


def _case(rng: random.Random, i: int, now: datetime, serials: dict[tuple[str, str, int], int]) -> dict:
    sub, project, code = PROJECTS[i % 3]
    pid, prefix = PROCESSES[rng.randrange(3)]
    opened = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    key = (prefix, code, opened.year)
    serials[key] = serials.get(key, 0) + 1
    number = f"{prefix}-{code}-{opened.year}-{serials[key]:06d}"
    surname = rng.choice(SURNAMES)
    name = surname + (rng.choice(["先生", "女士"]) if rng.random() < 0.6 else
                      "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    room = f"{rng.randint(1, 30)}-{rng.randint(1, 4)}-{rng.randint(1, 33)}{rng.randint(1, 4):02d}"
    text = "，".join(rng.sample(PHRASES, 2))
    closed = opened + timedelta(days=rng.randint(1, 20)) if rng.random() < 0.8 else None
    row = {"id": uuid.UUID(int=rng.getrandbits(128)).hex, "number": number, "process_id": pid,
           "process_version": "bench", "policy_fingerprint": "bench", "subsidiary": sub, "project": project,
           "category": rng.choice(["facilities", "safety", "environment", "billing", "attitude"]),
           "status": "closed" if closed else "in_progress", "first_receiver": "wang.fang",
           "customer_name": name, "customer_phone": phone, "room": room, "workflow": "",
           "serializer_version": "bench", "opened_at": opened, "closed_at": closed, "audit_head": "0" * 64,
           "audit_count": 0, "version": 1}
    field = "question" if pid == "consultation" else "description"
    row["search_text"], row["search_terms"] = search_columns(case_search_fields(row, {field: text}))
    row["_text"] = text
    return row


def _load(url: str, cases: int, seed: int) -> list[dict]:
    """COPY the cases in; returns a sample of them (query values are drawn from it)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    serials: dict[tuple[str, str, int], int] = {}
    sample: list[dict] = []
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        conn.execute("INSERT INTO policy_snapshots (fingerprint, snapshot, created_at) "
                     "VALUES ('bench', '{}', now())")
        for name in ("ix_cases_search_terms", "ix_cases_opened_at", "ix_cases_customer_phone",
                     "ix_cases_project_room", "ix_cases_subsidiary", "ix_cases_next_timer_at"):
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(cases):
                row = _case(rng, i, now, serials)
                copy.write_row([row[c] for c in COLUMNS])
                if i % max(1, cases // 2000) == 0:
                    sample.append(row)
        conn.commit()
        print(f"loaded {cases} cases with COPY in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        conn.execute("CREATE INDEX ix_cases_search_terms ON cases "
                     "USING gin (string_to_array(search_terms, ' '))")
        conn.execute("CREATE INDEX ix_cases_opened_at ON cases (opened_at)")
        conn.execute("CREATE INDEX ix_cases_customer_phone ON cases (customer_phone)")
        conn.execute("CREATE INDEX ix_cases_project_room ON cases (project, room)")
        conn.execute("CREATE INDEX ix_cases_subsidiary ON cases (subsidiary)")
        conn.execute("CREATE INDEX ix_cases_next_timer_at ON cases (next_timer_at)")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE cases")
        size = conn.execute("SELECT pg_size_pretty(pg_relation_size('ix_cases_search_terms')), "
                            "pg_size_pretty(pg_total_relation_size('cases'))").fetchone()
        print(f"indexes built in {time.perf_counter() - started:.0f} s; GIN index {size[0]}, "
              f"cases with indexes {size[1]}", flush=True)
    return sample


def _query(kind: str, row: dict, rng: random.Random) -> str:
    if kind == "number":
        return row["number"]
    if kind == "number_tail":
        return row["number"][-6:]
    if kind == "name":
        return row["customer_name"]
    if kind == "surname":
        return row["customer_name"][0]
    if kind == "phone":
        return row["customer_phone"]
    if kind == "phone_last4":
        return row["customer_phone"][-4:]
    if kind == "room":
        return row["room"]
    words = [w for w in row["_text"].replace("，", " ").split() if w]
    word = rng.choice(words)
    return word[:3] + " " + rng.choice(words)[-2:]


def _time(store: Store, scope: InboxScope, q: str, index: bool) -> float:
    started = time.perf_counter()
    case_list(store, scope, CaseFilter(q=q), index=index)
    return (time.perf_counter() - started) * 1000


def _p(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def main() -> None:
    """Load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--baseline-queries", type=int, default=8, help="LIKE-scan queries per kind")
    parser.add_argument("--url", default=os.environ.get("KEFU_TEST_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    admin = args.url.replace("postgresql+psycopg://", "postgresql://")
    name = f"kefu_search_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = admin.rsplit("/", 1)[0] + "/" + name
    store = Store(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        store.migrate()
        sample = _load(url, args.cases, seed=15)
        rng = random.Random(1)
        scopes = {"group": InboxScope(login="zheng.xiaoyan", everything=True),
                  "subsidiary": InboxScope(login="li.na", units=(("subsidiary", "sz-property"),))}
        for scope in scopes.values():  # warm the cache as a running server would be
            for _ in range(3):
                _time(store, scope, "张先生", True)
        worst = 0.0
        print(f"\n{'query':<12} {'reader':<11} {'index p50':>10} {'index p95':>10} {'LIKE p50':>10} "
              f"{'LIKE p95':>10} {'ratio':>7}   example")
        for kind in KINDS:
            for reader, scope in scopes.items():
                queries = [_query(kind, rng.choice(sample), rng) for _ in range(args.queries)]
                fast = [_time(store, scope, q, True) for q in queries]
                slow = [_time(store, scope, q, False) for q in queries[:args.baseline_queries]]
                ratio = _p(slow, 95) / max(_p(fast, 95), 0.001)
                worst = ratio if worst == 0.0 else min(worst, ratio)
                print(f"{kind:<12} {reader:<11} {_p(fast, 50):>8.1f}ms {_p(fast, 95):>8.1f}ms "
                      f"{_p(slow, 50):>8.1f}ms {_p(slow, 95):>8.1f}ms {ratio:>6.0f}x   {queries[0]}",
                      flush=True)
        print(f"\nratio: {worst:.0f} (the LIKE scan's p95 ÷ the index's p95, the least gain of any kind)")
    finally:
        store.dispose()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
