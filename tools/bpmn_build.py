"""Build a BPMN 2.0 file (spiff dialect) with a simple layered layout from a compact Python spec.

Process owners normally edit diagrams in a modeler; this tool exists so that diagrams written as
tables (as kefu's first ones were) get a readable layout for the bpmn-js viewer. Usage:

    python tools/bpmn_build.py tools/specs/complaint.py processes/complaint.bpmn

A spec module defines PROCESS_ID, PROCESS_NAME, LANES [(code, label)], NODES and FLOWS:
    NODES: (id, kind, name, lane, props) with kind in start, end, user, script, service, xor, and, event_gw,
           timer_catch, message_catch, boundary_timer, call; props holds 'script', 'due', 'assignee', 'notify',
           'attached_to', 'cancel', 'timer', 'message', 'default', 'called' (call: the called process id),
           'action', 'params' [(name, type, expression)], 'result' (service: the kefu action it calls).
    FLOWS: (source, target, condition or None[, name])
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

SIZES = {"user": (120, 80), "script": (120, 80), "service": (120, 80), "start": (36, 36), "end": (36, 36),
         "xor": (50, 50), "and": (50, 50), "event_gw": (50, 50), "timer_catch": (36, 36),
         "message_catch": (36, 36), "boundary_timer": (36, 36), "call": (120, 80)}
COL_W, LANE_H, LANE_X, POOL_LABEL = 170, 170, 160, 30


def _columns(nodes, flows):
    """Longest-path column per node over the flow graph with back edges removed (DFS order)."""
    succ = defaultdict(list)
    for f in flows:
        succ[f[0]].append(f[1])
    for n in nodes:
        if n[1] == "boundary_timer":
            succ[n[4]["attached_to"]].append(n[0])
    start = next(n[0] for n in nodes if n[1] == "start")
    state, order, back = {}, [], set()

    def visit(v):
        state[v] = 1
        for w in succ[v]:
            if state.get(w) == 1:
                back.add((v, w))
            elif w not in state:
                visit(w)
        state[v] = 2
        order.append(v)

    sys.setrecursionlimit(10000)
    visit(start)
    col = {v: 0 for v in state}
    for v in reversed(order):
        for w in succ[v]:
            if (v, w) not in back:
                col[w] = max(col[w], col[v] + 1)
    return col


def build(spec) -> str:
    """Return the BPMN XML text for a spec module."""
    nodes, flows, lanes = spec.NODES, spec.FLOWS, spec.LANES
    by_id = {n[0]: n for n in nodes}
    col = _columns(nodes, flows)
    lane_index = {code: i for i, (code, _label) in enumerate(lanes)}
    slots: dict[tuple[int, int], int] = defaultdict(int)
    pos = {}
    for n in sorted(nodes, key=lambda n: (col.get(n[0], 0), n[0])):
        nid, kind, _name, lane, props = n
        w, h = SIZES[kind]
        if kind == "boundary_timer":
            continue
        c, li = col.get(nid, 0), lane_index[lane]
        k = slots[(c, li)]
        slots[(c, li)] += 1
        cx = LANE_X + 60 + c * COL_W
        cy = li * LANE_H + 55 + k * 95
        pos[nid] = (cx, cy - h / 2 + 0, w, h)
    for n in nodes:
        if n[1] == "boundary_timer":
            hx, hy, hw, hh = pos[n[4]["attached_to"]]
            pos[n[0]] = (hx + hw - 30, hy + hh - 18, 36, 36)
    width = LANE_X + 60 + (max(col.values()) + 1) * COL_W + 60

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
           'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
           'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
           'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'id="{spec.PROCESS_ID}_definitions" targetNamespace="http://kefu.example/bpmn">',
           f'  <!-- {spec.DOC} -->' if getattr(spec, "DOC", None) else "",
           f'  <bpmn:collaboration id="{spec.PROCESS_ID}_collaboration">',
           f'    <bpmn:participant id="{spec.PROCESS_ID}_pool" name={quoteattr(spec.PROCESS_NAME)} '
           f'processRef="{spec.PROCESS_ID}" />',
           '  </bpmn:collaboration>']
    for mid, mname in getattr(spec, "MESSAGES", []):
        out.append(f'  <bpmn:message id="{mid}" name="{mname}" />')
    out.append(f'  <bpmn:process id="{spec.PROCESS_ID}" name={quoteattr(spec.PROCESS_NAME)} isExecutable="true">')
    out.append(f'    <bpmn:laneSet id="{spec.PROCESS_ID}_lanes">')
    for code, label in lanes:
        out.append(f'      <bpmn:lane id="lane_{code}" name="{code}">')
        out.append(f'        <bpmn:documentation>{escape(label)}</bpmn:documentation>')
        for n in nodes:
            if n[3] == code:
                out.append(f'        <bpmn:flowNodeRef>{n[0]}</bpmn:flowNodeRef>')
        out.append('      </bpmn:lane>')
    out.append('    </bpmn:laneSet>')
    incoming, outgoing = defaultdict(list), defaultdict(list)
    for i, f in enumerate(flows):
        fid = f"flow_{i + 1:02d}_{f[0]}_to_{f[1]}"
        outgoing[f[0]].append(fid)
        incoming[f[1]].append(fid)
    flow_ids = [f"flow_{i + 1:02d}_{f[0]}_to_{f[1]}" for i, f in enumerate(flows)]
    tag = {"start": "startEvent", "end": "endEvent", "user": "userTask", "script": "scriptTask",
           "service": "serviceTask",
           "xor": "exclusiveGateway", "and": "parallelGateway", "event_gw": "eventBasedGateway",
           "timer_catch": "intermediateCatchEvent", "message_catch": "intermediateCatchEvent",
           "boundary_timer": "boundaryEvent", "call": "callActivity"}
    for nid, kind, name, _lane, props in nodes:
        attrs = f'id="{nid}" name={quoteattr(name)}'
        if kind == "boundary_timer":
            cancel = "true" if props.get("cancel", False) else "false"
            attrs += f' attachedToRef="{props["attached_to"]}" cancelActivity="{cancel}"'
        if kind == "call":
            attrs += f' calledElement="{props["called"]}"'
        if kind == "xor" and props.get("default"):
            d = props["default"]
            attrs += f' default="{flow_ids[next(i for i, f in enumerate(flows) if f[0] == nid and f[1] == d)]}"'
        out.append(f'    <bpmn:{tag[kind]} {attrs}>')
        if kind == "user" and (props.get("due") or props.get("assignee") or props.get("notify")):
            out.append('      <bpmn:extensionElements><spiffworkflow:properties>')
            for key in ("due", "assignee", "notify"):
                if props.get(key):
                    out.append(f'        <spiffworkflow:property name="{key}" value={quoteattr(props[key])} />')
            out.append('      </spiffworkflow:properties></bpmn:extensionElements>')
        if kind == "service":
            result = f' resultVariable="{props["result"]}"' if props.get("result") else ""
            out.append('      <bpmn:extensionElements>')
            out.append(f'        <spiffworkflow:serviceTaskOperator id="{props["action"]}"{result}>')
            out.append('          <spiffworkflow:parameters>')
            for pname, ptype, pvalue in props.get("params", []):
                out.append(f'            <spiffworkflow:parameter id="{pname}" type="{ptype}" '
                           f'value={quoteattr(pvalue)} />')
            out.append('          </spiffworkflow:parameters>')
            out.append('        </spiffworkflow:serviceTaskOperator>')
            out.append('      </bpmn:extensionElements>')
        for fid in incoming[nid]:
            out.append(f'      <bpmn:incoming>{fid}</bpmn:incoming>')
        for fid in outgoing[nid]:
            out.append(f'      <bpmn:outgoing>{fid}</bpmn:outgoing>')
        if kind in ("timer_catch", "boundary_timer"):
            out.append('      <bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                       f'{escape(props["timer"])}</bpmn:timeDate></bpmn:timerEventDefinition>')
        if kind == "message_catch":
            out.append(f'      <bpmn:messageEventDefinition messageRef="{props["message"]}" />')
        if kind == "script":
            out.append(f'      <bpmn:script>{escape(props["script"].strip())}</bpmn:script>')
        out.append(f'    </bpmn:{tag[kind]}>')
    for fid, f in zip(flow_ids, flows, strict=True):
        label = f' name={quoteattr(f[3])}' if len(f) > 3 and f[3] else ""
        if f[2]:
            out.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{f[0]}" targetRef="{f[1]}"{label}>')
            out.append(f'      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(f[2])}'
                       '</bpmn:conditionExpression>')
            out.append('    </bpmn:sequenceFlow>')
        else:
            out.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{f[0]}" targetRef="{f[1]}"{label} />')
    out.append('  </bpmn:process>')
    # Diagram interchange: pool, lanes, shapes, edges.
    out.append(f'  <bpmndi:BPMNDiagram id="{spec.PROCESS_ID}_diagram">')
    out.append(f'    <bpmndi:BPMNPlane id="{spec.PROCESS_ID}_plane" bpmnElement="{spec.PROCESS_ID}_collaboration">')
    pool_h = len(lanes) * LANE_H
    out.append(f'      <bpmndi:BPMNShape id="{spec.PROCESS_ID}_pool_di" bpmnElement="{spec.PROCESS_ID}_pool" '
               f'isHorizontal="true"><dc:Bounds x="{LANE_X - POOL_LABEL}" y="0" width="{width}" '
               f'height="{pool_h}" /></bpmndi:BPMNShape>')
    for i, (code, _label) in enumerate(lanes):
        out.append(f'      <bpmndi:BPMNShape id="lane_{code}_di" bpmnElement="lane_{code}" isHorizontal="true">'
                   f'<dc:Bounds x="{LANE_X}" y="{i * LANE_H}" width="{width - POOL_LABEL}" height="{LANE_H}" />'
                   '</bpmndi:BPMNShape>')
    for nid, (x, y, w, h) in pos.items():
        extra = ' isMarkerVisible="true"' if by_id[nid][1] == "xor" else ""
        out.append(f'      <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"{extra}>'
                   f'<dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for fid, f in zip(flow_ids, flows, strict=True):
        sx, sy, sw, sh = pos[f[0]]
        tx, ty, tw, th = pos[f[1]]
        if tx > sx:
            p1, p2 = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
            mid = (p1[0] + p2[0]) / 2
            pts = [p1, (mid, p1[1]), (mid, p2[1]), p2]
        else:  # a loop back: go below the source and come in from below the target
            p1, p2 = (sx + sw / 2, sy + sh), (tx + tw / 2, ty + th)
            low = max(p1[1], p2[1]) + 25
            pts = [p1, (p1[0], low), (p2[0], low), p2]
        wps = "".join(f'<di:waypoint x="{x:.0f}" y="{y:.0f}" />' for x, y in pts)
        out.append(f'      <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">{wps}</bpmndi:BPMNEdge>')
    out.append('    </bpmndi:BPMNPlane>')
    out.append('  </bpmndi:BPMNDiagram>')
    out.append('</bpmn:definitions>')
    return "\n".join(line for line in out if line != "") + "\n"


def main(argv: list[str]) -> int:
    """Build argv[1] (a spec .py file) into argv[2] (a .bpmn file)."""
    if len(argv) != 3:
        print(__doc__)
        return 2
    loader = importlib.util.spec_from_file_location("bpmn_spec", argv[1])
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    Path(argv[2]).write_text(build(module), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
