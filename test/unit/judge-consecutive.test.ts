import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOutcomes, type FlaggerRunRecord, judgeConsecutive } from '../../simulation/judges/consecutive';
import type { TickRecord } from '../../simulation/rollout/types';
import { Harness, canary, hook, type MetricValue, notReady, perTick, READY } from '../conformance/support';

/**
 * Flagger's controller from T0 (tick 0 detects the new revision, tick 1 sends the canary 10 %, metrics run from
 * tick 2; 60 s per tick), with the success rate of each tick from tick 2 on: P passes (100 %), F fails (90 %), N no
 * data. The last letter repeats.
 */
function flagger(threshold: number, script: string, opts: { before?: (tick: number, h: Harness) => void; ticks?: number; harness?: ConstructorParameters<typeof Harness>[1]; webhooks?: ReturnType<typeof hook>[] } = {}): Harness {
  const sr: MetricValue[] = [100, 100, ...[...script].map((c): MetricValue => (c === 'P' ? 100 : c === 'F' ? 90 : 'nodata'))];
  const h = Harness.fromT0(canary({ threshold, stepWeight: 10, maxWeight: 50, webhooks: opts.webhooks ?? [] }), { sr: perTick(...sr), ...opts.harness });
  return h.run(opts.ticks ?? 12, (tick, hh) => {
    opts.before?.(tick, hh);
    const p = hh.status.phase;
    // Stop ticking once decided (the harness keeps ticking a Failed or Succeeded canary otherwise).
    if (tick > 0 && (p === 'Failed' || p === 'Succeeded')) hh.spec.suspend = true;
  });
}

const record = (h: Harness): FlaggerRunRecord => ({ timeline: h.records, checks: h.checks, events: h.events });

describe('the checks Flagger computed, tick by tick', () => {
  it('fail, pass, fail: failed checks and passing checks with Flagger’s cumulative count', () => {
    const h = flagger(2, 'FPF');
    expect(checkOutcomes(record(h)).map((o) => [o.t, o.result, o.cumulative])).toEqual([
      [120, 'failed', 1],
      [180, 'passed', 1],
      [240, 'failed', 2],
    ]);
    expect(checkOutcomes(record(h))[0].detail).toBe('Halt podinfo.test advancement success rate 90.00% < 99%');
  });

  it('ticks without an analysis (canary not ready) neither fail nor pass', () => {
    // Tick 3 (3:00) waits for the canary: its success rate is never asked for.
    const h = flagger(5, 'FFFP', { ticks: 6, harness: { canaryReady: perTick(READY, READY, READY, notReady('0 of 1 updated replicas are available'), READY) } });
    expect(checkOutcomes(record(h)).map((o) => [o.t, o.result])).toEqual([
      [120, 'failed'],
      [240, 'failed'],
      [300, 'passed'],
    ]);
  });
});

describe('the consecutive variant against Flagger’s cumulative threshold', () => {
  it('fail, pass, fail, pass at threshold 2: Flagger rolls back, the consecutive rule does not', () => {
    const h = flagger(2, 'FPFP');
    const j = judgeConsecutive(record(h), 2);
    expect(j.analyses).toHaveLength(1);
    const a = j.analyses[0];
    expect(a.flagger).toMatchObject({ rolledBack: 'threshold', t: 300, failedChecks: 2, reason: 'Rolling back podinfo.test failed checks threshold reached 2' });
    expect(a.checks.map((c) => c.streak)).toEqual([1, 0, 1]);
    expect(a.longestStreak).toBe(1);
    expect(a.variant).toBeNull();
    expect(a.verdict).toBe('flagger-only');
    expect(j.summary).toBe(
      "Flagger rolls back at 5:00 after 2 failed checks in all (the cumulative count reached 2 at 4:00); the consecutive rule would not have: the longest run of failed checks in a row was 1, below 2, because passing checks came between them. What it would have done after 5:00 is not observed: Flagger's rollback ended the analysis",
    );
  });

  it('two failures in a row: both roll back, at the same tick', () => {
    const j = judgeConsecutive(record(flagger(2, 'PFF')), 2);
    expect(j.headline).toMatchObject({ verdict: 'both-rolled-back', variant: { t: 300, reachedAt: 240, streak: 2 }, flagger: { rolledBack: 'threshold', t: 300 } });
  });

  it('no data is a failed check for both rules', () => {
    expect(judgeConsecutive(record(flagger(2, 'NN')), 2).headline?.verdict).toBe('both-rolled-back');
  });

  it('a tick without analysis does not break a run of failures', () => {
    const h = flagger(2, 'FFFP', { harness: { canaryReady: perTick(READY, READY, READY, notReady('0 of 1 updated replicas are available'), READY) } });
    const a = judgeConsecutive(record(h), 2).analyses[0];
    expect(a.checks.map((c) => [c.t, c.result, c.streak])).toEqual([
      [120, 'failed', 1],
      [240, 'failed', 2],
    ]);
    expect(a.verdict).toBe('both-rolled-back');
  });

  it('promotion with few failures: neither rolls back', () => {
    const a = judgeConsecutive(record(flagger(3, 'FPP')), 3).analyses[0];
    expect(a.verdict).toBe('neither');
    expect(a.flagger).toMatchObject({ promoted: true, rolledBack: null, failedChecks: 1 });
  });

  it('a rollback for another reason (a manual rollback hook) stands under both rules', () => {
    const h = flagger(5, 'PPPP', { webhooks: [hook('rb', 'rollback')], harness: { hooks: { rb: perTick(false, false, false, false, true) } } });
    const a = judgeConsecutive(record(h), 5).analyses[0];
    expect(a.flagger).toMatchObject({ rolledBack: 'other', t: 240, reason: 'Rolling back podinfo.test manual webhook invoked' });
    expect(a.verdict).toBe('same-other-rollback');
  });

  it('a new revision restarts the analysis, and both counts with it', () => {
    const h = flagger(2, 'FPPFP', {
      ticks: 7,
      before: (tick, hh) => {
        if (tick === 3) hh.revision = 'rev-3';
      },
    });
    const j = judgeConsecutive(record(h), 2);
    expect(j.analyses.map((a) => a.checks.map((c) => [c.t, c.result, c.cumulative]))).toEqual([[[120, 'failed', 1]], [[300, 'failed', 1], [360, 'passed', 1]]]);
    expect(j.analyses.map((a) => a.verdict)).toEqual(['neither', 'neither']);
    expect(j.analyses[0].flagger).toMatchObject({ t: 180, reason: 'a new revision restarted the analysis', failedChecks: 1 });
    expect(j.analyses[0].explanation).toBe('the analysis ends at 3:00 (a new revision restarted the analysis) with 1 failed check in all, below the threshold of 2; the consecutive rule (longest run 1) does not roll back either');
  });

  it('reads the threshold as Flagger does (≤ 0 is 1)', () => {
    expect(judgeConsecutive(record(flagger(1, 'F')), 0)).toMatchObject({ threshold: 1, headline: { verdict: 'both-rolled-back' } });
  });

  it('works from tick records alone (no events): the threshold explains a rollback when the count reached it', () => {
    const h = flagger(2, 'FPFP');
    const j = judgeConsecutive({ timeline: h.records, checks: h.checks }, 2);
    expect(j.headline?.verdict).toBe('flagger-only');
  });

  it('says when the run ends before Flagger’s next check', () => {
    const h = flagger(2, 'PFF', { ticks: 5 });
    expect(judgeConsecutive(record(h), 2).headline?.verdict).toBe('both-due');
    const g = flagger(2, 'FPF', { ticks: 5 });
    expect(judgeConsecutive(record(g), 2).headline?.verdict).toBe('flagger-only');
  });

  it('without an analysis there is nothing to judge', () => {
    const timeline: TickRecord[] = [{ t: 0, phase: 'Initialized', canaryWeight: 0, primaryWeight: 100, failedChecks: 0, iterations: 0 }];
    expect(judgeConsecutive({ timeline, checks: [] }, 2)).toMatchObject({ analyses: [], headline: null });
  });
});

describe('properties over random per-tick results', () => {
  const script = fc.array(fc.constantFrom('P', 'F', 'N'), { minLength: 1, maxLength: 14 }).map((xs) => xs.join(''));

  it('the variant rolls back only where Flagger does, at the same tick; Flagger-only exactly when the failures were not consecutive enough', () => {
    fc.assert(
      fc.property(script, fc.integer({ min: 1, max: 4 }), (s, threshold) => {
        const h = flagger(threshold, s, { ticks: 20 });
        const j = judgeConsecutive(record(h), threshold);
        for (const a of j.analyses) {
          // Flagger's count is the number of failed checks so far; the streak never exceeds it.
          let failed = 0;
          for (const c of a.checks) {
            if (c.result === 'failed') failed++;
            expect(c.cumulative).toBe(failed);
            expect(c.streak).toBeLessThanOrEqual(c.cumulative);
          }
          if (a.variant?.t != null) expect(a.flagger).toMatchObject({ rolledBack: 'threshold', t: a.variant.t });
          const flaggerRolledBack = a.flagger.rolledBack === 'threshold';
          expect(a.verdict === 'flagger-only').toBe((flaggerRolledBack || a.checks.some((c) => c.cumulative >= threshold)) && a.longestStreak < threshold);
          // Flagger's rule in this harness: it rolls back once its count reached the threshold (and the run went on).
          if (flaggerRolledBack) expect(failed).toBeGreaterThanOrEqual(threshold);
        }
      }),
      { numRuns: 200 },
    );
  });
});
