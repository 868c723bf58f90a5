/* The Analytics tab's charts: uPlot line charts of the series the page embeds as JSON
 * (#analytics-series), one per element with data-chart="requests" or "bytes". The
 * range picker submits on change. Without JavaScript the page's tables hold the numbers.
 */
(() => {
  const picker = document.querySelector("form[data-analytics-range]");
  if (picker) {
    picker.querySelectorAll("select").forEach((select) =>
      select.addEventListener("change", () => picker.submit()));
  }
  const source = document.getElementById("analytics-series");
  if (!source || typeof uPlot === "undefined") return;
  const series = JSON.parse(source.textContent);
  const times = series.map((point) => Date.parse(point.time) / 1000);
  const stroke = getComputedStyle(document.documentElement).getPropertyValue("--fg") || "#111";
  const charts = {
    requests: {
      series: [{}, { label: "Requests", stroke: stroke.trim() || "#111", width: 2 },
        { label: "Visitors", stroke: "#0a7d5a", width: 2 }],
      data: [times, series.map((p) => p.requests), series.map((p) => p.visitors)],
    },
    bytes: {
      series: [{}, { label: "Bytes", stroke: "#3b5bdb", width: 2,
        value: (u, v) => (v == null ? "-" : formatBytes(v)) }],
      data: [times, series.map((p) => p.bytes)],
      axes: [{}, { values: (u, ticks) => ticks.map(formatBytes), size: 70 }],
    },
  };
  function formatBytes(value) {
    const units = ["B", "kB", "MB", "GB", "TB"];
    let index = 0;
    while (value >= 1000 && index < units.length - 1) { value /= 1000; index += 1; }
    return `${Math.round(value * 10) / 10} ${units[index]}`;
  }
  document.querySelectorAll("[data-chart]").forEach((element) => {
    const chart = charts[element.dataset.chart];
    if (!chart) return;
    const width = Math.max(element.clientWidth, 280);
    new uPlot({ width, height: 220, series: chart.series, axes: chart.axes,
      scales: { x: { time: true } } }, chart.data, element);
  });
})();
