import type { ReactNode } from 'react';
import { curveLinear, curveStepAfter, line, symbol, symbolCircle, symbolDiamond, symbolTriangle } from 'd3';
import { checkResult, type CheckResult, type Pt } from './series';
import type { MetricCheck } from '../../simulation/rollout/types';

/** Small SVG and canvas pieces the chart views share. */

/** The ticks at least `gap` pixels apart; earlier ones win (list the important ones first). */
export function spreadTicks(y: (v: number) => number, ticks: readonly number[], gap: number): number[] {
  const out: number[] = [];
  for (const t of ticks) if (Number.isFinite(y(t)) && !out.some((o) => o === t || Math.abs(y(o) - y(t)) < gap)) out.push(t);
  return out;
}

/** Y tick labels at the plot's left edge and horizontal grid lines across it (labels closer than `gap` pixels are thinned). */
export function YAxis({ y, ticks, format, left, right, gap = 11 }: { y: (v: number) => number; ticks: readonly number[]; format: (v: number) => string; left: number; right: number; gap?: number }) {
  return (
    <g className="y-axis">
      {spreadTicks(y, ticks, gap).map((v) => (
        <g key={v} transform={`translate(0,${y(v)})`}>
          <line className="gridline" x1={left} x2={right} />
          <text x={left - 5} dy="0.32em" textAnchor="end">
            {format(v)}
          </text>
        </g>
      ))}
    </g>
  );
}

/** An SVG path through a series (step-after for step series); null values break it. */
export function pathOf(points: readonly Pt[], x: (t: number) => number, y: (v: number) => number, step = false): string {
  return (
    line<Pt>()
      .defined((p) => p.v !== null && Number.isFinite(p.v))
      .x((p) => x(p.t))
      .y((p) => y(p.v as number))
      .curve(step ? curveStepAfter : curveLinear)(points as Pt[]) ?? ''
  );
}

/** Strokes a series on a canvas (step-after for step series); null values break it. */
export function strokeSeries(g: CanvasRenderingContext2D, points: readonly Pt[], x: (t: number) => number, y: (v: number) => number, step = false): void {
  line<Pt>()
    .defined((p) => p.v !== null && Number.isFinite(p.v))
    .x((p) => x(p.t))
    .y((p) => y(p.v as number))
    .curve(step ? curveStepAfter : curveLinear)
    .context(g)(points as Pt[]);
}

/** Shapes of check results: colour and shape both tell them apart (colour-blind safe). */
const SHAPES: Record<CheckResult, string> = {
  pass: symbol(symbolCircle, 38)() ?? '',
  fail: symbol(symbolTriangle, 58)() ?? '',
  nodata: symbol(symbolDiamond, 46)() ?? '',
};

export function checkShape(result: CheckResult): string {
  return SHAPES[result];
}

/** More marks than fit as SVG elements comfortably (one per 3 pixels): paint them on the canvas instead. */
export function isDense(count: number, left: number, right: number): boolean {
  return count > Math.max(60, (right - left) / 3);
}

const CHECK_COLORS: Record<CheckResult, [fill: string, stroke: string | null]> = {
  pass: ['--ok', null],
  fail: ['--bad', '--panel'],
  nodata: ['--panel', '--nodata'],
};

/** Adds one mark's outline to the current canvas path (the SVG symbols' shapes and sizes). */
function markPath(g: CanvasRenderingContext2D, r: CheckResult, x: number, y: number): void {
  if (r === 'pass') {
    g.moveTo(x + 3.5, y);
    g.arc(x, y, 3.5, 0, 2 * Math.PI);
  } else if (r === 'fail') {
    g.moveTo(x, y - 6.7);
    g.lineTo(x + 5.8, y + 3.3);
    g.lineTo(x - 5.8, y + 3.3);
    g.closePath();
  } else {
    g.moveTo(x, y - 6.3);
    g.lineTo(x + 3.6, y);
    g.lineTo(x, y + 6.3);
    g.lineTo(x - 3.6, y);
    g.closePath();
  }
}

/**
 * Paints check marks (the SVG marks' shapes and colours) on a canvas, one path
 * per result, a mark per pixel and result at most; failures last, on top.
 */
export function paintChecks(g: CanvasRenderingContext2D, checks: readonly MetricCheck[], x: (t: number) => number, y: (c: MetricCheck) => number, color: (v: string) => string): void {
  for (const r of ['pass', 'nodata', 'fail'] as const) {
    const [fill, stroke] = CHECK_COLORS[r];
    const seen = new Set<number>();
    g.beginPath();
    for (const c of checks) {
      if (checkResult(c) !== r) continue;
      const px = Math.round(x(c.t));
      const py = Math.round(y(c));
      // Passes that would land within a pixel or two of one already drawn add nothing to see.
      const key = r === 'pass' ? px * 4096 + Math.round(py / 2) : px * 4096 + py;
      if (seen.has(key)) continue;
      seen.add(key);
      markPath(g, r, px, py);
    }
    g.fillStyle = color(fill);
    g.fill();
    // A fail's halo separates it from a pass in SVG; among hundreds on a canvas it only washes them out.
    if (stroke && r !== 'fail') {
      g.strokeStyle = color(stroke);
      g.lineWidth = r === 'nodata' ? 1.6 : 0.8;
      g.stroke();
    }
  }
}

/** The legend of check marks (an inline SVG per result). */
export function CheckLegend() {
  const items: Array<[CheckResult, string]> = [
    ['pass', 'pass'],
    ['fail', 'fail'],
    ['nodata', 'no data'],
  ];
  return (
    <span className="chart-legend">
      {items.map(([r, label]) => (
        <span key={r} className="legend-item">
          <svg width={12} height={12} aria-hidden="true">
            <path className={`check-${r}`} d={checkShape(r)} transform="translate(6,6.5)" />
          </svg>
          {label}
        </span>
      ))}
    </span>
  );
}

/** A legend swatch: a short line (solid or dashed) or a filled box, in a CSS class's colour. */
export function Swatch({ className, kind = 'line', children }: { className: string; kind?: 'line' | 'dash' | 'box'; children: ReactNode }) {
  return (
    <span className="legend-item">
      <svg width={16} height={10} aria-hidden="true" className={className}>
        {kind === 'box' ? <rect x={1} y={1} width={14} height={8} rx={1} /> : <line x1={1} x2={15} y1={5} y2={5} strokeDasharray={kind === 'dash' ? '3 2' : undefined} />}
      </svg>
      {children}
    </span>
  );
}

/** A tooltip's rows: label and value. */
export function TipRows({ rows }: { rows: ReadonlyArray<[string, ReactNode]> }) {
  return (
    <dl className="tip-rows">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A number with sensible digits for a tooltip or tick. */
export function num(v: number | null, digits = 3): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits + (a >= 100 ? 1 : 0))).toString();
}
