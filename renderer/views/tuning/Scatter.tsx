import { useMemo, useState } from 'react';
import { line, scaleLinear, symbol, symbolCircle, symbolDiamond, symbolStar } from 'd3';
import { formatMeasure, type SweepResult } from '../../../simulation/sweep/aggregate';
import { MEASURES, type Measure } from '../../../simulation/sweep/spec';
import { frontierPath, MEASURE_LABELS, type ScatterPoint, scatterPoints } from './results';

/**
 * The trade-off scatter: one point per configuration on two measures
 * (false aborts × missed regressions by default), rates with their Wilson
 * intervals as error bars, the Pareto frontier's points as diamonds joined
 * by a dashed line, the recommendation a star. Shape tells them apart as
 * well as colour (Okabe–Ito, both themes). Clicking a point selects it.
 */

const W = 700;
const H = 320;
const M = { left: 56, right: 16, top: 12, bottom: 40 };

const SHAPES = {
  dominated: symbol(symbolCircle, 48)() ?? '',
  frontier: symbol(symbolDiamond, 80)() ?? '',
  recommended: symbol(symbolStar, 150)() ?? '',
};

/** An axis' domain from 0 (every measure is ≥ 0) to a little past the largest value or interval end. */
function domainOf(points: readonly ScatterPoint[], axis: 'x' | 'y'): [number, number] {
  const top = Math.max(0, ...points.map((p) => Math.max(p[axis], (axis === 'x' ? p.xInterval : p.yInterval)?.[1] ?? 0)));
  return [0, top > 0 ? top * 1.05 : 1];
}

export function Scatter({ result, selected, onSelect }: { result: SweepResult; selected: number | null; onSelect: (index: number) => void }) {
  const [xm, setX] = useState<Measure>('falseAborts');
  const [ym, setY] = useState<Measure>('missedRegressions');
  const [hover, setHover] = useState<ScatterPoint | null>(null);
  const points = useMemo(() => scatterPoints(result, xm, ym), [result, xm, ym]);
  const x = scaleLinear().domain(domainOf(points, 'x')).range([M.left, W - M.right]).nice();
  const y = scaleLinear().domain(domainOf(points, 'y')).range([H - M.bottom, M.top]).nice();
  const front = frontierPath(points);
  const frontLine = line<ScatterPoint>()
    .x((p) => x(p.x))
    .y((p) => y(p.y))(front);
  const missing = result.configurations.length - points.length;
  const select = (m: Measure, set: (m: Measure) => void, label: string, testId: string) => (
    <label>
      {label}{' '}
      <select data-testid={testId} value={m} onChange={(e) => set(e.target.value as Measure)}>
        {MEASURES.map((k) => (
          <option key={k} value={k}>
            {MEASURE_LABELS[k]}
          </option>
        ))}
      </select>
    </label>
  );
  // Points that coincide show the most telling one: frontier over dominated, the recommendation, the selection on top.
  const rank = (p: ScatterPoint) => (p.index === selected ? 3 : p.recommended ? 2 : p.frontier ? 1 : 0);
  const order = [...points].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  return (
    <div className="tuning-scatter" data-testid="tuning-scatter">
      <div className="scatter-controls">
        {select(xm, setX, 'x', 'scatter-x')}
        {select(ym, setY, 'y', 'scatter-y')}
        <span className="chart-legend">
          <Legend shape="dominated">configuration</Legend>
          <Legend shape="frontier">Pareto frontier</Legend>
          <Legend shape="recommended">recommended</Legend>
        </span>
      </div>
      <svg className="chart" width={W} height={H} role="img" aria-label={`${MEASURE_LABELS[xm]} against ${MEASURE_LABELS[ym]}, one point per configuration`}>
        {x.ticks(6).map((v) => (
          <g key={`x${v}`} transform={`translate(${x(v)},0)`}>
            <line className="gridline" y1={M.top} y2={H - M.bottom} />
            <text y={H - M.bottom + 14} textAnchor="middle">
              {formatMeasure(xm, v)}
            </text>
          </g>
        ))}
        {y.ticks(5).map((v) => (
          <g key={`y${v}`} transform={`translate(0,${y(v)})`}>
            <line className="gridline" x1={M.left} x2={W - M.right} />
            <text x={M.left - 5} dy="0.32em" textAnchor="end">
              {formatMeasure(ym, v)}
            </text>
          </g>
        ))}
        <text className="axis-label" x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle">
          {MEASURE_LABELS[xm]} →
        </text>
        <text className="axis-label" transform={`translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle">
          {MEASURE_LABELS[ym]} →
        </text>
        {frontLine ? <path className="frontier-line" d={frontLine} data-testid="frontier-line" /> : null}
        {order.map((p) => {
          const kind = p.recommended ? 'recommended' : p.frontier ? 'frontier' : 'dominated';
          return (
            <g
              key={p.index}
              className={`point ${kind}${p.index === selected ? ' selected' : ''}`}
              data-testid="scatter-point"
              data-index={p.index}
              data-kind={kind}
              transform={`translate(${x(p.x)},${y(p.y)})`}
              onClick={() => onSelect(p.index)}
              onMouseEnter={() => setHover(p)}
              onMouseLeave={() => setHover(null)}
            >
              {p.xInterval ? <line className="error-bar" x1={x(p.xInterval[0]) - x(p.x)} x2={x(p.xInterval[1]) - x(p.x)} /> : null}
              {p.yInterval ? <line className="error-bar" y1={y(p.yInterval[0]) - y(p.y)} y2={y(p.yInterval[1]) - y(p.y)} /> : null}
              {p.index === selected ? <circle className="selection-ring" r={11} /> : null}
              <path d={SHAPES[kind]} />
              <title>{`${p.label}: ${MEASURE_LABELS[xm]} ${formatMeasure(xm, p.x)}, ${MEASURE_LABELS[ym]} ${formatMeasure(ym, p.y)}`}</title>
            </g>
          );
        })}
      </svg>
      <p className="muted small scatter-note" data-testid="scatter-hover">
        {hover
          ? `${hover.label}: ${MEASURE_LABELS[xm]} ${formatMeasure(xm, hover.x)}${hover.xInterval ? ` [${formatMeasure(xm, hover.xInterval[0])}–${formatMeasure(xm, hover.xInterval[1])}]` : ''}, ${MEASURE_LABELS[ym]} ${formatMeasure(ym, hover.y)}${hover.yInterval ? ` [${formatMeasure(ym, hover.yInterval[0])}–${formatMeasure(ym, hover.yInterval[1])}]` : ''}`
          : `Bars: ${Math.round(result.sweep.confidence * 100)} % Wilson intervals of the rates. Click a point to select it.`}
        {missing > 0 ? ` ${missing} configuration${missing === 1 ? ' has' : 's have'} no value on these axes.` : ''}
      </p>
    </div>
  );
}

function Legend({ shape, children }: { shape: keyof typeof SHAPES; children: string }) {
  return (
    <span className="legend-item">
      <svg width={14} height={14} aria-hidden="true" className={`point ${shape}`}>
        <path d={SHAPES[shape]} transform="translate(7,7) scale(0.8)" />
      </svg>
      {children}
    </span>
  );
}
