/**
 * Property tests of the rollout controller (simulation/rollout/controller.ts) over random analysis configurations
 * and random per-tick scripts of metric outcomes (pass / fail / no data), readiness and new revisions, driven
 * through the conformance suite's scripted ports.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxWeightOf, nextStepWeight } from '../../simulation/rollout/controller';
import type { AnalysisSpec, Phase } from '../../simulation/rollout/types';
import { Harness, canary, hook, notReady, type MetricValue } from '../conformance/support';

type Outcome = 'pass' | 'fail' | 'nodata';

interface Script {
  metrics: Outcome[];
  canaryReady: boolean[];
  primaryReady: boolean[];
  /** Ticks before which a new revision is deployed. */
  revisions: number[];
  /** Answers of the confirm-promotion / confirm-traffic-increase / rollback gates per tick (absent: no gates). */
  gates?: { promotion: boolean[]; traffic: boolean[]; rollback: boolean[] };
}

const TICKS = 60;

const linear = fc.record({
  stepWeight: fc.integer({ min: 1, max: 60 }),
  maxWeight: fc.integer({ min: 0, max: 100 }),
});
const ladder = fc
  .uniqueArray(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 })
  .map((xs) => ({ stepWeights: [...xs].sort((a, b) => a - b) }));
const iterations = fc.record({
  iterations: fc.integer({ min: 1, max: 5 }),
  match: fc.boolean().map((ab) => (ab ? [{ headers: { 'x-canary': { exact: 'yes' } } }] : [])),
});

const configArb = fc
  .tuple(
    fc.oneof(linear, ladder, iterations),
    fc.record({
      threshold: fc.integer({ min: 1, max: 4 }),
      stepWeightPromotion: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
    }),
  )
  .map(([mode, rest]): Partial<AnalysisSpec> => ({ ...mode, ...rest }));

const scriptArb = fc.record({
  metrics: fc.array(fc.constantFrom<Outcome>('pass', 'pass', 'pass', 'fail', 'nodata'), { minLength: TICKS, maxLength: TICKS }),
  canaryReady: fc.array(fc.integer({ min: 0, max: 3 }).map((n) => n > 0), { minLength: TICKS, maxLength: TICKS }),
  primaryReady: fc.array(fc.integer({ min: 0, max: 9 }).map((n) => n > 0), { minLength: TICKS, maxLength: TICKS }),
  revisions: fc.uniqueArray(fc.integer({ min: 1, max: TICKS - 1 }), { maxLength: 2 }),
  gates: fc.option(
    fc.record({
      promotion: fc.array(fc.boolean(), { minLength: TICKS, maxLength: TICKS }),
      traffic: fc.array(fc.integer({ min: 0, max: 3 }).map((n) => n > 0), { minLength: TICKS, maxLength: TICKS }),
      rollback: fc.array(fc.integer({ min: 0, max: 30 }).map((n) => n === 0), { minLength: TICKS, maxLength: TICKS }),
    }),
    { nil: undefined },
  ),
});

const SR: Record<Outcome, MetricValue> = { pass: 100, fail: 50, nodata: 'nodata' };

function run(config: Partial<AnalysisSpec>, script: Script, ticks = TICKS): Harness {
  const unready = notReady('waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available');
  const gates = script.gates;
  const webhooks = gates === undefined ? [] : [hook('pgate', 'confirm-promotion'), hook('tgate', 'confirm-traffic-increase'), hook('rb', 'rollback')];
  const h = Harness.fromT0(canary({ ...config, webhooks }), {
    hooks: gates === undefined ? {} : { pgate: (t) => gates.promotion[t % TICKS], tgate: (t) => gates.traffic[t % TICKS], rb: (t) => gates.rollback[t % TICKS] },
    sr: (t) => SR[script.metrics[t % TICKS]],
    // Readiness scripts cover the first TICKS ticks; everything is ready afterwards.
    canaryReady: (t) => (t >= TICKS || script.canaryReady[t] ? { ready: true } : unready),
    primaryReady: (t) => (t >= TICKS || script.primaryReady[t] ? { ready: true } : unready),
  });
  return h.run(ticks, (tick, x) => {
    if (script.revisions.includes(tick)) x.revision = `rev-${tick + 10}`;
  });
}

/** §5: allowed phase transitions between consecutive ticks (a phase may always stay). */
const ALLOWED: Record<Phase, readonly Phase[]> = {
  '': ['Initializing', 'Initialized', 'Failed'],
  Initializing: ['Initialized', 'Failed'],
  Initialized: ['Waiting', 'Progressing', 'Failed'],
  Succeeded: ['Waiting', 'Progressing', 'Failed'],
  Failed: ['Waiting', 'Progressing'],
  Waiting: ['Progressing', 'Failed'],
  Progressing: ['WaitingPromotion', 'Promoting', 'Failed', 'Succeeded'],
  WaitingPromotion: ['Progressing', 'Promoting', 'Failed', 'Succeeded'],
  Promoting: ['Finalising', 'Failed', 'Succeeded'],
  Finalising: ['Succeeded', 'Failed'],
};

const RESTART = /^New revision detected! (Restarting analysis|Scaling up)/;

describe('rollout controller properties', () => {
  it('while Progressing the canary weight moves only by the configured step or to the next ladder entry', () => {
    fc.assert(
      fc.property(configArb, scriptArb, (config, script) => {
        const h = run(config, script);
        const a = canary(config).analysis;
        const rec = h.records;
        for (let i = 1; i < rec.length; i++) {
          const prev = rec[i - 1];
          const cur = rec[i];
          if (cur.canaryWeight === prev.canaryWeight) continue;
          const events = h.eventsAt(i);
          if (cur.canaryWeight < prev.canaryWeight) {
            // Decreases only on rollback, restart, promotion shifts, Finalising or WaitingPromotion's status reset.
            const ok =
              cur.phase === 'Failed' ||
              cur.phase === 'Promoting' ||
              cur.phase === 'Finalising' ||
              cur.phase === 'WaitingPromotion' ||
              cur.phase === 'Succeeded' ||
              events.some((e) => RESTART.test(e));
            expect(ok, `tick ${i}: ${prev.canaryWeight} → ${cur.canaryWeight} in ${cur.phase}`).toBe(true);
            if (cur.phase === 'Failed' || events.some((e) => RESTART.test(e))) expect(cur.canaryWeight).toBe(0);
            continue;
          }
          if (prev.phase !== 'Progressing' || cur.phase !== 'Progressing') continue;
          // An increase while Progressing: exactly one step from below maxWeight, no clamping to maxWeight.
          expect(prev.canaryWeight).toBeLessThan(maxWeightOf(a));
          if (a.stepWeight > 0) expect(cur.canaryWeight).toBe(Math.min(100, prev.canaryWeight + a.stepWeight));
          else {
            const idx = a.stepWeights.indexOf(prev.canaryWeight);
            const next = prev.canaryWeight === 0 ? a.stepWeights[0] : idx >= 0 && idx < a.stepWeights.length - 1 ? a.stepWeights[idx + 1] : 100;
            expect(cur.canaryWeight).toBe(Math.min(100, next));
            expect(cur.canaryWeight - prev.canaryWeight).toBe(nextStepWeight(a, prev.canaryWeight));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('failedChecks grows by at most 1 per tick and resets only on rollback, (re)start or failed promotion', () => {
    fc.assert(
      fc.property(configArb, scriptArb, (config, script) => {
        const h = run(config, script);
        const rec = h.records;
        for (let i = 1; i < rec.length; i++) {
          const prev = rec[i - 1];
          const cur = rec[i];
          if (cur.failedChecks === prev.failedChecks) continue;
          if (cur.failedChecks === prev.failedChecks + 1) {
            expect(['Progressing', 'WaitingPromotion']).toContain(cur.phase);
            continue;
          }
          expect(cur.failedChecks, `tick ${i}: ${prev.failedChecks} → ${cur.failedChecks}`).toBe(0);
          const reset = cur.phase === 'Failed' || cur.phase === 'Initialized' || h.eventsAt(i).some((e) => RESTART.test(e));
          expect(reset, `tick ${i}: reset in ${cur.phase} (${h.eventsAt(i).join(' | ')})`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('phases follow the §5 transition table', () => {
    fc.assert(
      fc.property(configArb, scriptArb, (config, script) => {
        const h = run(config, script);
        let prev: Phase = 'Succeeded';
        for (const [i, r] of h.records.entries()) {
          if (r.phase !== prev) expect(ALLOWED[prev], `tick ${i}: ${prev} → ${r.phase}`).toContain(r.phase);
          prev = r.phase;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every router write sums to 100 and the router always reports 100 in total', () => {
    fc.assert(
      fc.property(configArb, scriptArb, (config, script) => {
        const h = run(config, script);
        for (const w of h.routeWrites) expect(w.primary + w.canary).toBe(100);
        for (const r of h.records) expect(r.primaryWeight).toBeGreaterThanOrEqual(0);
        for (const r of h.records) expect(r.primaryWeight).toBeLessThanOrEqual(100);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same script gives the same records', () => {
    fc.assert(
      fc.property(configArb, scriptArb, (config, script) => {
        const a = run(config, script);
        const b = run(config, script);
        expect(b.records).toEqual(a.records);
        expect(b.events).toEqual(a.events);
        expect(b.alerts).toEqual(a.alerts);
        expect(b.checks).toEqual(a.checks);
        expect(b.hookCalls).toEqual(a.hookCalls);
      }),
      { numRuns: 100 },
    );
  });

  it('reaches Succeeded when every check passes and Failed when checks keep failing', () => {
    fc.assert(
      fc.property(configArb, fc.uniqueArray(fc.integer({ min: 0, max: TICKS - 1 }), { maxLength: 10 }), (config, unreadyAt) => {
        const ready = Array.from({ length: TICKS }, (_, t) => !unreadyAt.includes(t));
        const a = canary(config).analysis;
        // Steps to max weight (or iterations), promotion shift, Finalising and Succeeded; a retriable unready canary
        // only delays by a tick.
        const steps = a.iterations > 0 ? a.iterations + 2 : a.stepWeight > 0 ? Math.ceil(100 / a.stepWeight) : a.stepWeights.length;
        const promotion = a.stepWeightPromotion > 0 ? Math.ceil(100 / a.stepWeightPromotion) : 1;
        const unreadyUpTo = (n: number): number => unreadyAt.filter((t) => t < n).length;
        const bound = 1 + steps + 1 + promotion + 2;
        const length = bound + unreadyAt.length + 5;
        const pass = run(config, { metrics: Array<Outcome>(TICKS).fill('pass'), canaryReady: ready, primaryReady: Array<boolean>(TICKS).fill(true), revisions: [] }, length);
        const firstSucceeded = pass.records.findIndex((r) => r.phase === 'Succeeded');
        expect(firstSucceeded).toBeGreaterThan(0);
        expect(firstSucceeded).toBeLessThanOrEqual(bound + unreadyUpTo(firstSucceeded + 1));
        expect(pass.records.every((r) => r.phase !== 'Failed')).toBe(true);

        const fail = run(config, { metrics: Array<Outcome>(TICKS).fill('fail'), canaryReady: ready, primaryReady: Array<boolean>(TICKS).fill(true), revisions: [] }, length);
        const firstFailed = fail.records.findIndex((r) => r.phase === 'Failed');
        expect(firstFailed).toBeGreaterThan(0);
        // Pre-rollout tick, then `threshold` failing ticks, then the rollback tick (§12.3).
        expect(firstFailed).toBeLessThanOrEqual(2 + a.threshold + unreadyUpTo(firstFailed + 1));
        expect(fail.records.every((r) => r.phase !== 'Succeeded' && r.phase !== 'Promoting')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
