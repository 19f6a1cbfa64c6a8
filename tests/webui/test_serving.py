"""Serving (issue 18): health and readiness without login, the request id, the JSON access log, and
``kefu serve --workers 2`` (gunicorn) where a login served by one process is used by the other."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from engine.clock import FixedClock
from engine.org import load_org
from engine.settings import Settings
from engine.store import Store
from tests.conftest import shanghai
from tests.webui.conftest import DEMO_ORG, PASSWORD
from webui.ops import readiness
from webui.services import Services, build_services
from webui.serving import gunicorn_available

BIN = Path(sys.executable).parent


def test_health_and_readiness_answer_without_login(client: FlaskClient) -> None:
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.get_json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["migration"] == body["head"] == Store.head_revision()


def test_readiness_is_503_with_the_reason_when_the_schema_is_behind(client: FlaskClient,
                                                                     services: Services) -> None:
    with services.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0018'"))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["reason"].startswith("the database is at migration 0018, not ")
    assert client.get("/healthz").status_code == 200  # alive all the same: a restart would not help


def test_readiness_says_when_the_database_is_unreachable_or_empty(tmp_path: Path) -> None:
    unreachable = Store("postgresql://kefu@127.0.0.1:1/kefu")
    ready, details = readiness(unreachable)
    unreachable.dispose()
    assert not ready and details["database"] == "unreachable"
    assert "cannot reach the database" in details["reason"]
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    ready, details = readiness(empty)
    empty.dispose()
    assert not ready and details["migration"] is None and "at migration none" in details["reason"]


def test_each_request_gets_an_id_and_one_json_access_line(login: Any, caplog: pytest.LogCaptureFixture,
                                                          app: Flask, services: Services) -> None:
    browser = login("wang.fang")
    caplog.set_level(logging.INFO, logger="kefu.access")
    caplog.clear()
    page = browser.get("/inbox", headers={"X-Request-ID": "trace-42"})
    assert page.status_code == 200 and page.headers["X-Request-ID"] == "trace-42"
    forged = browser.get("/inbox", headers={"X-Request-ID": "two words; " + "x" * 80})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])  # not echoed: a fresh id
    anonymous = app.test_client().get("/inbox")
    token, _ = services.credentials.issue_token("li.na", "test")
    api = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kefu.access"]
    assert len(lines) == 4
    first = lines[0]
    assert {k: first[k] for k in ("request_id", "user", "method", "path", "status", "pid")} == {
        "request_id": "trace-42", "user": "wang.fang", "method": "GET", "path": "/inbox", "status": 200,
        "pid": os.getpid()}
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert lines[1]["request_id"] == forged.headers["X-Request-ID"]
    assert (lines[2]["user"], lines[2]["status"]) == (None, anonymous.status_code)
    assert (lines[3]["user"], lines[3]["path"]) == ("li.na", "/api/v1/tasks")
    assert lines[3]["status"] == api.status_code == 200


# -- several processes ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
             body: str | None = None) -> tuple[int, dict[str, str], str]:
    """One request on a new connection (a kept-alive one would stay with one process)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read().decode("utf-8")
    finally:
        conn.close()


@contextmanager
def _kefu_serve(database_factory: Any, tmp_path: Path, workers: int) -> Iterator[tuple[int, Path, int]]:
    """``kefu serve --workers N`` on a PostgreSQL database with the demo org: (port, its stdout file, the
    pid of ``kefu serve``)."""
    if not gunicorn_available():
        pytest.skip(f"gunicorn runs on Linux only (this is {sys.platform})")
    url = database_factory.fresh("postgresql")
    settings = Settings(database_url=url, data_dir=tmp_path / "data", secret_key="test-secret")
    svc = build_services(settings, FixedClock(shanghai("2026-11-23 09:00")))
    svc.runtime.import_org(load_org(DEMO_ORG))
    svc.set_password("wang.fang", PASSWORD)
    svc.store.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_DATABASE_URL=url, KEFU_DATA_DIR=str(tmp_path / "data"), KEFU_SECRET_KEY="test-secret")
    port, out = _free_port(), tmp_path / "serve.out"
    with out.open("w") as stdout:
        server = subprocess.Popen([str(BIN / "kefu"), "serve", "--port", str(port), "--workers", str(workers),
                                   "--threads", "2", "--no-demo"], env=env, stdout=stdout,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _request(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kefu serve --workers {workers} did not start:\n" + out.read_text()[-3000:])
            time.sleep(0.3)
        yield port, out, server.pid
    finally:
        server.terminate()  # SIGTERM: gunicorn's master stops its workers gracefully
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def two_processes(database_factory: Any, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """``kefu serve --workers 2`` on a PostgreSQL database with the demo org; (port, its stdout file)."""
    with _kefu_serve(database_factory, tmp_path, 2) as (port, out, _pid):
        yield port, out


def _served_by(out: Path, request_id: str) -> dict[str, Any]:
    for _ in range(50):
        for line in out.read_text().splitlines():
            if line.startswith("{") and f'"request_id": "{request_id}"' in line:
                return dict(json.loads(line))
        time.sleep(0.1)
    raise AssertionError(f"no access line for {request_id}:\n{out.read_text()[-2000:]}")


def _sign_in(port: int) -> str:
    """wang.fang signs in through the login form; her session cookie (``name=value``)."""
    status, headers, page = _request(port, "GET", "/login", {"X-Request-ID": "form"})
    assert status == 200
    cookie = headers["set-cookie"].split(";")[0]
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = f"login=wang.fang&password={PASSWORD}&csrf_token={token}"
    posted = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "X-Request-ID": "signin"}
    status, headers, _ = _request(port, "POST", "/login", posted, form)
    assert status == 302
    return headers["set-cookie"].split(";")[0]


@pytest.mark.postgres
def test_a_login_served_by_one_process_is_used_by_another(two_processes: tuple[int, Path]) -> None:
    port, out = two_processes
    cookie = _sign_in(port)
    signed_in_by = _served_by(out, "signin")["pid"]
    others = []
    for attempt in range(60):
        probe = {"Cookie": cookie, "X-Request-ID": f"probe-{attempt}"}
        status, _, page = _request(port, "GET", "/inbox", probe)
        assert status == 200 and "王芳" in page  # signed in, whichever process answered
        line = _served_by(out, f"probe-{attempt}")
        assert line["user"] == "wang.fang"
        if line["pid"] != signed_in_by:
            others.append(line["pid"])
            break
    assert others, "every request went to the process that signed in; the other never served one"
    pids = {json.loads(line)["pid"] for line in out.read_text().splitlines() if line.startswith("{")}
    assert len(pids) == 2 and os.getpid() not in pids


CHILD = Path(__file__).with_name("serving_child.py")


def _wait_for(port: int, server: subprocess.Popen[bytes], out: Path, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if _request(port, "GET", path)[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the server did not answer {path}:\n" + out.read_text()[-3000:])
        time.sleep(0.2)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize("worker_class", ["gthread", "sync"])
def test_a_request_longer_than_gunicorns_timeout_is_served_to_the_end_by_kefus_gthread_worker(
        tmp_path: Path, worker_class: str) -> None:
    """gunicorn with one worker process through ``webui/serving.py``, its timeout 2 s: on ``gthread``
    (kefu's) a 5-second wait and 5 seconds of Python work both answer 200 with their whole body, from
    the same process, and the master never times it out: its main thread beats while the request runs
    in the thread pool. The control, gunicorn's ``sync`` worker (which beats only between requests), is
    aborted mid-request after the 2 s, answers 500 instead of the body, and is replaced."""
    if not gunicorn_available():
        pytest.skip(f"gunicorn runs on Linux only (this is {sys.platform})")
    from tests.webui.serving_child import BODY

    port, out = _free_port(), tmp_path / "serve.out"
    with out.open("w") as stdout:
        server = subprocess.Popen([sys.executable, str(CHILD), worker_class, str(port), "2"],
                                  cwd=CHILD.parents[2], stdout=stdout, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server, out, "/pid")
        first = _request(port, "GET", "/pid")[2].strip()
        if worker_class == "gthread":
            for path, filler in (("/sleep?s=5", "s"), ("/busy?s=5", "b")):
                started = time.monotonic()
                status, _, body = _request(port, "GET", path)
                assert time.monotonic() - started > 4.5  # well over the timeout
                assert status == 200 and body == f"{first}\n" + filler * BODY
            assert _request(port, "GET", "/pid")[2].strip() == first
            assert "WORKER TIMEOUT" not in out.read_text()
        else:
            started = time.monotonic()
            status, _, body = _request(port, "GET", "/sleep?s=5")  # the worker ends it with an error page
            assert status == 500 and "s" * 100 not in body and time.monotonic() - started < 4.5
            _wait_for(port, server, out, "/pid")
            assert _request(port, "GET", "/pid")[2].strip() != first  # a new process
            assert "WORKER TIMEOUT (pid:" + first + ")" in out.read_text()
    finally:
        _stop(server)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("server_kind, stop", [
    ("gunicorn", signal.SIGINT), ("waitress", signal.SIGINT), ("gunicorn", signal.SIGTERM),
    ("waitress", signal.SIGTERM)])
def test_serve_with_worker_runs_the_worker_beside_and_ctrl_c_stops_both(tmp_path: Path, server_kind: str,
                                                                        stop: signal.Signals) -> None:
    """``kefu serve --workers 1 --with-worker`` (what ``make run`` starts): on gunicorn where it runs, on
    waitress where it cannot (``gunicorn_available`` answering False, as on Windows or macOS). The kefu
    worker starts beside the web server, a request is served (by gunicorn's forked worker process, or
    by waitress in the process itself), and Ctrl-C or SIGTERM stops everything: no process is left
    behind (SIGTERM used to end waitress' process at once and leave the worker running)."""
    if server_kind == "gunicorn" and not gunicorn_available():
        pytest.skip(f"gunicorn runs on Linux only (this is {sys.platform})")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_DATABASE_URL=f"sqlite:///{tmp_path / 'kefu.db'}", KEFU_DATA_DIR=str(tmp_path / "data"))
    port, out = _free_port(), tmp_path / "serve.out"
    args = ["serve", "--port", str(port), "--workers", "1", "--no-demo", "--with-worker"]
    argv = [str(BIN / "kefu"), *args] if server_kind == "gunicorn" else [
        sys.executable, str(CHILD), "no-gunicorn", *args]
    with out.open("w") as stdout:
        server = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.STDOUT)
    worker = 0
    try:
        _wait_for(port, server, out)
        deadline = time.monotonic() + 120
        while "sweeping every" not in out.read_text():
            assert server.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
            time.sleep(0.3)
        worker = int(re.search(r"kefu worker started next to the web server \(pid (\d+)\)",  # type: ignore[union-attr]
                               out.read_text()).group(1))
        status, headers, _ = _request(port, "GET", "/healthz", {"X-Request-ID": "alive"})
        assert status == 200
        served_by = _served_by(out, "alive")["pid"]
        if server_kind == "gunicorn":
            assert headers["server"].startswith("gunicorn")
            assert served_by != server.pid and set(_children(server.pid)) == {served_by, worker}
        else:
            assert headers["server"] == "kefu" and served_by == server.pid  # waitress, in the process itself
        server.send_signal(stop)  # Ctrl-C, or a service manager's stop
        assert server.wait(timeout=60) == 0
        time.sleep(0.5)
        outlived = not _gone(worker)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if worker and not _gone(worker):
            os.kill(worker, signal.SIGKILL)  # not left running by a failed test
    assert not outlived, f"the worker (pid {worker}) outlived kefu serve"
    assert "stopped" in out.read_text() and _gone(served_by)  # the worker ended its loop cleanly


@pytest.mark.postgres
def test_one_process_on_gunicorn_answers_health_and_a_signed_in_page(database_factory: Any,
                                                                     tmp_path: Path) -> None:
    """``kefu serve --workers 1`` on Linux: one gunicorn worker process, forked from ``kefu serve``."""
    with _kefu_serve(database_factory, tmp_path, 1) as (port, out, master):
        status, headers, body = _request(port, "GET", "/healthz", {"X-Request-ID": "alive"})
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert headers["server"].startswith("gunicorn")
        cookie = _sign_in(port)
        status, _, page = _request(port, "GET", "/inbox", {"Cookie": cookie, "X-Request-ID": "inbox"})
        assert status == 200 and "王芳" in page
        assert _served_by(out, "inbox")["user"] == "wang.fang"
        served_by = {_served_by(out, request_id)["pid"] for request_id in ("alive", "signin", "inbox")}
        assert served_by == set(_children(master)) and master not in served_by and len(served_by) == 1


def test_one_gunicorn_process_serves_100_kept_alive_clients_and_answers_after_150_idle_connections(
        tmp_path: Path) -> None:
    """``--workers 1`` on gunicorn (4 threads here): 100 clients at once, each keeping its connection for
    three requests, are all served; then, with 150 connections open that have sent nothing (a browser's
    preconnects, a slow client), one more client is answered at once. gunicorn's own ``gthread`` waits
    up to 5 s in a pool thread for each such connection's first bytes (20 of them delayed a request by
    25 s on 4 threads; 150 would take minutes): ``webui.serving._thread_worker`` hands them to the
    poller instead. The lesson of waitress' ``CONNECTION_LIMIT``, for gunicorn."""
    from concurrent.futures import ThreadPoolExecutor

    if not gunicorn_available():
        pytest.skip(f"gunicorn runs on Linux only (this is {sys.platform})")
    port, out = _free_port(), tmp_path / "serve.out"
    with out.open("w") as stdout:
        server = subprocess.Popen([sys.executable, str(CHILD), "gthread", str(port), "120"],
                                  cwd=CHILD.parents[2], stdout=stdout, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server, out, "/pid")

        def client(_: int) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for _ in range(3):
                    conn.request("GET", "/pid")
                    answer = conn.getresponse()
                    answer.read()
                    assert answer.status == 200 and conn.sock is not None  # kept alive
                return answer.status
            finally:
                conn.close()

        with ThreadPoolExecutor(100) as pool:
            assert list(pool.map(client, range(100))) == [200] * 100
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(150)]
        try:
            time.sleep(0.2)  # all accepted
            started = time.monotonic()
            assert _request(port, "GET", "/pid")[0] == 200
            assert time.monotonic() - started < 4.5  # less than the one 5 s wait gthread has for each
        finally:
            for sock in idle:
                sock.close()
    finally:
        _stop(server)


def test_two_gunicorn_processes_share_kept_alive_clients_evenly(tmp_path: Path) -> None:
    """``--workers 2``: 20 clients connecting at once, each keeping its connection, are split about evenly
    between the two processes, three times over. Every process polls the one listening socket and a kept-
    alive connection stays with the process that accepted it; left to the race, the splits were 17/3,
    15/5, 6/14, 19/1 (a process with 17 clients queues them behind one core while the other idles:
    bench/load.py 20 × 2 gave 262–274 req/s against 296–325 with the clients spread evenly over two
    servers). ``webui.serving._thread_worker`` makes a process wait 0.2 ms per connection it holds
    before it accepts, so the one with fewer takes the next (docs/scaling.md item 59)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    if not gunicorn_available():
        pytest.skip(f"gunicorn runs on Linux only (this is {sys.platform})")
    port, out = _free_port(), tmp_path / "serve.out"
    with out.open("w") as stdout:
        server = subprocess.Popen([sys.executable, str(CHILD), "gthread", str(port), "120", "2"],
                                  cwd=CHILD.parents[2], stdout=stdout, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server, out, "/pid")
        answered, deadline = set(), time.monotonic() + 30
        while len(answered) < 2 and time.monotonic() < deadline:  # both processes have booted
            answered.add(int(_request(port, "GET", "/pid")[2].split("\n")[0]))
        for _ in range(3):
            everyone_connected = threading.Barrier(20, timeout=30)

            def client(_: int, everyone_connected: threading.Barrier = everyone_connected) -> int:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    pids = set()
                    for turn in range(5):
                        conn.request("GET", "/pid")
                        answer = conn.getresponse()
                        pids.add(int(answer.read().split(b"\n")[0]))
                        if turn == 0:
                            everyone_connected.wait()  # all 20 connections open at once
                    assert len(pids) == 1  # kept alive: one process served all five
                    return pids.pop()
                finally:
                    conn.close()

            with ThreadPoolExecutor(20) as pool:
                served = Counter(pool.map(client, range(20)))
            assert len(served) == 2 and all(8 <= n <= 12 for n in served.values()), served
            time.sleep(0.5)  # the processes see the connections closed
    finally:
        _stop(server)


def test_one_waitress_process_answers_the_client_after_150_open_connections() -> None:
    """``--workers 1``: 150 clients holding keep-alive connections, and one more still gets its answer
    (waitress' default limit of 100 left it unaccepted for ever: bench/load.py, 100 clients)."""
    import threading

    import waitress.server
    from waitress import wasyncore

    from webui.serving import waitress_options

    def app(_environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    sockets: dict[int, Any] = {}
    server = waitress.server.create_server(app, map=sockets, host="127.0.0.1", port=0, **waitress_options(2))
    port = server.effective_port  # type: ignore[union-attr]
    stop = threading.Event()

    def run() -> None:  # waitress' loop, until told to stop (server.run() cannot be stopped cleanly)
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=sockets, count=1)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(150)]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as last:
            last.sendall(b"GET / HTTP/1.1\r\nHost: kefu\r\nConnection: close\r\n\r\n")
            assert last.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()
        stop.set()
        runner.join(10)
        for channel in list(sockets.values()):  # the server and the connections it accepted
            channel.close()


@pytest.mark.parametrize("workers, gunicorn, expected", [
    (1, False, "waitress"), (1, True, "gunicorn"), (2, True, "gunicorn")])
def test_serving_freezes_what_start_up_built_and_collects_garbage_less_often(
        monkeypatch: pytest.MonkeyPatch, workers: int, gunicorn: bool, expected: str) -> None:
    """``serve`` tunes the collector before waitress or gunicorn's master starts (the workers fork from
    it): start-up's objects frozen, the thresholds of ``GC_THRESHOLDS`` instead of Python's 700, 10, 10."""
    import gc

    import waitress

    from webui import serving

    served: list[str] = []
    monkeypatch.setattr(waitress, "serve", lambda *_a, **_k: served.append("waitress"))

    class Master:
        def run(self) -> None:
            served.append("gunicorn")

    monkeypatch.setattr(serving, "_gunicorn", lambda *_a, **_k: Master())
    monkeypatch.setattr(serving, "gunicorn_available", lambda: gunicorn)
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        serving.serve(Flask(__name__), None, host="127.0.0.1", port=0, threads=2, workers=workers)
        assert served == [expected]
        assert gc.get_threshold() == serving.GC_THRESHOLDS != (700, 10, 10)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_waitress_stops_on_sigterm_while_it_serves_and_the_handler_is_put_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where gunicorn cannot run, ``serve`` turns SIGTERM into waitress' own stop (``SystemExit``, which
    its loop ends on) while waitress serves, and puts the handler it found back after; from a thread
    other than the main one, where no handler can be set, it serves all the same."""
    import gc
    import threading

    import waitress

    from webui import serving

    seen: list[Any] = []
    monkeypatch.setattr(waitress, "serve", lambda *_a, **_k: seen.append(signal.getsignal(signal.SIGTERM)))
    monkeypatch.setattr(serving, "gunicorn_available", lambda: False)
    before, threshold = signal.getsignal(signal.SIGTERM), gc.get_threshold()
    try:
        serving.serve(Flask(__name__), None, host="127.0.0.1", port=0, threads=2, workers=1)
        assert seen[0] is not before and signal.getsignal(signal.SIGTERM) is before
        with pytest.raises(SystemExit):
            seen[0](signal.SIGTERM, None)
        aside = threading.Thread(target=serving.serve, args=(Flask(__name__), None),
                                 kwargs={"host": "127.0.0.1", "port": 0, "threads": 2, "workers": 1})
        aside.start()
        aside.join(10)
        assert len(seen) == 2 and seen[1] is before
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
