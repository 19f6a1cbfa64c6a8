"""The audit anchor: signed checkpoints of every audit chain, kept outside the database.

Each case's events form a hash chain whose head is stored on the case row, so an edited event is
found by ``kefu audit verify`` — unless the attacker recomputes the hashes and the head, or
deletes the case with its events. The anchor closes that gap with a **group-level chain over the
case heads**: at ``KEFU_AUDIT_CHECKPOINT_INTERVAL`` the worker writes a checkpoint file

    {"format": 1, "seq": N, "at": …, "prev": <digest of checkpoint N-1>, "key_id": …,
     "chains": <how many chains are anchored>, "root": <sha256 over every anchored chain>,
     "entries": [{"chain": "case:<id>", "number": "TS-SZP-2026-000001", "count": 12, "head": …}, …],
     "digest": <sha256 of the above>, "mac": <HMAC-SHA256(key, digest)>}

listing the chains that grew since checkpoint N-1 with their length and head hash, to
``KEFU_AUDIT_CHECKPOINT_DIR``: a directory that the database's users cannot rewrite (a WORM
bucket or share, an append-only mount). Every signed file is a statement "at time T, chain C had
``count`` events ending in ``head``", so ``verify_audit`` checks the database against **every**
statement ever made, not only the latest: event ``count`` of chain C must still carry ``head``,
and a case that was anchored must still exist. A rewritten chain and a deleted case are reported
by name; so are files missing from the sequence, files with a bad MAC, and a stale anchor.
Events written after the latest checkpoint are protected by their chain only until the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.errors import ConfigError, KefuError
from engine.store import Store
from engine.store.anchor_repo import AnchorRepo, ChainHead, CheckpointRow
from engine.store.audit import GENESIS, ChainProblem, canonical_json, verify_chain

__all__ = ["AnchorSettings", "AuditAnchor", "AuditReport", "Checkpoint", "verify_audit"]

FORMAT = 1
_NAME = "checkpoint-{seq:08d}-{digest}.json"


@dataclass(frozen=True)
class AnchorSettings:
    """Where checkpoints go, how often, and the HMAC key (``key_file`` is made when absent)."""

    directory: Path
    interval: timedelta = timedelta(hours=1)
    key: str = ""
    key_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> AnchorSettings:
        """From ``engine.settings.Settings``."""
        return cls(directory=settings.checkpoint_dir, interval=settings.span("audit_checkpoint_interval"),
                   key=settings.audit_key, key_file=Path(settings.data_dir) / "audit_key")

    def secret(self, create: bool) -> bytes:
        """The HMAC key: ``KEFU_AUDIT_KEY``, else the key file (generated once when ``create``)."""
        if self.key:
            return self.key.encode("utf-8")
        if self.key_file is None:
            raise ConfigError("no audit key: set KEFU_AUDIT_KEY")
        if not self.key_file.exists():
            if not create:
                raise ConfigError(f"no audit key: {self.key_file} does not exist and KEFU_AUDIT_KEY is not "
                                  "set; use the key the worker signs with")
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under a private name, then linked into place: two workers starting at once
            # keep the one key that got there first, and nobody reads a half-written file.
            partial = self.key_file.with_name(f".{self.key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(32))
            try:
                os.link(partial, self.key_file)
            except FileExistsError:
                pass  # another worker made the key first: use theirs
            finally:
                partial.unlink()
        return self.key_file.read_text(encoding="utf-8").strip().encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as written or read: its body and where it lives."""

    seq: int
    at: datetime
    prev: str
    digest: str
    entries: tuple[ChainHead, ...]
    chains: int
    root: str
    path: Path


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"kefu-audit-key:" + key).hexdigest()[:12]


def _root(anchored: list[tuple[str, int, str]]) -> str:
    digest = hashlib.sha256()
    for chain, count, head in anchored:
        digest.update(f"{chain} {count} {head}\n".encode())
    return digest.hexdigest()


def _seal(body: dict[str, Any], key: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
    mac = hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()
    return {**body, "digest": digest, "mac": mac}


class AuditAnchor:
    """Writes checkpoints (the worker, ``kefu audit checkpoint``) on a store with a clock."""

    def __init__(self, store: Store, clock: Clock, settings: AnchorSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings

    def due(self) -> bool:
        """True when no checkpoint was written within the interval."""
        with self.store.read() as tx:
            last = AnchorRepo(tx).last_checkpoint()
        return last is None or self.clock.now() - last.at >= self.settings.interval

    def checkpoint(self, force: bool = False) -> Checkpoint | None:
        """Write the next checkpoint when due (or ``force``); None when not due or another worker writes.

        The file is written before the transaction that records it commits; if that commit fails,
        the file stays as a true but unrecorded statement and the next checkpoint reuses its number.
        """
        key = self.settings.secret(create=True)
        now = self.clock.now()
        with self.store.write() as tx:
            repo = AnchorRepo(tx)
            if not repo.try_lock():
                return None
            last = repo.last_checkpoint()
            if not force and last is not None and now - last.at < self.settings.interval:
                return None
            seq = last.seq + 1 if last is not None else 1
            moved = repo.moved_chains()
            repo.save_anchors(moved, seq)
            anchored = list(repo.anchors())
            body = {
                "format": FORMAT, "seq": seq, "at": now.astimezone(UTC).isoformat(timespec="microseconds"),
                "prev": last.digest if last is not None else GENESIS, "key_id": _key_id(key),
                "chains": len(anchored), "root": _root(anchored),
                "entries": [{"chain": h.chain, "number": h.number, "count": h.count, "head": h.head}
                            for h in moved],
            }
            sealed = _seal(body, key)
            path = self._write(seq, sealed)
            digest = str(sealed["digest"])
            repo.add_checkpoint(CheckpointRow(seq, now, digest, path.name, len(anchored), len(moved)))
        prev = last.digest if last is not None else GENESIS
        return Checkpoint(seq, now, prev, digest, tuple(moved), len(anchored), _root(anchored), path)

    def _write(self, seq: int, sealed: dict[str, Any]) -> Path:
        directory = self.settings.directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / _NAME.format(seq=seq, digest=sealed["digest"][:12])
            data = (json.dumps(sealed, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            # Created, never replaced: an append-only or WORM location allows exactly this.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise KefuError(f"cannot write the audit checkpoint to {directory}: {exc.strerror}; check "
                            "KEFU_AUDIT_CHECKPOINT_DIR and that the worker may create files there") from None
        return path


@dataclass
class AuditReport:
    """What ``verify_audit`` found: problems fail the check, warnings do not."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chains: int = 0
    events: int = 0
    checkpoints: int = 0
    latest: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        """True without problems."""
        return not self.problems


def read_checkpoints(settings: AnchorSettings, report: AuditReport) -> list[Checkpoint]:
    """Every checkpoint file with a valid MAC, oldest first; bad files become problems."""
    directory = settings.directory
    if not directory.is_dir():
        return []
    key = settings.secret(create=False)
    found: list[Checkpoint] = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            body = {k: v for k, v in raw.items() if k not in ("digest", "mac")}
            sealed = _seal(body, key)
            if raw.get("key_id") != _key_id(key):
                report.problems.append(f"{path.name}: signed with another key (key id {raw.get('key_id')}); "
                                       "verify with the key the worker used (KEFU_AUDIT_KEY or the audit_key "
                                       "file)")
                continue
            if not hmac.compare_digest(sealed["mac"], str(raw.get("mac"))) or sealed["digest"] != raw.get(
                    "digest"):
                report.problems.append(f"{path.name}: signature does not match its content (the file was "
                                       "altered or forged); keep the checkpoint location out of reach")
                continue
            entries = tuple(ChainHead(e["chain"], int(e["count"]), e["head"], e.get("number"))
                            for e in raw["entries"])
            found.append(Checkpoint(int(raw["seq"]), datetime.fromisoformat(raw["at"]), raw["prev"],
                                    raw["digest"], entries, int(raw["chains"]), raw["root"], path))
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            report.problems.append(f"{path.name}: not a readable checkpoint ({type(exc).__name__}); a crash "
                                   "while writing leaves such a file: compare it with the worker's log")
    return sorted(found, key=lambda c: (c.seq, c.at))


def _check_sequence(found: list[Checkpoint], recorded: list[CheckpointRow], report: AuditReport) -> None:
    """The files link from the genesis to the newest; every checkpoint the database records exists."""
    by_digest = {c.digest: c for c in found}
    main: list[Checkpoint] = []
    if found:
        newest = max(found, key=lambda c: (c.seq, c.at))
        cursor: Checkpoint | None = newest
        while cursor is not None:
            main.append(cursor)
            if cursor.prev == GENESIS:
                if cursor.seq != 1:
                    report.problems.append(f"checkpoint #{cursor.seq} claims to be the first")
                break
            parent = by_digest.get(cursor.prev)
            if parent is None:
                report.problems.append(
                    f"checkpoint #{cursor.seq - 1}, which #{cursor.seq} links to, is missing from "
                    f"{newest.path.parent}: checkpoint files were removed")
            cursor = parent
        main.reverse()
        report.latest = newest
    forks = len(found) - len(main)
    if forks > 0:
        report.warnings.append(f"{forks} checkpoint file(s) off the main sequence (written by an attempt "
                               "whose transaction did not commit); their statements are still checked")
    present = {c.digest for c in found}
    for row in recorded:
        if row.digest not in present:
            report.problems.append(f"checkpoint #{row.seq} ({row.file}), recorded in the database, is not "
                                   "in the checkpoint location: files were removed, or "
                                   "KEFU_AUDIT_CHECKPOINT_DIR points elsewhere")
    _check_roots(main, report)


def _check_roots(main: list[Checkpoint], report: AuditReport) -> None:
    """Replayed from #1, the entries of the main sequence must give the newest checkpoint's root."""
    if not main or [c.seq for c in main] != list(range(1, len(main) + 1)):
        return  # a gap is reported already
    state: dict[str, tuple[int, str]] = {}
    for cp in main:
        for e in cp.entries:
            state[e.chain] = (e.count, e.head)
    anchored = [(chain, count, head) for chain, (count, head) in sorted(state.items())]
    newest = main[-1]
    if len(anchored) != newest.chains or _root(anchored) != newest.root:
        report.problems.append(f"checkpoint #{newest.seq}: the entries of the sequence do not add up to its "
                               "root; the sequence is incomplete or was tampered with")


def verify_audit(store: Store, settings: AnchorSettings | None, clock: Clock) -> AuditReport:
    """Check every chain, then every anchored statement of every checkpoint, against the database."""
    report = AuditReport()
    statements: dict[str, list[tuple[int, str, int, str | None]]] = defaultdict(list)
    if settings is not None:
        found = read_checkpoints(settings, report)
        with store.read() as tx:
            _check_sequence(found, AnchorRepo(tx).checkpoints(), report)
        report.checkpoints = len(found)
        for cp in found:
            for e in cp.entries:
                statements[e.chain].append((e.count, e.head, cp.seq, e.number))
        if not found:
            report.warnings.append(f"no audit checkpoint in {settings.directory} yet: a deleted case or a "
                                   "rewritten chain cannot be detected; run `kefu worker` or `kefu audit "
                                   "checkpoint`")
        elif report.latest is not None and clock.now() - report.latest.at > 2 * settings.interval:
            when = report.latest.at.isoformat(timespec="minutes")
            report.warnings.append(f"the newest checkpoint is from {when}, more than twice the interval ago: "
                                   "is the worker running?")
    with store.read() as tx:
        for chain, head, count in tx.audit_chains():
            events = tx.chain_events(chain)
            report.chains += 1
            report.events += len(events)
            problem = verify_chain(chain, events, head, count)
            if problem is not None:
                report.problems.append(str(problem))
            for anchored_count, anchored_head, seq, _number in statements.pop(chain, ()):
                report.problems.extend(_against(chain, events, anchored_count, anchored_head, seq))
    for chain, said in sorted(statements.items()):
        count, _head, seq, number = max(said)
        name = f"case {number} ({chain})" if number else chain
        report.problems.append(f"{name} is missing: checkpoint #{seq} anchored it with {count} event(s), and "
                               "its row and events are gone from the database (deleted)")
    return report


def _against(chain: str, events: list[Any], count: int, head: str, seq: int) -> list[str]:
    if len(events) < count or events[count - 1].seq != count:
        return [str(ChainProblem(chain, None, None, f"checkpoint #{seq} anchored {count} event(s), "
                                 f"{len(events)} remain (events were deleted)"))]
    if events[count - 1].hash != head:
        return [str(ChainProblem(chain, count, events[count - 1].id,
                                 f"differs from checkpoint #{seq}: the chain was rewritten after it was "
                                 "anchored (hashes and head recomputed)"))]
    return []
