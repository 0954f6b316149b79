/**
 * Conformance: webhooks, gates, readiness, restarts and skipAnalysis (flagger.md §4, §7, §11 C16–C20, C22,
 * C26–C28).
 */

import { describe, expect, it } from 'vitest';
import { COPY, DETECT, FAILED, Harness, START, advance, canary, expectTicks, hook, notReady, perTick, type HookAnswer, type MetricValue } from './support';

describe('C16 — pre-rollout failing', () => {
  const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 2, webhooks: [hook('acceptance-test', 'pre-rollout')] }), {
    hooks: { 'acceptance-test': false },
  }).run(4);
  const halt = 'Halt podinfo.test advancement pre-rollout check acceptance-test failed Forbidden';

  it('counts a failed check per tick at weight 0 and rolls back at the threshold', () => {
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 0, '100/0', 1, 0, [START, halt]],
      ['Progressing', 0, '100/0', 2, 0, [START, halt]],
      ['Failed', 0, '100/0', 0, 0, ['Rolling back podinfo.test failed checks threshold reached 2', FAILED]],
    ]);
  });

  it('never runs metrics; the hook gets phase Progressing', () => {
    expect(h.checks).toEqual([]);
    expect(h.callsOf('acceptance-test').map((c) => [c.tick, c.phase])).toEqual([
      [1, 'Progressing'],
      [2, 'Progressing'],
    ]);
  });
});

describe('C17 — rollout hook failing', () => {
  const url = 'http://flagger-loadtester.test/load-test';
  const error = `POST ${url} giving up after 1 attempt(s): unexpected HTTP status 500 Internal Server Error`;
  for (const type of ['rollout'] as const) {
    it(`a failing ${type} hook halts the analysis before the metrics`, () => {
      const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, webhooks: [hook('load-test', type, { url })] }), {
        hooks: { 'load-test': perTick<HookAnswer>(true, true, { ok: false, error }, true) },
      }).run(4);
      expectTicks(h, [
        ['Progressing', 10, '90/10', 0, 0, [START, advance(10)]],
        ['Progressing', 10, '90/10', 1, 0, [`Halt podinfo.test advancement external check load-test failed ${error}`]],
        ['Progressing', 20, '80/20', 1, 0, [advance(20)]],
      ], 1);
      expect(h.metricTicks()).toEqual([3]);
      // Rollout hooks are not called on the pre-rollout tick (weight 0).
      expect(h.callsOf('load-test').map((c) => c.tick)).toEqual([2, 3]);
    });
  }
});

describe('C18 — confirm-rollout gate', () => {
  const h = Harness.fromT0(canary({ stepWeight: 10, webhooks: [hook('gate', 'confirm-rollout')] }), {
    hooks: { gate: perTick(false, false, true) },
  }).run(4);

  it('waits without scaling the canary up, announces once, then starts', () => {
    expectTicks(h, [
      ['Waiting', 0, '100/0', 0, 0, ['Halt podinfo.test advancement waiting for approval gate']],
      ['Waiting', 0, '100/0', 0, 0, []],
      ['Progressing', 0, '100/0', 0, 0, ['Confirm-rollout check gate passed', DETECT]],
      ['Progressing', 10, '90/10', 0, 0, [START, advance(10)]],
    ]);
    expect(h.scaling).toEqual([{ tick: 2, op: 'up' }]);
    expect(h.alerts.map((a) => [a.tick, a.severity, a.message])).toEqual([
      [0, 'warn', 'Canary is waiting for approval.'],
      [2, 'info', 'New revision detected, progressing canary analysis.'],
    ]);
  });

  it('calls the gate with the current phase (Succeeded, then Waiting)', () => {
    expect(h.callsOf('gate').map((c) => c.phase)).toEqual(['Succeeded', 'Waiting', 'Waiting']);
  });

  it('muteAlert suppresses the alert but not the event', () => {
    const m = Harness.fromT0(canary({ stepWeight: 10, webhooks: [hook('gate', 'confirm-rollout', { muteAlert: true })] }), { hooks: { gate: false } }).run(1);
    expect(m.eventsAt(0)).toEqual(['Halt podinfo.test advancement waiting for approval gate']);
    expect(m.alerts).toEqual([]);
  });
});

describe('C19 — confirm-traffic-increase gate', () => {
  const webhooks = [hook('smoke', 'pre-rollout'), hook('tgate', 'confirm-traffic-increase')];
  const halt = 'Halt podinfo.test advancement waiting for traffic increase approval tgate';
  const passed = 'Confirm-traffic-increase check tgate passed';

  it('repeats the pre-rollout branch while closed, then advances and promotes', () => {
    const h = Harness.fromT0(canary({ stepWeight: 50, maxWeight: 50, webhooks }), { hooks: { tgate: perTick(true, false, false, true) } }).run(5);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 0, '100/0', 0, 0, [START, 'Pre-rollout check smoke passed', halt]],
      ['Progressing', 0, '100/0', 0, 0, [START, 'Pre-rollout check smoke passed', halt]],
      ['Progressing', 50, '50/50', 0, 0, [START, 'Pre-rollout check smoke passed', passed, advance(50)]],
      ['Promoting', 50, '50/50', 0, 0, [passed, COPY]],
    ]);
    expect(h.metricTicks()).toEqual([4]);
    expect(h.alerts.filter((a) => a.severity === 'warn').map((a) => [a.tick, a.message])).toEqual([
      [1, 'Canary traffic increase is waiting for approval.'],
      [2, 'Canary traffic increase is waiting for approval.'],
    ]);
  });

  it('a gate closing again at max weight blocks the promotion (§12.6)', () => {
    const h = Harness.fromT0(canary({ stepWeight: 50, maxWeight: 50, webhooks }), { hooks: { tgate: perTick(true, false, false, true, false) } }).run(5);
    expectTicks(h, [['Progressing', 50, '50/50', 0, 0, [halt]]], 4);
    expect(h.metricTicks()).toEqual([4]);
  });
});

describe('C20 — confirm-promotion gate (canary)', () => {
  const h = Harness.fromT0(canary({ stepWeight: 25, maxWeight: 50, webhooks: [hook('pgate', 'confirm-promotion')] }), {
    hooks: { pgate: perTick(true, true, true, false, false, true) },
  }).run(8);

  it('WaitingPromotion shows status weight 0 and iterations −1 while the router keeps 50/50', () => {
    expectTicks(h, [
      ['Progressing', 25, '75/25', 0, 0, [START, advance(25)]],
      ['Progressing', 50, '50/50', 0, 0, [advance(50)]],
      ['WaitingPromotion', 0, '50/50', 0, -1, ['Halt podinfo.test advancement waiting for promotion approval pgate']],
      ['WaitingPromotion', 0, '50/50', 0, -1, []],
      ['Promoting', 0, '50/50', 0, -1, ['Confirm-promotion check pgate passed', COPY]],
      ['Finalising', 0, '100/0', 0, 0, ['Routing all traffic to primary']],
      ['Succeeded', 0, '100/0', 0, 0],
    ], 1);
  });

  it('keeps analysing while waiting; the hook payload phase is always Progressing', () => {
    expect(h.metricTicks()).toEqual([2, 3, 4, 5]);
    expect(h.callsOf('pgate').map((c) => [c.tick, c.phase])).toEqual([
      [3, 'Progressing'],
      [4, 'Progressing'],
      [5, 'Progressing'],
    ]);
    expect(h.alerts.filter((a) => a.severity === 'warn').map((a) => a.message)).toEqual(['Canary promotion is waiting for approval.']);
  });

  it('failed checks keep counting in WaitingPromotion and the threshold still applies', () => {
    const w = Harness.fromT0(canary({ stepWeight: 25, maxWeight: 50, threshold: 1, webhooks: [hook('pgate', 'confirm-promotion')] }), {
      hooks: { pgate: false },
      sr: perTick<MetricValue>(100, 100, 100, 100, 50),
    }).run(6);
    expectTicks(w, [
      ['WaitingPromotion', 0, '50/50', 0, -1],
      ['WaitingPromotion', 0, '50/50', 1, -1, ['Halt podinfo.test advancement success rate 50.00% < 99%']],
      ['Failed', 0, '100/0', 0, 0, ['Rolling back podinfo.test failed checks threshold reached 1', FAILED]],
    ], 3);
  });
});

describe('C22 — manual rollback hook', () => {
  const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, webhooks: [hook('rb', 'rollback')] }), {
    hooks: { rb: perTick(false, false, false, true) },
  }).run(4);

  it('reports "not signaling" each tick, then rolls back before the metrics', () => {
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 10, '90/10', 0, 0, ['Rollback hook rb not signaling a rollback', START, advance(10)]],
      ['Progressing', 20, '80/20', 0, 0, ['Rollback hook rb not signaling a rollback', advance(20)]],
      ['Failed', 0, '100/0', 0, 0, ['Rollback check rb passed', 'Rolling back podinfo.test manual webhook invoked', FAILED]],
    ]);
    expect(h.metricTicks()).toEqual([2]);
    expect(h.callsOf('rb').map((c) => c.phase)).toEqual(['Progressing', 'Progressing', 'Progressing']);
    expect(h.alerts.filter((a) => a.tick === 3).map((a) => [a.severity, a.message])).toEqual([['warn', 'Rolling back manual webhook invoked']]);
  });

  it('a Waiting canary cannot be rolled back by a rollback hook (§12.1)', () => {
    const w = Harness.fromT0(canary({ stepWeight: 10, webhooks: [hook('gate', 'confirm-rollout'), hook('rb', 'rollback')] }), {
      hooks: { gate: false, rb: true },
    }).run(3);
    expect(w.records.map((r) => r.phase)).toEqual(['Waiting', 'Waiting', 'Waiting']);
    expect(w.callsOf('rb')).toEqual([]);
  });

  it('post-rollout hooks run after the rollback with phase Failed', () => {
    const p = Harness.fromT0(canary({ stepWeight: 10, webhooks: [hook('rb', 'rollback'), hook('notify', 'post-rollout'), hook('after', 'post-rollout')] }), {
      hooks: { rb: perTick(false, true), notify: { ok: false, error: 'Forbidden' } },
    }).run(2);
    expect(p.eventsAt(1)).toEqual(['Rollback check rb passed', 'Rolling back podinfo.test manual webhook invoked', FAILED, 'Post-rollout hook notify failed Forbidden']);
    expect(p.callsOf('notify').map((c) => c.phase)).toEqual(['Failed']);
    expect(p.callsOf('after')).toEqual([]);
  });
});

describe('C26 — restart on new revision', () => {
  const webhooks = [hook('gate', 'confirm-rollout'), hook('smoke', 'pre-rollout')];

  it('restarts at 100/0 with counters reset; confirm-rollout is not re-run', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, webhooks }), { sr: perTick<MetricValue>(100, 100, 100, 50) }).run(6, (tick, x) => {
      if (tick === 4) x.revision = 'rev-3';
    });
    expectTicks(h, [
      ['Progressing', 10, '90/10', 0, 0, [START, 'Pre-rollout check smoke passed', advance(10)]],
      ['Progressing', 20, '80/20', 0, 0, [advance(20)]],
      ['Progressing', 20, '80/20', 1, 0, ['Halt podinfo.test advancement success rate 50.00% < 99%']],
      ['Progressing', 0, '100/0', 0, 0, ['New revision detected! Restarting analysis for podinfo.test']],
      ['Progressing', 10, '90/10', 0, 0, [START, 'Pre-rollout check smoke passed', advance(10)]],
    ], 1);
    expect(h.callsOf('gate').map((c) => c.tick)).toEqual([0]);
    expect(h.scaling.filter((s) => s.op === 'up')).toEqual([{ tick: 0, op: 'up' }]);
    expect(h.status.lastAppliedSpec).toBe('rev-3');
  });

  it('waits for the new canary pods before starting again', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 }), {
      canaryReady: (t) => (t === 5 ? notReady('waiting for rollout to finish: 0 out of 1 new replicas have been updated') : { ready: true }),
    }).run(7, (tick, x) => {
      if (tick === 4) x.revision = 'rev-3';
    });
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, ['New revision detected! Restarting analysis for podinfo.test']],
      ['Progressing', 0, '100/0', 0, 0, ['canary deployment podinfo.test not ready: waiting for rollout to finish: 0 out of 1 new replicas have been updated']],
      ['Progressing', 10, '90/10', 0, 0, [START, advance(10)]],
    ], 4);
  });

  it('reverting the target to the promoted spec mid-analysis does not restart (§12.17)', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10 })).run(4, (tick, x) => {
      if (tick === 3) x.revision = 'rev-1';
    });
    expect(h.eventsAt(3)).toEqual([advance(30)]);
  });
});

describe('C27 — skipAnalysis', () => {
  const webhooks = [hook('gate', 'confirm-rollout'), hook('smoke', 'pre-rollout'), hook('load', 'rollout'), hook('notify', 'post-rollout')];

  it('promotes on the first tick after detection, without analysis, Promoting or Finalising', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, webhooks }, { skipAnalysis: true })).run(3);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, ['Confirm-rollout check gate passed', DETECT]],
      ['Succeeded', 0, '100/0', 0, 0, [COPY, 'Post-rollout check notify passed', 'Promotion completed! Canary analysis was skipped for podinfo.test']],
      ['Succeeded', 0, '100/0', 0, 0, []],
    ]);
    expect(h.scaling).toEqual([
      { tick: 0, op: 'up' },
      { tick: 1, op: 'promote' },
      { tick: 1, op: 'zero' },
    ]);
    expect(h.callsOf('smoke')).toEqual([]);
    expect(h.callsOf('load')).toEqual([]);
    expect(h.callsOf('notify').map((c) => c.phase)).toEqual(['Succeeded']);
    expect(h.checks).toEqual([]);
    expect(h.alerts.at(-1)).toMatchObject({ severity: 'info', message: 'Canary analysis was skipped, promotion finished.' });
  });

  it('setting skipAnalysis mid-analysis promotes on the next tick', () => {
    const spec = canary({ stepWeight: 10 });
    const h = Harness.fromT0(spec).run(4, (tick) => {
      if (tick === 3) spec.skipAnalysis = true;
    });
    expectTicks(h, [
      ['Progressing', 20, '80/20', 0, 0],
      ['Succeeded', 0, '100/0', 0, 0, [COPY, 'Promotion completed! Canary analysis was skipped for podinfo.test']],
    ], 2);
  });
});

describe('C28 — canary not ready, then deadline', () => {
  const waiting = 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available';
  const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5 }), {
    canaryReady: perTick(
      { ready: true },
      notReady(waiting),
      notReady(waiting),
      notReady(waiting),
      notReady('deployment "podinfo" exceeded its progress deadline', false),
    ),
  }).run(5);

  it('waits without counting failures, then rolls back without the threshold text', () => {
    const unready = `canary deployment podinfo.test not ready: ${waiting}`;
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 0, '100/0', 0, 0, [unready]],
      ['Progressing', 0, '100/0', 0, 0, [unready]],
      ['Progressing', 0, '100/0', 0, 0, [unready]],
      ['Failed', 0, '100/0', 0, 0, ['canary deployment podinfo.test not ready: deployment "podinfo" exceeded its progress deadline', FAILED]],
    ]);
    expect(h.checks).toEqual([]);
    expect(h.alerts.filter((a) => a.severity === 'error')).toEqual([]);
  });
});
