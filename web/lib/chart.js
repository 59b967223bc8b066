// Charts on console pages, drawn by uPlot (npm `uplot`). A page that imports this module
// gets uPlot's stylesheet bundled as static/dist/<page>.css: link it in the template's
// `head` block. Series values are plain numbers; x is unix seconds (uPlot's time axis),
// or category indexes with `labels`.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatLocale, locale } from "./i18n.js";

const COLOURS = ["#1f5fbf", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490"];

// Time-axis labels in the viewer's locale and time zone (uPlot's own are US-style "11/9"):
// day and month for steps of a day or more, else hours and minutes.
function timeLabels() {
  const day = new Intl.DateTimeFormat(formatLocale(), { day: "numeric", month: "short" });
  const time = new Intl.DateTimeFormat(formatLocale(), { hour: "2-digit", minute: "2-digit" });
  return (_u, ticks, _axis, _space, increment) =>
    ticks.map((v) => (increment >= 86400 ? day : time).format(new Date(v * 1000)));
}

// A line chart of `series` ([{label, values}]) over `x` in `container`; returns the uPlot.
export function lineChart(container, { x, series, title, width, height = 220, time = true, yFormat = (v) => v }) {
  const number = new Intl.NumberFormat(locale());
  const options = {
    title,
    width: width ?? Math.max(280, container.clientWidth || 600),
    height,
    scales: { x: { time } },
    axes: [time ? { values: timeLabels() } : {}, { values: (_u, ticks) => ticks.map((v) => yFormat(v, number)) }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2,
      fill: s.fill ? `${COLOURS[i % COLOURS.length]}22` : undefined, value: (_u, v) => (v == null ? "—" : yFormat(v, number)) }))],
  };
  container.replaceChildren();
  return new uPlot(options, [x, ...series.map((s) => s.values)], container);
}

// A bar chart of `series` per category `labels` (uPlot's bars path builder).
export function barChart(container, { labels, series, title, height = 220 }) {
  const bars = uPlot.paths.bars({ size: [0.6, 64] });
  const number = new Intl.NumberFormat(locale());
  const options = {
    title,
    width: Math.max(280, container.clientWidth || 600),
    height,
    // Half a slot either side of the categories: without it one category gets a range of years.
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => labels[i] ?? "") }, { values: (_u, ticks) => ticks.map((v) => number.format(v)) }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], fill: `${COLOURS[i % COLOURS.length]}99`, paths: bars }))],
  };
  container.replaceChildren();
  return new uPlot(options, [labels.map((_l, i) => i), ...series.map((s) => s.values)], container);
}
