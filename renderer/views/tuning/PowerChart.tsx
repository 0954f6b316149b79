import { useState } from 'react';
import { line, scaleLinear, scaleLog } from 'd3';
import type { PowerCurvePoint } from '../../../simulation/power/analytic';
import type { PlainRate } from '../../../simulation/power/lab';
import { YAxis } from '../../charts/parts';
import { useWidth } from '../../charts/hooks';
import '../../charts/charts.css';
import { perSecond, probability, rateTicks, tickText } from './power';

/**
 * P(false abort) and P(detection) against the request rate (log axis), as
 * the model computes them for the Canary's success-rate check: false aborts
 * on a log scale above (a 1 % target and a 30 % saw-tooth both show),
 * detection on a linear one below, each with its target as a dotted line.
 * Vertical marks: the scenario's rate, the rate chosen (when it differs) and
 * the least trustworthy rate; the Monte Carlo's estimates at the chosen
 * rate as diamonds with their Wilson intervals. Lines differ by dash as well
 * as colour (Okabe–Ito). Clicking picks that rate.
 */

const H = 300;
const M = { left: 58, right: 16, top: 16, bottom: 36 };
/** The gap between the two panels, and the false-abort panel's share of the height. */
const GAP = 26;
const TOP_SHARE = 0.5;
/** The false-abort panel's floor: smaller probabilities sit on it. */
const FLOOR = 1e-4;

export interface PowerChartProps {
  curve: readonly PowerCurvePoint[];
  scenarioRate: number;
  rate: number;
  minimum: number | null;
  maxFalseAbort: number;
  minDetection: number;
  /** The Monte Carlo's estimates at `rate`. */
  simulated: { falseAbort: PlainRate; detection: PlainRate } | null;
  onPick?: (rate: number) => void;
}

interface Mark {
  key: string;
  rate: number;
  label: string;
  className: string;
}

export function PowerChart({ curve, scenarioRate, rate, minimum, maxFalseAbort, minDetection, simulated, onPick }: PowerChartProps) {
  const [ref, measured] = useWidth<HTMLDivElement>();
  const W = Math.max(360, measured || 720);
  const [hover, setHover] = useState<PowerCurvePoint | null>(null);
  const plotH = H - M.top - M.bottom - GAP;
  const topBottom = M.top + plotH * TOP_SHARE;
  const lowTop = topBottom + GAP;
  const lowBottom = H - M.bottom;
  const x = scaleLog()
    .domain([curve[0]?.rate ?? 1, curve.at(-1)?.rate ?? 10])
    .range([M.left, W - M.right]);
  const [from, to] = x.domain();
  const yFa = scaleLog().domain([FLOOR, 1]).range([topBottom, M.top]).clamp(true);
  const yDet = scaleLinear().domain([0, 1]).range([lowBottom, lowTop]);
  const falseAborts = line<PowerCurvePoint>()
    .x((p) => x(p.rate))
    .y((p) => yFa(Math.max(FLOOR, p.falseAbort)))(curve as PowerCurvePoint[]);
  const detection = line<PowerCurvePoint>()
    .x((p) => x(p.rate))
    .y((p) => yDet(p.detection))(curve as PowerCurvePoint[]);
  const inRange = (r: number) => r >= from && r <= to;
  const marks: Mark[] = [
    { key: 'scenario', rate: scenarioRate, label: `scenario ${perSecond(scenarioRate)}`, className: 'scenario' },
    ...(Math.abs(rate - scenarioRate) > 1e-9 * Math.max(1, rate) ? [{ key: 'chosen', rate, label: `chosen ${perSecond(rate)}`, className: 'chosen' }] : []),
    ...(minimum !== null ? [{ key: 'minimum', rate: minimum, label: `minimum ${perSecond(minimum)}`, className: 'minimum' }] : []),
  ].filter((m) => m.rate > 0 && inRange(m.rate));
  const xTicks = rateTicks(from, to);
  const pick = (clientX: number, svg: SVGSVGElement): PowerCurvePoint | null => {
    if (curve.length === 0) return null;
    const px = clientX - svg.getBoundingClientRect().left;
    const r = x.invert(px);
    return curve.reduce((best, p) => (Math.abs(Math.log(p.rate / r)) < Math.abs(Math.log(best.rate / r)) ? p : best), curve[0]);
  };
  const estimate = (r: PlainRate | undefined, y: (v: number) => number, clampLow = 0) =>
    r && r.rate !== null && inRange(rate) ? (
      <g className="mc-estimate" transform={`translate(${x(rate)},0)`}>
        <line y1={y(Math.max(clampLow, r.low))} y2={y(Math.max(clampLow, r.high))} />
        <path d="M0,-5L5,0L0,5L-5,0Z" transform={`translate(0,${y(Math.max(clampLow, r.rate))})`} />
      </g>
    ) : null;
  return (
    <div className="power-chart" data-testid="power-chart" ref={ref}>
      <div className="chart-legend">
        <span className="legend-item fa">
          <svg width={22} height={10} aria-hidden="true">
            <line x1={0} x2={22} y1={5} y2={5} />
          </svg>
          P(false abort), healthy canary
        </span>
        <span className="legend-item det">
          <svg width={22} height={10} aria-hidden="true">
            <line x1={0} x2={22} y1={5} y2={5} strokeDasharray="6 3" />
          </svg>
          P(detection), regression
        </span>
        <span className="legend-item target">
          <svg width={22} height={10} aria-hidden="true">
            <line x1={0} x2={22} y1={5} y2={5} strokeDasharray="1 3" />
          </svg>
          target
        </span>
        {simulated ? <span className="legend-item mc">◆ simulated, with its interval</span> : null}
      </div>
      <svg
        className="chart"
        width={W}
        height={H}
        role="img"
        aria-label={`probability of a false abort and of detection against the request rate, ${perSecond(from)} to ${perSecond(to)}${minimum !== null ? `; trustworthy from ${perSecond(minimum)}` : ''}`}
        onMouseMove={(e) => setHover(pick(e.clientX, e.currentTarget))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const p = pick(e.clientX, e.currentTarget);
          if (p && onPick) onPick(Number(p.rate.toPrecision(3)));
        }}
      >
        <YAxis y={yFa} ticks={[1, 0.1, 0.01, 0.001, FLOOR]} format={(v) => (v === FLOOR ? '≤0.01 %' : probability(v))} left={M.left} right={W - M.right} />
        <YAxis y={yDet} ticks={[0, 0.25, 0.5, 0.75, 1]} format={probability} left={M.left} right={W - M.right} />
        <text className="panel-title" x={M.left + 4} y={M.top - 4}>
          P(false abort)
        </text>
        <text className="panel-title" x={M.left + 4} y={lowTop - 4}>
          P(detection)
        </text>
        {xTicks.map((v) => (
          <g key={v} transform={`translate(${x(v)},0)`}>
            <line className="gridline" y1={M.top} y2={lowBottom} />
            <text y={lowBottom + 13} textAnchor="middle">
              {tickText(v)}
            </text>
          </g>
        ))}
        <text className="axis-label" x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">
          requests per second to the Canary's apex (log) →
        </text>
        <line className="target" x1={M.left} x2={W - M.right} y1={yFa(maxFalseAbort)} y2={yFa(maxFalseAbort)} />
        <line className="target" x1={M.left} x2={W - M.right} y1={yDet(minDetection)} y2={yDet(minDetection)} />
        {marks.map((m, i) => (
          <g key={m.key} className={`rate-mark ${m.className}`} data-testid={`power-mark-${m.key}`} transform={`translate(${x(m.rate)},0)`}>
            <line y1={M.top} y2={lowBottom} />
            <text y={M.top + 10 + 11 * i} x={4}>
              {m.label}
            </text>
          </g>
        ))}
        {falseAborts ? <path className="curve fa" d={falseAborts} /> : null}
        {detection ? <path className="curve det" d={detection} /> : null}
        {estimate(simulated?.falseAbort, yFa, FLOOR)}
        {estimate(simulated?.detection, yDet)}
        {hover ? (
          <g className="hover" transform={`translate(${x(hover.rate)},0)`}>
            <line y1={M.top} y2={lowBottom} />
            <circle cy={yFa(Math.max(FLOOR, hover.falseAbort))} r={3} />
            <circle cy={yDet(hover.detection)} r={3} />
          </g>
        ) : null}
      </svg>
      <p className="muted small scatter-note" data-testid="power-chart-hover">
        {hover
          ? `At ${perSecond(hover.rate)}: false aborts ${probability(hover.falseAbort)}, detection ${probability(hover.detection)}. Click to analyse this rate.`
          : 'The model of the success-rate check over traffic levels. Hover for the figures; click to analyse a rate.'}
      </p>
    </div>
  );
}
