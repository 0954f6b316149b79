import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSweepResult } from '../../cli/sweep';
import { aggregate, asJudge, measureOf, outlineOf, type PlanOutline } from '../../simulation/sweep/aggregate';
import { readsSloRules, type RunRecord, shadowRecordOf, SweepRunner } from '../../simulation/sweep/run';
import { mergeShards } from '../../simulation/sweep/shard';
import { runCount } from '../../simulation/sweep/spec';
import { wilson } from '../../simulation/sweep/stats';
import { repoRoot } from '../support/scenario';
import { mustLoadSweep, sweepText } from '../support/sweep';
import { resultOn, shardFiles, shuffledWorkers } from '../support/sweep-workers';

/**
 * Shadow judges in the tuning lab (docs/tuning.md, "Shadow judges"): each
 * run records what every judge would have done, and each configuration gets
 * each judge's false-abort rate, missed-regression rate (promoted or left
 * undecided) and detection times with the intervals and prior weights
 * Flagger's measures use — the same bytes on any number of workers and from
 * merged shards.
 */

const DIR = 'scenarios/examples';
const read = (p: string) => readFileSync(resolve(repoRoot, p), 'utf8');
const SLOW = '      canary:\n        latency:\n          p50: 40ms\n          p99: 240ms\n';
/** The shadow-judges example with a healthy canary (as good as the primary): the regressions come from the sweep. */
const SCENARIO = read(`${DIR}/shadow-judges.gameday.yaml`).replace(SLOW, '');
const FILES = {
  'scenario.yaml': SCENARIO,
  'shadow-judges/analysis-template.yaml': read(`${DIR}/shadow-judges/analysis-template.yaml`),
  'shadow-judges/canary-config.yaml': read(`${DIR}/shadow-judges/canary-config.yaml`),
};

const runAll = (runner: SweepRunner): RunRecord[] => Array.from({ length: runCount(runner.plan) }, (_, u) => runner.run(u));

describe('shadow judges in a sweep: a known answer by hand', () => {
  const outline: PlanOutline = {
    name: 'by-hand',
    description: null,
    scenario: 'scenario.yaml',
    canary: 'shop/checkout',
    canaryFile: 'scenario.yaml',
    fingerprint: 'f'.repeat(64),
    seeds: 4,
    seed: 1,
    confidence: 0.95,
    parameters: [],
    configurations: [{ index: 0, values: [], label: 'as written' }],
    situations: [
      { index: 0, name: 'healthy', group: 'healthy', weight: 0.5, healthy: true, onset: 0, mode: 'fast', variant: {}, fault: null },
      { index: 1, name: 'errors', group: 'errors', weight: 0.5, healthy: false, onset: 30, mode: 'fast', variant: {}, fault: 'http-abort' },
    ],
    objective: { minimise: 'detectionP95', subjectTo: {} },
    judges: [{ name: 'k', judge: 'kayenta' }],
  };
  // Flagger promotes the healthy runs and rolls the regressions back at 150 s; the judge does otherwise.
  const flagger = (u: number, healthy: boolean): RunRecord => ({ u, outcome: healthy ? 'promoted' : 'rolled-back', decidedAfter: healthy ? 300 : 150, detection: healthy ? null : 120, badRequests: healthy ? 0 : 10, budget: null });
  const judge = ['rollback', 'promote', 'promote', 'inconclusive', 'rollback', 'rollback', 'undecided', 'promote'] as const;
  const at = [200, 300, 300, 250, 90, 120, null, 300];
  const records: RunRecord[] = judge.map((v, u) => ({ ...flagger(u, u < 4), shadow: [shadowRecordOf({ verdict: v, at: at[u] }, 60, 60 + (u < 4 ? 0 : 30), u < 4)] }));

  it('counts rollbacks of healthy canaries and regressions promoted or left undecided, with Wilson intervals', () => {
    const r = aggregate(outline, records);
    const j = r.configurations[0].judges?.[0];
    expect(j).toBeDefined();
    if (!j) return;
    // Healthy: 1 rollback of 4; regressions: 1 promoted + 1 undecided of 4; detection 90 − 90 → 0 and 120 − 90 → 30.
    expect(j.falseAborts).toEqual(wilson(1, 4));
    expect(j.missedRegressions).toEqual(wilson(2, 4));
    expect(j.detection).toEqual({ median: 15, p95: 28.5, caught: 2 });
    expect([j.inconclusive, j.undecided]).toEqual([1, 1]);
    expect(j.situations).toEqual([
      { situation: 0, promoted: 2, rolledBack: 1, inconclusive: 1, undecided: 0, detectionMedian: null },
      { situation: 1, promoted: 1, rolledBack: 2, inconclusive: 0, undecided: 1, detectionMedian: 15 },
    ]);
    const asJ = asJudge(r.configurations[0], 0);
    expect(measureOf(asJ, 'missedRegressions')).toBe(0.5);
    expect(measureOf(asJ, 'falseAborts', 'upper')).toBe(wilson(1, 4).high);
    expect(measureOf(asJ, 'detectionMedian')).toBe(15);
    expect(measureOf(asJ, 'healthyDuration')).toBeNaN();
    expect(asJ.undecided).toBe(1);
    expect(() => asJudge(r.configurations[0], 1)).toThrow(RangeError);
    // Flagger's own measures are untouched by the judge.
    expect(r.configurations[0].falseAborts).toEqual(wilson(0, 4));
    expect(r.configurations[0].missedRegressions).toEqual(wilson(0, 4));
    // Records keep what the verdict means: inconclusive and undecided have no detection; healthy runs never do.
    expect(records.map((x) => x.shadow?.[0])).toEqual([
      { outcome: 'rolled-back', decidedAfter: 140, detection: null },
      { outcome: 'promoted', decidedAfter: 240, detection: null },
      { outcome: 'promoted', decidedAfter: 240, detection: null },
      { outcome: 'inconclusive', decidedAfter: 190, detection: null },
      { outcome: 'rolled-back', decidedAfter: 30, detection: 0 },
      { outcome: 'rolled-back', decidedAfter: 60, detection: 30 },
      { outcome: 'undecided', decidedAfter: null, detection: null },
      { outcome: 'promoted', decidedAfter: 240, detection: null },
    ]);
  });

  it('weights the situations by their priors, as for Flagger', () => {
    const weighted: PlanOutline = {
      ...outline,
      situations: [...outline.situations, { index: 2, name: 'errors-2', group: 'errors-2', weight: 1.5, healthy: false, onset: 30, mode: 'fast', variant: {}, fault: 'http-abort' }],
    };
    // Situation 2: every run missed (promoted).
    const more = [8, 9, 10, 11].map((u): RunRecord => ({ ...flagger(u, false), shadow: [shadowRecordOf({ verdict: 'promote', at: 300 }, 60, 90, false)] }));
    const j = aggregate(weighted, [...records, ...more]).configurations[0].judges?.[0];
    // (0.5 × 2/4 + 1.5 × 4/4) ÷ 2 = 0.875.
    expect(j?.missedRegressions?.rate).toBe(0.875);
    expect(j?.missedRegressions?.successes).toBe(6);
  });
});

describe('shadow judges in a sweep of the example', () => {
  const plan = mustLoadSweep({
    ...FILES,
    'sweep.yaml': sweepText({
      scenario: 'scenario.yaml',
      seeds: 4,
      parameters: '    - field: analysis.threshold\n      values: [2, 3]\n',
      situations: '    - name: healthy\n      weight: 0.5\n    - name: broken\n      weight: 0.5\n      fault: { type: http-abort, code: 500, percent: 50 }\n',
    }),
  });
  const outline = outlineOf(plan);
  const total = runCount(plan);
  const records = runAll(new SweepRunner(plan));
  const result = aggregate(outline, records);
  const single = JSON.stringify(result);

  it('measures every judge on the same runs as Flagger', () => {
    expect(outline.judges).toEqual([
      { name: 'argo-golden-signals', judge: 'argo' },
      { name: 'kayenta', judge: 'kayenta' },
      { name: 'consecutive', judge: 'consecutive' },
    ]);
    // Small records: three verdicts per run.
    expect(records.every((r) => r.shadow?.length === 3)).toBe(true);
    for (const c of result.configurations) {
      expect(c.falseAborts?.successes, c.label).toBe(0);
      expect(c.missedRegressions?.successes, c.label).toBe(0);
      for (const j of c.judges ?? []) {
        // A canary failing half its requests: every judge would roll it back, no later than Flagger's decision.
        expect(j.missedRegressions?.successes, `${c.label} ${j.name}`).toBe(0);
        expect(j.detection.caught, `${c.label} ${j.name}`).toBe(4);
        expect(j.detection.p95 as number, `${c.label} ${j.name}`).toBeLessThanOrEqual((c.detection.p95 as number) + 1e-9);
      }
      // The healthy canary: Argo's absolute bounds and the consecutive rule never roll it back. Kayenta can: a p99 of
      // a 10 % canary (6 requests a second) is noisy, and a High on it costs the latency group half its score.
      expect(c.judges?.map((j) => j.falseAborts?.successes === 0)).toEqual([true, expect.any(Boolean), true]);
    }
    // Each judge's counts are its runs' verdicts, situation by situation.
    for (const c of result.configurations) {
      c.judges?.forEach((j, k) => {
        for (const sit of j.situations) {
          const runs = records.filter((r) => Math.floor(r.u / 8) === c.index && Math.floor((r.u % 8) / 4) === sit.situation).map((r) => r.shadow?.[k].outcome);
          expect([sit.promoted, sit.rolledBack, sit.inconclusive, sit.undecided], `${c.label} ${j.name} ${sit.situation}`).toEqual(['promoted', 'rolled-back', 'inconclusive', 'undecided'].map((o) => runs.filter((x) => x === o).length));
        }
        expect(j.falseAborts?.successes).toBe(j.situations[0].rolledBack);
      });
    }
    // Argo's success rate fails at 2:30 and 3:00 (failureLimit 1): 2 minutes after the regression's onset at the deploy (1:00).
    expect(result.configurations.map((c) => c.judges?.[0].detection.median)).toEqual([120, 120]);
    // The consecutive rule, with each configuration's threshold (none given), rolls back exactly where Flagger does.
    for (const c of result.configurations) expect(c.judges?.[2].detection).toEqual(c.detection);
  });

  it('keeps the judges\' queries in mind when deciding whether the SLO rules must run', () => {
    expect(readsSloRules(plan)).toBe(false);
    const reads = mustLoadSweep({
      ...FILES,
      'scenario.yaml': SCENARIO.replace('  shadowJudges:\n', '  slos:\n    - name: availability\n      objective: 99.5\n      indicator:\n        ratio:\n          bad: traefik_service_requests_total{code=~"5.."}\n          total: traefik_service_requests_total\n  shadowJudges:\n'),
      'shadow-judges/analysis-template.yaml': FILES['shadow-judges/analysis-template.yaml'].replace(/sum\(rate\(traefik_service_requests_total\{service="\{\{args.service\}\}", code!~"5.."\}\[1m\]\)\)/, 'slo:sli_error:ratio_rate5m'),
      'sweep.yaml': sweepText({ scenario: 'scenario.yaml', seeds: 1, situations: '    - name: healthy\n      weight: 1\n' }),
    });
    expect(readsSloRules(reads)).toBe(true);
  });

  it('gives the same bytes on any number of workers and from merged shards', async () => {
    const workers = (n: number) => shuffledWorkers(n, () => new SweepRunner(plan));
    expect(await resultOn(outline, total, workers(1), 5)).toBe(single);
    expect(await resultOn(outline, total, workers(3), 2)).toBe(single);
    const shards = await shardFiles(outline, total, 3, () => workers(2));
    // A shard's record carries the verdicts compactly: [outcome, decidedAfter, detection] per judge.
    expect(shards[0].shard.records[0]).toHaveLength(7);
    const merged = mergeShards([shards[1], shards[2], shards[0]]);
    expect(merged.ok && JSON.stringify(merged.result)).toBe(single);
  });

  it('prints each judge under Flagger\'s table, marked as a dry run', () => {
    const text = formatSweepResult(result, null);
    expect(text).toContain('Shadow judge kayenta (kayenta, dry run: it did not act) on the same runs; missed = regressions it would promote or not decide on before Flagger\'s analysis ended');
    const table = text.split('\n');
    const at = table.findIndex((l) => l.startsWith('Shadow judge argo-golden-signals'));
    expect(table[at + 1].split(/\s{2,}/)).toEqual(['configuration', 'false aborts %', 'missed %', 'detect p50 s', 'detect p95 s', 'inconclusive', 'undecided']);
    expect(table[at + 2].trim().split(/\s{2,}/)).toEqual(['threshold=2', '0.0 [0.0–49.0]', '0.0 [0.0–49.0]', '120', '120', '0', '0']);
  });
});
