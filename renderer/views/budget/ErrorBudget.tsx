import { useMemo, type ReactNode } from 'react';
import { scaleLinear, scaleSymlog } from 'd3';
import { useApp } from '../../app-context';
import { clock, percent } from '../../format';
import type { RunSnapshot } from '../../../simulation/run/session';
import type { SloResult } from '../../../simulation/slo/runtime';
import { TimeStack, type TimePanel } from '../../charts/TimeStack';
import { num, strokeSeries, Swatch, TipRows, YAxis } from '../../charts/parts';
import { alertSpans, alertStateAt, budgetDomain, budgetSeries, burnRateSeries, decimate, recordAt, tierAt, tierBands, type TierDef } from '../../charts/series';
import { sloGuides, unusedWindows, type AlertRow } from '../../charts/slo-guides';
import '../analysis/analysis.css';
import './budget.css';

/**
 * Each SLO's error budget over the run: the budget remaining against the
 * policy's tier bounds (tier changes marked), then one burn-rate panel per
 * multiwindow alert row — both windows' burn rates, the row's threshold and
 * the alert's pending and firing spans — on one time axis; and a line of
 * what the run consumed and by whom.
 */

/** A tier's colour level: none for the first, the strongest for the last. */
function tierLevel(index: number, count: number): number {
  if (count <= 1 || index === 0) return 0;
  return Math.max(1, Math.ceil((index / (count - 1)) * 3));
}

function pct(x: number): string {
  return percent(x, 2);
}

function burn(v: number | null): string {
  return v === null ? 'no data' : `${num(v)}×`;
}

/**
 * Burn rates on a symmetric log scale (linear below 1×, logarithmic above): a
 * 72× spike, a 14.4× threshold and a 0.5× steady burn are all readable.
 */
function burnScale(top: number, height: number) {
  return scaleSymlog()
    .constant(1)
    .domain([0, top * 1.1])
    .range([height, 2]);
}

const rowKey = (r: AlertRow) => `${r.severity}-${r.long}-${r.short}-${r.burnRate}`;

export function buildBudgetPanels(slo: SloResult, rows: readonly AlertRow[], tiers: readonly TierDef[] | null, now: number): TimePanel[] {
  const panels: TimePanel[] = [];
  const series = budgetSeries(slo.budget.start, slo.history, now);
  const values = series.map((p) => p.v as number);
  const bounds = (tiers ?? []).flatMap((t) => (t.above === null ? [] : [t.above]));
  const [lo, hi] = budgetDomain(values, bounds);
  const changes = (slo.policy?.changes ?? []).filter((c) => c.t > 0 && c.t <= now);

  panels.push({
    key: 'budget',
    height: 92,
    title: (
      <>
        Budget remaining <tspan className="sub">{tiers ? 'with the policy tiers' : ''}</tspan>
      </>
    ),
    attrs: { 'data-testid': `budget-panel-${slo.name}` },
    render: ({ x, left, right, height }) => {
      const y = scaleLinear().domain([lo, hi]).range([height, 0]);
      const bands = tiers ? tierBands(tiers, lo, hi) : [];
      return (
        <>
          {bands.map((b) => (
            <g key={b.name} className={`tier tier-level-${tierLevel(b.index, tiers?.length ?? 1)}`} data-tier={b.name}>
              <rect x={left} width={right - left} y={y(b.to)} height={Math.max(0, y(b.from) - y(b.to))} />
            </g>
          ))}
          <YAxis y={y} ticks={y.ticks(4)} format={(v) => `${num(v * 100)}%`} left={left} right={right} />
          {bands.map((b) =>
            y(b.from) - y(b.to) > 11 ? (
              <text key={b.name} className="tier-name" x={right - 4} y={y(b.to) + 10} textAnchor="end">
                {b.name}
              </text>
            ) : null,
          )}
          {bounds
            .filter((b) => b >= lo && b <= hi)
            .map((b) => (
              <line key={b} className="tier-bound" x1={left} x2={right} y1={y(b)} y2={y(b)} data-testid="tier-guide" />
            ))}
          {lo < 0 && hi > 0 ? <line className="zero" x1={left} x2={right} y1={y(0)} y2={y(0)} /> : null}
          {changes.map((c) => (
            <g key={`${c.t}-${c.tier}`} className="tier-change" transform={`translate(${x(c.t)},0)`} data-testid="tier-change">
              <line y1={0} y2={height} />
              <path d="M-4,0 L4,0 L0,6 Z" />
              <text x={4} y={height - 4}>
                → {c.tier}
              </text>
            </g>
          ))}
        </>
      );
    },
    paint: (g, { x, right, left, height }, color) => {
      const y = scaleLinear().domain([lo, hi]).range([height, 0]);
      g.beginPath();
      strokeSeries(g, decimate(series, x.domain()[0], x.domain()[1], right - left), x, y);
      g.strokeStyle = color('--primary');
      g.lineWidth = 2;
      g.stroke();
    },
    hover: (t) => {
      const h = recordAt(series, t);
      const tier = tiers && h?.v != null ? tierAt(tiers, h.v) : null;
      return (
        <>
          <div className="tip-title">
            {slo.name} at {clock(t)}
          </div>
          <TipRows rows={[['remaining', h?.v != null ? pct(h.v) : '—'], ...(tier ? ([['tier', tier.name]] as Array<[string, string]>) : []), ['as of', h ? clock(h.t) : '—']]} />
        </>
      );
    },
  });

  const ratePanel = (key: string, title: ReactNode, windows: Array<{ w: string; dash: boolean }>, row: AlertRow | null): TimePanel => {
    const lines = windows.map(({ w, dash }) => ({ w, dash, series: burnRateSeries(slo.history, w) }));
    let peak = 0;
    for (const l of lines) for (const p of l.series) if (p.v !== null && p.v > peak) peak = p.v;
    const top = Math.max(row ? row.burnRate * 1.2 : 1, peak);
    const alerts = row ? slo.alerts.filter((a) => a.longWindow === row.long && a.shortWindow === row.short && a.burnRate === row.burnRate) : [];
    const spans = alertSpans(alerts, now);
    return {
      key,
      height: 46,
      title,
      attrs: { 'data-testid': `burn-panel-${key}` },
      render: ({ x, left, right, height }) => {
        const y = burnScale(top, height);
        return (
          <>
            {spans.map((s, i) => {
              const w = Math.max(2, x(s.to) - x(s.from));
              return (
                <g key={i} className={`alert-${s.state}`} data-testid="alert-span" data-state={s.state}>
                  <rect className="alert-fill" x={x(s.from)} width={w} y={0} height={height} />
                  <rect className="alert-edge" x={x(s.from)} width={w} y={0} height={3} />
                  {w > 44 ? (
                    <text className="alert-label" x={x(s.from) + 3} y={13}>
                      {s.state}
                    </text>
                  ) : null}
                </g>
              );
            })}
            <YAxis y={y} ticks={[0, 1, ...(row ? [row.burnRate] : []), ...(peak > (row?.burnRate ?? 1) * 1.5 ? [Number(peak.toPrecision(2))] : [])]} gap={10} format={(v) => `${num(v)}×`} left={left} right={right} />
            {row ? <line className="threshold" x1={left} x2={right} y1={y(row.burnRate)} y2={y(row.burnRate)} /> : null}
          </>
        );
      },
      paint: (g, { x, left, right, height }, color) => {
        const y = burnScale(top, height);
        const [t0, t1] = x.domain();
        lines.forEach((l, i) => {
          g.beginPath();
          strokeSeries(g, decimate(l.series, t0, t1, right - left), x, y);
          g.strokeStyle = color(row ? (l.dash ? '--accent' : '--canary') : ['--canary', '--accent', '--primary', '--warn', '--ok'][i % 5]);
          g.lineWidth = l.dash ? 1.3 : 1.8;
          g.setLineDash(l.dash ? [4, 3] : []);
          g.stroke();
        });
        g.setLineDash([]);
      },
      hover: (t) => {
        const h = recordAt(slo.history, t);
        const state = row ? alertStateAt(alerts, t, now) : null;
        return (
          <>
            <div className="tip-title">
              {row ? `${row.severity} alert · ` : ''}
              {clock(t)}
            </div>
            <TipRows
              rows={[
                ...windows.map(({ w }): [string, string] => [`burn rate ${w}`, h ? burn(h.burnRates[w] ?? null) : '—']),
                ...(row
                  ? ([
                      ['threshold', `${num(row.burnRate)}× on both windows`],
                      ['alert', state ?? 'inactive'],
                    ] as Array<[string, string]>)
                  : []),
              ]}
            />
          </>
        );
      },
    };
  };

  for (const row of rows) {
    panels.push(
      ratePanel(
        rowKey(row),
        <>
          Burn rate {row.long} <tspan className="sub">/ {row.short} · {row.severity} above {num(row.burnRate)}×</tspan>
        </>,
        [
          { w: row.long, dash: false },
          { w: row.short, dash: true },
        ],
        row,
      ),
    );
  }
  const others = unusedWindows(slo, rows);
  if (others.length > 0) {
    panels.push(
      ratePanel(
        'other-windows',
        <>
          Burn rate <tspan className="sub">{others.join(', ')}</tspan>
        </>,
        others.map((w) => ({ w, dash: false })),
        null,
      ),
    );
  }
  return panels;
}

function Summary({ slo }: { slo: SloResult }) {
  const b = slo.budget;
  const faults = Object.entries(b.byCause.whileFaultActive);
  return (
    <p className="budget-summary" data-testid="budget-summary">
      <span>
        Budget <strong>{pct(b.start)}</strong> → <strong className={b.end < 0 ? 'bad' : ''}>{pct(b.end)}</strong>
      </span>
      <span>
        consumed <strong>{pct(b.consumed)}</strong> <span className="muted">({num(b.consumedMinutes)} of {num(b.budgetMinutes)} min)</span>
      </span>
      <span data-testid="consumed-by-rollout">
        by the rollout <strong className="canary-text">{pct(b.consumedByRollout)}</strong>
      </span>
      <span className="muted">
        by cause: primary {pct(b.byCause.primary)}, canary {pct(b.byCause.canary)}, other {pct(b.byCause.other)}
        {faults.map(([f, v]) => `; while ${f} was active ${pct(v)}`).join('')}
      </span>
    </p>
  );
}

function SloBlock({ slo, snapshot, cursor, setCursor, seek }: { slo: SloResult; snapshot: RunSnapshot; cursor: number | null; setCursor: (t: number | null) => void; seek: (t: number) => void }) {
  const guides = useMemo(() => sloGuides(slo), [slo]);
  const panels = useMemo(() => buildBudgetPanels(slo, guides.rows, guides.tiers, snapshot.t), [slo, guides, snapshot.t]);
  const firing = slo.alerts.filter((a) => a.firedAt !== null && a.firedAt <= snapshot.t && (a.resolvedAt === null || a.resolvedAt > snapshot.t));
  return (
    <div className="slo" data-testid={`slo-${slo.name}`}>
      <h3>
        {slo.name}{' '}
        <span className="muted small">
          {slo.objective}% over {slo.window}
          {slo.service ? ` · ${slo.service}` : ''}
        </span>
        {slo.policy ? (
          <span className="tier-badge" data-testid="tier-now" title="the error budget policy's tier">
            {slo.policy.start === slo.policy.end ? slo.policy.end : `${slo.policy.start} → ${slo.policy.end}`}
          </span>
        ) : null}
        {firing.length > 0 ? <span className="alert-badge">{firing.map((a) => a.severity).join(', ')} firing</span> : null}
      </h3>
      <Summary slo={slo} />
      {slo.ruleErrors.length > 0 ? <p className="bad small">Rule errors: {slo.ruleErrors.map((e) => `${e.rule} at ${clock(e.t)}: ${e.error}`).join('; ')}</p> : null}
      <TimeStack panels={panels} end={snapshot.endTime} now={snapshot.t} cursor={cursor} onCursor={setCursor} onSeek={seek} label={`error budget and burn rates of ${slo.name}`} />
    </div>
  );
}

const NO_SLOS: SloResult[] = [];

export function ErrorBudget() {
  const snapshot = useApp((s) => s.snapshot);
  const cursor = useApp((s) => s.cursor);
  const setCursor = useApp((s) => s.setCursor);
  const seekTo = useApp((s) => s.seek);
  const slos = snapshot?.result.slo ?? NO_SLOS;
  const seek = useMemo(() => (t: number) => void seekTo(t), [seekTo]);
  if (!snapshot) return null;
  return (
    <section className="panel error-budget" data-testid="error-budget" aria-label="error budgets">
      <header className="chart-head">
        <h2>Error budgets</h2>
        {slos.length > 0 ? (
          <span className="chart-legend">
            <Swatch className="lg-primary">remaining</Swatch>
            <Swatch className="lg-canary">long window</Swatch>
            <Swatch className="lg-accent" kind="dash">
              short window
            </Swatch>
            <Swatch className="lg-threshold" kind="dash">
              alert threshold
            </Swatch>
            <Swatch className="lg-pending" kind="box">
              pending
            </Swatch>
            <Swatch className="lg-firing" kind="box">
              firing
            </Swatch>
          </span>
        ) : null}
      </header>
      {slos.length === 0 ? (
        <p className="muted" data-testid="no-slos">
          This scenario states no SLOs: add <code>spec.slos</code> to follow an error budget, its burn-rate alerts and policy through the run.
        </p>
      ) : (
        slos.map((slo) => <SloBlock key={slo.name} slo={slo} snapshot={snapshot} cursor={cursor} setCursor={setCursor} seek={seek} />)
      )}
    </section>
  );
}
