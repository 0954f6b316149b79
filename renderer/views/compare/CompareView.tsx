import { useEffect, useMemo, useRef, useState } from 'react';
import { scaleLinear } from 'd3';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import type { RunSnapshot, ScenarioSummary } from '../../../simulation/run/session';
import { TimeStack, type TimePanel } from '../../charts/TimeStack';
import { checkShape, num, pathOf, strokeSeries, Swatch, TipRows, YAxis } from '../../charts/parts';
import { budgetDomain, budgetSeries, checkResult, decimate, differingSpans, metricBounds, metricNames, recordAt, stepSeries, valueDomain } from '../../charts/series';
import { compareRows } from '../../charts/compare';
import '../analysis/analysis.css';
import './compare.css';

/**
 * Two runs of the open scenario side by side on one time axis: the run view's
 * run (taken to its end) and a second with another seed. For each, the
 * outcome and decision time, the canary weight, every metric's checks and
 * each SLO's budget; where the runs differ is highlighted — rows of the
 * summary, and the spans where their weights differ — and each chart shows
 * the other run faintly behind.
 */

type Declared = NonNullable<ScenarioSummary['canary']>['metrics'];
const NO_METRICS: Declared = [];

function buildComparePanels(self: RunSnapshot, other: RunSnapshot | null, declared: Declared): TimePanel[] {
  const r = self.result;
  const panels: TimePanel[] = [];
  const weights = stepSeries(r.timeline, (x) => x.canaryWeight, self.t);
  const ghost = other ? stepSeries(other.result.timeline, (x) => x.canaryWeight, other.t) : [];
  const diffs = other ? differingSpans(weights, ghost, Math.min(self.t, other.t)) : [];
  panels.push({
    key: 'weight',
    height: 70,
    title: 'Canary weight',
    attrs: { 'data-testid': 'compare-weight' },
    render: ({ x, left, right, height }) => {
      const y = scaleLinear().domain([0, 100]).range([height - 2, 4]);
      return (
        <>
          {diffs.map((d) => (
            <rect key={d.from} className="diff-band" x={x(d.from)} width={Math.max(1, x(d.to) - x(d.from))} y={0} height={height} data-testid="diff-span" />
          ))}
          <YAxis y={y} ticks={[0, 50, 100]} format={(v) => `${v}%`} left={left} right={right} />
          {other ? <path className="ghost" d={pathOf(ghost, x, y, true)} /> : null}
          <path className="weight-canary" d={pathOf(weights, x, y, true)} />
        </>
      );
    },
    hover: (t) => {
      const a = recordAt(r.timeline, t);
      const b = other ? recordAt(other.result.timeline, t) : null;
      return (
        <>
          <div className="tip-title">{clock(t)}</div>
          <TipRows
            rows={[
              ['this run', a ? `${a.phase} · ${a.canaryWeight}% · ${a.failedChecks} failed` : '—'],
              ['other run', b ? `${b.phase} · ${b.canaryWeight}% · ${b.failedChecks} failed` : '—'],
            ]}
          />
        </>
      );
    },
  });

  const allChecks = other ? [...r.checks, ...other.result.checks] : r.checks;
  for (const name of metricNames(declared, allChecks)) {
    const checks = r.checks.filter((c) => c.metric === name);
    const otherChecks = other ? other.result.checks.filter((c) => c.metric === name) : [];
    const { min, max } = metricBounds(name, declared, allChecks);
    const [lo, hi] = valueDomain([...checks, ...otherChecks].map((c) => c.value), [min, max]);
    panels.push({
      key: `metric-${name}`,
      height: 54,
      title: name,
      attrs: { 'data-testid': `compare-metric-${name}` },
      render: ({ x, left, right, height }) => {
        const y = scaleLinear()
          .domain([lo, hi])
          .range([height - 8, 4]);
        const top = max !== null ? Math.max(0, y(max)) : 0;
        const bottom = min !== null ? Math.min(height, y(min)) : height;
        return (
          <>
            <YAxis y={y} ticks={y.ticks(3)} format={(v) => num(v)} left={left} right={right} />
            {bottom > top ? <rect className="accepted" x={left} width={right - left} y={top} height={bottom - top} /> : null}
            {other ? <path className="ghost" d={pathOf(otherChecks.map((c) => ({ t: c.t, v: c.value })), x, y)} /> : null}
            <path className="metric-line" d={pathOf(checks.map((c) => ({ t: c.t, v: c.value })), x, y)} />
            {checks.map((c, i) => {
              const res = checkResult(c);
              return <path key={i} className={`check-${res}`} d={checkShape(res)} transform={`translate(${x(c.t)},${c.value === null ? height - 5 : y(c.value)})`} data-result={res} />;
            })}
          </>
        );
      },
      hover: (t, _py, px, { x }) => {
        const near = (cs: typeof checks) => cs.reduce<(typeof checks)[number] | null>((best, c) => (Math.abs(x(c.t) - px) < 9 && (!best || Math.abs(x(c.t) - px) < Math.abs(x(best.t) - px)) ? c : best), null);
        const a = near(checks);
        const b = near(otherChecks);
        const show = (c: typeof a) => (c ? `${c.value === null ? 'no data' : num(c.value, 4)} (${checkResult(c)})` : '—');
        return (
          <>
            <div className="tip-title">
              {name} at {clock(a?.t ?? b?.t ?? t)}
            </div>
            <TipRows
              rows={[
                ['this run', show(a)],
                ['other run', show(b)],
              ]}
            />
          </>
        );
      },
    });
  }

  for (const slo of r.slo) {
    const mine = budgetSeries(slo.budget.start, slo.history, self.t);
    const theirsSlo = other?.result.slo.find((s) => s.name === slo.name);
    const theirs = theirsSlo ? budgetSeries(theirsSlo.budget.start, theirsSlo.history, other?.t ?? 0) : [];
    const [lo, hi] = budgetDomain([...mine, ...theirs].map((p) => p.v as number), []);
    const yOf = (height: number) => scaleLinear().domain([lo, hi]).range([height, 0]);
    panels.push({
      key: `budget-${slo.name}`,
      height: 54,
      title: (
        <>
          {slo.name} <tspan className="sub">budget remaining</tspan>
        </>
      ),
      attrs: { 'data-testid': `compare-budget-${slo.name}` },
      render: ({ left, right, height }) => {
        const y = yOf(height);
        return <YAxis y={y} ticks={y.ticks(3)} format={(v) => `${num(v * 100)}%`} left={left} right={right} />;
      },
      paint: (g, { x, left, right, height }, color) => {
        const y = yOf(height);
        const [t0, t1] = x.domain();
        if (theirs.length > 0) {
          g.beginPath();
          strokeSeries(g, decimate(theirs, t0, t1, right - left), x, y);
          g.strokeStyle = color('--muted');
          g.globalAlpha = 0.55;
          g.lineWidth = 1.2;
          g.setLineDash([3, 3]);
          g.stroke();
          g.setLineDash([]);
          g.globalAlpha = 1;
        }
        g.beginPath();
        strokeSeries(g, decimate(mine, t0, t1, right - left), x, y);
        g.strokeStyle = color('--primary');
        g.lineWidth = 2;
        g.stroke();
      },
      hover: (t) => {
        const a = recordAt(mine, t);
        const b = recordAt(theirs, t);
        return (
          <>
            <div className="tip-title">
              {slo.name} at {clock(t)}
            </div>
            <TipRows
              rows={[
                ['this run', a?.v != null ? `${num(a.v * 100, 4)}%` : '—'],
                ['other run', b?.v != null ? `${num(b.v * 100, 4)}%` : '—'],
              ]}
            />
          </>
        );
      },
    });
  }
  return panels;
}

function RunColumn({ title, run, other, declared, end, testId, differs }: { title: string; run: RunSnapshot | null; other: RunSnapshot | null; declared: Declared; end: number; testId: string; differs: boolean }) {
  const cursor = useApp((s) => s.cursor);
  const setCursor = useApp((s) => s.setCursor);
  const panels = useMemo(() => (run ? buildComparePanels(run, other, declared) : []), [run, other, declared]);
  const marks = useMemo(() => (run?.result.outcome?.decidedAt != null ? [{ t: run.result.outcome.decidedAt, label: 'decided', className: 'decided' }] : []), [run]);
  const o = run?.result.outcome;
  return (
    <div className="compare-col" data-testid={testId}>
      <h3>
        {title} <span className="muted small">{run ? `seed ${run.seed}` : ''}</span>
      </h3>
      {run ? (
        <>
          <p className={`compare-outcome ${o ? (o.promoted ? 'ok' : o.phase === 'Failed' ? 'bad' : '') : ''} ${differs ? 'differs' : ''}`} data-testid="compare-outcome" title={differs ? 'the runs differ in outcome or decision time' : undefined}>
            {differs ? <span className="diff-mark">≠ </span> : null}
            {o ? (
              <>
                <strong>{o.phase}</strong>
                {o.promoted ? ', promoted' : ''}
                {o.decidedAt !== null ? ` · decided at ${clock(o.decidedAt)}` : ' · undecided'}
              </>
            ) : (
              'No rollout'
            )}
            {!run.done ? <span className="muted"> (at {clock(run.t)})</span> : null}
          </p>
          <TimeStack panels={panels} end={end} now={run.t} cursor={cursor} onCursor={setCursor} marks={marks} label={`${title}: canary weight, metrics and budgets`} />
        </>
      ) : (
        <p className="muted">Running…</p>
      )}
    </div>
  );
}

export function CompareView() {
  const snapshot = useApp((s) => s.snapshot);
  const summary = useApp((s) => s.summary);
  const compare = useApp((s) => s.compare);
  const file = useApp((s) => s.file);
  const toEnd = useApp((s) => s.toEnd);
  const runCompare = useApp((s) => s.runCompare);
  const declared = summary?.canary?.metrics ?? NO_METRICS;
  const [seedText, setSeedText] = useState(() => String(compare.seed !== snapshot?.seed ? compare.seed : (snapshot?.seed ?? 1) + 1));
  const [busy, setBusy] = useState(false);
  const started = useRef<string | null>(null);

  // Opening the view takes the current run to its end, and runs the other seed once per scenario.
  useEffect(() => {
    if (snapshot && !snapshot.done) void toEnd();
  }, [snapshot, toEnd]);
  const other = compare.snapshot;
  const stale = other !== null && snapshot !== null && (other.result.scenario !== snapshot.result.scenario || other.endTime !== snapshot.endTime);
  useEffect(() => {
    if (!snapshot || file === null) return;
    const key = `${file}|${snapshot.result.scenario}`;
    if ((other === null || stale) && compare.error === null && started.current !== key) {
      started.current = key;
      const seed = Number(seedText);
      setBusy(true);
      void runCompare(Number.isSafeInteger(seed) && seed >= 0 ? seed : snapshot.seed + 1).finally(() => setBusy(false));
    }
  }, [snapshot, file, other, stale, compare.error, runCompare, seedText]);

  const rows = useMemo(() => (snapshot && other && !stale ? compareRows(snapshot.result, other.result) : []), [snapshot, other, stale]);
  if (!snapshot) return <section className="empty">Open a scenario from the library to compare two of its runs.</section>;
  const seed = Number(seedText);
  const seedOk = seedText.trim() !== '' && Number.isSafeInteger(seed) && seed >= 0;
  const end = Math.max(snapshot.endTime, other?.endTime ?? 0);
  const run = () => {
    if (!seedOk) return;
    setBusy(true);
    void runCompare(seed).finally(() => setBusy(false));
  };
  const differing = rows.filter((r) => r.differs).length;
  const outcomeDiffers = rows.some((r) => (r.key === 'outcome' || r.key === 'decided') && r.differs);
  return (
    <section className="panel compare" data-testid="compare-view" aria-label="compare two runs">
      <header className="chart-head">
        <h2>Compare two runs</h2>
        <form
          className="compare-controls"
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
        >
          <span className="muted">this run: seed {snapshot.seed} · other run: seed</span>
          <input data-testid="compare-seed" type="number" min={0} value={seedText} onChange={(e) => setSeedText(e.target.value)} aria-label="seed of the other run" />
          <button type="button" data-testid="compare-random" title="Pick a random seed" onClick={() => setSeedText(String(Math.floor(Math.random() * 1_000_000)))}>
            random
          </button>
          <button type="submit" data-testid="compare-run" disabled={!seedOk || busy}>
            {busy ? 'Running…' : 'Run'}
          </button>
        </form>
      </header>
      {compare.error ? (
        <p className="bad" role="alert">
          The other run failed: {compare.error}
        </p>
      ) : null}
      <div className="compare-legend chart-legend">
        <Swatch className="lg-canary">this column's run</Swatch>
        <Swatch className="lg-ghost" kind="dash">
          the other run
        </Swatch>
        <Swatch className="lg-diff" kind="box">
          weights differ
        </Swatch>
      </div>
      <div className="compare-cols">
        <RunColumn title="This run" run={snapshot} other={stale ? null : other} declared={declared} end={end} testId="compare-a" differs={outcomeDiffers} />
        <RunColumn title="Other run" run={stale ? null : other} other={snapshot} declared={declared} end={end} testId="compare-b" differs={outcomeDiffers} />
      </div>
      {rows.length > 0 ? (
        <table className="compare-table" data-testid="compare-table">
          <caption>
            <strong>Differences</strong>{' '}
            <span className="muted small">{differing === 0 ? 'The runs agree on every row.' : `${differing} of ${rows.length} rows differ (highlighted).`}</span>
          </caption>
          <thead>
            <tr>
              <th />
              <th>seed {snapshot.seed}</th>
              <th>seed {other?.seed}</th>
              <th>difference</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} className={r.differs ? 'differs' : ''} data-testid="compare-row" data-differs={r.differs ? 'true' : 'false'}>
                <th scope="row">
                  {r.differs ? <span className="diff-mark" aria-label="differs">≠ </span> : null}
                  {r.label}
                </th>
                <td>{r.a}</td>
                <td>{r.b}</td>
                <td>{r.differs ? (r.delta !== null ? signed(r.delta, r.unit) : 'differs') : <span className="muted">same</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function signed(d: number, unit: string | undefined): string {
  const s = d > 0 ? '+' : d < 0 ? '−' : '±';
  const a = Math.abs(d);
  if (unit === '%') return `${s}${(a * 100).toFixed(a < 0.001 ? 4 : 2)} pp`;
  if (unit === 's') return `${s}${clock(a)}`;
  return `${s}${Number.isInteger(a) ? a : a.toFixed(2)}`;
}
