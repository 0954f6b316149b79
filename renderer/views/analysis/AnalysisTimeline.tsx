import { useMemo } from 'react';
import { scaleLinear } from 'd3';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import type { RunSnapshot, ScenarioSummary } from '../../../simulation/run/session';
import type { MetricCheck } from '../../../simulation/rollout/types';
import { TimeStack, type TimePanel } from '../../charts/TimeStack';
import { CheckLegend, checkShape, isDense, num, paintChecks, pathOf, Swatch, TipRows, YAxis } from '../../charts/parts';
import { checkResult, decimate, metricBounds, metricNames, phaseBands, recordAt, stepSeries, valueDomain } from '../../charts/series';
import './analysis.css';

/**
 * Flagger's analysis over time: the canary's weight and phase, one panel per
 * metric of the Canary (its accepted range shaded, every check a mark:
 * pass, fail or no data), and the failed-check counter against the
 * threshold. One time axis; hovering sets the cursor and explains the check
 * under the pointer (with the PromQL that produced it); clicking moves there.
 */

type Declared = NonNullable<ScenarioSummary['canary']>['metrics'];
const NO_METRICS: Declared = [];

const RESULT_TEXT = { pass: 'pass', fail: 'fail', nodata: 'no data' } as const;

/** The phase's colour class (Okabe–Ito via the theme variables). */
export function phaseClass(phase: string): string {
  if (phase === 'Succeeded') return 'phase-ok';
  if (phase === 'Failed') return 'phase-bad';
  if (phase === 'Progressing') return 'phase-progress';
  if (phase === 'WaitingPromotion' || phase === 'Waiting') return 'phase-wait';
  if (phase === 'Promoting' || phase === 'Finalising') return 'phase-promote';
  return 'phase-idle';
}

function boundsText(min: number | null, max: number | null): string {
  if (min !== null && max !== null) return `${num(min)} … ${num(max)}`;
  if (min !== null) return `at least ${num(min)}`;
  if (max !== null) return `at most ${num(max)}`;
  return 'none';
}

/** The check nearest to px within reach (pixels), if any. */
function nearestCheck(checks: readonly MetricCheck[], x: (t: number) => number, px: number, reach = 9): MetricCheck | null {
  let best: MetricCheck | null = null;
  let bestD = reach;
  for (const c of checks) {
    const d = Math.abs(x(c.t) - px);
    if (d <= bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function checkTip(c: MetricCheck) {
  const r = checkResult(c);
  return (
    <>
      <div className="tip-title">
        {c.metric} at {clock(c.t)}
      </div>
      <TipRows
        rows={[
          ['value', c.value === null ? 'no data' : num(c.value, 4)],
          ['accepted', boundsText(c.min, c.max)],
          ['result', <span className={`result-${r}`}>{RESULT_TEXT[r]}</span>],
          ...(c.error ? ([['why', c.error]] as Array<[string, string]>) : []),
        ]}
      />
      {c.query ? <code>{c.query.trim()}</code> : <div className="muted">The query did not render.</div>}
    </>
  );
}

export function buildAnalysisPanels(snapshot: RunSnapshot, declared: Declared, threshold: number | null): TimePanel[] {
  const r = snapshot.result;
  const now = snapshot.t;
  const timeline = r.timeline;
  const canarySeries = stepSeries(timeline, (x) => x.canaryWeight, now);
  const primarySeries = stepSeries(timeline, (x) => x.primaryWeight, now);
  const failedSeries = stepSeries(timeline, (x) => x.failedChecks, now);
  const phases = phaseBands(timeline, now);
  const panels: TimePanel[] = [];

  const STRIP = 14;
  panels.push({
    key: 'weight',
    height: 96,
    title: (
      <>
        Canary weight <tspan className="sub">and phase</tspan>
      </>
    ),
    attrs: { 'data-testid': 'weight-panel' },
    render: ({ x, left, right, height }) => {
      const y = scaleLinear().domain([0, 100]).range([height - 2, STRIP + 4]);
      return (
        <>
          <YAxis y={y} ticks={[0, 50, 100]} format={(v) => `${v}%`} left={left} right={right} />
          {phases.map((p) => {
            const w = x(p.to) - x(p.from);
            return (
              <g key={`${p.from}`} className={`phase ${phaseClass(p.state)}`} data-phase={p.state}>
                <rect className="phase-band" x={x(p.from)} y={STRIP} width={w} height={height - STRIP} />
                <rect className="phase-strip" x={x(p.from)} y={0} width={w} height={STRIP} />
                {w > p.state.length * 5.6 + 6 ? (
                  <text className="phase-label" x={x(p.from) + 3} y={10.5}>
                    {p.state}
                  </text>
                ) : null}
              </g>
            );
          })}
          <path className="weight-primary" d={pathOf(primarySeries, x, y, true)} />
          <path className="weight-canary" d={pathOf(canarySeries, x, y, true)} data-testid="weight-line" />
        </>
      );
    },
    hover: (t) => {
      const rec = recordAt(timeline, t);
      if (!rec) return <div className="muted">{clock(t)}: no analysis yet</div>;
      const events = r.events.filter((e) => e.t === rec.t);
      return (
        <>
          <div className="tip-title">
            {clock(t)} · {rec.phase || 'no phase'}
          </div>
          <TipRows
            rows={[
              ['canary weight', `${rec.canaryWeight}%`],
              ['primary weight', `${rec.primaryWeight}%`],
              ['failed checks', threshold !== null ? `${rec.failedChecks} of ${threshold}` : String(rec.failedChecks)],
              ['iterations', String(rec.iterations)],
              ['as of tick', clock(rec.t)],
            ]}
          />
          {events.slice(0, 3).map((e, i) => (
            <div key={i} className={`tip-event ${e.type === 'Warning' ? 'bad' : ''}`}>
              {e.message}
            </div>
          ))}
        </>
      );
    },
  });

  for (const name of metricNames(declared, r.checks)) {
    const checks = r.checks.filter((c) => c.metric === name && c.t <= now);
    const { min, max } = metricBounds(name, declared, checks.length > 0 ? checks : r.checks);
    const values = checks.map((c) => c.value);
    const line = checks.map((c) => ({ t: c.t, v: c.value }));
    const [lo, hi] = valueDomain(values, [min, max]);
    panels.push({
      key: `metric-${name}`,
      height: 64,
      title: (
        <>
          {name} <tspan className="sub">accepted {boundsText(min, max)}</tspan>
        </>
      ),
      attrs: { 'data-testid': `metric-panel-${name}`, 'data-metric': name },
      render: ({ x, left, right, height }) => {
        const y = scaleLinear()
          .domain([lo, hi])
          .range([height - 10, 4]);
        const top = max !== null ? Math.max(0, y(max)) : 0;
        const bottom = min !== null ? Math.min(height, y(min)) : height;
        const [t0, t1] = x.domain();
        return (
          <>
            <YAxis y={y} ticks={y.ticks(3)} format={(v) => num(v)} left={left} right={right} />
            {bottom > top ? <rect className="accepted" x={left} width={right - left} y={top} height={bottom - top} /> : null}
            {min !== null && y(min) >= 0 && y(min) <= height ? <line className="bound" x1={left} x2={right} y1={y(min)} y2={y(min)} /> : null}
            {max !== null && y(max) >= 0 && y(max) <= height ? <line className="bound" x1={left} x2={right} y1={y(max)} y2={y(max)} /> : null}
            <path className="metric-line" d={pathOf(decimate(line, t0, t1, right - left), x, y)} />
            {isDense(checks.length, left, right)
              ? null
              : checks.map((c, i) => {
                  const res = checkResult(c);
                  const cy = c.value === null ? height - 5 : y(c.value);
                  return <path key={i} className={`check-${res}`} d={checkShape(res)} transform={`translate(${x(c.t)},${cy})`} data-testid="check-mark" data-result={res} data-t={c.t} />;
                })}
          </>
        );
      },
      // Many checks (hours of a short interval): the marks go to the canvas.
      paint: (g, { x, left, right, height }, color) => {
        if (!isDense(checks.length, left, right)) return;
        const y = scaleLinear()
          .domain([lo, hi])
          .range([height - 10, 4]);
        paintChecks(g, checks, x, (c) => (c.value === null ? height - 5 : y(c.value)), color);
      },
      snap: (_t, px, { x }) => nearestCheck(checks, x, px)?.t ?? null,
      hover: (t, _py, px, { x }) => {
        const c = nearestCheck(checks, x, px);
        if (c) return checkTip(c);
        return (
          <div className="muted">
            {name} at {clock(t)}: no check here
          </div>
        );
      },
    });
  }

  if (threshold !== null || timeline.length > 0) {
    const maxFailed = Math.max(threshold ?? 0, ...timeline.map((x) => x.failedChecks));
    panels.push({
      key: 'failed',
      height: 44,
      title: (
        <>
          Failed checks <tspan className="sub">{threshold !== null ? `roll back at ${threshold}` : ''}</tspan>
        </>
      ),
      attrs: { 'data-testid': 'failed-checks-panel' },
      render: ({ x, left, right, height }) => {
        const y = scaleLinear()
          .domain([0, Math.max(1, maxFailed)])
          .range([height - 3, 5]);
        return (
          <>
            <YAxis y={y} ticks={threshold !== null ? [0, threshold] : y.ticks(2)} format={(v) => String(v)} left={left} right={right} />
            {threshold !== null ? <line className="threshold" x1={left} x2={right} y1={y(threshold)} y2={y(threshold)} /> : null}
            <path className="failed-line" d={pathOf(failedSeries, x, y, true)} />
          </>
        );
      },
      hover: (t) => {
        const rec = recordAt(timeline, t);
        return (
          <>
            <div className="tip-title">{clock(t)}</div>
            <TipRows rows={[['failed checks', rec ? (threshold !== null ? `${rec.failedChecks} of ${threshold}` : String(rec.failedChecks)) : '—']]} />
          </>
        );
      },
    });
  }
  return panels;
}

export function AnalysisTimeline() {
  const snapshot = useApp((s) => s.snapshot);
  const summary = useApp((s) => s.summary);
  const cursor = useApp((s) => s.cursor);
  const setCursor = useApp((s) => s.setCursor);
  const seek = useApp((s) => s.seek);
  const declared = summary?.canary?.metrics ?? NO_METRICS;
  const threshold = summary?.canary?.threshold ?? null;
  const panels = useMemo(() => (snapshot ? buildAnalysisPanels(snapshot, declared, threshold) : []), [snapshot, declared, threshold]);
  const marks = useMemo(() => {
    const out: Array<{ t: number; label: string; className?: string }> = [];
    const decided = snapshot?.result.outcome?.decidedAt;
    if (decided !== null && decided !== undefined && decided <= (snapshot?.t ?? 0)) out.push({ t: decided, label: 'decided', className: 'decided' });
    return out;
  }, [snapshot]);
  if (!snapshot) return null;
  const r = snapshot.result;
  const hasCanary = r.canary !== null;
  return (
    <section className="panel analysis" data-testid="analysis-timeline" aria-label="analysis timeline">
      <header className="chart-head">
        <h2>Analysis</h2>
        {hasCanary ? (
          <span className="chart-legend">
            <Swatch className="lg-canary">canary weight</Swatch>
            <Swatch className="lg-primary" kind="dash">
              primary weight
            </Swatch>
            <Swatch className="lg-accepted" kind="box">
              accepted range
            </Swatch>
            <CheckLegend />
            <Swatch className="lg-threshold" kind="dash">
              threshold
            </Swatch>
          </span>
        ) : null}
      </header>
      {hasCanary ? (
        <>
          <TimeStack panels={panels} end={snapshot.endTime} now={snapshot.t} cursor={cursor} onCursor={setCursor} onSeek={(t) => void seek(t)} marks={marks} label="canary weight, metric checks and failed checks over time" />
          {r.checks.length === 0 ? <p className="muted small">No metric checks yet{summary?.rolloutAt != null ? `: the rollout starts at ${clock(summary.rolloutAt)}` : ''}.</p> : null}
        </>
      ) : (
        <p className="muted">This scenario rolls nothing out: there is no analysis to show.</p>
      )}
    </section>
  );
}
