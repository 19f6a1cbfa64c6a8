"""Simulation: what the rules mean for one case, run by the real engine in a throw-away world.

``simulate(process, at, unit, path, policies=…, registry=…, org=…, overlay=None)`` opens one case at
``at`` in a fresh SQLite database (a copy of the organisation, the policy tree with ``overlay`` in
place of its unit's file), works it along a path of its script (``engine/simulation/paths``) with
the worker sweeping on a fixed clock, and reads back every deadline, escalation, notification and
fine. ``compare(current, draft)`` puts two runs side by side, step by step.
"""

from engine.simulation.compare import Comparison, Row, compare
from engine.simulation.run import simulate
from engine.simulation.scripts import (
    PathScript,
    Preset,
    ProcessScript,
    load_presets,
    load_script,
    script_processes,
)
from engine.simulation.timeline import Event, Fine, Simulation, Step
from engine.simulation.world import Overlay, org_of

__all__ = [
    "Comparison",
    "Event",
    "Fine",
    "Overlay",
    "PathScript",
    "Preset",
    "ProcessScript",
    "Row",
    "Simulation",
    "Step",
    "compare",
    "load_presets",
    "load_script",
    "org_of",
    "script_processes",
    "simulate",
]
