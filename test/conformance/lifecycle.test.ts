/**
 * Conformance: initialization, the exact event stream with event hooks, suspend and change detection
 * (flagger.md §4 steps 1–13, §7.3, §11 C35, C37, C38, C40, §12.21).
 */

import { describe, expect, it } from 'vitest';
import { DETECT, FAILED, Harness, advance, canary, expectTicks, hook, metric, notReady, perTick } from './support';
import type { CanarySpec } from '../../simulation/rollout/types';

describe('C35 — exact event stream', () => {
  const names = {
    event: 'event-webhook',
    pre: 'pre-rollout-webhook',
    rollout: 'rollout-webhook',
    promotion: 'confirm-promotion-webhook',
    confirm: 'confirm-rollout-webhook',
    post: 'post-rollout-webhook',
    traffic: 'confirm-traffic-increase-webhook',
  };
  const spec = (): CanarySpec =>
    canary(
      {
        stepWeight: 100,
        maxWeight: 50,
        stepWeightPromotion: 50,
        threshold: 10,
        webhooks: [
          hook(names.event, 'event'),
          hook(names.pre, 'pre-rollout'),
          hook(names.rollout, 'rollout'),
          hook(names.promotion, 'confirm-promotion'),
          hook(names.confirm, 'confirm-rollout'),
          hook(names.post, 'post-rollout'),
          hook(names.traffic, 'confirm-traffic-increase'),
        ],
      },
      { namespace: 'default' },
    );
  const unready = 'waiting for rollout to finish: 0 out of 1 new replicas have been updated';
  /** init (primary unready), init (ready), [target updated], detect, progressing, start promotion, end promotion, finalising, succeeded. */
  const run = (s: CanarySpec, ticks: number, skipAfterInit = false): Harness => {
    const h = new Harness(s, { primaryReady: perTick(notReady(unready), { ready: true }) }, { phase: 'Initializing' });
    return h.run(ticks, (tick, x) => {
      if (tick === 2) {
        x.revision = 'rev-2';
        if (skipAfterInit) s.skipAnalysis = true;
      }
    });
  };
  const eventPayloads = (h: Harness): Array<[string, string]> =>
    h.callsOf(names.event).map((c) => [c.phase, c.event?.message ?? '']);

  it('sends the 17 event-hook payloads with their phases, in order', () => {
    const h = run(spec(), 8);
    expect(eventPayloads(h)).toEqual([
      ['Initializing', 'all the metrics providers are available!'],
      ['Initializing', 'podinfo-primary.default not ready: waiting for rollout to finish: 0 out of 1 new replicas have been updated'],
      ['Initializing', 'all the metrics providers are available!'],
      ['Initialized', 'Initialization done! podinfo.default'],
      ['Initialized', 'Confirm-rollout check confirm-rollout-webhook passed'],
      ['Progressing', 'New revision detected! Scaling up podinfo.default'],
      ['Progressing', 'Starting canary analysis for podinfo.default'],
      ['Progressing', 'Pre-rollout check pre-rollout-webhook passed'],
      ['Progressing', 'Confirm-traffic-increase check confirm-traffic-increase-webhook passed'],
      ['Progressing', 'Advance podinfo.default canary weight 100'],
      ['Progressing', 'Confirm-traffic-increase check confirm-traffic-increase-webhook passed'],
      ['Progressing', 'Confirm-promotion check confirm-promotion-webhook passed'],
      ['Progressing', 'Copying podinfo.default template spec to podinfo-primary.default'],
      ['Promoting', 'Advance podinfo.default primary weight 50'],
      ['Promoting', 'Advance podinfo.default primary weight 100'],
      ['Succeeded', 'Post-rollout check post-rollout-webhook passed'],
      ['Succeeded', 'Promotion completed! Scaling down podinfo.default'],
    ]);
    expect(h.callsOf(names.event).map((c) => c.event?.type)).toEqual(h.events.map((e) => e.type));
    expect(h.events.map((e) => e.message)).toEqual(eventPayloads(h).map(([, m]) => m));
  });

  it('calls every other hook the expected number of times with the expected phase', () => {
    const h = run(spec(), 8);
    const calls = (n: string): string[] => h.callsOf(n).map((c) => c.phase);
    expect(calls(names.confirm)).toEqual(['Initialized']);
    expect(calls(names.pre)).toEqual(['Progressing']);
    expect(calls(names.traffic)).toEqual(['Progressing', 'Progressing']);
    expect(calls(names.rollout)).toEqual(['Progressing']);
    expect(calls(names.promotion)).toEqual(['Progressing']);
    expect(calls(names.post)).toEqual(['Succeeded']);
  });

  it('goes through the phases of TestScheduler_DeploymentAnalysisPhases', () => {
    const h = run(spec(), 7);
    expectTicks(h, [
      ['Initializing', 0, '100/0', 0, 0],
      ['Initialized', 0, '100/0', 0, 0],
      ['Progressing', 0, '100/0', 0, 0],
      ['Progressing', 100, '0/100', 0, 0],
      ['Promoting', 100, '0/100', 0, 0],
      ['Promoting', 50, '50/50', 0, 0],
      ['Finalising', 0, '100/0', 0, 0],
    ]);
    h.run(1);
    expect(h.records[7].phase).toBe('Succeeded');
  });

  it('skip-analysis variant', () => {
    const h = run(spec(), 4, true);
    expect(eventPayloads(h).slice(4)).toEqual([
      ['Initialized', 'Confirm-rollout check confirm-rollout-webhook passed'],
      ['Progressing', 'New revision detected! Scaling up podinfo.default'],
      ['Progressing', 'Copying podinfo.default template spec to podinfo-primary.default'],
      ['Succeeded', 'Post-rollout check post-rollout-webhook passed'],
      ['Succeeded', 'Promotion completed! Canary analysis was skipped for podinfo.default'],
    ]);
  });
});

describe('C37 — suspend', () => {
  it('a suspended canary only reports the suspension and resumes where it stopped', () => {
    const spec = canary({ stepWeight: 10, threshold: 5 });
    const h = Harness.fromT0(spec).run(7, (tick) => {
      spec.suspend = tick === 4 || tick === 5;
    });
    const suspended = ['skipping canary run as object is suspended'];
    expectTicks(h, [
      ['Progressing', 30, '70/30', 0, 0, [advance(30)]],
      ['Progressing', 30, '70/30', 0, 0, suspended],
      ['Progressing', 30, '70/30', 0, 0, suspended],
      ['Progressing', 40, '60/40', 0, 0, [advance(40)]],
    ], 3);
    expect(h.metricTicks()).toEqual([2, 3, 6]);
  });

  it('suspension also holds a not-yet-initialized canary', () => {
    const h = new Harness(canary({ stepWeight: 10 }, { suspend: true }), {}, { phase: 'Initializing' }).run(2);
    expect(h.records.map((r) => r.phase)).toEqual(['Initializing', 'Initializing']);
    expect(h.scaling).toEqual([]);
  });
});

describe('C38 — initialization', () => {
  const unready = 'waiting for rollout to finish: 0 out of 1 new replicas have been updated';

  it('waits for the primary, then initializes without starting an analysis', () => {
    const h = new Harness(canary({ stepWeight: 10 }), { primaryReady: perTick(notReady(unready), { ready: true }) }, { phase: 'Initializing' }).run(3);
    expectTicks(h, [
      ['Initializing', 0, '100/0', 0, 0, ['all the metrics providers are available!', `podinfo-primary.test not ready: ${unready}`]],
      ['Initialized', 0, '100/0', 0, 0, ['all the metrics providers are available!', 'Initialization done! podinfo.test']],
      ['Initialized', 0, '100/0', 0, 0, []],
    ]);
    expect(h.scaling).toEqual([{ tick: 1, op: 'zero' }]);
    expect(h.alerts).toEqual([{ t: 60, tick: 1, severity: 'info', message: 'New Deployment detected, initialization completed.' }]);
    expect(h.status).toMatchObject({ lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-1' });
  });

  it('an empty phase initializes like Initializing', () => {
    const h = new Harness(canary({ stepWeight: 10 })).run(1);
    expect(h.records[0].phase).toBe('Initialized');
  });

  it('reports an unavailable metrics provider but initializes anyway', () => {
    const spec = canary({ stepWeight: 10, metrics: [metric('latency', { templateRef: { name: 'latency', namespace: 'test' } })] });
    const h = new Harness(spec).run(1);
    expect(h.events.map((e) => [e.error === true, e.message])).toEqual([
      [true, 'Error checking metric providers: metric template latency.test error: metrictemplates.flagger.app "latency" not found'],
      [false, 'Initialization done! podinfo.test'],
    ]);
  });

  it('skipAnalysis skips the provider check and the primary readiness', () => {
    const h = new Harness(canary({ stepWeight: 10 }, { skipAnalysis: true }), { primaryReady: notReady(unready) }).run(1);
    expect(h.eventsAt(0)).toEqual(['Initialization done! podinfo.test']);
  });

  it('a primary deadline during initialization rolls back', () => {
    const h = new Harness(canary({ stepWeight: 10 }), { primaryReady: notReady('deployment "podinfo-primary" exceeded its progress deadline', false) }).run(1);
    expectTicks(h, [
      ['Failed', 0, '100/0', 0, 0, [
        'all the metrics providers are available!',
        'podinfo-primary.test not ready: deployment "podinfo-primary" exceeded its progress deadline',
        FAILED,
      ]],
    ]);
  });
});

describe('C40 — revert to promoted spec', () => {
  it('a target hash equal to lastPromotedSpec is no change, even when it differs from lastAppliedSpec', () => {
    // lastAppliedSpec rev-1, lastPromotedSpec rev-2, target rev-2: the target "changed" back to the promoted template.
    const h = Harness.fromT0(canary({ stepWeight: 50, maxWeight: 50 }), {}, { lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-2' }).run(3);
    expect(h.records.map((r) => r.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(h.events).toEqual([]);
  });

  it('a Failed canary whose target is reverted to the promoted template stays Failed', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }), { sr: perTick<number>(100, 100, 10) }).run(4);
    expect(h.status.phase).toBe('Failed');
    h.run(3, (tick, x) => {
      if (tick === 4) x.revision = 'rev-1';
    });
    expect(h.records.slice(4).map((r) => r.phase)).toEqual(['Failed', 'Failed', 'Failed']);
    expect(h.events.filter((e) => e.tick >= 4)).toEqual([]);
  });
});

describe('Quirk §12.21 — lost change on a Failed canary', () => {
  it('a change first seen on a tick that ends before the gate is never analysed', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }), {
      sr: perTick<number>(100, 100, 10),
      primaryReady: (t) => (t === 4 ? notReady('waiting for rollout to finish: 1 old replicas are pending termination') : { ready: true }),
    }).run(4);
    expect(h.status.phase).toBe('Failed');
    h.run(3, (tick, x) => {
      if (tick === 4) x.revision = 'rev-3';
    });
    expect(h.eventsAt(4)).toEqual(['podinfo-primary.test not ready: waiting for rollout to finish: 1 old replicas are pending termination']);
    expect(h.records.slice(4).map((r) => r.phase)).toEqual(['Failed', 'Failed', 'Failed']);
    expect(h.status.lastAppliedSpec).toBe('rev-3');
  });

  it('without the early return the change starts a new analysis', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }), { sr: perTick<number>(100, 100, 10) }).run(5, (tick, x) => {
      if (tick === 4) x.revision = 'rev-3';
    });
    expect(h.records[4].phase).toBe('Progressing');
    expect(h.eventsAt(4)).toEqual([DETECT]);
  });
});
