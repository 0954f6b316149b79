/**
 * Conformance: Blue/Green, A/B testing, mirroring, failed promotion, preset threshold and the kubernetes provider
 * (flagger.md §6.2–§6.4, §4.F, §10.4, §11 C23, C25, C30, C31, C33, C34, C39).
 */

import { describe, expect, it } from 'vitest';
import { COPY, DETECT, DONE, FAILED, Harness, START, advance, canary, expectTicks, hook, iteration, metric, notReady, perTick, type MetricValue } from './support';

describe('C23 — Blue/Green', () => {
  it('iterations 3: three iterations at 100/0, switch to 0/100, promote', () => {
    const h = Harness.fromT0(canary({ iterations: 3, threshold: 5 })).run(8);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 0, '100/0', 0, 1, [START, iteration(1, 3)]],
      ['Progressing', 0, '100/0', 0, 2, [iteration(2, 3)]],
      ['Progressing', 0, '100/0', 0, 3, [iteration(3, 3)]],
      ['Progressing', 0, '0/100', 0, 4, ['Routing all traffic to canary']],
      ['Promoting', 0, '0/100', 0, 4, [COPY]],
      ['Finalising', 0, '100/0', 0, 0, ['Routing all traffic to primary']],
      ['Succeeded', 0, '100/0', 0, 0, [DONE]],
    ]);
    // The analysis runs N + 1 times (T2–T5).
    expect(h.metricTicks()).toEqual([2, 3, 4, 5]);
  });

  it('iterations 1: Progressing ×3, Promoting, Finalising, Succeeded', () => {
    const h = Harness.fromT0(canary({ iterations: 1 })).run(6);
    expect(h.records.map((r) => r.phase)).toEqual(['Progressing', 'Progressing', 'Progressing', 'Promoting', 'Finalising', 'Succeeded']);
  });

  it('mirror: true on Traefik behaves like plain B/G plus the "Stop traffic mirroring" text', () => {
    const h = Harness.fromT0(canary({ iterations: 1, mirror: true })).run(6);
    expect(h.eventsAt(2)).toEqual(['Stop traffic mirroring and route all traffic to canary']);
    expect(h.records.map((r) => r.phase)).toEqual(['Progressing', 'Progressing', 'Progressing', 'Promoting', 'Finalising', 'Succeeded']);
  });

  it('a closed confirm-promotion gate makes iterations oscillate N−1 / N (§12.5)', () => {
    const h = Harness.fromT0(canary({ iterations: 2, webhooks: [hook('pgate', 'confirm-promotion')] }), { hooks: { pgate: false } }).run(7);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 2, [iteration(2, 2)]],
      ['WaitingPromotion', 0, '100/0', 0, 1, ['Halt podinfo.test advancement waiting for promotion approval pgate']],
      ['WaitingPromotion', 0, '100/0', 0, 2, [iteration(2, 2)]],
      ['WaitingPromotion', 0, '100/0', 0, 1, []],
      ['WaitingPromotion', 0, '100/0', 0, 2, [iteration(2, 2)]],
    ], 2);
  });
});

describe('C25 — A/B testing (Traefik: all traffic to the canary)', () => {
  const match = [{ headers: { 'x-canary': { exact: 'insider' } } }];

  it('iterations 2 with match: 0/100 from the first iteration (Traefik ignores match, §12.9)', () => {
    const h = Harness.fromT0(canary({ iterations: 2, match })).run(6);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 0, '0/100', 0, 1, [START, iteration(1, 2)]],
      ['Progressing', 0, '0/100', 0, 2, [iteration(2, 2)]],
      ['Promoting', 0, '0/100', 0, 2, [COPY]],
      ['Finalising', 0, '100/0', 0, 0, ['Routing all traffic to primary']],
      ['Succeeded', 0, '100/0', 0, 0, [DONE]],
    ]);
    // The analysis runs N times (T2, T3).
    expect(h.metricTicks()).toEqual([2, 3]);
  });

  it('status.iterations forced to 10 with iterations 10 promotes on the next tick', () => {
    const h = new Harness(canary({ iterations: 10, match }), { primaryWeight: 0 }, {
      phase: 'Progressing',
      iterations: 10,
      lastAppliedSpec: 'rev-2',
      lastPromotedSpec: 'rev-1',
    });
    h.revision = 'rev-2';
    h.run(3);
    expect(h.records.map((r) => r.phase)).toEqual(['Promoting', 'Finalising', 'Succeeded']);
    expect(h.scaling.map((s) => s.op)).toEqual(['promote', 'zero']);
  });
});

describe('C30 — mirror pre-stage', () => {
  const webhooks = [hook('tgate', 'confirm-traffic-increase')];

  it('on a router that can mirror: 100/0 mirrored, then 90/10 unmirrored, then as C1', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, maxWeight: 30, mirror: true, webhooks }), { router: 'mirroring' }).run(6);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [START, 'Confirm-traffic-increase check tgate passed', advance(0)]],
      ['Progressing', 10, '90/10', 0, 0, [advance(10)]],
      ['Progressing', 20, '80/20', 0, 0, ['Confirm-traffic-increase check tgate passed', advance(20)]],
      ['Progressing', 30, '70/30', 0, 0],
      ['Promoting', 30, '70/30', 0, 0],
    ], 1);
    expect(h.routeWrites.slice(0, 2).map((w) => [w.primary, w.canary, w.mirror])).toEqual([
      [100, 0, true],
      [90, 10, false],
    ]);
    // The analysis runs on T2 because the router reports mirroring.
    expect(h.metricTicks()[0]).toBe(2);
  });

  it('on Traefik the mirror flag is dropped and the canary stalls at weight 0 (see C31)', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, mirror: true })).run(4);
    expect(h.routeWrites.map((w) => [w.primary, w.canary])).toEqual([[100, 0], [100, 0], [100, 0]]);
    expect(h.records.map((r) => r.canaryWeight)).toEqual([0, 0, 0, 0]);
  });
});

describe('C31 — mirror on Traefik (stuck)', () => {
  it('repeats Starting…, pre-rollout and "weight 0" forever; never progresses or fails', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 1, mirror: true, webhooks: [hook('smoke', 'pre-rollout')] })).run(30);
    for (let t = 1; t < 30; t++) {
      expect(h.eventsAt(t)).toEqual([START, 'Pre-rollout check smoke passed', advance(0)]);
    }
    expect(new Set(h.records.map((r) => `${r.phase} ${r.canaryWeight} ${r.primaryWeight} ${r.failedChecks}`))).toEqual(new Set(['Progressing 0 100 0']));
    expect(h.checks).toEqual([]);
  });
});

describe('C33 — promotion failure', () => {
  const deadline = 'deployment "podinfo-primary" exceeded its progress deadline';
  const unready = `podinfo-primary.test not ready: ${deadline}`;
  for (const [phase, primaryWeight, w] of [['Promoting', 50, 50], ['Finalising', 100, 0]] as const) {
    it(`${phase} with routes ${primaryWeight}/${100 - primaryWeight}: all traffic to the canary, status weight 100`, () => {
      const h = new Harness(canary({ stepWeight: 10, threshold: 10, webhooks: [hook('notify', 'post-rollout')] }), {
        primaryWeight,
        primaryReady: notReady(deadline, false),
      }, { phase, canaryWeight: w, failedChecks: 3, lastAppliedSpec: 'rev-2', lastPromotedSpec: 'rev-1' });
      h.revision = 'rev-2';
      h.run(1);
      expectTicks(h, [
        ['Failed', 100, '0/100', 0, 0, [unready, `Promotion of podinfo.test failed, primary not ready: ${unready}`, 'Post-rollout check notify passed']],
      ]);
      expect(h.scaling).toEqual([]);
      expect(h.callsOf('notify').map((c) => c.phase)).toEqual(['Failed']);
      expect(h.alerts.map((a) => [a.severity, a.message])).toEqual([['error', `Promotion failed, primary not ready: ${unready}`]]);
    });
  }

  it('a primary deadline outside promotion is an ordinary rollback', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }), {
      primaryReady: perTick({ ready: true }, { ready: true }, notReady(deadline, false)),
    }).run(3);
    expectTicks(h, [['Failed', 0, '100/0', 0, 0, [unready, FAILED]]], 2);
  });

  it('a retriable primary rollout during Promoting just waits', () => {
    const h = Harness.fromT0(canary({ stepWeight: 50, maxWeight: 50 }), {
      primaryReady: (t) => (t === 3 ? notReady('waiting for rollout to finish: 1 old replicas are pending termination') : { ready: true }),
    }).run(5);
    expectTicks(h, [
      ['Promoting', 50, '50/50', 0, 0, [COPY]],
      ['Promoting', 50, '50/50', 0, 0, ['podinfo-primary.test not ready: waiting for rollout to finish: 1 old replicas are pending termination']],
      ['Finalising', 0, '100/0', 0, 0, ['Routing all traffic to primary']],
    ], 2);
  });
});

describe('C34 — preset threshold', () => {
  it('failedChecks already at the threshold rolls back on the next tick without evaluating metrics', () => {
    const failing = metric('errors', { query: 'sum(errors)', thresholdRange: { min: null, max: 0 } });
    const h = new Harness(canary({ stepWeight: 10, threshold: 10, metrics: [failing] }), { primaryWeight: 90, inline: { errors: 5 } }, {
      phase: 'Progressing',
      canaryWeight: 10,
      failedChecks: 10,
      lastAppliedSpec: 'rev-2',
      lastPromotedSpec: 'rev-1',
    });
    h.revision = 'rev-2';
    h.run(1);
    expectTicks(h, [['Failed', 0, '100/0', 0, 0, ['Rolling back podinfo.test failed checks threshold reached 10', FAILED]]]);
    expect(h.checks).toEqual([]);
    expect(h.queries).toEqual([]);
  });
});

describe('C39 — kubernetes provider', () => {
  const warnings = ['Progressive traffic is not supported when using the kubernetes provider', 'Setting canaryAnalysis.iterations: 10'];

  it('behaves as Blue/Green with 10 iterations, never changes routes, Promoting goes straight to Finalising', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }, { provider: 'kubernetes' }), { router: 'nop' }).run(15);
    expect(h.eventsAt(1)).toEqual([START, ...warnings, iteration(1, 10)]);
    for (let t = 2; t <= 10; t++) expect(h.eventsAt(t)).toEqual([...warnings, iteration(t, 10)]);
    expect(h.eventsAt(11)).toEqual(warnings);
    expect(h.eventsAt(12)).toEqual([...warnings, COPY]);
    expect(h.eventsAt(13)).toEqual([]);
    expect(h.eventsAt(14)).toEqual([DONE]);
    expect(h.records.slice(10).map((r) => [r.phase, r.iterations])).toEqual([
      ['Progressing', 10],
      ['Progressing', 11],
      ['Promoting', 11],
      ['Finalising', 0],
      ['Succeeded', 0],
    ]);
    expect(h.routeWrites).toEqual([]);
  });

  it('drops match with a warning', () => {
    const h = Harness.fromT0(canary({ iterations: 2, match: [{ headers: {} }] }, { provider: 'kubernetes' }), { router: 'nop' }).run(2);
    expect(h.eventsAt(1)).toEqual([START, 'A/B testing is not supported when using the kubernetes provider', iteration(1, 2)]);
  });

  it('warnings only appear on ticks whose checks pass', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5 }, { provider: 'kubernetes' }), { router: 'nop', sr: perTick<MetricValue>(100, 100, 10) }).run(3);
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement success rate 10.00% < 99%']);
  });
});
