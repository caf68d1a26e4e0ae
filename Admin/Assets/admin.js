// OrProject pages: copy buttons and charts. Loaded with defer; no inline script anywhere (the pages' CSP forbids it).
"use strict";

document.querySelectorAll("button[data-copy]").forEach(button => {
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    const status = button.parentElement.querySelector(".copy-status");
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      // No clipboard permission (an insecure origin, say): select the text so Ctrl+C copies it.
      field.focus();
      field.select();
    }
    if (status) {
      status.textContent = copied ? "Copied" : "Press Ctrl+C";
    }
  });
});

const money = value => "$" + Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 });
const palette = ["#2456c7", "#1d9a6c", "#d9822b", "#8e44ad", "#c0392b", "#16a2b8", "#7f8c8d", "#b7950b"];

// Dashed lines before the categories that begin a budget period (spec.markers), the last one labelled.
const periodMarkers = {
  id: "periodMarkers",
  afterDatasetsDraw(chart, _args, options) {
    const markers = options.markers || [];
    const x = chart.scales.x;
    if (!markers.length || !x) {
      return;
    }
    const { ctx, chartArea } = chart;
    const half = markers.length && chart.data.labels.length > 1 ? (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : 0;
    ctx.save();
    ctx.strokeStyle = "#b3261e";
    ctx.fillStyle = "#b3261e";
    ctx.setLineDash([4, 3]);
    ctx.font = "11px system-ui, sans-serif";
    markers.forEach((index, i) => {
      const at = Math.round(x.getPixelForValue(index) - half) + 0.5;
      ctx.beginPath();
      ctx.moveTo(at, chartArea.top);
      ctx.lineTo(at, chartArea.bottom);
      ctx.stroke();
      if (i === markers.length - 1 && options.label) {
        ctx.fillText(options.label, Math.min(at + 4, chartArea.right - ctx.measureText(options.label).width), chartArea.top + 10);
      }
    });
    ctx.restore();
  },
};

// <canvas data-chart='{"type":"bar","labels":[...],"series":[{"label":..,"data":[..]}],"money":true,"horizontal":false,"markers":[..]}'>
document.querySelectorAll("canvas[data-chart]").forEach(canvas => {
  if (typeof Chart === "undefined") {
    return;
  }
  const spec = JSON.parse(canvas.dataset.chart);
  const format = spec.money ? money : value => Number(value).toLocaleString("en-US");
  const valueAxis = spec.horizontal ? "x" : "y";
  const categoryAxis = spec.horizontal ? "y" : "x";
  // Long model and key names would push a horizontal chart's bars off the card: shorten them (tooltips keep them whole).
  const shorten = function (value) {
    const label = String(this.getLabelForValue(value));
    return label.length > 26 ? label.slice(0, 25) + "…" : label;
  };
  new Chart(canvas, {
    type: spec.type,
    plugins: [periodMarkers],
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => ({
        label: s.label,
        data: s.data,
        backgroundColor: spec.series.length === 1 && spec.type === "bar" ? palette[0] : palette[i % palette.length],
        borderColor: palette[i % palette.length],
        borderWidth: spec.type === "line" ? 2 : 0,
        maxBarThickness: 48,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: {
        periodMarkers: { markers: spec.markers, label: spec.markerLabel },
        legend: { display: spec.series.length > 1 },
        tooltip: { callbacks: { label: ctx => `${ctx.dataset.label}: ${format(ctx.parsed[valueAxis])}` } },
      },
      scales: {
        [valueAxis]: { beginAtZero: true, ticks: { callback: value => format(value) } },
        [categoryAxis]: { ticks: { callback: shorten } },
      },
    },
  });
});
