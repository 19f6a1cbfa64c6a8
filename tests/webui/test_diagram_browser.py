"""The case page's diagram on a 390 px phone and a desktop: every event's label (the start event's
first) lies inside the diagram's frame, whichever diagram the case opens on. ``KEFU_SHOTS=<dir>``
saves ``fix-diagram-<what>-<viewport>.png``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.webui.browsing import VIEWPORTS, seen_on_diagram, signed_in
from tests.webui.conftest import INTAKE
from tests.webui.live import serve

CASE = {k: v for k, v in INTAKE.items() if v != ""} | {"project": "sz-property-lyc"}

# The labels of the events of the diagram shown, and where each is cut by the diagram's frame.
_CUT = """() => {
  const frame = document.querySelector('#diagram').getBoundingClientRect();
  const out = [];
  document.querySelectorAll('#diagram .djs-element.djs-shape[data-element-id$="_label"]').forEach(g => {
    const id = g.getAttribute('data-element-id');
    const text = g.querySelector('text');
    if (!text || !text.textContent.trim()) return;
    const r = text.getBoundingClientRect();
    out.push({id, left: r.left - frame.left, right: frame.right - r.right, top: r.top - frame.top,
              bottom: frame.bottom - r.bottom});
  });
  return {shown: document.querySelector('#diagram').dataset.shown, labels: out};
}"""


def _page(chromium, url, viewport):
    return signed_in(chromium, url, "wang.fang", viewport, timeout=20000)


CONSULTATION = {"customer_name": "陈先生", "customer_phone": "13711112222", "channel": "phone",
                "question": "小区可以安装充电桩吗？", "project": "sz-property-lyc"}
ON_SPOT = CASE | {"solved_on_spot": True, "on_spot_resolution": "当场为客户更换门禁卡",
                  "customer_confirmed": True}
CASES = {  # what: (process, intake, the start event drawn first)
    "consultation": ("consultation", CONSULTATION, "received"),  # open: centred on its second step
    "complaint": ("complaint", CASE, "order_start"),  # open: inside its stage 督办与派单
    "closed-on-spot": ("complaint", ON_SPOT, "received"),  # closed: the path it took
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("what", list(CASES))
def test_the_start_events_label_is_inside_the_diagram(chromium, app, services, viewport, what):

    process, intake, start = CASES[what]
    number = services.runtime.open_case(process, intake, "wang.fang").number
    with serve(app) as url:
        context, page = _page(chromium, url, viewport)
        page.goto(f"{url}/cases/{number}")
        seen = seen_on_diagram(page, _CUT, f"fix-diagram-{what}-{viewport}.png")
        context.close()
    [label] = [label for label in seen["labels"] if label["id"] == f"{start}_label"]
    # the whole label within the frame (on a phone, centring on the next step cut 咨询受理 at the left)
    assert min(label["left"], label["right"], label["top"], label["bottom"]) >= 0, (seen["shown"], label)


# The current step(s) of the diagram shown, each inside the diagram's frame or not.
_IN_VIEW = """() => {
  const frame = document.querySelector('#diagram').getBoundingClientRect();
  const inside = g => { const r = g.getBoundingClientRect();
    return r.left >= frame.left && r.right <= frame.right
      && r.top >= frame.top && r.bottom <= frame.bottom; };
  const out = {shown: document.querySelector('#diagram').dataset.shown, current: {}};
  document.querySelectorAll('#diagram .djs-element.djs-shape').forEach(g => {
    const id = g.getAttribute('data-element-id');
    if (g.classList.contains('kefu-current')) out.current[id] = inside(g);
  });
  return out;
}"""


def test_on_a_phone_the_start_and_the_current_step_are_both_in_view(chromium, app, services):
    """Centring on the current step used to push the start event off a 390 px screen (督办与派单 at
    签发督办令, the complaint's own diagram at its stage 投诉办理): the view now holds both."""
    from playwright.sync_api import expect

    case = services.runtime.open_case("complaint", CASE, "wang.fang")
    (raise_order,) = [t for t in case.tasks if t.task_name == "raise_order"]
    services.runtime.complete_task(raise_order.task_id, "wang.fang", {
        "order_summary": "请物业部处理楼上漏水", "required_completion": "2026-12-30T17:00:00+08:00"})
    with serve(app) as url:
        context, page = _page(chromium, url, "phone")
        page.goto(f"{url}/cases/{case.number}")
        expect(page.locator("#diagram.ready")).to_be_visible()
        page.locator("#diagram").scroll_into_view_if_needed()
        starts = {}
        for process, start in (("complaint_dispatch", "order_start"), ("complaint", "received")):
            if process == "complaint":
                page.locator("#diagram-path button", has_text="投诉处理").click()
                expect(page.locator("#diagram.ready")).to_have_attribute("data-shown", "complaint")
            seen = page.evaluate(_IN_VIEW)
            starts[process] = page.locator(f"#diagram [data-element-id='{start}']").evaluate(
                """g => { const f = document.querySelector('#diagram').getBoundingClientRect();
                          const r = g.getBoundingClientRect();
                          return r.left >= f.left && r.right <= f.right && r.top >= f.top
                                 && r.bottom <= f.bottom; }""")
            assert seen["shown"] == process
            assert seen["current"] and all(seen["current"].values()), seen
        shots = os.environ.get("KEFU_SHOTS")
        if shots:
            shot = Path(shots) / "diagram-start-and-step-phone.png"
            page.locator("#diagram-card").screenshot(path=str(shot))
        context.close()
    assert starts == {"complaint_dispatch": True, "complaint": True}
