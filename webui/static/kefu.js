/* kefu: small progressive enhancements; every page also works without JavaScript. */
(function () {
  "use strict";

  function showChoiceHelp(select) {
    var help = select.parentElement.querySelector(".choice-help");
    if (!help) return;
    var option = select.options[select.selectedIndex];
    help.textContent = (option && option.dataset.help) || "";
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
        form.submit();
      });
    });
    var spot = root.querySelector("input[name=solved_on_spot]");
    if (spot) {
      var box = spot.closest("fieldset");
      var toggle = function () { box.classList.toggle("active", spot.checked); };
      spot.addEventListener("change", toggle);
      toggle();
    }
  }

  function drawDiagram() {
    var el = document.getElementById("diagram");
    if (!el || !window.BpmnJS) return;
    var viewer = new window.BpmnJS({ container: el });
    fetch(el.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        (el.dataset.done || "").split(",").filter(Boolean).forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "kefu-done");
        });
        (el.dataset.current || "").split(",").filter(Boolean).forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "kefu-current");
        });
        canvas.zoom("fit-viewport");
        var first = registry.get((el.dataset.current || "").split(",")[0]);
        if (first) {
          canvas.zoom(el.clientWidth < 500 ? 0.55 : 0.8);
          var vb = canvas.viewbox();
          canvas.viewbox({ x: first.x + first.width / 2 - vb.width / 2, y: first.y + first.height / 2 - vb.height / 2,
                           width: vb.width, height: vb.height });
        }
        el.classList.add("ready");
      })
      .catch(function () { el.classList.add("failed"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    drawDiagram();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    var tabs = event.target.querySelector && event.target.querySelector(".tabs[data-view]");
    var hidden = document.getElementById("filter-view");
    if (tabs && hidden) hidden.value = tabs.dataset.view;
  });
})();
