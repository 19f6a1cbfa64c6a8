"""Two simulations of the same case side by side: each step's due time under both, and the fines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.simulation.timeline import Simulation, Step

__all__ = ["Comparison", "Row", "compare"]


@dataclass(frozen=True)
class Row:
    """The n-th occurrence of a step under both: its due time and when it was done."""

    task: str
    title: str
    left: Step | None
    right: Step | None

    @property
    def changed(self) -> bool:
        """True when the due time differs (or the step happens under one only)."""
        return _due(self.left) != _due(self.right)


def _due(step: Step | None) -> datetime | None | str:
    return "absent" if step is None else step.due_at


@dataclass(frozen=True)
class Comparison:
    """Current rules (left) against a draft (right)."""

    left: Simulation
    right: Simulation
    rows: tuple[Row, ...]

    @property
    def changed(self) -> bool:
        """True when a due time or the fines differ."""
        return any(r.changed for r in self.rows) or self.left.total_fines != self.right.total_fines


def compare(left: Simulation, right: Simulation) -> Comparison:
    """Pair the steps of two runs by task and occurrence, in the order they opened under either."""
    def keyed(sim: Simulation) -> dict[tuple[str, int], Step]:
        seen: dict[str, int] = {}
        out: dict[tuple[str, int], Step] = {}
        for step in sim.steps:
            seen[step.task] = seen.get(step.task, 0) + 1
            out[(step.task, seen[step.task])] = step
        return out

    a, b = keyed(left), keyed(right)
    order = list(a) + [k for k in b if k not in a]
    rows = tuple(Row(k[0], (a.get(k) or b[k]).title, a.get(k), b.get(k)) for k in order)
    return Comparison(left, right, rows)
