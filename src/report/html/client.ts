// The page's own script, run in the browser: draws each chart block of the report data with Chart.js (inlined
// beside it). Kept as a string, since it runs in the browser and is never imported; test/report/html-chromium.test.ts
// runs it in Chromium and fails on any console error. It exposes window.schedlabReport for that test: the charts
// on screen with how many points each drew.

export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];
  var blocks = JSON.parse(document.getElementById("report-data").textContent).blocks;
  var onScreen = [];

  function color(index) {
    return PALETTE[index % PALETTE.length];
  }
  function formatNumber(value) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    var magnitude = Math.abs(value);
    if (magnitude >= 100) return Math.round(value).toLocaleString("en-US");
    if (magnitude >= 10) return value.toFixed(1);
    return value.toPrecision(3);
  }
  function percent(value) {
    return Math.round(value * 100) + "%";
  }
  function axis(spec, position) {
    var ticks = spec.percent ? { callback: percent } : {};
    if (spec.ticks) ticks = { stepSize: 1, callback: function (value) { return tickLabel(spec, value); } };
    return {
      type: spec.log ? "logarithmic" : "linear",
      position: position,
      min: spec.ticks ? -0.25 : spec.min,
      max: spec.ticks ? spec.ticks.length - 0.75 : spec.max,
      title: { display: true, text: spec.label },
      ticks: ticks,
    };
  }
  function tickLabel(spec, value) {
    if (!spec.ticks) return formatNumber(value);
    return Number.isInteger(value) && spec.ticks[value] !== undefined ? spec.ticks[value] : "";
  }

  // Whiskers for datasets that carry "intervals" (one {low, high} or null per element).
  var whiskers = {
    id: "whiskers",
    afterDatasetsDraw: function (chart) {
      var context = chart.ctx;
      chart.data.datasets.forEach(function (dataset, datasetIndex) {
        if (!dataset.intervals || dataset.band || !chart.isDatasetVisible(datasetIndex)) return;
        var meta = chart.getDatasetMeta(datasetIndex);
        var scale = chart.scales[meta.yAxisID];
        meta.data.forEach(function (element, index) {
          var interval = dataset.intervals[index];
          if (!interval) return;
          var low = scale.getPixelForValue(interval.low);
          var high = scale.getPixelForValue(interval.high);
          context.save();
          context.strokeStyle = "#222";
          context.lineWidth = 1.2;
          context.beginPath();
          context.moveTo(element.x, low);
          context.lineTo(element.x, high);
          context.moveTo(element.x - 4, low);
          context.lineTo(element.x + 4, low);
          context.moveTo(element.x - 4, high);
          context.lineTo(element.x + 4, high);
          context.stroke();
          context.restore();
        });
      });
    },
  };

  // Shaded 95% bands for datasets with "band": one polygon per run of points that have an interval. Counts
  // what it drew in chart.$bands, so the browser test can tell a band from a chart that only has lines.
  var bands = {
    id: "bands",
    beforeDatasetsDraw: function (chart) {
      var context = chart.ctx;
      chart.$bands = 0;
      chart.data.datasets.forEach(function (dataset, datasetIndex) {
        if (!dataset.band || !dataset.intervals || !chart.isDatasetVisible(datasetIndex)) return;
        var meta = chart.getDatasetMeta(datasetIndex);
        var scale = chart.scales[meta.yAxisID];
        var run = [];
        var fill = function () {
          if (run.length >= 2) {
            var area = chart.chartArea;
            context.save();
            context.beginPath();
            context.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
            context.clip();
            context.fillStyle = dataset.borderColor + "33";
            context.beginPath();
            run.forEach(function (point, index) {
              if (index === 0) context.moveTo(point.x, point.high);
              else context.lineTo(point.x, point.high);
            });
            for (var back = run.length - 1; back >= 0; back -= 1) context.lineTo(run[back].x, run[back].low);
            context.closePath();
            context.fill();
            context.restore();
            chart.$bands += 1;
          }
          run = [];
        };
        meta.data.forEach(function (element, index) {
          var interval = dataset.intervals[index];
          if (!interval) return fill();
          // A log scale has no place for a low end at or below 0: the band then reaches the bottom of the chart.
          var low = scale.type === "logarithmic" && interval.low <= 0 ? scale.min : interval.low;
          run.push({ x: element.x, low: scale.getPixelForValue(low), high: scale.getPixelForValue(interval.high) });
        });
        fill();
      });
    },
  };

  // A dashed horizontal line at options.plugins.referenceLine.value (1 on a ratio chart).
  var referenceLine = {
    id: "referenceLine",
    afterDatasetsDraw: function (chart, _args, options) {
      if (options === undefined || typeof options.value !== "number") return;
      var y = chart.scales.y.getPixelForValue(options.value);
      var context = chart.ctx;
      context.save();
      context.strokeStyle = "#555";
      context.setLineDash([4, 4]);
      context.beginPath();
      context.moveTo(chart.chartArea.left, y);
      context.lineTo(chart.chartArea.right, y);
      context.stroke();
      context.restore();
    },
  };

  function baseOptions(spec) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      plugins: { title: { display: true, text: spec.title }, legend: { position: "bottom" } },
    };
  }

  function linesConfig(spec) {
    var options = baseOptions(spec);
    options.scales = { x: axis(spec.x, "bottom"), y: axis(spec.y, "left") };
    if (spec.y2) {
      options.scales.y2 = axis(spec.y2, "right");
      options.scales.y2.grid = { drawOnChartArea: false };
    }
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var y = spec.y.percent && item.dataset.yAxisID === "y" ? percent(item.parsed.y) : formatNumber(item.parsed.y);
          return item.dataset.label + ": " + y + " at " + tickLabel(spec.x, item.parsed.x);
        },
      },
    };
    return {
      type: "scatter",
      data: {
        datasets: spec.series.map(function (series) {
          return {
            label: series.label,
            data: series.points.map(function (point) {
              return { x: point[0], y: point[1] };
            }),
            showLine: true,
            borderColor: color(series.color),
            backgroundColor: color(series.color),
            borderWidth: 1.6,
            borderDash: series.dashed ? [5, 4] : [],
            pointRadius: series.markers ? 3 : 0,
            pointHoverRadius: 3,
            stepped: series.stepped ? "middle" : false,
            yAxisID: series.axis === "y2" && spec.y2 ? "y2" : "y",
            intervals: series.intervals,
            band: series.band === true,
          };
        }),
      },
      options: options,
      plugins: [bands, whiskers],
    };
  }

  function intervalsConfig(spec) {
    var options = baseOptions(spec);
    var extremes = [spec.base];
    spec.series.forEach(function (series) {
      series.values.forEach(function (value) {
        if (value === null) return;
        extremes.push(value.value);
        if (value.interval) extremes.push(value.interval.low, value.interval.high);
      });
    });
    var y = axis(spec.y, "left");
    var span = Math.max.apply(null, extremes) - Math.min.apply(null, extremes) || 1;
    y.suggestedMin = Math.min.apply(null, extremes) - (spec.base === 0 ? 0 : 0.05 * span);
    y.suggestedMax = Math.max.apply(null, extremes) + 0.05 * span;
    options.scales = { x: { type: "category" }, y: y };
    options.interaction = { mode: "nearest", intersect: true };
    options.plugins.referenceLine = spec.base === 0 ? {} : { value: spec.base };
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var value = item.dataset.values[item.dataIndex];
          if (!value) return item.dataset.label + ": –";
          var text = item.dataset.label + ": " + formatNumber(value.value);
          return value.interval ? text + " (95%: " + formatNumber(value.interval.low) + " to " + formatNumber(value.interval.high) + ")" : text;
        },
      },
    };
    return {
      type: "bar",
      data: {
        labels: spec.categories,
        datasets: spec.series.map(function (series) {
          return {
            label: series.label,
            backgroundColor: color(series.color) + "bb",
            borderColor: color(series.color),
            borderWidth: 1,
            data: series.values.map(function (value) {
              if (value === null) return null;
              return spec.base === 0 ? value.value : [spec.base, value.value];
            }),
            intervals: series.values.map(function (value) {
              return value === null ? null : value.interval;
            }),
            values: series.values,
          };
        }),
      },
      options: options,
      plugins: [whiskers, referenceLine],
    };
  }

  function stackedConfig(spec) {
    var options = baseOptions(spec);
    var x = axis(spec.x, "bottom");
    x.stacked = true;
    options.indexAxis = "y";
    options.scales = { x: x, y: { type: "category", stacked: true } };
    options.interaction = { mode: "nearest", intersect: true };
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          return item.dataset.label + ": " + percent(item.parsed.x);
        },
      },
    };
    return {
      type: "bar",
      data: {
        labels: spec.categories,
        datasets: spec.series.map(function (series) {
          return { label: series.label, data: series.values, backgroundColor: color(series.color) };
        }),
      },
      options: options,
    };
  }

  function configOf(spec) {
    switch (spec.type) {
      case "lines":
        return linesConfig(spec);
      case "intervals":
        return intervalsConfig(spec);
      case "stacked":
        return stackedConfig(spec);
      default:
        throw new Error("unknown chart type " + spec.type);
    }
  }

  function countPoints(config) {
    var points = 0;
    config.data.datasets.forEach(function (dataset) {
      dataset.data.forEach(function (value) {
        if (value === null || value === undefined) return;
        if (typeof value === "object" && !Array.isArray(value) && (value.y === null || value.y === undefined)) return;
        points += 1;
      });
    });
    return points;
  }

  /** Draws charts into a container, replacing what it showed. */
  function draw(container, specs) {
    Array.prototype.forEach.call(container.querySelectorAll("canvas"), function (canvas) {
      var chart = Chart.getChart(canvas);
      if (chart) chart.destroy();
      onScreen = onScreen.filter(function (entry) {
        return entry.canvas !== canvas;
      });
    });
    container.textContent = "";
    specs.forEach(function (spec) {
      var frame = document.createElement("div");
      frame.className = "chart";
      var canvas = document.createElement("canvas");
      canvas.id = "chart-" + spec.id;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", spec.title);
      frame.appendChild(canvas);
      container.appendChild(frame);
      var config = configOf(spec);
      var chart = new Chart(canvas, config);
      onScreen.push({ canvas: canvas, chart: chart, id: spec.id, title: spec.title, datasets: config.data.datasets.length, points: countPoints(config) });
    });
  }

  function drawChoice(holder, block) {
    var label = document.createElement("label");
    label.className = "choice";
    label.textContent = "Show " + block.label + ": ";
    var select = document.createElement("select");
    block.options.forEach(function (option, index) {
      var element = document.createElement("option");
      element.value = String(index);
      element.textContent = option.label;
      select.appendChild(element);
    });
    label.appendChild(select);
    holder.appendChild(label);
    var charts = document.createElement("div");
    holder.appendChild(charts);
    select.addEventListener("change", function () {
      draw(charts, block.options[Number(select.value)].charts);
    });
    draw(charts, block.options[0].charts);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-block]"), function (holder) {
    var block = blocks[Number(holder.getAttribute("data-block"))];
    if (block.kind === "chart") draw(holder, [block.chart]);
    else drawChoice(holder, block);
  });

  window.schedlabReport = {
    charts: function () {
      return onScreen.map(function (entry) {
        return { id: entry.id, title: entry.title, datasets: entry.datasets, points: entry.points, bands: entry.chart.$bands || 0, yScale: entry.chart.scales.y.type };
      });
    },
  };
  document.body.setAttribute("data-charts-ready", "true");
})();
`;
