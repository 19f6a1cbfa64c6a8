"""How a simulated case is worked: one YAML script per process in ``engine/simulation/paths/``.

A script holds the intake (``intake:``), who takes the case (``opened_by:``, a role held in the
simulated unit, or a list of roles: the first someone there holds) and, per path, each step's answers
and the pace (``timing: on_time`` or ``late``); a path may change some intake values (its own
``intake:``, e.g. a booked visit or a walk-in). ``photos:`` names what a step's holder uploads on the
case page first: one photo (``visit_customer: 上门照片``) or one per stage (``carry_out_repair:
{before: 维修前, during: 维修中, after: 维修后}``). Nothing in a script is a rule: deadlines, reminders
and fines come from the policy and the diagram; the script only says what the staff type and when they
act (``pace:``: ``step_minutes`` after a step opens when on time, ``late_minutes`` after its due time
when late, in working minutes, or wall-clock minutes with ``clock: wall``; ``horizon_days``). Text
values ``{now}``, ``{now+3d}``, ``{now-2h}`` (d, h, m) are times relative to the moment the step is done.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from engine.errors import KefuError, NotFoundError

__all__ = ["PACES", "SCRIPTS_DIR", "PathScript", "Preset", "ProcessScript", "load_presets", "load_script",
           "script_processes"]

SCRIPTS_DIR = Path(__file__).resolve().parent / "paths"
PACES = ("on_time", "late")
_RELATIVE = re.compile(r"^\{now(?:(?P<sign>[+-])(?P<amount>\d+)(?P<unit>[dhm]))?\}$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class PathScript:
    """One path of a process: its title, pace and each step's answers (by task name)."""

    name: str
    title_zh: str
    title_en: str
    timing: str
    answers: Mapping[str, Mapping[str, Any]]
    intake: Mapping[str, Any] = field(default_factory=dict)  # what this path changes in the intake

    def answers_for(self, process: str, step: str, moment: datetime) -> dict[str, Any]:
        """The answers of ``step`` with their relative times resolved at ``moment``."""
        if step not in self.answers:
            raise KefuError(
                f"the path {self.name!r} of {process!r} has no answers for the step {step!r}; add them "
                f"under answers: in {SCRIPTS_DIR / (process + '.yaml')}",
                zh=f"模拟脚本缺少步骤 {step} 的填写内容，请联系管理员补充")
        return {k: resolve(v, moment) for k, v in self.answers[step].items()}


@dataclass(frozen=True)
class ProcessScript:
    """The script of one process: intake, opener role, paths, pace and horizon."""

    process: str
    opened_by: tuple[str, ...]  # roles, the first held in the unit takes the case
    intake: Mapping[str, Any]
    paths: Mapping[str, PathScript]
    # step → the photos its holder uploads on the case page before doing it: stage → name (a repair's
    # before/during/after, R3.3), or the stage "" for a photo of no stage (a visit's, R2.7)
    photos: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    step_minutes: int = 10
    late_minutes: int = 60
    horizon_days: int = 45
    # the pace's minutes are working minutes of the unit's calendar (an office), or wall-clock minutes
    # (pace: {clock: wall}: the gate, where a guard is on duty at any hour)
    working_pace: bool = True

    def path(self, name: str) -> PathScript:
        """The path ``name``; NotFoundError naming the paths there are."""
        if name not in self.paths:
            raise NotFoundError(f"process {self.process!r} has no simulation path {name!r}; "
                                f"choose one of: {', '.join(self.paths)}",
                                zh=f"没有这条模拟路径：{name}")
        return self.paths[name]

    def intake_at(self, moment: datetime, path: PathScript | None = None) -> dict[str, Any]:
        """The intake data (with the path's changes) with relative times resolved at ``moment``."""
        merged = {**self.intake, **(path.intake if path is not None else {})}
        return {k: resolve(v, moment) for k, v in merged.items()}


def resolve(value: Any, moment: datetime) -> Any:
    """``{now±Nd|h|m}`` as ISO text relative to ``moment``; anything else unchanged."""
    if isinstance(value, str) and (match := _RELATIVE.match(value)):
        offset = timedelta()
        if match["amount"]:
            offset = timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})
            offset = -offset if match["sign"] == "-" else offset
        return (moment + offset).isoformat()
    return value


def script_processes(directory: Path = SCRIPTS_DIR) -> list[str]:
    """The processes that have a simulation script, sorted."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_script(process: str, directory: Path = SCRIPTS_DIR) -> ProcessScript:
    """Read and check the script of ``process``; KefuError saying what is wrong in which file."""
    path = directory / f"{process}.yaml"
    if not path.is_file():
        raise NotFoundError(f"process {process!r} cannot be simulated; choose one of: "
                            f"{', '.join(script_processes(directory))}", zh=f"流程 {process} 不能模拟")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("process") != process:
        raise KefuError(f"{path}: the top level must be a mapping with process: {process}")
    pace = raw.get("pace") or {}
    paths: dict[str, PathScript] = {}
    for name, spec in (raw.get("paths") or {}).items():
        timing = spec.get("timing")
        if timing not in PACES:
            raise KefuError(f"{path}: path {name!r} has timing {timing!r}; use one of: {', '.join(PACES)}")
        title = spec.get("title") or {}
        intake = spec.get("intake") or {}
        if not isinstance(intake, dict):
            raise KefuError(f"{path}: path {name!r}: intake must map fields to values")
        paths[name] = PathScript(name, str(title.get("zh", name)), str(title.get("en", name)), timing,
                                 dict(spec.get("answers") or {}), dict(intake))
    if not paths:
        raise KefuError(f"{path}: no paths; add at least one under paths:")
    photos = raw.get("photos") or {}
    if not isinstance(photos, dict) or not all(isinstance(v, str | dict) for v in photos.values()):
        raise KefuError(f"{path}: photos must map a step to the photo's name (visit_customer: 上门照片) "
                        "or to its stages' photos (carry_out_repair: {before: 维修前, after: 维修后})")
    staged = {str(k): ({"": v} if isinstance(v, str) else {str(s): str(n) for s, n in v.items()})
              for k, v in photos.items()}
    pace = dict(pace)
    clock = pace.pop("clock", "working")
    if clock not in ("working", "wall"):
        raise KefuError(f"{path}: pace clock {clock!r}; use working (working minutes) or wall")
    unknown = sorted(set(pace) - {"step_minutes", "late_minutes", "horizon_days"})
    if unknown:
        raise KefuError(f"{path}: unknown pace setting(s) {', '.join(unknown)}; use step_minutes, "
                        "late_minutes, horizon_days, clock")
    opened_by = raw.get("opened_by")
    listed = opened_by if isinstance(opened_by, list) else [opened_by] if opened_by else []
    roles = tuple(str(r) for r in listed)
    if not roles:
        raise KefuError(f"{path}: opened_by must name the role (or the roles, the first held) that takes "
                        "the case")
    return ProcessScript(process, roles, dict(raw.get("intake") or {}), paths, staged,
                         working_pace=clock == "working", **{k: int(v) for k, v in pace.items()})


@dataclass(frozen=True)
class Preset:
    """A one-click example of the simulation page: a process received at a given time."""

    code: str
    title_zh: str
    title_en: str
    process: str
    at: datetime


def load_presets(path: Path = SCRIPTS_DIR.parent / "presets.yaml") -> list[Preset]:
    """The examples of ``engine/simulation/presets.yaml``, in file order."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Preset(str(p["code"]), str(p["title"]["zh"]), str(p["title"]["en"]), str(p["process"]),
                   datetime.fromisoformat(str(p["at"]))) for p in raw]
