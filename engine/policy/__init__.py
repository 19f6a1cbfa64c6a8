"""Policies: load, merge (group → subsidiary → project), bound-check, explain and document the rules.

``load_policy_set(dir)`` reads ``group.yaml``, ``subsidiaries/*.yaml`` and ``projects/*.yaml``, checks
every file against the key catalogue (``engine.policy.catalogue``), checks every overlay against the
group's ``bounds:``, merges each unit and checks its role and department references. All problems
of a tree are raised together as ``PolicyErrors`` (a ``PolicyError``; ``errors`` lists each
``path:line: code message``).

Codes (stable; ``tests/engine/policy/test_policy__codes.py`` raises each from a bad file):

===========  ==============================================================
policy.E001  the file is not valid YAML
policy.E002  the file is empty or its top level is not a mapping
policy.E003  a key appears twice in one mapping
policy.E004  unknown key or record field ("did you mean …")
policy.E005  wrong type of value (e.g. a number where a duration is expected)
policy.E006  bad duration text
policy.E007  bad schedule text
policy.E008  value out of range or not allowed (percent > 100, unknown scope, time zone)
policy.E009  record without a code, or a code listed twice
policy.E010  unknown department or role (e.g. a category's department)
policy.E011  extends missing in an overlay, or present in group.yaml
policy.E012  extends names an unknown unit
policy.E013  extends forms a cycle
policy.E014  bounds in an overlay (only group.yaml may bound)
policy.E015  a required key or record field is missing
policy.E016  bound: value above the allowed maximum (e.g. a lengthened deadline)
policy.E017  bound: durations of different kinds cannot be compared
policy.E018  bound: value below the allowed minimum (e.g. a lowered fine or coverage)
policy.E019  bound: an entry of an add-only list is removed
policy.E020  bound: a fixed key is changed
policy.E021  bad bounds section
policy.E022  bad unit code or file name, or a unit defined twice
policy.E023  extends names a unit of the wrong level
policy.E024  policy directory or group.yaml missing
policy.E025  snapshot is damaged (fingerprint does not match)
policy.E026  a reference to another key is wrong (e.g. never_after names no deadline)
policy.E027  the policy and the diagrams disagree (a lane, choices_from or required_from)
===========  ==============================================================
"""

from engine.policy.effective import EffectivePolicy, Provenance
from engine.policy.policyset import DiffRow, PolicySet, Unit, load_policy_set
from engine.policy.problems import CODES, PolicyErrors

__all__ = [
    "CODES",
    "DiffRow",
    "EffectivePolicy",
    "PolicyErrors",
    "PolicySet",
    "Provenance",
    "Unit",
    "load_policy_set",
]
