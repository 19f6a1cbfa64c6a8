"""The load bench's raw baseline (``bench/intake.py``): SpiffWorkflow's own converters, the specs left out,
write and read the same instance JSON as kefu's converters, so the two raw kinds do the same work."""

from __future__ import annotations

from typing import Any

import pytest

from bench import intake
from engine.processes import ProcessRegistry
from engine.runtime.serializer import VERSION, dump_workflow, load_workflow


def test_spiffworkflows_converters_write_and_read_what_kefus_write_at_every_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts: list[str] = []

    def keep(workflow: Any) -> str:
        text = dump_workflow(workflow)
        texts.append(text)
        return text

    monkeypatch.setattr(intake, "dump_workflow", keep)
    intake.raw_batches(instance_only=True, converters="kefu")(1)
    assert len(texts) == len(intake.STEPS) + 1  # the opening and every completion

    definition = ProcessRegistry.load(intake.ROOT / "processes").get("complaint")
    dump, load = intake.spiff_instance_converters()
    for text in texts:
        theirs = load(text, definition)
        ours = load_workflow(text, VERSION, definition.spec, definition.subprocess_specs)
        assert dump(theirs) == dump_workflow(ours) == text


def test_an_unknown_converter_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="converters"):
        intake.raw_batches(instance_only=True, converters="stock")
