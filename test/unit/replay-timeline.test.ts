import { describe, expect, it } from 'vitest';
import { loadReplayCanary } from '../../simulation/replay/canary';
import { reconstructTimeline, scheduleWeights, type Timeline, weightAt } from '../../simulation/replay/timeline';
import type { CanarySpec } from '../../simulation/rollout/types';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { clock, podinfoStore } from '../fixtures/replay/podinfo-rollout';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const S = 1000;

/** The shop/api Canary with this analysis block (YAML lines under `analysis:`). */
function canary(analysis: string, name = 'api'): CanarySpec {
  const text = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: ${name}, namespace: shop }
spec:
  provider: traefik
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  service: { port: 8080 }
  analysis:
${analysis
  .trim()
  .split('\n')
  .map((l) => `    ${l.trim()}`)
  .join('\n')}
`;
  const r = loadReplayCanary('canary.yaml', [], { readFile: (p) => (p === 'canary.yaml' ? text : null) });
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.canary;
}

interface Traffic {
  /** Weight set at each tick (ms since T0), in order. */
  ticks: Array<[number, number]>;
  /** Traefik applies a weight this long after the tick. */
  applyDelayMs?: number;
  /** Scrape offsets of the Traefik replicas (ms into each 15 s interval). */
  offsets?: number[];
  /** Requests per second per replica. */
  rate?: number;
  durationMs: number;
  /** A replica restarts (its counters start again from 0) at this time. */
  reset?: { replica: number; atMs: number };
  /** A replica's scrape at this time is lost. */
  missed?: { replica: number; atMs: number };
  /** Only samples from this time on (the recording starts late). */
  fromMs?: number;
  service?: string;
}

/**
 * Traefik's request counters of shop/api's primary and canary Services, as
 * Prometheus scrapes them: each replica gets `rate` requests per second, the
 * canary the weight's share from the moment Traefik applies it; counters are
 * whole numbers (rounded cumulative counts) and a canary series appears at
 * its first request.
 */
function traffic(t: Traffic): SeriesStore {
  const store = new SeriesStore();
  const rate = t.rate ?? 40;
  const delay = t.applyDelayMs ?? 0;
  const svc = t.service ?? 'shop-api';
  const weight = (ms: number) => {
    let w = 0;
    for (const [at, x] of t.ticks) if (at + delay <= ms) w = x;
    return w;
  };
  /** Canary requests in [0, ms) of one replica: the integral of rate × weight. */
  const canaryUntil = (ms: number) => {
    let total = 0;
    const edges = [0, ...t.ticks.map(([at]) => at + delay).filter((x) => x < ms), ms].sort((a, b) => a - b);
    for (let i = 1; i < edges.length; i++) total += (rate * weight(edges[i - 1]) * (edges[i] - edges[i - 1])) / 100 / 1000;
    return total;
  };
  (t.offsets ?? [0]).forEach((offset, r) => {
    const labels = { job: 'traefik', instance: `traefik-${r}:9100`, code: '200', method: 'GET', protocol: 'http' };
    const primary = store.seriesId({ __name__: 'traefik_service_requests_total', ...labels, service: `${svc}-primary-8080@kubernetescrd` });
    let canaryId = -1;
    let base = { c: 0, p: 0 };
    for (let ms = offset; ms <= t.durationMs; ms += 15 * S) {
      if (t.reset && t.reset.replica === r && ms >= t.reset.atMs && base.c === 0 && base.p === 0) {
        base = { c: Math.round(canaryUntil(t.reset.atMs)), p: Math.round((rate * t.reset.atMs) / 1000 - canaryUntil(t.reset.atMs)) };
      }
      if ((t.missed && t.missed.replica === r && t.missed.atMs === ms) || ms < (t.fromMs ?? 0)) continue;
      const c = Math.round(canaryUntil(ms)) - base.c;
      const p = Math.round((rate * ms) / 1000 - canaryUntil(ms)) - base.p;
      store.append(primary, T0 + ms, p);
      if (canaryId < 0 && c > 0) canaryId = store.seriesId({ __name__: 'traefik_service_requests_total', ...labels, service: `${svc}-canary-8080@kubernetescrd` });
      if (canaryId >= 0) store.append(canaryId, T0 + ms, c);
    }
  });
  return store;
}

function reconstruct(store: SeriesStore, c: CanarySpec): Timeline {
  const t = reconstructTimeline(store, c);
  if ('error' in t) throw new Error(t.error);
  return t;
}

const weights = (t: Timeline) => t.ticks.map((x) => [(x.tMs - T0) / S, x.weight]);

describe('timeline reconstruction from Traefik\'s rates', () => {
  it('finds ticks that fall between scrapes, across two replicas, and a promotion', () => {
    const c = canary('interval: 1m\nthreshold: 2\nmaxWeight: 30\nstepWeight: 10');
    const store = traffic({
      ticks: [
        [140 * S, 10],
        [200 * S, 20],
        [260 * S, 30],
        [380 * S, 0],
      ],
      offsets: [0, 7.5 * S],
      durationMs: 600 * S,
    });
    const t = reconstruct(store, c);
    expect(t.phaseMs).toBe(20 * S);
    expect(weights(t)).toEqual([
      [140, 10],
      [200, 20],
      [260, 30],
      [320, 30],
      [380, 0],
    ]);
    expect(t).toMatchObject({ startMs: T0 + 140 * S, endMs: T0 + 380 * S, outcome: 'promoted', decidedAtMs: T0 + 320 * S, halts: [], startsMidAnalysis: false });
    expect(t.reason).toContain('for 2 ticks');
    expect(t.services).toEqual({ canary: ['shop-api-canary-8080@kubernetescrd'], primary: ['shop-api-primary-8080@kubernetescrd'] });
    // Not at a scrape: the report says the phase is an estimate.
    expect(t.warnings.some((w) => w.includes('an estimate from the rates'))).toBe(true);
    expect(weightAt(t, T0 + 259 * S)).toBe(20);
    expect(weightAt(t, T0 + 260 * S)).toBe(30);
  });

  it('puts ticks that Traefik applied a second late at the scrape they coincide with, and finds a rollback before the maximum', () => {
    const c = canary('interval: 1m\nthreshold: 2\nmaxWeight: 30\nstepWeight: 10');
    const store = traffic({
      ticks: [
        [120 * S, 10],
        [240 * S, 0],
      ],
      applyDelayMs: 1 * S,
      durationMs: 480 * S,
    });
    const t = reconstruct(store, c);
    expect(t.phaseMs).toBe(0);
    expect(weights(t)).toEqual([
      [120, 10],
      [180, 10],
      [240, 0],
    ]);
    expect(t).toMatchObject({ outcome: 'rolled-back', decidedAtMs: T0 + 240 * S, halts: [T0 + 180 * S] });
    expect(t.reason).toBe('the canary\'s traffic stopped at 12:04:00 before it reached the maximum weight (30 %; it had 10 %)');
    expect(t.warnings).toEqual([]);
  });

  it('reads through a counter reset and a lost scrape, and sees a promotion that shifts traffic back step by step', () => {
    const c = canary('interval: 30s\nthreshold: 5\nmaxWeight: 30\nstepWeight: 10\nstepWeightPromotion: 10');
    expect(scheduleWeights(c)).toEqual([0, 10, 20, 30, 100]);
    const store = traffic({
      ticks: [
        [60 * S, 10],
        [90 * S, 20],
        [120 * S, 30],
        [180 * S, 20],
        [210 * S, 10],
        [240 * S, 0],
      ],
      offsets: [0, 5 * S],
      reset: { replica: 1, atMs: 100 * S },
      missed: { replica: 0, atMs: 135 * S },
      durationMs: 330 * S,
    });
    const t = reconstruct(store, c);
    expect(weights(t)).toEqual([
      [60, 10],
      [90, 20],
      [120, 30],
      [150, 30],
      [180, 20],
      [210, 10],
      [240, 0],
    ]);
    expect(t.outcome).toBe('promoted');
    expect(t.reason).toContain('step by step');
  });

  it('says when the recording ends during the analysis, or begins during one', () => {
    const c = canary('interval: 1m\nthreshold: 2\nmaxWeight: 50\nstepWeight: 10');
    const during = reconstruct(traffic({ ticks: [[120 * S, 10], [180 * S, 20]], durationMs: 300 * S }), c);
    expect(during).toMatchObject({ outcome: 'in-progress', endMs: null, startMs: T0 + 120 * S });
    expect(during.reason).toBe('the canary still had 20 % of the traffic when the recording ends (12:05:00)');
    const late = reconstruct(traffic({ ticks: [[120 * S, 10], [180 * S, 20], [240 * S, 0]], durationMs: 360 * S, fromMs: 150 * S }), c);
    expect(late).toMatchObject({ startsMidAnalysis: true, initialWeight: 10, startMs: T0 + 120 * S, outcome: 'rolled-back' });
    expect(late.warnings[0]).toContain('the recording begins during an analysis');
  });

  it('replays the last of several analyses, and says so', () => {
    const c = canary('interval: 1m\nthreshold: 2\nmaxWeight: 50\nstepWeight: 10');
    const t = reconstruct(traffic({ ticks: [[60 * S, 10], [120 * S, 0], [300 * S, 10], [360 * S, 20], [420 * S, 0]], durationMs: 540 * S }), c);
    expect(t.startMs).toBe(T0 + 300 * S);
    expect(t.warnings[0]).toBe('the recording holds 2 analyses (canary traffic 12:01:00–12:02:00, 12:05:00–12:07:00); the last one is replayed');
  });

  it('cannot tell a promotion from a rollback at the maximum weight when both give the same traffic', () => {
    const c = canary('interval: 1m\nthreshold: 3\nmaxWeight: 50\nstepWeight: 25', 'podinfo');
    const t = reconstructTimeline(podinfoStore(), { ...c, namespace: 'test' });
    if ('error' in t) throw new Error(t.error);
    expect(t.ticks.map((x) => [new Date(x.tMs).toISOString().slice(11, 16), x.weight])).toEqual([
      ['12:02', 25],
      ['12:03', 50],
      ['12:04', 50],
      ['12:05', 50],
      ['12:06', 50],
      ['12:07', 0],
    ]);
    expect(t.ticks.map((x) => x.share)).toEqual([0.25, 0.5, 0.5, 0.5, 0.5, 0]);
    expect(t).toMatchObject({ outcome: 'promoted-or-rolled-back', decidedAtMs: null, startMs: clock('12:02:00'), endMs: clock('12:07:00') });
  });

  it('says what it looked for when the Canary\'s counters are missing, and when the canary had no traffic', () => {
    const c = canary('interval: 1m\nthreshold: 2\nmaxWeight: 50\nstepWeight: 10');
    const other = traffic({ ticks: [[60 * S, 10]], durationMs: 120 * S, service: 'shop-web' });
    expect(reconstructTimeline(other, c)).toEqual({
      error:
        'no Traefik request counters of the Canary\'s Services: expected traefik_service_requests_total with service labels matching shop-api-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd ' +
        "(the canary's and the primary's Kubernetes Services as Traefik names them); the data has services shop-web-canary-8080@kubernetescrd, shop-web-primary-8080@kubernetescrd",
    });
    expect(reconstructTimeline(new SeriesStore(), c)).toMatchObject({ error: expect.stringContaining('the data has no traefik_service_requests_total or traefik_service_request_duration_seconds_count at all') });
    const quiet = traffic({ ticks: [[60 * S, 10]], durationMs: 120 * S });
    // Only the primary's counters: the canary never had traffic (Flagger never started the analysis).
    const primaryOnly = new SeriesStore();
    for (let id = 0; id < quiet.seriesCount; id++) {
      const l = quiet.labels(id);
      if (!l.service.includes('primary')) continue;
      const nid = primaryOnly.seriesId(l);
      const s = quiet.samples(id);
      for (let i = 0; i < s.n; i++) primaryOnly.append(nid, s.t[i], s.v[i]);
    }
    expect(reconstructTimeline(primaryOnly, c)).toMatchObject({ outcome: 'no-analysis', startMs: null, ticks: [], reason: 'the canary had no traffic in the recording', services: { canary: [], primary: ['shop-api-primary-8080@kubernetescrd'] } });
  });

  it('refuses a Blue/Green analysis, whose ticks the rates do not show', () => {
    const c = canary('interval: 1m\nthreshold: 2\niterations: 5');
    expect(reconstructTimeline(traffic({ ticks: [[300 * S, 100]], durationMs: 420 * S }), c)).toEqual({ error: expect.stringContaining('Blue/Green') });
  });

  it('lists the weights a step ladder and a promotion can give', () => {
    expect(scheduleWeights(canary('interval: 1m\nthreshold: 2\nstepWeights: [5, 10, 25, 50]'))).toEqual([0, 5, 10, 25, 50, 100]);
    expect(scheduleWeights(canary('interval: 1m\nthreshold: 2\nmaxWeight: 50\nstepWeight: 20'))).toEqual([0, 20, 40, 60, 100]); // no clamping to maxWeight (Flagger §6.1)
  });
});
