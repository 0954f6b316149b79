import { describe, expect, it } from 'vitest';
import { METRICS_OUTAGE_ERROR } from '../../simulation/faults/observability';
import { instantQuery } from '../../simulation/promql/engine';
import { Simulation } from '../../simulation/run/simulation';
import { fault } from '../support/faults';
import { apiCanaryScenario } from '../support/scenario';


/** api behind Traefik at 50 requests/s; a rollout at 1m, analysed every minute with the builtin success rate, 10% steps to 50%. */
function rollout(duration = '15m') {
  return apiCanaryScenario(`duration: ${duration}
rollout: { at: 1m }
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 50 }
services:
  api:
    startupTime: 10s
    concurrency: 32
    latency: { p50: 20ms, p99: 80ms }`, `    interval: 1m
    threshold: 3
    maxWeight: 50
    stepWeight: 10
    metrics:
      - { name: request-success-rate, interval: 1m, thresholdRange: { min: 99 } }`);
}

const value = (sim: Simulation, q: string, t: number) => {
  const r = instantQuery(sim.store, q, sim.timestamp(t));
  if (r.status !== 'success' || r.data.resultType !== 'vector' || r.data.result.length === 0) throw new Error(`${q}: ${JSON.stringify(r)}`);
  return Number(r.data.result[0].value[1]);
};
const events = (sim: Simulation, t0: number, t1: number) => sim.result().events.filter((e) => e.t >= t0 && e.t < t1);

describe('observability faults: the metrics provider, scrapes, the router, Traefik reloads, traffic', () => {
  it('metrics-outage (error): the checks report the provider error and failedChecks rise to the threshold: rollback', () => {
    const sim = new Simulation(rollout(), { seed: 1 });
    sim.advanceTo(150);
    sim.inject(fault('prom-down', { kind: 'provider' }, { type: 'metrics-outage', mode: 'error' }));
    const r = sim.runToEnd();
    const during = r.events.filter((e) => e.t >= 150);
    expect(during.some((e) => e.message === `Prometheus query failed: running query failed: ${METRICS_OUTAGE_ERROR}`)).toBe(true);
    expect(r.checks.filter((c) => c.t >= 150).every((c) => !c.ok && c.error?.includes('connection refused'))).toBe(true);
    const failed = r.timeline.filter((x) => x.t >= 150).map((x) => x.failedChecks);
    expect(Math.max(...failed)).toBeGreaterThanOrEqual(3);
    expect(r.outcome?.phase).toBe('Failed');
  });

  it('metrics-outage (no-data): Flagger halts with "no values found" while active, and resumes after', () => {
    const sim = new Simulation(rollout(), { seed: 2 });
    sim.advanceTo(150);
    sim.inject(fault('no-data', { kind: 'provider' }, { type: 'metrics-outage', mode: 'no-data' }, 0, 150));
    sim.advanceTo(300);
    const during = events(sim, 150, 300);
    expect(during.some((e) => e.message.startsWith('Halt advancement no values found for traefik metric request-success-rate'))).toBe(true);
    expect(sim.result().checks.filter((c) => c.t > 150 && c.t < 300).every((c) => c.error === 'running query failed: no values found')).toBe(true);
    // Each halt counts a failed check (Flagger's C11), and the explanation names the outage as the cause.
    const halts = during.filter((e) => e.message.startsWith('Halt advancement no values found'));
    expect(halts.map((e) => e.explanation?.failedChecks)).toEqual(halts.map((_, k) => k + 1));
    expect(halts[0].explanation?.cause).toEqual({ kind: 'provider-down', detail: 'the metrics provider answered no data: the fault no-data (metrics-outage, no-data) is in force' });
    const r = sim.runToEnd();
    // Fewer failed checks than the threshold: the analysis finishes once data is back.
    expect(r.outcome?.promoted).toBe(true);
  });

  it('scrape-failure of the traefik job: up 0 during the window, 1 after; series stale then back', () => {
    const sim = new Simulation(rollout('10m'), { seed: 3 });
    sim.inject(fault('no-scrapes', { kind: 'scrape', job: 'traefik' }, { type: 'scrape-failure', percent: 100 }, 120, 120));
    sim.advanceTo(230);
    expect(value(sim, 'max(up{job="traefik"})', 230)).toBe(0);
    expect(instantQuery(sim.store, 'traefik_service_requests_total', sim.timestamp(230))).toMatchObject({ data: { result: [] } });
    sim.advanceTo(300);
    expect(value(sim, 'min(up{job="traefik"})', 300)).toBe(1);
    expect(value(sim, 'sum(rate(traefik_service_requests_total[1m]))', 300)).toBeGreaterThan(40);
    const r = sim.result();
    // One Traefik replica scraped every 15 s for 120 s: 8 failures.
    expect(r.telemetry.failedScrapes).toBe(8);
  });

  it('scrape-failure at 50%: about half of the scrapes fail (count within 4σ)', () => {
    const sim = new Simulation(rollout('10m'), { seed: 4 });
    sim.inject(fault('flaky', { kind: 'scrape', job: null }, { type: 'scrape-failure', percent: 50 }, 0, 600));
    const r = sim.runToEnd();
    const n = r.telemetry.scrapes;
    expect(Math.abs(r.telemetry.failedScrapes - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
  });

  it('scrape-delay: the traefik samples land 5 s late while active', () => {
    const sim = new Simulation(rollout('10m'), { seed: 5 });
    const stamps = (t0: number, t1: number) => {
      const r = instantQuery(sim.store, `up{instance="traefik-0:9100"}[${t1 - t0}s]`, sim.timestamp(t1));
      if (r.status !== 'success' || r.data.resultType !== 'matrix') throw new Error('no matrix');
      return r.data.result[0].values.map(([ts]) => Math.round((ts * 1000 - sim.timestamp(0)) / 1000));
    };
    sim.inject(fault('late', { kind: 'scrape', job: 'traefik' }, { type: 'scrape-delay', delay: 5 }, 120, 60));
    sim.advanceTo(240);
    const before = stamps(60, 119).map((s) => s % 15);
    const during = stamps(120, 179).map((s) => s % 15);
    const after = stamps(185, 240).map((s) => s % 15);
    expect(new Set(before)).toEqual(new Set([0]));
    expect(new Set(during)).toEqual(new Set([5]));
    expect(new Set(after)).toEqual(new Set([0]));
  });

  it('router-reject: the weight does not advance during the window, with a Warning carrying the message; then it does', () => {
    const message = 'Operation cannot be fulfilled on traefikservices.traefik.io "api": the object has been modified; please apply your changes to the latest version and try again';
    const sim = new Simulation(rollout(), { seed: 6 });
    sim.advanceTo(150);
    const held = sim.model.proxy?.getRoutes('default/api').canary;
    sim.inject(fault('reject', { kind: 'router' }, { type: 'router-reject', message }, 0, 240));
    sim.advanceTo(389);
    const r = sim.result();
    expect(r.timeline.filter((x) => x.t >= 150 && x.t < 390).every((x) => 100 - x.primaryWeight === held)).toBe(true);
    const warnings = r.events.filter((e) => e.t >= 150 && e.type === 'Warning' && e.message === message);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    sim.advanceTo(500);
    expect(sim.model.proxy?.getRoutes('default/api').canary).toBeGreaterThan(held ?? 100);
  });

  it('reload-storm: Traefik applies its configuration every interval, changed or not', () => {
    const base = new Simulation(rollout('10m'), { seed: 7 });
    base.runToEnd();
    const sim = new Simulation(rollout('10m'), { seed: 7 });
    sim.inject(fault('storm', { kind: 'router' }, { type: 'reload-storm', interval: 10 }, 300, 200));
    const r = sim.runToEnd();
    const applied = (s: Simulation, t0: number, t1: number) => s.configApplies.filter((a) => a.applied && a.t > t0 && a.t < t1).map((a) => a.t);
    // Without the storm: the rollout's own changes; with it: every 10 s, 310 … 490 (19 reloads).
    expect(applied(base, 300, 500).length).toBeLessThanOrEqual(6); // 5 with this seed: weight steps and pod readiness
    expect(applied(sim, 300, 500)).toEqual(Array.from({ length: 19 }, (_, i) => 310 + 10 * i));
    // Traefik's own reload counter shows it: 19 reloads, of which the rollout's own changes would have made some anyway (14 more with this seed).
    expect(value(sim, 'sum(traefik_config_reloads_total)', 600) - value(base, 'sum(traefik_config_reloads_total)', 600)).toBeGreaterThanOrEqual(19 - applied(base, 300, 500).length);
    expect(r.traefik?.configApplies).toBeGreaterThan(base.result().traefik?.configApplies ?? Infinity);
  });

  it('traffic-spike ×3 for 2 minutes: the stream carries ~3× the baseline requests in the window (within 5σ)', () => {
    const sim = new Simulation(rollout('10m'), { seed: 8 });
    sim.inject(fault('spike', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 3 }, 240, 120));
    const count = (t: number) => {
      sim.advanceTo(t);
      return sim.result().streams.web.requests;
    };
    const a = count(240);
    const b = count(360);
    const c = count(480);
    // Poisson: 50 × 3 × 120 = 18000 ± 134 in the window; 6000 ± 77 in the next two minutes.
    expect(Math.abs(b - a - 18000)).toBeLessThan(5 * Math.sqrt(18000));
    expect(Math.abs(c - b - 6000)).toBeLessThan(5 * Math.sqrt(6000));
  });

  it('traffic-spike ×0.5 thins the stream; the run without faults keeps its draws', () => {
    const plain = new Simulation(rollout('5m'), { seed: 9 }).runToEnd().streams.web.requests;
    const sim = new Simulation(rollout('5m'), { seed: 9 });
    sim.inject(fault('dip', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 0.5 }));
    const dipped = sim.runToEnd().streams.web.requests;
    expect(Math.abs(dipped - plain / 2)).toBeLessThan(5 * Math.sqrt(plain / 4));
  });

  it('traffic-spike in fast mode multiplies the expected counts', () => {
    const plain = new Simulation(rollout('10m'), { seed: 10, mode: 'fast' }).runToEnd().streams.web.requests;
    const sim = new Simulation(rollout('10m'), { seed: 10, mode: 'fast' });
    sim.inject(fault('spike', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 4 }, 0, 300));
    const r = sim.runToEnd();
    // 50/s × (4 × 300 + 300) = 75000.
    expect(Math.abs(r.streams.web.requests - 75000)).toBeLessThan(5 * Math.sqrt(75000));
    expect(Math.abs(plain - 30000)).toBeLessThan(5 * Math.sqrt(30000));
  });

  it('overlapping spikes add their excess and a dip thins it all, the same in exact and fast mode', () => {
    for (const mode of ['exact', 'fast'] as const) {
      const sim = new Simulation(rollout('5m'), { seed: 12, mode });
      sim.inject(fault('a', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 3 }));
      sim.inject(fault('b', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 3 }));
      sim.inject(fault('half', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 0.5 }));
      // 50/s × (1 + 2 + 2) × 0.5 × 300 s = 37500.
      expect(Math.abs(sim.runToEnd().streams.web.requests - 37500), mode).toBeLessThan(5 * Math.sqrt(37500));
    }
  });

  it('replaying the action log of observability faults reproduces the run byte for byte (exact and fast)', () => {
    for (const mode of ['exact', 'fast'] as const) {
      const live = new Simulation(rollout('10m'), { seed: 11, mode });
      live.advanceTo(100);
      live.inject(fault('spike', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 2 }, 0, 100));
      live.inject({ ...fault('ramp', { kind: 'stream', stream: 'web' }, { type: 'traffic-spike', multiplier: 0.5 }, 50, 100), schedule: { at: 50, for: 100, rampIn: 20, rampOut: 20, repeat: null } });
      live.advanceTo(170.5);
      live.inject(fault('flaky', { kind: 'scrape', job: null }, { type: 'scrape-failure', percent: 30 }, 0, 120));
      live.inject(fault('late', { kind: 'scrape', job: 'kubernetes-pods' }, { type: 'scrape-delay', delay: 20 }, 0, 120));
      live.advanceTo(200);
      live.inject(fault('outage', { kind: 'provider' }, { type: 'metrics-outage', mode: 'no-data' }, 0, 90));
      live.inject(fault('reject', { kind: 'router' }, { type: 'router-reject', message: 'denied' }, 60, 90));
      if (mode === 'exact') live.inject(fault('storm', { kind: 'router' }, { type: 'reload-storm', interval: 7 }, 0, 100));
      live.advanceTo(250);
      live.cancelFault('outage');
      const a = live.runToEnd();
      const replay = new Simulation(rollout('10m'), { seed: 11, mode, actions: live.actionLog }).runToEnd();
      expect(JSON.stringify(replay)).toBe(JSON.stringify(a));
      // (Fast mode draws traffic per advanced slice: seeking adds a slice boundary, so only exact mode re-simulates identically.)
      if (mode === 'exact') {
        live.seek(10);
        expect(JSON.stringify(live.runToEnd())).toBe(JSON.stringify(a));
      }
      expect(JSON.stringify(new Simulation(rollout('10m'), { seed: 11, mode }).runToEnd())).not.toBe(JSON.stringify(a));
    }
  });
});
