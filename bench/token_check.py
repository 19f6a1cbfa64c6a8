"""CPU and wall time of an API request's token check and its policy reading (issue 18).

    .venv/bin/python bench/token_check.py [--calls 1000] [--root DIR] [--pg URL] [--session]

On a throw-away PostgreSQL database with the demo organisation, ``Services.check_token`` followed by
``policies.current()`` inside ``one_reading()`` (what one API request does before its view asks the
policy), ``--calls`` times per way, twice in turns: **check** (the token alone, then the versions in
force in a statement of their own) and, where ``--root``'s kefu has it, **check+reading** (the versions
in force read in the token's statement: ``check_token(with_reading=True)``, docs/scaling.md item 41).
``--root``: another checkout of kefu to measure with this interpreter (e.g. main before the change).
``--session``: a web page's session check instead (``Services.actor_for_session``; check+reading:
``with_reading=True``, the versions in force in the session's statement, docs/scaling.md item 46).
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--session", action="store_true", help="a web session's check, not a token's")
    parser.add_argument("--pg", default=os.environ.get("KEFU_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from bench.load import on_database

    def run(db_url: str, data_dir: Path, _args: Any) -> None:
        from engine.clock import SystemClock
        from engine.org import load_org
        from engine.policy_versions import one_reading
        from engine.settings import Settings
        from webui.services import build_services

        svc = build_services(Settings(database_url=db_url, data_dir=data_dir, secret_key="bench"),
                             SystemClock())
        svc.runtime.import_org(load_org(Path(args.root) / "engine" / "demo" / "org.yaml"))
        if args.session:
            token = svc.credentials.start_session("zhang.wei")
            check: Any = svc.actor_for_session
        else:
            token = svc.issue_token("zhang.wei", "bench")
            check = svc.check_token
        ways: list[tuple[str, dict[str, Any]]] = [("check", {})]
        if "with_reading" in inspect.signature(check).parameters:
            ways.append(("check+reading", {"with_reading": True}))
        what = "session" if args.session else "token"
        print(f"{os.cpu_count()} cores; {args.calls} {what} checks per way, {args.root}")
        for name, kw in ways * 2:
            for _ in range(100):
                with one_reading():
                    check(token, **kw)
                    svc.policies.current()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.calls):
                with one_reading():
                    check(token, **kw)
                    svc.policies.current()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"  {name:14} {cpu / args.calls * 1e3:.3f} ms CPU {wall / args.calls * 1e3:.3f} ms wall "
                  f"per check and reading, load {os.getloadavg()[0]:.2f}")
        svc.store.dispose()

    on_database(argparse.Namespace(pg=args.pg, sqlite=False), "kefu-token-", run)


if __name__ == "__main__":
    main()
