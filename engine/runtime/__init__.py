"""The runtime: cases, tasks, timers and the inbox on top of the store, policies and processes.

Modules: ``cases`` (``Runtime`` and the transitions), ``inbox`` (listing, claim/release, case view,
audit check, org import), ``transition`` (bookkeeping after each step), ``access`` (staff, lanes,
permissions), ``numbering`` (case numbers), ``serializer`` (spec-less workflow JSON and upgrades),
``views`` (the frozen views handed out), ``wfcache`` (live workflows kept between a case's steps).
"""

from engine.runtime.cases import Runtime, policy_fingerprint
from engine.runtime.inbox import VIEWS
from engine.runtime.serializer import UPGRADES
from engine.runtime.views import CaseView, InboxItem, TimelineEntry

__all__ = ["UPGRADES", "VIEWS", "CaseView", "InboxItem", "Runtime", "TimelineEntry", "policy_fingerprint"]
