import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario } from '../../simulation/scenario/loader';
import { aggregate, outlineOf } from '../../simulation/sweep/aggregate';
import { applyConfiguration, applyTargetOf } from '../../simulation/sweep/apply';
import { executeSweep, formatEta, SweepCancelled, type SweepWorker } from '../../simulation/sweep/execute';
import { readsSloRules, type RunRecord, SweepRunner } from '../../simulation/sweep/run';
import { mergeShards, parseShard, readShard, shardBlock } from '../../simulation/sweep/shard';
import { loadSweep, rolloutAllowance, runCount, unitOf } from '../../simulation/sweep/spec';
import { checkoutVariant, memoryHost, mustLoadSweep, sweepText } from '../support/sweep';
import { shardFiles, shuffledWorkers } from '../support/sweep-workers';

const SITUATIONS = `    - name: healthy
      weight: 0.9
    - name: errors
      weight: 0.1
      fault:
        type: http-abort
        code: 500
        percent: [1, 5]
`;

const runAll = (runner: SweepRunner): RunRecord[] => Array.from({ length: runCount(runner.plan) }, (_, u) => runner.run(u));

describe('sweep definitions', () => {
  it('expands knobs into configurations and list-valued faults and onsets into situations sharing their prior weight', () => {
    const plan = mustLoadSweep({
      'scenario.yaml': checkoutVariant({ canaryErrors: 0.4, primaryErrors: 0.1 }),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 3,
        parameters: `    - field: analysis.threshold
      values: [2, 4]
    - field: metrics.request-success-rate.thresholdRange.min
      range: { from: 99, to: 99.2, step: 0.1 }
`,
        situations: `    - name: healthy
      weight: 0.8
    - name: slow
      weight: 0.2
      fault:
        type: latency-shift
        factor: [2, 4]
      onset: [0s, 1m]
`,
      }),
    });
    expect(plan.configurations.map((c) => c.label)).toEqual([
      'threshold=2 request-success-rate.min=99',
      'threshold=2 request-success-rate.min=99.1',
      'threshold=2 request-success-rate.min=99.2',
      'threshold=4 request-success-rate.min=99',
      'threshold=4 request-success-rate.min=99.1',
      'threshold=4 request-success-rate.min=99.2',
    ]);
    expect(plan.canaries[4].analysis.threshold).toBe(4);
    expect(plan.canaries[4].analysis.metrics.find((m) => m.name === 'request-success-rate')?.thresholdRange?.min).toBe(99.1);
    expect(plan.situations.map((s) => [s.name, s.weight])).toEqual([
      ['healthy', 0.8],
      ['slow factor=2 onset=0s', 0.05],
      ['slow factor=2 onset=1m0s', 0.05],
      ['slow factor=4 onset=0s', 0.05],
      ['slow factor=4 onset=1m0s', 0.05],
    ]);
    // Aimed at the canary, starting at the deploy (1m) plus the onset.
    const s = plan.situations[2];
    expect(s.fault?.target).toEqual({ kind: 'version', app: 'checkout', version: 'canary' });
    expect(s.fault?.schedule.at).toBe(120);
    expect(runCount(plan)).toBe(6 * 5 * 3);
    expect(unitOf(plan, 6 * 5 * 3 - 1)).toEqual({ configuration: 5, situation: 4, replicate: 2 });
    // Long enough for the slowest configuration to finish: 5 steps + promotion + threshold 4 + 6 ticks of 30s, plus 2m.
    expect(plan.horizon[3]).toBe(60 + rolloutAllowance(plan.canaries[3]));
    expect(rolloutAllowance(plan.canaries[3])).toBe((5 + 1 + 4 + 6) * 30 + 120);
  });

  it('names file, line, column and field of every mistake, with what was expected', () => {
    const text = sweepText({
      scenario: 'scenario.yaml',
      parameters: `    - field: analysis.treshold
      values: [1]
    - field: analysis.threshold
      values: [0, 2]
    - field: metrics.request-sucess-rate.thresholdRange.min
      values: [99]
    - field: analysis.interval
      values: [30s, "1 minute"]
`,
      situations: `    - name: healthy
      weight: 1
    - name: crash
      weight: 1
      fault:
        type: pod-kill
        target: { pods: checkout }
    - name: healthy
      weight: 1
    - name: typo
      weight: 1
      fault:
        type: http-abrt
`,
    });
    const r = loadSweep('sweep.yaml', memoryHost({ 'scenario.yaml': checkoutVariant(), 'sweep.yaml': text }));
    expect(r.ok).toBe(false);
    const lines = r.diagnostics.map(formatDiagnostic);
    const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${line('analysis.treshold')}:\\d+: spec\\.parameters\\[0\\]\\.field: "analysis\\.treshold" is not a knob of the Canary \\(did you mean analysis\\.threshold\\?\\)`)));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.parameters\[1\]\.values\[0\]: threshold must be at least 1/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.parameters\[2\]\.field: the Canary shop\/checkout has no metric named request-sucess-rate \(did you mean request-success-rate\?\)/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.parameters\[3\]\.values\[1\]: interval must be a Go duration/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.situations\[1\]\.fault\.type: fast mode cannot run a pod-kill regression .*set mode: exact/));
    const second = text.split('\n').findIndex((l, i) => l.includes('- name: healthy') && i + 1 > line('- name: healthy')) + 1;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${second}:\\d+: spec\\.situations\\[2\\]\\.name: a situation named healthy already exists`)));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.situations\[3\]\.fault\.type: unknown fault type string "http-abrt" \(did you mean http-abort\?\)/));
    // A scenario that does not load: said, with its own located errors.
    const broken = loadSweep('sweep.yaml', memoryHost({ 'scenario.yaml': checkoutVariant().replace('duration: 8m', 'duration: 8 minutes'), 'sweep.yaml': text }));
    expect(broken.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/^sweep\.yaml:6:\d+: spec\.scenario: the scenario scenario\.yaml does not load \(1 error; run gameday validate scenario\.yaml\)/));
    expect(broken.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/^scenario\.yaml:\d+:\d+: spec\.duration: expected/));
    // Schema errors: located too.
    const bad = loadSweep('sweep.yaml', memoryHost({ 'sweep.yaml': 'apiVersion: gameday.dev/v1alpha1\nkind: Sweep\nmetadata: { name: x }\nspec:\n  scenario: s.yaml\n  seeds: 0\n  situations: []\n' }));
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual(expect.arrayContaining([expect.stringMatching(/^sweep\.yaml:6:10: spec\.seeds: expected at least 1 seed/), expect.stringMatching(/^sweep\.yaml:7:15: spec\.situations: expected at least one situation/)]));
  });
});

describe('known answers', () => {
  it('catches a canary that fails every request with every configuration', () => {
    const plan = mustLoadSweep({
      'scenario.yaml': checkoutVariant(),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 8,
        parameters: '    - field: analysis.threshold\n      values: [1, 3, 6]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [50, 99]\n',
        situations: '    - name: broken\n      weight: 1\n      fault: { type: http-abort, code: 503, percent: 100 }\n',
      }),
    });
    const result = aggregate(outlineOf(plan), runAll(new SweepRunner(plan)));
    for (const c of result.configurations) {
      expect(c.missedRegressions?.successes, c.label).toBe(0);
      expect(c.detection.caught, c.label).toBe(8);
      // Detected within threshold + 2 analysis intervals of 30 s after the deploy.
      expect(c.detection.p95 as number, c.label).toBeLessThanOrEqual((Number(c.values[0]) + 2) * 30 + 1);
      expect(c.badRequests as number, c.label).toBeGreaterThan(0);
    }
    expect(result.configurations[0].falseAborts).toBeNull();
  });

  it('never aborts a healthy canary without noise, whatever the configuration', () => {
    const plan = mustLoadSweep({
      'scenario.yaml': checkoutVariant({ interval: '1m' }),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 8,
        parameters: '    - field: analysis.threshold\n      values: [1, 2, 4]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [99, 99.99]\n',
        situations: '    - name: healthy\n      weight: 1\n',
      }),
    });
    const result = aggregate(outlineOf(plan), runAll(new SweepRunner(plan)));
    for (const c of result.configurations) {
      expect(c.falseAborts?.successes, c.label).toBe(0);
      expect(c.undecided, c.label).toBe(0);
      // Five steps of a minute to 50 %, then the promotion.
      expect(c.healthyDuration, c.label).toBeGreaterThan(5 * 60);
    }
    expect(result.configurations[0].missedRegressions).toBeNull();
    expect(result.configurations[0].detection).toEqual({ median: null, p95: null, caught: 0 });
  });

  it('runs a situation in exact mode on request: a crash-looping canary is rolled back', () => {
    const plan = mustLoadSweep({
      'scenario.yaml': checkoutVariant(),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 2,
        situations: '    - name: crashing\n      weight: 1\n      mode: exact\n      onset: 30s\n      fault: { type: crash-loop, target: { pods: checkout }, runFor: 5s }\n',
      }),
    });
    expect(plan.situations[0].mode).toBe('exact');
    const atDeploy = loadSweep('sweep.yaml', memoryHost({ 'scenario.yaml': checkoutVariant(), 'sweep.yaml': sweepText({ scenario: 'scenario.yaml', situations: '    - name: crashing\n      weight: 1\n      mode: exact\n      fault: { type: crash-loop, target: { pods: checkout } }\n' }) }));
    expect(atDeploy.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/warning: spec\.situations\[0\]\.onset: a pod fault at the deploy finds none of the new revision's pods/));
    expect(plan.configurations.map((c) => c.label)).toEqual(['as written']);
    const runner = new SweepRunner(plan);
    const result = aggregate(outlineOf(plan), runAll(runner));
    expect(result.configurations[0].situations[0]).toMatchObject({ promoted: 0, rolledBack: 2 });
    expect(runner.simulation(0).mode).toBe('exact');
  });

  it('recommends by the stated objective, and says why none qualifies', () => {
    const files = {
      'scenario.yaml': checkoutVariant({ canaryErrors: 0.4, primaryErrors: 0.1 }),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 12,
        parameters: '    - field: metrics.request-success-rate.thresholdRange.min\n      values: [95, 99, 99.8]\n',
        situations: SITUATIONS,
        objective: '  objective:\n    minimise: detectionP95\n    subjectTo:\n      falseAborts: { max: 0.1 }\n      missedRegressions: { max: 0.2 }\n',
      }),
    };
    const plan = mustLoadSweep(files);
    const result = aggregate(outlineOf(plan), runAll(new SweepRunner(plan)));
    const [lenient, middle, strict] = result.configurations;
    // 95 % lets 1 % and 5 % errors through; 99.8 % rolls the healthy canary (0.4 % errors) back.
    expect(lenient.missedRegressions?.rate).toBeGreaterThan(0.4);
    expect(strict.falseAborts?.rate).toBeGreaterThan(0.5);
    expect(result.recommendation.configuration).toBe(middle.index);
    expect(result.recommendation.reason).toMatch(/^request-success-rate\.min=99: the least detectionP95 \(\d+ s\) among configurations with falseAborts ≤ 10\.0 % and missedRegressions ≤ 20\.0 %/);
    // Examples to open: a false abort of the strict one, a miss of the lenient one.
    expect(strict.examples.find((e) => e.kind === 'false-abort')).toMatchObject({ situation: 0, outcome: 'rolled-back' });
    expect(lenient.examples.find((e) => e.kind === 'missed')?.outcome).toBe('promoted');
    const none = aggregate({ ...outlineOf(plan), objective: { minimise: 'detectionP95', subjectTo: { falseAborts: { max: 0, bound: 'upper' } } } }, runAll(new SweepRunner(plan)));
    expect(none.recommendation).toEqual({ configuration: null, reason: expect.stringContaining('no configuration meets falseAborts (upper 95 % bound) ≤ 0.00 %') });
  });
});

describe('sweep execution', () => {
  const plan = mustLoadSweep({
    'scenario.yaml': checkoutVariant({ canaryErrors: 0.4, primaryErrors: 0.1 }),
    'sweep.yaml': sweepText({ scenario: 'scenario.yaml', seeds: 5, parameters: '    - field: analysis.threshold\n      values: [2, 3]\n', situations: SITUATIONS }),
  });
  const outline = outlineOf(plan);
  const total = runCount(plan);
  const single = JSON.stringify(aggregate(outline, runAll(new SweepRunner(plan))));

  /** Workers that answer after a pseudo-random number of turns, so chunks finish out of order. */
  const shuffled = (n: number): SweepWorker[] => shuffledWorkers(n, () => new SweepRunner(plan));

  it('gives the same result whatever the number of workers and chunk size', async () => {
    for (const [workers, chunk] of [
      [1, 7],
      [3, 2],
      [5, 1],
    ]) {
      const progress: number[] = [];
      const records = await executeSweep(0, total, shuffled(workers), { chunk, now: () => 0, onProgress: (p) => progress.push(p.done) });
      expect(JSON.stringify(aggregate(outline, records))).toBe(single);
      expect(progress[0]).toBe(0);
      expect(progress.at(-1)).toBe(total);
    }
  });

  it('merges shards into the same bytes as one process, and refuses gaps, overlaps and other sweeps', async () => {
    const shards = await shardFiles(outline, total, 3, () => shuffled(2));
    const merged = mergeShards([shards[2], shards[0], shards[1]]);
    expect(merged.ok && JSON.stringify(merged.result)).toBe(single);
    expect(mergeShards([shards[0], shards[2]])).toEqual({ ok: false, error: expect.stringMatching(/runs are missing \(first: \d+\): shard 1\/3 not given/) });
    expect(mergeShards([shards[0], shards[0], shards[1], shards[2]])).toEqual({ ok: false, error: expect.stringMatching(/run 0 is in both shard-0\.json and shard-0\.json/) });
    const other = { file: 'other.json', shard: { ...shards[1].shard, sweep: { ...outline, fingerprint: 'f'.repeat(64) } } };
    expect(mergeShards([shards[0], other, shards[2]])).toEqual({ ok: false, error: expect.stringContaining('other.json comes from a different sweep or different files than shard-0.json') });
    expect(readShard('x.json', '{"kind":"something"}')).toEqual({ ok: false, error: expect.stringMatching(/^x\.json: kind: expected kind gameday-sweep-shard/) });
    expect(readShard('x.json', 'nope')).toEqual({ ok: false, error: expect.stringMatching(/^x\.json: not JSON/) });
    // Blocks partition the runs.
    for (const n of [1, 2, 7]) {
      const blocks = Array.from({ length: n }, (_, i) => shardBlock(total, i, n));
      expect(blocks[0].from).toBe(0);
      expect(blocks.at(-1)?.to).toBe(total);
      for (let i = 1; i < n; i++) expect(blocks[i].from).toBe(blocks[i - 1].to);
    }
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('4/4')).toEqual({ error: 'shard 4/4: shards are numbered 0 to 3' });
    expect(parseShard('one')).toEqual({ error: expect.stringContaining('expected the shard as i/N') });
  });

  it('stops when cancelled, and passes a worker failure on', async () => {
    let calls = 0;
    const err = await executeSweep(0, total, shuffled(2), { chunk: 2, now: () => 0, cancelled: () => ++calls > 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(SweepCancelled);
    expect((err as SweepCancelled).done).toBeLessThan(total);
    const failing: SweepWorker = { run: async () => Promise.reject(new Error('worker crashed')) };
    await expect(executeSweep(0, total, [failing], { now: () => 0 })).rejects.toThrow('worker crashed');
    const short: SweepWorker = { run: async () => [] };
    await expect(executeSweep(0, total, [short], { now: () => 0, chunk: 4 })).rejects.toThrow('a worker answered 0 records for runs 0–3');
    expect(formatEta(400)).toBe('<1s');
    expect(formatEta(65_000)).toBe('1m 05s');
    expect(formatEta(3_725_000)).toBe('1h 02m');
  });
});

describe('SLO rules in sweep runs', () => {
  it('skips the rules when nothing the rollout reads depends on them, with the same result, and keeps them when a query may read them', () => {
    const files = {
      'sweep.yaml': sweepText({ scenario: 'scenarios/budget-halt.yaml', seeds: 2, parameters: '    - field: analysis.threshold\n      values: [2, 5]\n', situations: SITUATIONS }),
    };
    const plan = mustLoadSweep(files);
    const runner = new SweepRunner(plan);
    // budget-halt's promotion gate answers from the error budget policy, which reads the SLI queries, not the rules.
    expect(runner.sloRules).toBe(false);
    const withRules = new SweepRunner(plan);
    (withRules as { sloRules: boolean }).sloRules = true;
    const a = aggregate(outlineOf(plan), runAll(runner));
    expect(JSON.stringify(a)).toBe(JSON.stringify(aggregate(outlineOf(plan), runAll(withRules))));
    expect(a.configurations[0].situations[0]).toMatchObject({ promoted: 0, rolledBack: 0, undecided: 2 });
    // The run view's runs keep them: it shows the alerts.
    expect(runner.simulation(0, { latencySummaries: true }).runToEnd().slo[0].alerts.length).toBeGreaterThan(0);
    expect(runner.simulation(0).runToEnd().slo[0].alerts).toEqual([]);
    // A MetricTemplate reading ALERTS or a recorded ratio, or selecting without a metric name, keeps them.
    const flagger = plan.scenario.flagger as NonNullable<typeof plan.scenario.flagger>;
    const reading = (query: string) => readsSloRules({ scenario: { ...plan.scenario, flagger: { ...flagger, templates: [...flagger.templates, { name: 'x', namespace: 'shop', providerType: 'prometheus', providerAddress: '', query }] } } });
    expect(reading('sum(ALERTS{alertstate="firing", severity="page"})')).toBe(true);
    expect(reading('max(slo:sli_error:ratio_rate5m{sloth_service="orders-api"})')).toBe(true);
    expect(reading('count({__name__=~"slo:.+"})')).toBe(true);
    expect(reading('sum(rate({service=~"shop-.*"}[1m]))')).toBe(true);
    expect(reading('sum(rate(traefik_service_requests_total{service=~"{{ target }}-canary.*"}[{{ interval }}]))')).toBe(false);
  });
});

describe('apply', () => {
  it('writes each configuration into the Canary exactly as the sweep ran it', () => {
    const files = {
      'scenario.yaml': checkoutVariant(),
      'sweep.yaml': sweepText({
        scenario: 'scenario.yaml',
        seeds: 1,
        parameters: `    - field: analysis.threshold
      values: [2, 5]
    - field: analysis.interval
      values: [5s, 1m]
    - field: metrics.request-duration.thresholdRange.max
      values: [250]
    - field: metrics.request-success-rate.thresholdRange.max
      values: [100]
`,
        situations: '    - name: healthy\n      weight: 1\n',
      }),
    };
    const plan = mustLoadSweep(files);
    const target = applyTargetOf(outlineOf(plan));
    expect(target.file).toBe('scenario.yaml');
    for (const c of plan.configurations) {
      const r = applyConfiguration(target, c.values, memoryHost(files));
      if (!r.ok) throw new Error(r.error);
      const reloaded = loadScenario('scenario.yaml', memoryHost({ ...files, 'scenario.yaml': r.patch.after }));
      if (!reloaded.ok) throw new Error(reloaded.diagnostics.map(formatDiagnostic).join('\n'));
      // The compiled Canary the sweep ran is what the loader reads from the patched file (5s runs every 10s).
      expect(reloaded.scenario.flagger?.canaries[0]).toEqual(plan.canaries[c.index]);
      expect(r.patch.diff).toContain('--- a/scenario.yaml\n+++ b/scenario.yaml\n@@ ');
      expect(r.patch.diff).toContain(`+    threshold: ${c.values[0]}\n`);
      expect(r.patch.diff).toContain('-    threshold: 3\n');
    }
    // Everything but the knobs' lines is kept.
    const r = applyConfiguration(target, [3, '30s', 500, 100], memoryHost(files));
    expect(r.ok && r.patch.after).toBe(files['scenario.yaml'].replace('          min: 99\n', '          min: 99\n          max: 100\n'));
    expect(applyConfiguration(target, [3], memoryHost(files))).toEqual({ ok: false, error: 'expected 4 values (one per parameter), got 1' });
  });

  it('edits the included manifest file that holds the Canary', () => {
    const r = loadSweep(
      'sweep.yaml',
      memoryHost({
        'sweep.yaml': sweepText({ scenario: 'scenarios/default.yaml', seeds: 1, parameters: '    - field: analysis.threshold\n      values: [7]\n', situations: '    - name: healthy\n      weight: 1\n' }),
      }),
    );
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    const target = applyTargetOf(outlineOf(r.plan));
    expect(target.file).not.toBe('scenarios/default.yaml');
    expect(target.file).toMatch(/^scenarios\/manifests\//);
    const patched = applyConfiguration(target, [7], memoryHost({}));
    expect(patched.ok && patched.patch.diff).toMatch(/\n\+ {4}threshold: 7\n/);
  });
});
