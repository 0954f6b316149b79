import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate, outlineOf } from '../../simulation/sweep/aggregate';
import { SweepRunner } from '../../simulation/sweep/run';
import { runCount, unitOf } from '../../simulation/sweep/spec';
import { weightedRate, wilson } from '../../simulation/sweep/stats';
import { unifiedDiff } from '../../simulation/util/diff';
import { checkoutVariant, mustLoadSweep, sweepText } from '../support/sweep';

/**
 * The tuning lab's invariants. A sweep compares configurations on common
 * random numbers: replicate r runs the same seed in every configuration, so
 * the runs of two configurations are the same run until their decisions
 * differ. Hence, run by run:
 *
 * - raising `threshold` never turns a promotion into a rollback (the failed
 *   checks that never reached the lower threshold never reach the higher one)
 *   and never detects a regression sooner;
 * - a more lenient success-rate floor parts from a stricter one only at a
 *   check the stricter floor fails and the lenient one passes; a run with no
 *   failed check under the stricter floor is the same run under the lenient one.
 *
 * So the false-abort rate cannot rise with the threshold — not merely
 * "within sampling error", but exactly, on every seed. The floor is different:
 * once the lenient run advances where the strict one halted, the two runs
 * carry different weights and see different traffic, and the lenient run can
 * fail later checks the strict one never makes. Run by run, only the first
 * difference is ordered; the rates follow the floor only on average.
 */

const plan = mustLoadSweep({
  'scenario.yaml': checkoutVariant({ canaryErrors: 0.4, primaryErrors: 0.1 }),
  'sweep.yaml': sweepText({
    scenario: 'scenario.yaml',
    seeds: 100_000,
    parameters: '    - field: analysis.threshold\n      values: [1, 2, 3, 4, 6]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [98, 99, 99.5, 99.7]\n',
    situations: `    - name: healthy
      weight: 0.9
    - name: errors
      weight: 0.1
      fault:
        type: http-abort
        code: 500
        percent: [0.5, 1, 3]
`,
  }),
});
const runner = new SweepRunner(plan);
const S = plan.situations.length;
const THRESHOLDS = 5;
const FLOORS = 4;
const unit = (threshold: number, floor: number, situation: number, replicate: number) => ((threshold * FLOORS + floor) * S + situation) * plan.seeds + replicate;

describe('sweep monotonicity (property, common random numbers)', () => {
  it('a higher threshold never rolls back a run a lower one promoted, nor detects sooner', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: THRESHOLDS - 2 }),
        fc.integer({ min: 1, max: THRESHOLDS - 1 }),
        fc.integer({ min: 0, max: FLOORS - 1 }),
        fc.integer({ min: 0, max: S - 1 }),
        fc.integer({ min: 0, max: plan.seeds - 1 }),
        (lo, step, floor, situation, replicate) => {
          const hi = Math.min(THRESHOLDS - 1, lo + step);
          const a = runner.run(unit(lo, floor, situation, replicate));
          const b = runner.run(unit(hi, floor, situation, replicate));
          if (a.outcome === 'promoted') expect(b.outcome).toBe('promoted');
          if (b.outcome === 'rolled-back') expect(a.outcome).toBe('rolled-back');
          if (a.detection !== null && b.detection !== null) expect(b.detection).toBeGreaterThanOrEqual(a.detection);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a more lenient success-rate floor parts from a stricter one only where the stricter fails a check the lenient passes', () => {
    const timeline = (u: number) => {
      const sim = runner.simulation(u);
      sim.advanceTo(plan.horizon[unitOf(plan, u).configuration]);
      const r = sim.canaryRecords.find((x) => `${x.namespace}/${x.canary}` === plan.canary);
      return (r?.timeline ?? []).map((t) => ({ phase: t.phase, canaryWeight: t.canaryWeight, failedChecks: t.failedChecks }));
    };
    let parted = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: THRESHOLDS - 1 }), fc.integer({ min: 1, max: FLOORS - 1 }), fc.integer({ min: 0, max: S - 1 }), fc.integer({ min: 0, max: plan.seeds - 1 }), (threshold, strict, situation, replicate) => {
        const lenient = strict - 1;
        const s = timeline(unit(threshold, strict, situation, replicate));
        const l = timeline(unit(threshold, lenient, situation, replicate));
        const first = s.findIndex((x, i) => JSON.stringify(x) !== JSON.stringify(l[i]));
        if (first === -1) {
          expect(l).toEqual(s);
          return;
        }
        parted++;
        // Before the first difference the runs are the same; at it, the strict floor has failed one more check
        // (and halted or rolled back) where the lenient floor passed it.
        expect(l.slice(0, first)).toEqual(s.slice(0, first));
        const before = first > 0 ? s[first - 1].failedChecks : 0;
        expect(l[first].failedChecks).toBe(before);
        expect(s[first].phase === 'Failed' || s[first].failedChecks === before + 1).toBe(true);
      }),
      // The case that parted (seed 10360): the strict floor halted at 20 %, the lenient one went on and failed at 40 %.
      { numRuns: 40, examples: [[4, 3, 0, 10360]] },
    );
    // Not vacuous: on these floors (0.4 % canary errors against 98–99.7 %) runs do part.
    expect(parted).toBeGreaterThan(0);
  });

  it('the aggregated false-abort rate falls with the threshold (exactly) and, on these seeds, rises with the floor', () => {
    // A smaller plan: every run of 30 seeds, aggregated. The threshold's order is exact (see above); the floor's holds on
    // average, and on these fixed seeds with a margin.
    const small = mustLoadSweep({
      'scenario.yaml': checkoutVariant({ canaryErrors: 0.4, primaryErrors: 0.1 }),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 30,
        parameters: '    - field: analysis.threshold\n      values: [2, 3, 5]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [99, 99.5]\n',
        situations: '    - name: healthy\n      weight: 1\n',
      }),
    });
    const r = new SweepRunner(small);
    const result = aggregate(outlineOf(small), Array.from({ length: runCount(small) }, (_, u) => r.run(u)));
    const fa = (t: number, f: number) => result.configurations[t * 2 + f].falseAborts?.successes as number;
    for (let f = 0; f < 2; f++) for (let t = 1; t < 3; t++) expect(fa(t, f)).toBeLessThanOrEqual(fa(t - 1, f));
    for (let t = 0; t < 3; t++) expect(fa(t, 1)).toBeGreaterThanOrEqual(fa(t, 0));
    // Not a vacuous comparison: the strict floor with a low threshold does roll healthy canaries back.
    expect(fa(0, 1)).toBeGreaterThan(fa(2, 0));
  });
});

describe('weighted rates (property)', () => {
  const group = fc.record({ trials: fc.integer({ min: 1, max: 200 }), share: fc.double({ min: 0, max: 1, noNaN: true }), weight: fc.double({ min: 0.01, max: 10, noNaN: true }) }).map((g) => ({ trials: g.trials, successes: Math.round(g.share * g.trials), weight: g.weight }));

  it('is the prior-weighted mean, inside its interval, and Wilson of the pooled counts when every trial weighs the same', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 5 }), (groups) => {
        const r = weightedRate(groups);
        const w = groups.reduce((a, g) => a + g.weight, 0);
        const mean = groups.reduce((a, g) => a + (g.weight * g.successes) / g.trials, 0) / w;
        expect(r.rate).toBeCloseTo(mean, 12);
        expect(r.low).toBeLessThanOrEqual(r.rate + 1e-12);
        expect(r.high).toBeGreaterThanOrEqual(r.rate - 1e-12);
        expect(r.low).toBeGreaterThanOrEqual(0);
        expect(r.high).toBeLessThanOrEqual(1);
        const equal = groups.map((g) => ({ ...g, weight: g.trials * 0.5 }));
        const pooled = wilson(
          groups.reduce((a, g) => a + g.successes, 0),
          groups.reduce((a, g) => a + g.trials, 0),
        );
        expect(weightedRate(equal)).toEqual(pooled);
      }),
    );
  });
});

describe('unified diff (property, against patch(1))', () => {
  const line = fc.constantFrom('a', 'b', 'c', 'threshold: 3', '', '  - x');
  const text = fc.tuple(fc.array(line, { maxLength: 30 }), fc.boolean()).map(([ls, nl]) => ls.join('\n') + (nl && ls.length > 0 ? '\n' : ''));

  it('patch applies the diff to the old text and gives the new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gameday-diff-'));
    try {
      fc.assert(
        fc.property(text, text, (before, after) => {
          const diff = unifiedDiff('file.yaml', before, after);
          if (before === after) {
            expect(diff).toBe('');
            return;
          }
          writeFileSync(join(dir, 'file.yaml'), before);
          writeFileSync(join(dir, 'change.diff'), diff);
          const r = spawnSync('patch', ['-p1', '--quiet', '--force', '-i', 'change.diff'], { cwd: dir, encoding: 'utf8' });
          expect(r.status, `${r.stdout}${r.stderr}\n${diff}`).toBe(0);
          expect(readFileSync(join(dir, 'file.yaml'), 'utf8')).toBe(after);
        }),
        { numRuns: 150 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
