"""Domain actions that diagrams call from service tasks: the registry, the call context, the defaults.

A diagram calls an action with SpiffWorkflow's spiff dialect::

    <bpmn:serviceTask id="issue_dispatch_order" name="开具派工单">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="repair.issue_dispatch_order" resultVariable="dispatch_order">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="items" type="str" value="order_items"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>

Each parameter ``value`` is an expression over the case data (checked by the allow-list like every
other expression); the action's JSON result lands in ``resultVariable``. The runtime runs the action
inside the transaction of the step that reached the service task: if it fails, the whole step
rolls back (the task stays open, the input is not lost, no number is consumed).

The actions shipped with kefu are registered by the domain modules of :data:`DOMAIN_MODULES`, each
through its ``register_actions(registry)``; :func:`default_actions` builds that registry once.
"""

from __future__ import annotations

import importlib

from engine.actions.context import ActionContext, StepBinding, bind_step, current_step
from engine.actions.registry import PARAM_TYPES, Action, ActionRegistry, Param, type_of_value

__all__ = [
    "DOMAIN_MODULES",
    "PARAM_TYPES",
    "Action",
    "ActionContext",
    "ActionRegistry",
    "Param",
    "StepBinding",
    "bind_step",
    "build_actions",
    "current_step",
    "default_actions",
    "type_of_value",
]

DOMAIN_MODULES = (
    "engine.repair_orders",
    "engine.faq",
    "engine.complaints",
    "engine.worker.events",
    "engine.worker.penalties",
)

_DEFAULT: ActionRegistry | None = None


def build_actions(modules: tuple[str, ...] = DOMAIN_MODULES) -> ActionRegistry:
    """A new registry with the actions of ``modules`` (each calls its ``register_actions``)."""
    registry = ActionRegistry()
    for name in modules:
        importlib.import_module(name).register_actions(registry)
    return registry


def default_actions() -> ActionRegistry:
    """The registry of every action the domain modules of :data:`DOMAIN_MODULES` register (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = build_actions()
    return _DEFAULT
