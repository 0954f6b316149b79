/**
 * Charts of the game-day evidence package as SVG text (pure: no DOM, no
 * scripts, no external resources), inlined in the report's HTML so the file
 * stands alone and prints. Every chart carries `data-chart` (its kind:
 * `weight`, `metric`, `budget`) and a `<title>` for screen readers; points
 * carry `<title>` tooltips, which browsers show without any script.
 *
 * Time runs along x from 0 to the exercise's end, in m:ss. Shared overlays:
 * fault windows (shaded bands), the participants' decisions (dashed violet
 * lines) and Flagger's decision (a solid line).
 */

import { clock } from '../util/time';

/** A shaded window on the time axis: a fault in force, an alert firing. */
export interface ChartBand {
  from: number;
  to: number;
  label: string;
}

/** A moment on the time axis: a participant's decision, Flagger's decision. */
export interface ChartMarker {
  t: number;
  label: string;
  kind: 'decision' | 'outcome';
}

export interface ChartFrame {
  /** Seconds: the x axis runs from 0 to here. */
  end: number;
  faults: readonly ChartBand[];
  markers: readonly ChartMarker[];
}

export interface WeightChartData extends ChartFrame {
  /** Traffic to the canary (percent) after each analysis tick: it holds until the next one. */
  points: ReadonlyArray<{ t: number; canary: number; phase: string }>;
}

export interface MetricChartData extends ChartFrame {
  metric: string;
  /** '%', 'ms' or ''. */
  unit: string;
  /** The accepted range (null: unbounded on that side). */
  min: number | null;
  max: number | null;
  points: ReadonlyArray<{ t: number; value: number | null; ok: boolean; error?: string }>;
}

export interface BudgetChartData extends ChartFrame {
  slo: string;
  /** Fraction of the error budget remaining at each rule evaluation (the first point: the start). */
  points: ReadonlyArray<{ t: number; remaining: number }>;
  /** Error budget policy tiers: a tier applies while the remaining budget is above `above`. */
  tiers: ReadonlyArray<{ name: string; above: number | null }>;
  /** Burn-rate alerts while they fired. */
  alerts: readonly ChartBand[];
}

const W = 760;
const H = 284;
/** The top margin holds the title row and three rows of marker labels. */
const M = { left: 78, right: 20, top: 68, bottom: 40 };
const LABEL_ROWS = [33, 46, 59];
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const COLORS = {
  axis: '#6b7280',
  grid: '#e5e7eb',
  text: '#1f2937',
  line: '#2563eb',
  ok: '#2563eb',
  fail: '#dc2626',
  range: '#16a34a',
  fault: '#f59e0b',
  alert: '#dc2626',
  decision: '#7c3aed',
  outcome: '#111827',
  tier: '#9ca3af',
};

/** Escapes text for XML (attribute values and text nodes). */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for people: whole numbers as they are, others to 4 significant digits (no exponent for ordinary sizes). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  if (a >= 1) return String(Number(v.toFixed(2)));
  if (a >= 1e-6) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

/** Coordinates with two decimals at most (shorter SVG, same picture). */
const n2 = (x: number) => String(Math.round(x * 100) / 100);

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Round time ticks (seconds) over [0, end]: at most about 9. */
export function timeTicks(end: number): number[] {
  const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  const step = steps.find((s) => end / s <= 9) ?? Math.ceil(end / 9 / 86400) * 86400;
  const out: number[] = [];
  for (let t = 0; t <= end + 1e-9; t += step) out.push(t);
  return out;
}

interface Scale {
  x: (t: number) => number;
  y: (v: number) => number;
}

function scale(end: number, lo: number, hi: number): Scale {
  const span = end > 0 ? end : 1;
  return {
    x: (t) => M.left + (Math.max(0, Math.min(end, t)) / span) * PW,
    y: (v) => M.top + PH - ((v - lo) / (hi - lo)) * PH,
  };
}

function open(kind: string, title: string, extra = ''): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${kind}"${extra} viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}" font-family="inherit" font-size="12"><title>${escapeXml(title)}</title>`;
}

function heading(title: string, legend: Array<{ label: string; color: string; dash?: boolean; area?: boolean }>): string {
  let out = `<text x="${M.left}" y="16" font-size="13" font-weight="600" fill="${COLORS.text}">${escapeXml(title)}</text>`;
  const widths = legend.map((item) => item.label.length * 6.2 + 26);
  const total = widths.reduce((a, b) => a + b, 0);
  // The legend sits right of the title, or in the bottom row (left of the axis name) when the title leaves no room.
  const top = W - M.right - total > M.left + title.length * 7.4 + 12;
  let x = top ? W - M.right - total : M.left;
  const y = top ? 12 : H - 8;
  legend.forEach((item, i) => {
    const swatch = item.area
      ? `<rect x="${n2(x)}" y="${y - 5}" width="16" height="10" fill="${item.color}" fill-opacity="0.25"/>`
      : `<line x1="${n2(x)}" y1="${y}" x2="${n2(x + 16)}" y2="${y}" stroke="${item.color}" stroke-width="2"${item.dash ? ' stroke-dasharray="4 3"' : ''}/>`;
    out += `${swatch}<text x="${n2(x + 20)}" y="${y + 4}" font-size="11" fill="${COLORS.axis}">${escapeXml(item.label)}</text>`;
    x += widths[i];
  });
  return out;
}

function axes(s: Scale, end: number, yTicks: number[], yLabel: (v: number) => string): string {
  let out = '';
  for (const v of yTicks) {
    const y = n2(s.y(v));
    out += `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${COLORS.grid}"/>`;
    out += `<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" fill="${COLORS.axis}">${escapeXml(yLabel(v))}</text>`;
  }
  for (const t of timeTicks(end)) {
    const x = n2(s.x(t));
    out += `<line x1="${x}" y1="${M.top + PH}" x2="${x}" y2="${M.top + PH + 4}" stroke="${COLORS.axis}"/>`;
    out += `<text x="${x}" y="${M.top + PH + 17}" text-anchor="middle" fill="${COLORS.axis}">${clock(t)}</text>`;
  }
  out += `<line x1="${M.left}" y1="${M.top + PH}" x2="${W - M.right}" y2="${M.top + PH}" stroke="${COLORS.axis}"/>`;
  out += `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PH}" stroke="${COLORS.axis}"/>`;
  out += `<text x="${W - M.right}" y="${H - 4}" text-anchor="end" font-size="11" fill="${COLORS.axis}">simulated time (m:ss)</text>`;
  return out;
}

function bands(s: Scale, list: readonly ChartBand[], color: string, kind: string): string {
  let out = '';
  for (const b of list) {
    const x0 = s.x(b.from);
    const x1 = s.x(b.to);
    if (!(x1 > x0)) continue;
    out += `<rect class="band ${kind}" x="${n2(x0)}" y="${M.top}" width="${n2(x1 - x0)}" height="${PH}" fill="${color}" fill-opacity="0.14"><title>${escapeXml(`${b.label}: ${clock(b.from)}–${clock(b.to)}`)}</title></rect>`;
  }
  return out;
}

function markers(s: Scale, list: readonly ChartMarker[]): string {
  let lines = '';
  let labels = '';
  // Labels go in the rows above the plot, each in the first row where it overlaps no other label and no marker line.
  const rowEnds: Array<Array<[number, number]>> = LABEL_ROWS.map(() => []);
  [...list]
    .sort((a, b) => a.t - b.t)
    .forEach((m, i) => {
      const x = s.x(m.t);
      const color = m.kind === 'outcome' ? COLORS.outcome : COLORS.decision;
      const width = m.label.length * 5.9 + 4;
      // Right of the line if it fits there (and in the chart), else left of it; the first row with room wins.
      const places = [x + 4, x - 4 - width].filter((from) => from >= 0 && from + width <= W);
      let row = -1;
      let from = places[0] ?? x - 4 - width;
      for (let r = 0; r < LABEL_ROWS.length && row < 0; r++) {
        const p = places.find((f) => rowEnds[r].every(([a, b]) => f + width + 6 <= a || f >= b + 6));
        if (p !== undefined) {
          row = r;
          from = p;
        }
      }
      if (row < 0) row = i % LABEL_ROWS.length;
      rowEnds[row].push([from, from + width]);
      // Its line runs down through the rows below: their labels keep clear of it.
      for (let r = row + 1; r < LABEL_ROWS.length; r++) rowEnds[r].push([x - 1, x + 1]);
      const right = from < x;
      const y = LABEL_ROWS[row];
      lines += `<line class="marker ${m.kind}" x1="${n2(x)}" y1="${y + 3}" x2="${n2(x)}" y2="${M.top + PH}" stroke="${color}" stroke-width="1.5"${m.kind === 'decision' ? ' stroke-dasharray="5 3"' : ''}><title>${escapeXml(`${clock(m.t)} ${m.label}`)}</title></line>`;
      labels += `<text x="${n2(right ? x - 4 : x + 4)}" y="${y}" font-size="10.5" text-anchor="${right ? 'end' : 'start'}" fill="${color}">${escapeXml(m.label)}</text>`;
    });
  return lines + labels;
}

function frameLegend(frame: ChartFrame): Array<{ label: string; color: string; dash?: boolean; area?: boolean }> {
  const out: Array<{ label: string; color: string; dash?: boolean; area?: boolean }> = [];
  if (frame.faults.length > 0) out.push({ label: 'fault', color: COLORS.fault, area: true });
  if (frame.markers.some((m) => m.kind === 'decision')) out.push({ label: 'decision', color: COLORS.decision, dash: true });
  if (frame.markers.some((m) => m.kind === 'outcome')) out.push({ label: 'Flagger decided', color: COLORS.outcome });
  return out;
}

/** The canary's share of traffic over time, as a step chart (it changes only at analysis ticks). */
export function weightChart(d: WeightChartData): string {
  const title = 'Canary traffic weight';
  const s = scale(d.end, 0, 100);
  let out = open('weight', `${title} over time (percent of requests routed to the canary)`);
  out += heading(title, [{ label: 'canary %', color: COLORS.line }, ...frameLegend(d)]);
  out += bands(s, d.faults, COLORS.fault, 'fault');
  out += axes(s, d.end, [0, 25, 50, 75, 100], (v) => `${v}%`);
  const pts = d.points.filter((p) => p.t <= d.end);
  if (pts.length > 0) {
    let path = `M${n2(s.x(0))},${n2(s.y(pts[0].t === 0 ? pts[0].canary : 0))}`;
    if (pts[0].t > 0) path += ` H${n2(s.x(pts[0].t))} V${n2(s.y(pts[0].canary))}`;
    for (let i = 1; i < pts.length; i++) path += ` H${n2(s.x(pts[i].t))} V${n2(s.y(pts[i].canary))}`;
    path += ` H${n2(s.x(d.end))}`;
    out += `<path class="series" d="${path}" fill="none" stroke="${COLORS.line}" stroke-width="2"/>`;
    let prev: number | null = null;
    for (const p of pts) {
      if (p.canary === prev) continue;
      prev = p.canary;
      out += `<circle cx="${n2(s.x(p.t))}" cy="${n2(s.y(p.canary))}" r="2.5" fill="${COLORS.line}"><title>${escapeXml(`${clock(p.t)} canary ${p.canary}% (${p.phase})`)}</title></circle>`;
    }
  } else {
    out += `<text x="${M.left + PW / 2}" y="${M.top + PH / 2}" text-anchor="middle" fill="${COLORS.axis}">no analysis ticks</text>`;
  }
  out += markers(s, d.markers);
  return `${out}</svg>`;
}

function withUnit(v: number, unit: string): string {
  return unit === '' ? formatNumber(v) : unit === '%' ? `${formatNumber(v)}%` : `${formatNumber(v)} ${unit}`;
}

/** One metric's checks with the accepted range shaded; failed checks in red, checks without data as red triangles at the bottom. */
export function metricChart(d: MetricChartData): string {
  const values = d.points.flatMap((p) => (p.value === null || !Number.isFinite(p.value) ? [] : [p.value]));
  const bounds = [d.min, d.max].filter((b): b is number => b !== null);
  const all = [...values, ...bounds];
  let lo = all.length > 0 ? Math.min(...all) : 0;
  let hi = all.length > 0 ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const pad = (hi - lo) * 0.12;
  lo -= pad;
  hi += pad;
  if (values.every((v) => v >= 0) && bounds.every((b) => b >= 0) && lo < 0) lo = 0;
  const ticks = niceTicks(lo, hi, 5);
  lo = Math.min(lo, ticks[0]);
  hi = Math.max(hi, ticks[ticks.length - 1]);
  const s = scale(d.end, lo, hi);
  const range = d.min !== null && d.max !== null ? `${withUnit(d.min, d.unit)} to ${withUnit(d.max, d.unit)}` : d.min !== null ? `at least ${withUnit(d.min, d.unit)}` : d.max !== null ? `at most ${withUnit(d.max, d.unit)}` : 'no threshold';
  const title = `${d.metric}${d.unit ? ` (${d.unit})` : ''}`;
  let out = open('metric', `${d.metric} at each check; accepted range ${range}`, ` data-metric="${escapeXml(d.metric)}"`);
  out += heading(title, [
    { label: `accepted: ${range}`, color: COLORS.range, area: true },
    { label: 'failed', color: COLORS.fail },
    ...frameLegend(d),
  ]);
  out += bands(s, d.faults, COLORS.fault, 'fault');
  out += axes(s, d.end, ticks, (v) => formatNumber(v));
  if (d.min !== null || d.max !== null) {
    const yTop = s.y(d.max ?? hi);
    const yBottom = s.y(d.min ?? lo);
    out += `<rect class="range" x="${M.left}" y="${n2(yTop)}" width="${PW}" height="${n2(Math.max(0, yBottom - yTop))}" fill="${COLORS.range}" fill-opacity="0.12"/>`;
    for (const b of bounds) out += `<line class="threshold" x1="${M.left}" y1="${n2(s.y(b))}" x2="${W - M.right}" y2="${n2(s.y(b))}" stroke="${COLORS.range}" stroke-width="1.5" stroke-dasharray="6 3"/>`;
  }
  // The values, joined where consecutive checks have one.
  let path = '';
  let pen = false;
  for (const p of d.points) {
    if (p.value === null || !Number.isFinite(p.value)) {
      pen = false;
      continue;
    }
    path += `${pen ? ' L' : ' M'}${n2(s.x(p.t))},${n2(s.y(p.value))}`;
    pen = true;
  }
  if (path) out += `<path class="series" d="${path.trim()}" fill="none" stroke="${COLORS.line}" stroke-width="1.5" stroke-opacity="0.7"/>`;
  for (const p of d.points) {
    const x = s.x(p.t);
    if (p.value === null || !Number.isFinite(p.value)) {
      const y = M.top + PH - 2;
      out += `<path class="point nodata" d="M${n2(x)},${n2(y - 9)} L${n2(x - 5)},${n2(y)} L${n2(x + 5)},${n2(y)} Z" fill="none" stroke="${COLORS.fail}" stroke-width="1.5"><title>${escapeXml(`${clock(p.t)} ${d.metric}: no value${p.error ? ` (${p.error})` : ''}: failed`)}</title></path>`;
      continue;
    }
    const y = s.y(p.value);
    const tip = `${clock(p.t)} ${d.metric}: ${withUnit(p.value, d.unit)}${p.ok ? '' : ' (failed)'}`;
    out += p.ok
      ? `<circle class="point ok" cx="${n2(x)}" cy="${n2(y)}" r="3" fill="${COLORS.ok}"><title>${escapeXml(tip)}</title></circle>`
      : `<g class="point failed"><title>${escapeXml(tip)}</title><circle cx="${n2(x)}" cy="${n2(y)}" r="4.5" fill="${COLORS.fail}"/><path d="M${n2(x - 2.5)},${n2(y - 2.5)} L${n2(x + 2.5)},${n2(y + 2.5)} M${n2(x - 2.5)},${n2(y + 2.5)} L${n2(x + 2.5)},${n2(y - 2.5)}" stroke="#fff" stroke-width="1.3"/></g>`;
  }
  if (d.points.length === 0) out += `<text x="${M.left + PW / 2}" y="${M.top + PH / 2}" text-anchor="middle" fill="${COLORS.axis}">not checked during the exercise</text>`;
  out += markers(s, d.markers);
  return `${out}</svg>`;
}

/** Decimals that tell apart percentages `span` (a fraction) apart. */
function percentDecimals(span: number): number {
  if (!(span > 0)) return 1;
  return Math.max(0, Math.min(6, Math.ceil(-Math.log10(span * 100)) + 1));
}

/** The error budget remaining at each rule evaluation, zoomed to what the exercise spent, with the policy's tier bounds in view and alerts shaded. */
export function budgetChart(d: BudgetChartData): string {
  const values = d.points.map((p) => p.remaining);
  let hi = values.length > 0 ? Math.max(...values) : 1;
  let lo = values.length > 0 ? Math.min(...values) : 0;
  // Tier bounds within a reasonable distance of the data stay in view (the next tier down is what matters).
  const span0 = Math.max(hi - lo, 1e-6);
  for (const t of d.tiers) if (t.above !== null && t.above < hi && t.above >= lo - span0 * 3) lo = Math.min(lo, t.above);
  if (hi - lo < 1e-9) {
    lo -= 0.005;
    hi += 0.005;
  }
  const pad = (hi - lo) * 0.12;
  lo -= pad;
  hi += pad;
  const ticks = niceTicks(lo, hi, 5);
  lo = Math.min(lo, ticks[0]);
  hi = Math.max(hi, ticks[ticks.length - 1]);
  const dec = percentDecimals(ticks.length > 1 ? ticks[1] - ticks[0] : hi - lo);
  const pct = (v: number) => {
    const t = (v * 100).toFixed(dec);
    return `${t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t}%`;
  };
  const s = scale(d.end, lo, hi);
  const title = `Error budget remaining: ${d.slo}`;
  let out = open('budget', `${title}, at each rule evaluation`, ` data-slo="${escapeXml(d.slo)}"`);
  out += heading(title, [{ label: 'remaining', color: COLORS.line }, ...(d.alerts.length > 0 ? [{ label: 'alert firing', color: COLORS.alert, area: true }] : []), ...frameLegend(d)]);
  out += bands(s, d.faults, COLORS.fault, 'fault');
  out += bands(s, d.alerts, COLORS.alert, 'alert');
  out += axes(s, d.end, ticks, pct);
  for (const t of d.tiers) {
    if (t.above === null || t.above < lo || t.above > hi) continue;
    const y = n2(s.y(t.above));
    out += `<line class="tier" x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${COLORS.tier}" stroke-dasharray="2 3"/>`;
    out += `<text x="${W - M.right - 4}" y="${y}" dy="-3" text-anchor="end" font-size="10.5" fill="${COLORS.axis}">${escapeXml(`${t.name} above ${pct(t.above)}`)}</text>`;
  }
  if (d.points.length > 0) {
    // The budget changes at evaluations: a step line.
    let path = `M${n2(s.x(d.points[0].t))},${n2(s.y(d.points[0].remaining))}`;
    for (let i = 1; i < d.points.length; i++) path += ` H${n2(s.x(d.points[i].t))} V${n2(s.y(d.points[i].remaining))}`;
    path += ` H${n2(s.x(d.end))}`;
    out += `<path class="series" d="${path}" fill="none" stroke="${COLORS.line}" stroke-width="2"/>`;
    const last = d.points[d.points.length - 1];
    out += `<circle cx="${n2(s.x(last.t))}" cy="${n2(s.y(last.remaining))}" r="3" fill="${COLORS.line}"><title>${escapeXml(`${clock(last.t)} ${pct(last.remaining)} of the budget remaining`)}</title></circle>`;
  } else {
    out += `<text x="${M.left + PW / 2}" y="${M.top + PH / 2}" text-anchor="middle" fill="${COLORS.axis}">no rule evaluation during the exercise</text>`;
  }
  out += markers(s, d.markers);
  return `${out}</svg>`;
}
