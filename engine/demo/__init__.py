"""Demo data shipped with kefu: ``org.yaml`` (the demo organisation) and its path."""

from pathlib import Path

__all__ = ["DEMO_ORG_PATH"]

DEMO_ORG_PATH = Path(__file__).resolve().parent / "org.yaml"
