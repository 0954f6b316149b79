import { describe, expect, it } from 'vitest';
import { checkExpectation } from '../../simulation/run/expect';
import { type CanaryRecord, outcomeOf } from '../../simulation/run/flagger';
import type { CanaryEvent, Phase, TickRecord } from '../../simulation/rollout/types';

/** A record from (t, phase, primary weight, events) ticks. */
function record(ticks: Array<[number, Phase, number, string[]]>): CanaryRecord {
  const timeline: TickRecord[] = [];
  const events: CanaryEvent[] = [];
  const phases: Array<{ t: number; phase: Phase }> = [];
  for (const [t, phase, primary, msgs] of ticks) {
    timeline.push({ t, phase, canaryWeight: phase === 'Progressing' ? 100 - primary : 0, primaryWeight: primary, failedChecks: 0, iterations: 0 });
    if (phases.at(-1)?.phase !== phase) phases.push({ t, phase });
    for (const message of msgs) events.push({ t, type: /^(Halt|Rolling|Canary failed|Promotion of|Rollback check)/.test(message) ? 'Warning' : 'Normal', reason: 'Synced', message });
  }
  return { canary: 'podinfo', namespace: 'test', events, alerts: [], checks: [], timeline, webhookCalls: [], phases };
}

describe('the outcome of a rollout', () => {
  it('a promotion decided, then completed', () => {
    const r = record([
      [0, 'Initialized', 100, []],
      [60, 'Progressing', 100, ['New revision detected! Scaling up podinfo.test']],
      [120, 'Progressing', 50, ['Advance podinfo.test canary weight 50']],
      [180, 'Promoting', 50, ['Copying podinfo.test template spec to podinfo-primary.test']],
      [240, 'Finalising', 100, ['Routing all traffic to primary']],
      [300, 'Succeeded', 100, ['Promotion completed! Scaling down podinfo.test']],
    ]);
    expect(outcomeOf(r)).toEqual({ phase: 'Succeeded', promoted: true, decidedAt: 180, reason: 'Promotion completed! Scaling down podinfo.test' });
    expect(checkExpectation({ outcome: 'promoted', seedsAgreeing: 1, decidedBetween: { from: 120, to: 200 } }, { outcome: outcomeOf(r), checks: [] }).met).toBe(true);
  });

  it('a failed promotion is not a rollback: all traffic stays on the canary', () => {
    const r = record([
      [60, 'Progressing', 100, ['New revision detected! Scaling up podinfo.test']],
      [120, 'Promoting', 50, ['Copying podinfo.test template spec to podinfo-primary.test']],
      [180, 'Finalising', 100, ['Routing all traffic to primary']],
      [240, 'Failed', 0, ['podinfo-primary.test not ready: deployment "podinfo-primary" exceeded its progress deadline', 'Promotion of podinfo.test failed, primary not ready: podinfo-primary.test not ready: deployment "podinfo-primary" exceeded its progress deadline']],
    ]);
    const o = outcomeOf(r);
    expect(o).toMatchObject({ phase: 'Failed', promoted: false, decidedAt: 240 });
    expect(o.reason).toMatch(/^Promotion of podinfo\.test failed, primary not ready/);
    const x = checkExpectation({ outcome: 'rolled-back', seedsAgreeing: 1 }, { outcome: o, checks: [] });
    expect(x.met).toBe(false);
    expect(x.mismatches[0]).toMatch(/^expected the canary to be rolled-back, but it was a failed promotion/);
  });

  it('a manual rollback gives the rollback text, not the gate text before it', () => {
    const r = record([
      [60, 'Progressing', 100, ['New revision detected! Scaling up podinfo.test']],
      [120, 'Failed', 100, ['Rollback check rb passed', 'Rolling back podinfo.test manual webhook invoked', 'Canary failed! Scaling down podinfo.test']],
    ]);
    expect(outcomeOf(r)).toEqual({ phase: 'Failed', promoted: false, decidedAt: 120, reason: 'Rolling back podinfo.test manual webhook invoked' });
  });

  it('undecided runs say how much traffic the canary really has', () => {
    const r = record([
      [60, 'Progressing', 100, ['New revision detected! Scaling up podinfo.test']],
      [120, 'Progressing', 50, ['Advance podinfo.test canary weight 50']],
      [180, 'WaitingPromotion', 50, ['Halt podinfo.test advancement waiting for promotion approval gate']],
    ]);
    expect(outcomeOf(r)).toMatchObject({ phase: 'WaitingPromotion', decidedAt: null });
    expect(outcomeOf(r).reason).toMatch(/^undecided: WaitingPromotion with 50% of traffic on the canary/);
    expect(outcomeOf(record([[0, 'Initialized', 100, []]]))).toEqual({ phase: 'Initialized', promoted: false, decidedAt: null, reason: 'no new revision was detected during the run' });
  });
});
