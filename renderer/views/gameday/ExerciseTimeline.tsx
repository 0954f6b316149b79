import { useMemo } from 'react';
import { scaleLinear, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, symbolCross } from 'd3';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import { TimeStack, type PanelCtx, type TimePanel } from '../../charts/TimeStack';
import { pathOf } from '../../charts/parts';
import { stepSeries } from '../../charts/series';
import type { RunSnapshot, ScenarioSummary } from '../../../simulation/run/session';
import { type Lane, LANES, packRows, type TimelineItem } from './timeline';

/**
 * The exercise on one time axis (the shared TimeStack: hover explains, click
 * moves the run there): one lane each for Flagger's decisions, the team's
 * decisions, the faults, the SLO alerts and the budget policy's tiers, and
 * the same items as a list below.
 */

const SHAPES = {
  circle: symbol(symbolCircle, 34)() ?? '',
  triangle: symbol(symbolTriangle, 48)() ?? '',
  square: symbol(symbolSquare, 34)() ?? '',
  diamond: symbol(symbolDiamond, 60)() ?? '',
  cross: symbol(symbolCross, 40)() ?? '',
};

function shapeOf(it: TimelineItem): string {
  if (it.lane === 'team') return SHAPES.diamond;
  if (it.kind === 'cancelled') return SHAPES.cross;
  if (it.tone === 'bad') return SHAPES.triangle;
  if (it.tone === 'warn') return SHAPES.square;
  return SHAPES.circle;
}

const ROW = 9;

/** Items near the pointer in one lane: moments within a few pixels, spans that cover t. */
function near(items: readonly TimelineItem[], t: number, px: number, ctx: PanelCtx): TimelineItem[] {
  return items.filter((it) => (it.end !== null && it.end > it.t ? it.t <= t && t <= it.end : false) || Math.abs(ctx.x(it.t) - px) <= 6);
}

function tip(items: readonly TimelineItem[], t: number) {
  if (items.length === 0) return null;
  return (
    <>
      <div className="tip-title">{clock(items.length === 1 ? items[0].t : t)}</div>
      <ul className="gd-tip">
        {items.slice(0, 6).map((it, i) => (
          <li key={i} className={`tone-${it.tone}`}>
            <span className="gd-tip-time">
              {clock(it.t)}
              {it.end !== null && it.end > it.t ? `–${clock(it.end)}` : ''}
            </span>{' '}
            {it.label}
            {it.detail ? <div className="muted">{it.detail}</div> : null}
          </li>
        ))}
        {items.length > 6 ? <li className="muted">and {items.length - 6} more</li> : null}
      </ul>
    </>
  );
}

function lanePanel(lane: Lane, label: string, items: readonly TimelineItem[], snapshot: RunSnapshot): TimePanel {
  const spans = lane === 'faults' || lane === 'alerts';
  const packed = spans ? packRows(items) : { rows: items.map(() => 0), count: 1 };
  const height = spans ? Math.max(18, packed.count * ROW + 8) : lane === 'flagger' ? 30 : 20;
  const weights = lane === 'flagger' ? stepSeries(snapshot.result.timeline, (r) => r.canaryWeight, snapshot.t) : [];
  return {
    key: lane,
    height,
    title: (
      <>
        {label} <tspan className="sub">{items.length === 0 ? 'none yet' : `${items.length}`}</tspan>
      </>
    ),
    attrs: { 'data-testid': `lane-${lane}`, className: `gd-lane lane-${lane}` },
    render: (ctx) => {
      const { x, height: h } = ctx;
      const mid = h / 2;
      const y = scaleLinear().domain([0, 100]).range([h - 1, 1]);
      return (
        <>
          {weights.length > 0 ? <path className="gd-weight" d={pathOf(weights, x, y, true)} /> : null}
          {items.map((it, i) => {
            if (spans && it.end !== null) {
              const top = 4 + packed.rows[i] * ROW;
              const x0 = x(it.t);
              const w = Math.max(2, x(Math.max(it.t, it.end)) - x0);
              return <rect key={i} className={`gd-span kind-${it.kind} tone-${it.tone}`} x={x0} y={top} width={w} height={ROW - 2} rx={2} data-kind={it.kind} />;
            }
            const cy = spans ? 4 + packed.rows[i] * ROW + (ROW - 2) / 2 : mid;
            return <path key={i} className={`gd-mark tone-${it.tone}`} d={shapeOf(it)} transform={`translate(${x(it.t)},${cy})`} data-kind={it.kind} />;
          })}
          {lane === 'budget' || lane === 'team'
            ? items.map((it, i) => (
                <text key={`l${i}`} className="gd-mark-label" x={x(it.t) + 7} y={mid} dy="0.32em">
                  {lane === 'budget' ? it.kind : it.kind === 'rollback' ? 'roll back' : it.kind}
                </text>
              ))
            : null}
        </>
      );
    },
    hover: (t, _py, px, ctx) => tip(near(items, t, px, ctx), t),
    snap: (_t, px, ctx) => {
      const best = items.filter((it) => Math.abs(ctx.x(it.t) - px) <= 6).sort((a, b) => Math.abs(ctx.x(a.t) - px) - Math.abs(ctx.x(b.t) - px))[0];
      return best ? best.t : null;
    },
  };
}

export function ExerciseTimeline({ items, showFaults, summary }: { items: readonly TimelineItem[]; showFaults: boolean; summary: ScenarioSummary | null }) {
  const snapshot = useApp((s) => s.snapshot);
  const cursor = useApp((s) => s.cursor);
  const setCursor = useApp((s) => s.setCursor);
  const seek = useApp((s) => s.seek);
  const panels = useMemo(
    () => (snapshot ? LANES.filter((l) => showFaults || l.lane !== 'faults').map((l) => lanePanel(l.lane, l.label, items.filter((it) => it.lane === l.lane), snapshot)) : []),
    [items, showFaults, snapshot],
  );
  if (!snapshot) return null;
  const rolloutAt = summary?.rolloutAt ?? null;
  return (
    <section className="panel gd-timeline" data-testid="exercise-timeline" aria-label="exercise timeline">
      <div className="chart-head">
        <h2>Exercise timeline</h2>
        <span className="muted small">Hover for details; click to move the run there. {showFaults ? '' : 'Faults are hidden (facilitator view off).'}</span>
      </div>
      <TimeStack
        panels={panels}
        end={snapshot.endTime}
        now={snapshot.t}
        cursor={cursor}
        onCursor={setCursor}
        onSeek={(t) => void seek(t)}
        marks={rolloutAt !== null ? [{ t: rolloutAt, label: 'rollout', className: 'gd-rollout' }] : undefined}
        label="the exercise over time: Flagger's decisions, the team's decisions, faults, SLO alerts and budget tiers"
        testId="exercise-chart"
      />
      <ol className="gd-list" data-testid="exercise-list">
        {items.length === 0 ? <li className="muted">Nothing has happened yet: play the run.</li> : null}
        {items.map((it, i) => (
          <li key={i} className={`lane-${it.lane} tone-${it.tone} ${it.t <= snapshot.t ? '' : 'future'}`} data-testid="exercise-item" data-lane={it.lane} data-kind={it.kind}>
            <button
              className="gd-item"
              onClick={() => {
                setCursor(it.t);
                void seek(it.t);
              }}
            >
              <span className="gd-t">
                {clock(it.t)}
                {it.end !== null && it.end > it.t ? `–${clock(it.end)}` : ''}
              </span>
              <span className="gd-lane-tag">{LANES.find((l) => l.lane === it.lane)?.label}</span>
              <span className="gd-label">{it.label}</span>
            </button>
            {it.detail ? <p className="gd-detail">{it.detail}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
