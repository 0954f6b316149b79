import { runWindows, type RunSnapshot, type ScenarioSummary } from '../../../simulation/run/session';
import type { FaultSpec } from '../../../simulation/faults/spec';
import { clock } from '../../format';
import { eventKind } from './gates';

/**
 * The exercise on one time axis: what Flagger decided (its events), what the
 * team decided (gate decisions), the faults (scheduled windows, live
 * injections and cancellations), the SLO burn-rate alerts and the error
 * budget policy's tier changes. Pure: a snapshot in, items out, so the chart,
 * the list and the tests read the same thing.
 */

export type Lane = 'flagger' | 'team' | 'faults' | 'alerts' | 'budget';

export const LANES: ReadonlyArray<{ lane: Lane; label: string }> = [
  { lane: 'flagger', label: 'Flagger' },
  { lane: 'team', label: 'Team decisions' },
  { lane: 'faults', label: 'Faults' },
  { lane: 'alerts', label: 'SLO alerts' },
  { lane: 'budget', label: 'Budget policy' },
];

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

export interface TimelineItem {
  lane: Lane;
  t: number;
  /** The end of a span (a fault's window, an alert's episode); null: a moment. */
  end: number | null;
  /** What it is within its lane: Flagger's decision kind, the team's decision, injected/scheduled/cancelled, pending/firing, the tier. */
  kind: string;
  tone: Tone;
  label: string;
  detail: string | null;
}

export interface TimelineOptions {
  /** Include the faults (the facilitator's view; participants may not see them). */
  faults: boolean;
}

/** Flagger's routine poll of a rollback hook, logged at every analysis: not a decision. */
const ROUTINE = /^Rollback hook \S+ not signaling a rollback$/;

const FLAGGER_TONE: Record<string, Tone> = {
  halt: 'bad',
  rollback: 'bad',
  'promotion-failed': 'bad',
  wait: 'warn',
  'not-ready': 'warn',
  promote: 'ok',
  succeed: 'ok',
};

const DECISION_TONE: Record<string, Tone> = { approve: 'ok', hold: 'warn', rollback: 'bad' };

function describeFault(f: Pick<FaultSpec, 'params' | 'target'>): string {
  const t = f.target;
  const where =
    t.kind === 'version'
      ? `${t.app} ${t.version}`
      : t.kind === 'pods'
        ? `pods of ${t.workload}`
        : t.kind === 'edge'
          ? `calls ${t.from ? `from ${t.from} ` : ''}to ${t.to}`
          : t.kind === 'stream'
            ? `stream ${t.stream}`
            : t.kind === 'scrape'
              ? `scrapes${t.job ? ` of ${t.job}` : ''}`
              : t.kind;
  const params = Object.entries(f.params)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  return `${f.params.type} on ${where}${params ? ` (${params})` : ''}`;
}

/** Every item of the exercise up to the snapshot's time (scheduled fault windows also ahead of it), in time order. */
export function exerciseTimeline(snapshot: RunSnapshot, summary: Pick<ScenarioSummary, 'faults'> | null, options: TimelineOptions): TimelineItem[] {
  const items: TimelineItem[] = [];
  const now = snapshot.t;
  const r = snapshot.result;

  for (const e of r.events) {
    if (ROUTINE.test(e.message)) continue;
    const kind = eventKind(e);
    items.push({ lane: 'flagger', t: e.t, end: null, kind, tone: FLAGGER_TONE[kind] ?? (e.type === 'Warning' ? 'warn' : 'info'), label: e.message, detail: e.explanation?.summary && e.explanation.summary !== e.message ? e.explanation.summary : null });
  }

  const cancelled = new Map<string, number>();
  for (const a of snapshot.actions) if (a.action === 'cancel' && !cancelled.has(a.name)) cancelled.set(a.name, a.t);

  for (const a of snapshot.actions) {
    if (a.action === 'decide') {
      items.push({ lane: 'team', t: a.t, end: null, kind: a.decision, tone: DECISION_TONE[a.decision] ?? 'info', label: `${a.by}: ${a.decision === 'rollback' ? 'roll back' : a.decision} at ${a.hook}`, detail: a.justification });
    } else if (!options.faults) {
      continue;
    } else if (a.action === 'inject') {
      const stop = Math.min(snapshot.endTime, cancelled.get(a.fault.name) ?? Infinity);
      // for: Infinity crosses JSON as null: until the end.
      const schedule = { ...a.fault.schedule, at: a.t + a.fault.schedule.at, for: a.fault.schedule.for ?? Infinity };
      const what = describeFault(a.fault);
      runWindows(schedule, stop).forEach(([start, end], k) => {
        items.push({ lane: 'faults', t: start, end, kind: 'injected', tone: 'bad', label: `${a.fault.name} injected${k > 0 ? ` (occurrence ${k + 1})` : ''}`, detail: what });
      });
    } else {
      items.push({ lane: 'faults', t: a.t, end: null, kind: 'cancelled', tone: 'ok', label: `${a.name} cancelled`, detail: null });
    }
  }

  if (options.faults) {
    for (const f of summary?.faults ?? []) {
      const stop = cancelled.get(f.name) ?? Infinity;
      for (const [start, end] of f.windows) {
        if (start > stop || start > snapshot.endTime) continue;
        items.push({ lane: 'faults', t: start, end: Math.min(end, stop), kind: 'scheduled', tone: 'warn', label: `${f.name} (scheduled)`, detail: `${f.type}, scheduled by the scenario` });
      }
    }
  }

  for (const slo of r.slo) {
    for (const al of slo.alerts) {
      const firing = al.firedAt !== null;
      const end = al.resolvedAt ?? now;
      const parts = [`pending from ${clock(al.activeAt)}`, al.firedAt !== null ? `fired at ${clock(al.firedAt)}` : 'not fired', al.resolvedAt !== null ? `${firing ? 'resolved' : 'dropped'} at ${clock(al.resolvedAt)}` : 'still active'];
      items.push({
        lane: 'alerts',
        t: al.activeAt,
        end,
        kind: firing ? 'firing' : 'pending',
        tone: firing ? 'bad' : 'warn',
        label: `${slo.name} ${al.severity} alert (burn rate ${al.burnRate}× over ${al.longWindow}/${al.shortWindow})${firing ? '' : ', pending'}`,
        detail: parts.join(', '),
      });
    }
    const tiers = slo.policy?.tiers ?? [];
    for (const c of slo.policy?.changes ?? []) {
      const tier = tiers.find((x) => x.name === c.tier);
      const tone: Tone = tiers[0]?.name === c.tier ? 'ok' : tier && (tier.holdRollouts || tier.haltPromotion || tier.rollback) ? 'bad' : 'warn';
      items.push({ lane: 'budget', t: c.t, end: null, kind: c.tier, tone, label: `${slo.name}: ${c.tier}`, detail: `${(c.remaining * 100).toFixed(1)}% of the error budget left` });
    }
  }

  const order = new Map(LANES.map((l, i) => [l.lane, i]));
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => a.it.t - b.it.t || (order.get(a.it.lane) ?? 0) - (order.get(b.it.lane) ?? 0) || a.i - b.i)
    .map((x) => x.it);
}

/** The items of one lane. */
export function laneOf(items: readonly TimelineItem[], lane: Lane): TimelineItem[] {
  return items.filter((i) => i.lane === lane);
}

/** Rows for overlapping spans (greedy, in time order): each item's row index, and how many rows there are. */
export function packRows(items: readonly TimelineItem[], gap = 0): { rows: number[]; count: number } {
  const ends: number[] = [];
  const rows = items.map((it) => {
    const end = it.end ?? it.t;
    let row = ends.findIndex((e) => e + gap <= it.t);
    if (row < 0) row = ends.push(end) - 1;
    else ends[row] = end;
    return row;
  });
  return { rows, count: Math.max(1, ends.length) };
}
