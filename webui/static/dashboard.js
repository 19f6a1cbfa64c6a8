// The 统计 dashboard (webui/templates/reports/dashboard.html): draws the charts with the vendored
// Apache ECharts from the figures the page embeds as JSON (#dashboard-data); labels come from the
// page (data-title, data-series) so they follow its language. No figure is computed here.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#2f6fb0", "#e07b39", "#3a9d5d", "#c23b3b", "#7d5ba6", "#8c8c8c", "#d4a017", "#1f9ea8"];

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) { return; }
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    option.color = palette;
    option.animation = false;
    option.tooltip = option.tooltip || { trigger: "axis", confine: true };
    chart.setOption(option);
    charts.push(chart);
    box.setAttribute("data-drawn", "true");
  }

  function names(id) {
    var box = document.getElementById(id);
    return box ? JSON.parse(box.getAttribute("data-series") || "[]") : [];
  }

  var grid = { left: 40, right: 12, top: 36, bottom: 28, containLabel: true };
  var legend = { top: 0, type: "scroll" };
  var months = data.months.map(function (m) { return m.slice(2); });

  var volume = names("chart-volume");
  draw("chart-volume", {
    legend: legend, grid: grid,
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: volume[0], type: "bar", data: data.trend.received },
      { name: volume[1], type: "bar", data: data.trend.valid },
      { name: volume[2], type: "line", data: data.trend.closed }
    ]
  });

  var rates = names("chart-rates");
  draw("chart-rates", {
    legend: legend, grid: grid,
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: rates[0], type: "line", connectNulls: false, data: data.trend.on_time_rate },
      { name: rates[1], type: "line", connectNulls: false, data: data.trend.satisfied_rate }
    ]
  });

  // the names in a legend below, the counts inside the slices: readable on a 390 px phone too
  var pie = { type: "pie", radius: ["30%", "68%"], center: ["50%", "45%"],
              label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" } };
  function drawPie(id, items) {
    var shown = items.filter(function (item) { return item.value > 0; });
    if (!shown.length) {  // nothing to divide: the page says so instead of drawing equal slices
      var box = document.getElementById(id);
      if (box) { box.setAttribute("data-drawn", "empty"); box.style.display = "none"; }
      return;
    }
    draw(id, { tooltip: { trigger: "item", confine: true }, legend: { bottom: 0, type: "scroll" },
               series: [Object.assign({}, pie, { data: shown })] });
  }
  drawPie("chart-categories", data.categories);
  drawPie("chart-satisfaction", data.satisfaction);
  // horizontal bars: the deadline names stay whole on a phone
  draw("chart-deadlines", {
    grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
    yAxis: { type: "category", inverse: true, data: data.deadlines.map(function (d) { return d.name; }) },
    xAxis: { type: "value", min: 0, max: 100, interval: 50, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", data: data.deadlines.map(function (d) { return d.rate; }), barMaxWidth: 28,
               label: { show: true, position: "right", formatter: "{c}%" } }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
