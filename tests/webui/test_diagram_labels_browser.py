"""The shipped diagrams as bpmn-js draws them (issue 14: redrawn for people): no label's text lies over a
step, a gateway or an event other than its own, over another label's text, or over a lane's name.

The layout tests (tests/engine/processes/test_diagram_layout.py) read the diagram interchange; a
label's text is laid out by bpmn-js, wider or narrower than its bounds, so this draws each diagram in
the vendored viewer at 100 % in Chromium and measures the text itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

SHIPPED = sorted((ROOT / "processes").glob("*.bpmn"))
VENDOR = ROOT / "webui" / "static" / "vendor"

# (label, what it covers, area in px²) for every label whose text covers another element.
_OVERLAPS = """async (xml) => {
  const el = document.getElementById('c'); el.innerHTML = '';
  const viewer = new BpmnJS({container: el});
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  canvas.zoom(1);
  canvas.viewbox({x: 0, y: 0, width: 3000, height: 2000});
  const registry = viewer.get('elementRegistry');
  const box = g => { const r = g.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = [], shapes = [], names = [];
  registry.forEach(e => {
    const g = registry.getGraphics(e);
    if (!g || e.waypoints || !e.parent) return;
    const text = g.querySelector('text');
    if (e.type === 'label') { if (text && text.textContent.trim()) texts.push([e.id, box(text)]); return; }
    if (e.type === 'bpmn:Lane' || e.type === 'bpmn:Participant') {
      if (text && text.textContent.trim()) names.push([e.id, box(text)]);
      return;
    }
    const visual = g.querySelector('.djs-visual > :first-child');
    if (visual) shapes.push([e.id, box(visual)]);
  });
  const area = (a, b) => Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]))
                       * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const out = [];
  texts.forEach(([id, r]) => {
    const owner = id.replace(/_label$/, '');
    shapes.forEach(([other, s]) => {
      const a = area(r, s); if (other !== owner && a > 20) out.push([id, other, a]); });
    texts.forEach(([other, t]) => {
      const a = area(r, t); if (other < id && a > 20) out.push([id, other, a]); });
    names.forEach(([lane, n]) => {
      const a = area(r, n); if (a > 5) out.push([id, 'the name of ' + lane, a]); });
  });
  return out;
}"""


@pytest.fixture(scope="module")
def viewer(chromium):  # type: ignore[no-untyped-def]
    page = chromium.new_page(viewport={"width": 3000, "height": 2000})
    page.set_content("<html><body style='margin:0'><div id='c' style='width:3000px;height:2000px'></div>"
                     "</body></html>")
    page.add_style_tag(path=str(VENDOR / "diagram-js.css"))
    page.add_style_tag(path=str(VENDOR / "bpmn-js.css"))
    page.add_script_tag(path=str(VENDOR / "bpmn-viewer.production.min.js"))
    yield page
    page.close()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_no_label_covers_a_shape_another_label_or_a_lane_name(viewer, path: Path) -> None:  # type: ignore[no-untyped-def]
    overlaps = viewer.evaluate(_OVERLAPS, path.read_text(encoding="utf-8"))
    assert overlaps == [], [(label, other, round(area)) for label, other, area in overlaps]
