/* kefu: small progressive enhancements; every page also works without JavaScript. */
(function () {
  "use strict";

  function showChoiceHelp(select) {
    var help = select.parentElement.querySelector(".choice-help");
    if (!help) return;
    var option = select.options[select.selectedIndex];
    help.textContent = (option && option.dataset.help) || "";
  }

  // What is typed in a task form is kept in this tab's session storage until the form is sent, so a
  // reload (an upload without JavaScript's help, a comment, a lost connection) never loses it.
  function keepDrafts(root) {
    if (!window.sessionStorage) return;
    root.querySelectorAll("form.taskform").forEach(function (form) {
      var prefix = "kefu-draft:" + form.getAttribute("action") + ":";
      form.querySelectorAll("textarea, input[type=text], input:not([type])").forEach(function (field) {
        if (!field.name) return;
        var key = prefix + field.name;
        var kept = sessionStorage.getItem(key);
        if (kept !== null && !field.value) field.value = kept;
        field.addEventListener("input", function () { sessionStorage.setItem(key, field.value); });
      });
      form.addEventListener("submit", function () {
        Object.keys(sessionStorage).forEach(function (k) { if (k.indexOf(prefix) === 0) sessionStorage.removeItem(k); });
      });
    });
  }

  function enhance(root) {
    root.querySelectorAll("select[data-help-select]").forEach(function (s) {
      showChoiceHelp(s);
      s.addEventListener("change", function () { showChoiceHelp(s); });
    });
    root.querySelectorAll("input[data-autosubmit]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!input.files || !input.files.length) return;
        var form = input.form;
        form.querySelectorAll("input[type=file]").forEach(function (other) { if (other !== input) other.disabled = true; });
        form.classList.add("busy");
        if (window.htmx && form.hasAttribute("hx-post")) {
          window.htmx.trigger(form, "submit");  // the page stays: typed task forms keep their text
        } else {
          form.submit();
        }
      });
    });
    keepDrafts(root);
    var spot = root.querySelector("input[name=solved_on_spot]");
    if (spot) {
      var box = spot.closest("fieldset");
      var toggle = function () { box.classList.toggle("active", spot.checked); };
      spot.addEventListener("change", toggle);
      toggle();
    }
  }

  // The done path: every element the case passed through is marked by the page (data-done); here the
  // flows between two of them are marked too. Returns the marked elements.
  function markPath(registry, canvas) {
    var on = {};
    registry.filter(function (e) { return canvas.hasMarker(e, "kefu-done") || canvas.hasMarker(e, "kefu-current"); })
      .forEach(function (e) { on[e.id] = true; });
    var waits = function (e) { return canvas.hasMarker(e, "kefu-waiting"); };  // a wait's own events: not passed
    registry.filter(function (e) {
      return e.waypoints && e.source && on[e.source.id] && on[e.target.id] && !(waits(e.source) && waits(e.target));
    })
      .forEach(function (f) { canvas.addMarker(f, "kefu-done"); });
    return registry.filter(function (e) { return on[e.id] && !e.waypoints; });
  }

  // The box around elements and their external labels (an event's name sits below it, wider than it),
  // or around the shapes only.
  function bounds(elements, shapesOnly) {
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    elements.forEach(function (e) {
      [e, shapesOnly ? null : e.label].forEach(function (b) {
        if (!b || b.x === undefined) return;
        x1 = Math.min(x1, b.x); y1 = Math.min(y1, b.y); x2 = Math.max(x2, b.x + b.width); y2 = Math.max(y2, b.y + b.height);
      });
    });
    return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
  }

  var EDGE = 20;  // diagram units kept free around the drawing (labels included) where it ends

  // Centre the view on an element at a scale; where the element stays in view with the drawing's
  // left (top) edge shown, show that edge instead: the start event and its label whole, never cut.
  function centre(canvas, element, scale) {
    canvas.zoom(scale);
    var vb = canvas.viewbox(), inner = vb.inner;
    var x = element.x + element.width / 2 - vb.width / 2, y = element.y + element.height / 2 - vb.height / 2;
    var box = bounds([element]);
    if (inner && box.x + box.width + EDGE <= inner.x - EDGE + vb.width) x = inner.x - EDGE;
    if (inner && box.y + box.height + EDGE <= inner.y - EDGE + vb.height) y = inner.y - EDGE;
    canvas.viewbox({ x: x, y: y, width: vb.width, height: vb.height });
  }

  // On a small screen, show the process's start and its current step(s) together when a scale no
  // smaller than ``least`` holds them (at most ``most``): from the drawing's left and top edge (its
  // lane names) when they fit too. False when they do not fit: the caller centres on the step.
  function together(canvas, elements, most, least) {
    if (elements.length < 2) return false;
    canvas.zoom(most);
    var vb = canvas.viewbox(), inner = vb.inner, box = bounds(elements);
    var w = box.width + 2 * EDGE, h = box.height + 2 * EDGE;
    var scale = Math.min(vb.outer.width / w, vb.outer.height / h, most);
    if (scale < least) return false;
    var vw = vb.outer.width / scale, vh = vb.outer.height / scale;
    var x = box.x - EDGE - (vw - w) / 2, y = box.y - EDGE - (vh - h) / 2;
    if (inner && box.x + box.width + EDGE <= inner.x - EDGE + vw) x = Math.min(x, inner.x - EDGE);
    else x = box.x - EDGE;
    if (inner && box.y + box.height + EDGE <= inner.y - EDGE + vh) y = Math.min(y, inner.y - EDGE);
    canvas.viewbox({ x: x, y: y, width: vw, height: vh });
    return true;
  }

  // The start event of the diagram's process (not of an event subprocess): the leftmost.
  function startOf(registry) {
    var found = registry.filter(function (e) {
      return e.type === "bpmn:StartEvent" && !e.labelTarget && e.businessObject.$parent &&
        e.businessObject.$parent.$type === "bpmn:Process";
    });
    found.sort(function (a, b) { return a.x - b.x; });
    return found[0] || null;
  }

  // Fit the whole drawing with room around it (fit-viewport puts its labels against the frame).
  function fit(canvas) {
    canvas.zoom("fit-viewport");
    var vb = canvas.viewbox(), inner = vb.inner;
    if (!inner || !inner.width || !inner.height) return;
    var width = inner.width + 2 * EDGE, height = inner.height + 2 * EDGE;
    var scale = Math.min(vb.outer.width / width, vb.outer.height / height, 1);
    canvas.viewbox({ x: inner.x - EDGE - (vb.outer.width / scale - width) / 2,
                     y: inner.y - EDGE - (vb.outer.height / scale - height) / 2,
                     width: vb.outer.width / scale, height: vb.outer.height / scale });
  }

  function drawDiagram() {
    var el = document.getElementById("diagram");
    if (!el || !window.BpmnJS) return;
    var viewer = new window.BpmnJS({ container: el });
    var parse = function (text, fallback) { try { return JSON.parse(text || ""); } catch (e) { return fallback; } };
    var diagrams = parse(el.dataset.diagrams, []);
    var stepProcess = parse(el.dataset.steps, {});
    var done = (el.dataset.done || "").split(",").filter(Boolean);
    var current = (el.dataset.current || "").split(",").filter(Boolean);
    // Where the case waits (a catch event, an event-based gateway): its elements and the process each is in.
    var waits = parse(el.dataset.waiting, []), waitsIn = parse(el.dataset.waitingIn, []);
    var byId = {};
    diagrams.forEach(function (d) { byId[d.id] = d; });
    // The processes a step runs in, with every caller above it: a stage (call activity) is current
    // when a current step is inside it, at any depth.
    var callerOf = {};
    diagrams.forEach(function (d) {
      Object.keys(d.calls || {}).forEach(function (a) { if (!(d.calls[a] in callerOf)) callerOf[d.calls[a]] = d.id; });
    });
    var within = function (steps) {
      var found = {};
      steps.forEach(function (s) {
        var p = stepProcess[s];
        while (p && !found[p]) { found[p] = true; p = callerOf[p]; }
      });
      return found;
    };
    var runningIn = within(current), doneIn = within(done);
    waitsIn.forEach(function (p) { while (p && !runningIn[p]) { runningIn[p] = true; p = callerOf[p]; } });
    var nav = document.getElementById("diagram-path");
    var shown = null;

    function drawNav() {
      if (!nav) return;
      nav.innerHTML = "";
      diagrams.forEach(function (d) {
        var depth = 0, p = callerOf[d.id];
        while (p) { depth += 1; p = callerOf[p]; }
        var b = document.createElement("button");
        b.type = "button";
        b.className = "diagram-tab" + (runningIn[d.id] ? " running" : doneIn[d.id] ? " done" : "");
        b.textContent = d.name.split(" ")[0];
        b.title = d.name;
        b.style.marginLeft = depth ? (depth * 0.6) + "rem" : "";
        if (d.id === shown) b.setAttribute("aria-current", "true");
        b.addEventListener("click", function () { show(d.id); });
        nav.appendChild(b);
      });
    }

    function show(pid) {
      shown = pid;
      drawNav();
      var url = el.dataset.src + (diagrams.length && pid !== diagrams[0].id ? "?process=" + encodeURIComponent(pid) : "");
      el.classList.remove("ready");
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (xml) { return viewer.importXML(xml); })
        .then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          done.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "kefu-done"); });
          current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "kefu-current"); });
          var waiting = [];  // the waits drawn in this diagram: current, dashed
          waits.forEach(function (ids, i) {
            if (waitsIn[i] !== pid) return;
            ids.forEach(function (id) {
              if (!registry.get(id)) return;
              canvas.addMarker(id, "kefu-current");
              canvas.addMarker(id, "kefu-waiting");
              waiting.push(id);
            });
          });
          var here = current.concat(waiting);
          var calls = (byId[pid] || {}).calls || {};
          var focus = null;
          Object.keys(calls).forEach(function (id) {
            if (!registry.get(id)) return;
            canvas.addMarker(id, "kefu-drill");
            if (runningIn[calls[id]]) { canvas.addMarker(id, "kefu-current"); focus = focus || id; }
            else if (doneIn[calls[id]]) canvas.addMarker(id, "kefu-done");
          });
          var path = markPath(registry, canvas);  // the flows between the elements passed through
          fit(canvas);
          var first = registry.get(here.filter(function (id) { return registry.get(id); })[0] || focus || "");
          if (!first && el.dataset.closed === "1" && path.length) {  // a closed case: the path it took
            var box = bounds(path, true), vb = canvas.viewbox();
            var scale = Math.min(vb.outer.width / (box.width + 80), vb.outer.height / (box.height + 80), 1);
            if (scale >= 0.45) {  // from the path's top left corner, its labels whole when they fit
              var w = vb.outer.width / scale, h = vb.outer.height / scale, named = bounds(path);
              var x = named.width + 2 * EDGE <= w ? Math.min(box.x - 40, named.x - EDGE) : box.x - 40;
              var y = named.height + 2 * EDGE <= h ? Math.min(box.y - 40, named.y - EDGE) : box.y - 40;
              canvas.viewbox({ x: x, y: y, width: w, height: h });
            } else {  // never unreadably small: centred on where it ended
              var passed = done.filter(function (id) { return registry.get(id); });
              centre(canvas, registry.get(passed[passed.length - 1]) || path[path.length - 1], 0.45);
            }
          }
          if (first && el.clientWidth < 900) {  // a phone or a narrow window: the start and the step
            var most = el.clientWidth < 500 ? 0.55 : 0.8, least = el.clientWidth < 500 ? 0.4 : 0.55;
            var begin = startOf(registry);
            var shapes = here.map(function (id) { return registry.get(id); }).filter(Boolean);
            if (!shapes.length) shapes = [first];
            if (!(begin && (together(canvas, [begin].concat(shapes), most, least) ||
                            together(canvas, [begin, first], most, least)))) centre(canvas, first, most);
          }
          el.dataset.shown = pid;
          el.classList.add("ready");
        })
        .catch(function () { el.classList.add("failed"); });
    }

    el.addEventListener("click", function (event) {
      var node = event.target.closest && event.target.closest("[data-element-id]");
      var calls = (byId[shown] || {}).calls || {};
      if (node && calls[node.getAttribute("data-element-id")]) show(calls[node.getAttribute("data-element-id")]);
    });
    // Open the diagram the case is at: the innermost process holding its first current step, else its
    // first wait.
    var start = diagrams.length ? diagrams[0].id : null;
    if (current.length && stepProcess[current[0]] && byId[stepProcess[current[0]]]) start = stepProcess[current[0]];
    else if (!current.length && waitsIn.length && byId[waitsIn[0]]) start = waitsIn[0];  // no open step: the wait
    show(start);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    drawDiagram();
  });
  // The visitor desk's household search: a click on a found household picks it.
  document.addEventListener("click", function (event) {
    var hit = event.target.closest && event.target.closest(".hit[data-code]");
    if (!hit) return;
    var code = document.getElementById("household");
    var typed = document.getElementById("household_q");
    if (code) code.value = hit.dataset.code;
    if (typed) typed.value = hit.dataset.label;
    var list = document.getElementById("household-hits");
    if (list) list.innerHTML = "";
  });
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "household_q") {
      var code = document.getElementById("household");
      if (code) code.value = "";  // typing again drops the pick
    }
  });
  // A 422 answers with the form or list and its error messages: show it (htmx swaps only 2xx by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    var tabs = event.target.querySelector && event.target.querySelector(".tabs[data-view]");
    var hidden = document.getElementById("filter-view");
    if (tabs && hidden) hidden.value = tabs.dataset.view;
  });
})();
