"""The API keeps its OpenAPI contract: Schemathesis 4 with every check against a live ``kefu serve``.

The server runs as a real process on a free port with the demo database (``kefu init --demo``;
``kefu serve`` seeds the demo cases) and a demo token; links in the document (a new case → read
it, a task list → claim, release, complete it) give the generated requests real ids.
``ST_SEED=<n>`` explores with another seed; ``ST_MAX_EXAMPLES`` sets the examples per operation.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_api(tmp_path: Path):  # type: ignore[no-untyped-def]
    """(base URL, token) of a ``kefu serve`` on a demo database; stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_DATA_DIR=str(tmp_path / "data"), KEFU_DATABASE_URL=f"sqlite:///{tmp_path / 'kefu.db'}")
    kefu = str(BIN / "kefu")
    subprocess.run([kefu, "init", "--demo"], env=env, check=True, capture_output=True, timeout=300)
    issued = subprocess.run([kefu, "api-token", "zheng.xiaoyan", "--label", "schemathesis"], env=env,
                            check=True, capture_output=True, text=True, timeout=120)
    token = issued.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([kefu, "serve", "--port", str(port), "--threads", "4"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("kefu serve did not start:\n" + (tmp_path / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_schemathesis_finds_no_failure_with_every_check(live_api, tmp_path: Path) -> None:
    base, token = live_api
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.webui.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    examples = os.environ.get("ST_MAX_EXAMPLES", "12")
    command = [str(BIN / "st"), "run", f"{base}/api/v1/openapi.json", "--checks", "all",
               "-H", f"Authorization: Bearer {token}", "--max-examples", examples,
               "--seed", os.environ.get("ST_SEED", "13"), "--generation-database", "none", "--no-color",
               "--report", "junit", "--report-dir", str(tmp_path / "report")]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-12000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counted and counted.group(1) == counted.group(2) and int(counted.group(1)) > 1000, output[-3000:]
