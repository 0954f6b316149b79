import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSweepResult } from '../../cli/sweep';
import { replay } from '../../simulation/replay/dry-run';
import { parseEvents } from '../../simulation/replay/events';
import { importFiles } from '../../simulation/replay/import';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { aggregate, outlineOf } from '../../simulation/sweep/aggregate';
import { type RunRecord, SweepRunner } from '../../simulation/sweep/run';
import { mergeShards, readShard, toShard } from '../../simulation/sweep/shard';
import { loadSweep, runCount, type SweepPlan, unitOf } from '../../simulation/sweep/spec';
import { RECORDINGS, recordCheckout } from '../support/recordings';
import { repoHost, repoRoot } from '../support/scenario';
import { memoryHost, mustLoadSweep, sweepText } from '../support/sweep';
import { resultOn, shardFiles, shuffledWorkers } from '../support/sweep-workers';

/**
 * Replayed rollouts as the tuning lab's situations (docs/tuning.md,
 * "Replayed rollouts as situations"): the bundled recordings of checkout
 * (scenarios/examples/recordings/) judged by each configuration's Canary in
 * dry run, once per seed over the recording with its counters drawn again.
 */

const read = (p: string) => readFileSync(resolve(repoRoot, p), 'utf8');
const HEALTHY = RECORDINGS.healthy.file;
const ERRORS = RECORDINGS.errors.file;
const EVENTS = RECORDINGS.errors.events;

const runAll = (runner: SweepRunner): RunRecord[] => Array.from({ length: runCount(runner.plan) }, (_, u) => runner.run(u));

const CHECKOUT = (() => {
  const plan = mustLoadSweep({ 'sweep.yaml': sweepText({ scenario: 'scenarios/checkout-canary.yaml', situations: '    - name: x\n      weight: 1\n' }) });
  const flagger = plan.scenario.flagger;
  const canary = flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === plan.canary);
  if (!flagger || !canary) throw new Error('no Canary');
  return { canary, templates: flagger.templates };
})();

/** `gameday replay`'s dry runs of a recording with the scenario's Canary, as written and with candidate settings (replay(), as cli/replay.ts calls it). */
function replayed(data: string, events: string | null, overrides: string[]) {
  const imported = importFiles([{ file: data, text: read(data) }]);
  expect(imported.diagnostics).toEqual([]);
  const r = replay({ ...CHECKOUT, store: imported.store, events: events === null ? null : parseEvents(events, read(events)), overrides });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.result;
}

/** A sweep of the checkout scenario at the repository root, so the recordings are read where they are. */
function sweepOver(situations: string, o: { parameters?: string; seeds?: number } = {}): string {
  return sweepText({ scenario: 'scenarios/checkout-canary.yaml', seeds: o.seeds ?? 4, parameters: o.parameters, situations });
}

const REPLAYS = `    - name: recorded-healthy
      weight: 0.5
      replay:
        data: ${HEALTHY}
        healthy: true
    - name: recorded-errors
      weight: 0.5
      replay:
        data: [${ERRORS}]
        events: ${EVENTS}
        healthy: false
        onset: 30s
`;

describe('the bundled recordings', () => {
  it('are checkout\'s rollouts as the sweep says: the healthy canary promoted at 4:30, the regression rolled back at 4:00', () => {
    // test/support/recordings.ts made them from the checkout scenario; REGENERATE_RECORDINGS=1 makes them again.
    for (const k of ['healthy', 'errors'] as const) {
      const { file, events } = RECORDINGS[k];
      if (process.env.REGENERATE_RECORDINGS) {
        const r = recordCheckout(k);
        writeFileSync(resolve(repoRoot, file), r.openMetrics);
        if (events) writeFileSync(resolve(repoRoot, events), r.events);
      }
      const result = replayed(file, events, []);
      expect(result.runs[0].outcome).toMatchObject(k === 'healthy' ? { result: 'promoted', atMs: Date.UTC(2026, 0, 1, 0, 4, 30) } : { result: 'rolled-back', atMs: Date.UTC(2026, 0, 1, 0, 4, 0) });
      if (k === 'errors') expect(result.actual).toMatchObject({ source: 'events', outcome: 'rolled-back', decidedAtMs: Date.UTC(2026, 0, 1, 0, 4, 0) });
      // Small: only the series the Canary and the timeline read.
      expect(read(file).length).toBeLessThan(80_000);
    }
  });
});

describe('a replayed situation in a sweep', () => {
  const plan = mustLoadSweep({ 'sweep.yaml': sweepOver(REPLAYS, { parameters: '    - field: analysis.threshold\n      values: [2, 3, 5]\n', seeds: 6 }) });

  it('reads the recording once, at load, with its timeline', () => {
    const [h, e] = plan.situations;
    expect(h).toMatchObject({ name: 'recorded-healthy', healthy: true, onset: 0, fault: null });
    expect(e).toMatchObject({ name: 'recorded-errors', healthy: false, onset: 30, fault: null });
    expect(h.replay?.data).toEqual([HEALTHY]);
    expect(e.replay?.events).toBe(EVENTS);
    // The recorded analysis starts at 1:30 (the deploy at 1:00 plus Flagger's initialisation tick).
    expect(((h.replay?.startMs ?? 0) - Date.UTC(2026, 0, 1)) / 1000).toBe(90);
    expect(e.replay?.timeline.source).toBe('events');
    expect(e.replay?.recorded).toBe('rolled-back');
    // The outline says what is replayed; the fingerprint covers the recordings.
    expect(outlineOf(plan).situations[1].replay).toEqual({ data: [ERRORS], events: EVENTS, noise: 'poisson', recorded: 'rolled-back' });
    const other = mustLoadSweep({ 'sweep.yaml': sweepOver(REPLAYS, { parameters: '    - field: analysis.threshold\n      values: [2, 3, 5]\n', seeds: 6 }), [HEALTHY]: `${read(HEALTHY).replace('# EOF\n', '')}# EOF\n\n` });
    expect(other.fingerprint).not.toBe(plan.fingerprint);
  });

  it('has no simulation to open', () => {
    const runner = new SweepRunner(plan);
    expect(() => runner.simulation(0)).toThrow(/^a replayed situation has no simulation to open: run 0 is the Canary's analysis replayed in dry run over the recording scenarios\/examples\/recordings\/checkout-healthy\.om/);
  });

  it('measures each run from the recorded analysis start: decision, detection from the onset, the canary\'s requests from the onset', () => {
    const runner = new SweepRunner(plan);
    const records = runAll(runner);
    for (const r of records) {
      const { situation } = unitOf(plan, r.u);
      expect(r.budget).toBeNull();
      expect(r.shadow).toBeUndefined();
      if (situation === 0) {
        expect(r.detection).toBeNull();
        expect(r.badRequests).toBe(0);
      } else if (r.outcome === 'rolled-back') {
        expect(r.detection).toBe(Math.max(0, (r.decidedAfter as number) - 30));
        expect(r.badRequests).toBeGreaterThan(0);
      }
    }
    // Common random numbers: a replicate's recording is the same in every configuration, so a higher threshold
    // never rolls back a run a lower one promoted, nor detects sooner.
    const at = (c: number, s: number, r: number) => records[(c * 2 + s) * 6 + r];
    for (let s = 0; s < 2; s++) {
      for (let r = 0; r < 6; r++) {
        for (const [lo, hi] of [
          [0, 1],
          [1, 2],
        ]) {
          const a = at(lo, s, r);
          const b = at(hi, s, r);
          if (a.outcome === 'promoted') expect(b.outcome).not.toBe('rolled-back');
          if (a.outcome === 'rolled-back' && b.outcome === 'rolled-back') expect(b.decidedAfter).toBeGreaterThanOrEqual(a.decidedAfter as number);
        }
      }
    }
    // The noise matters: the replicates of the regression count different bad requests.
    const errors = records.filter((r) => unitOf(plan, r.u).situation === 1 && unitOf(plan, r.u).configuration === 0);
    expect(new Set(errors.map((r) => r.badRequests)).size).toBeGreaterThan(1);
  });

  it('gives the same bytes on 1 and 3 workers, any chunking, and from merged shards', async () => {
    const outline = outlineOf(plan);
    const total = runCount(plan);
    const single = JSON.stringify(aggregate(outline, runAll(new SweepRunner(plan))));
    // Another load of the same files (as each worker makes): the same records.
    const again = mustLoadSweep({ 'sweep.yaml': sweepOver(REPLAYS, { parameters: '    - field: analysis.threshold\n      values: [2, 3, 5]\n', seeds: 6 }) });
    const workers = (n: number) => shuffledWorkers(n, (w) => new SweepRunner(w % 2 === 0 ? plan : again));
    expect(await resultOn(outline, total, workers(1), 5)).toBe(single);
    expect(await resultOn(outline, total, workers(3), 2)).toBe(single);
    const shards = await shardFiles(outline, total, 3, () => workers(2));
    const merged = mergeShards([shards[2], shards[0], shards[1]]);
    expect(merged.ok && JSON.stringify(merged.result)).toBe(single);
  });
});

describe('noise: none', () => {
  it('reproduces gameday replay\'s decision exactly, as written and with candidate settings, on every seed', () => {
    const plan = mustLoadSweep({
      'sweep.yaml': sweepOver(REPLAYS.replace(/healthy: (true|false)\n/g, (m) => `${m}        noise: none\n`), {
        parameters: '    - field: analysis.threshold\n      values: [3, 2]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [99, 99.8]\n',
        seeds: 3,
      }),
    });
    expect(plan.configurations.map((c) => c.label)).toEqual(['threshold=3 request-success-rate.min=99', 'threshold=3 request-success-rate.min=99.8', 'threshold=2 request-success-rate.min=99', 'threshold=2 request-success-rate.min=99.8']);
    const overrides = [[], ['metrics.request-success-rate.thresholdRange.min=99.8'], ['analysis.threshold=2'], ['analysis.threshold=2', 'metrics.request-success-rate.thresholdRange.min=99.8']];
    const records = runAll(new SweepRunner(plan));
    for (const r of records) {
      const { configuration, situation, replicate } = unitOf(plan, r.u);
      const [data, events] = situation === 0 ? [HEALTHY, null] : [ERRORS, EVENTS];
      const result = replayed(data, events, overrides[configuration]);
      const run = result.runs[result.runs.length - 1];
      const start = result.timeline.startMs as number;
      expect(r.outcome).toBe(run.outcome.result);
      expect(r.decidedAfter).toBe(run.outcome.atMs === null ? null : (run.outcome.atMs - start) / 1000);
      // Without noise every seed is the same run.
      expect({ ...r, u: 0 }).toEqual({ ...records[r.u - replicate], u: 0 });
    }
    // The known answers (the recordings' events, docs/tuning.md): as written, the healthy recording is promoted at 4:30
    // (180 s into the analysis) and the regression rolled back at 4:00 (150 s, 120 s after its onset); a 99.8 % floor
    // rolls the healthy one back.
    expect(records[0]).toEqual({ u: 0, outcome: 'promoted', decidedAfter: 180, detection: null, badRequests: 0, budget: null });
    expect(records[3]).toMatchObject({ outcome: 'rolled-back', decidedAfter: 150, detection: 120 });
    expect(records[6]).toMatchObject({ outcome: 'rolled-back' });
  });
});

describe('what a replay counts', () => {
  it('counts a rollback of a recording labelled healthy as a false abort', () => {
    const plan = mustLoadSweep({
      'sweep.yaml': sweepOver(`    - name: said-healthy
      weight: 1
      replay:
        data: ${ERRORS}
        healthy: true
        noise: none
    - name: errors
      weight: 1
      fault: { type: http-abort, code: 500, percent: 50 }
`),
    });
    const result = aggregate(outlineOf(plan), runAll(new SweepRunner(plan)));
    const c = result.configurations[0];
    expect(c.falseAborts?.rate).toBe(1);
    expect(c.situations[0]).toMatchObject({ promoted: 0, rolledBack: 4, undecided: 0 });
    expect(c.examples.find((e) => e.situation === 0)).toMatchObject({ kind: 'false-abort', outcome: 'rolled-back' });
    // The table says which situations are replays and where they come from.
    const text = formatSweepResult(result, null);
    expect(text).toContain('Situations (prior weight): said-healthy (1, replayed healthy), errors (1)');
    expect(text).toContain(`  said-healthy: ${ERRORS}; recorded rolled-back; noise none\n`);
  });

  it('counts a replayed regression still undecided when the recording ends as missed, so a too-slow configuration is not recommended', () => {
    // Flagger rolled the recorded regression back after 3 failed checks: threshold 5 cannot decide within the recording.
    const plan = mustLoadSweep({
      'sweep.yaml': sweepOver(
        `    - name: recorded-errors
      weight: 1
      replay:
        data: ${ERRORS}
        events: ${EVENTS}
        healthy: false
        onset: 30s
        noise: none
    - name: healthy
      weight: 1
`,
        { parameters: '    - field: analysis.threshold\n      values: [2, 5]\n' },
      ),
    });
    const result = aggregate(outlineOf(plan), runAll(new SweepRunner(plan)));
    const [fast, slow] = result.configurations;
    expect(fast.situations[0]).toMatchObject({ rolledBack: 4, undecided: 0 });
    expect(fast.missedRegressions?.rate).toBe(0);
    expect(slow.situations[0]).toMatchObject({ promoted: 0, rolledBack: 0, undecided: 4 });
    expect(slow.missedRegressions?.rate).toBe(1);
    expect(slow.examples.find((e) => e.situation === 0)).toMatchObject({ kind: 'missed', outcome: 'undecided' });
    expect(result.recommendation.configuration).toBe(fast.index);
    expect(formatSweepResult(result, null)).toContain('a replayed regression left undecided counts as missed');
  });

  it('leaves replays out of the shadow judges\' measures (they judge the simulated runs only)', () => {
    const dir = 'scenarios/examples';
    const files = { 'sweep.yaml': sweepText({ scenario: `${dir}/shadow-judges.gameday.yaml`, seeds: 2, situations: `    - name: healthy\n      weight: 1\n${REPLAYS}` }) };
    const plan = mustLoadSweep(files);
    const records = runAll(new SweepRunner(plan));
    expect(records.filter((r) => r.shadow !== undefined).map((r) => unitOf(plan, r.u).situation)).toEqual([0, 0]);
    const outline = outlineOf(plan);
    const result = aggregate(outline, records);
    const judges = result.configurations[0].judges ?? [];
    expect(judges.length).toBe(outline.judges?.length);
    for (const j of judges) {
      expect(j.situations.map((s) => s.situation)).toEqual([0]);
      expect(j.missedRegressions).toBeNull();
      expect(j.falseAborts?.rate).not.toBeNaN();
    }
    // Through a shard file: a replay's record has no judges' cells.
    const shard = readShard('s.json', JSON.stringify(toShard(outline, { index: 0, count: 1 }, 0, records.length, records)));
    if (!shard.ok) throw new Error(shard.error);
    expect(shard.shard.records.map((r) => r.length)).toEqual([7, 7, 6, 6, 6, 6]);
    const merged = mergeShards([{ file: 's.json', shard: shard.shard }]);
    expect(merged.ok && JSON.stringify(merged.result)).toBe(JSON.stringify(result));
    expect(formatSweepResult(result, null)).toContain('on the same runs (the simulated situations: judges do not judge replays)');
  });
});

describe('the bundled example sweep', () => {
  it('loads without a warning and replays both recordings', () => {
    const r = loadSweep('scenarios/sweeps/checkout-with-recordings.yaml', repoHost);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const plan = (r as { plan: SweepPlan }).plan;
    expect(plan.situations.map((s) => [s.name, s.replay ? 'replay' : 'simulated', s.healthy])).toEqual([
      ['healthy', 'simulated', true],
      ['errors', 'simulated', false],
      ['recorded-healthy', 'replay', true],
      ['recorded-errors', 'replay', false],
    ]);
  });
});

describe('located errors', () => {
  /** The diagnostics of a sweep whose one situation is `situation` (YAML at its list indent), with extra files. */
  function errorsOf(situation: string, files: Record<string, string> = {}): { text: string; lines: string[] } {
    const text = sweepOver(situation);
    const r = loadSweep('sweep.yaml', memoryHost({ 'sweep.yaml': text, ...files }));
    expect(r.ok).toBe(false);
    return { text, lines: r.diagnostics.map(formatDiagnostic) };
  }
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const replaying = (fields: string) => `    - name: rec\n      weight: 1\n      replay:\n${fields}`;

  it('an unreadable recording, at the file in replay.data', () => {
    const { text, lines } = errorsOf(replaying(`        data: [${HEALTHY}, nowhere.om]\n        healthy: true\n`));
    expect(lines).toContainEqual(`sweep.yaml:${lineOf(text, '        data:')}:${text.split('\n')[lineOf(text, '        data:') - 1].indexOf('nowhere') + 1}: spec.situations[0].replay.data[1]: cannot read the recording nowhere.om (query_range JSON or OpenMetrics with timestamps, relative to the sweep file)`);
  });

  it('unreadable events, at replay.events', () => {
    const { text, lines } = errorsOf(replaying(`        data: ${HEALTHY}\n        events: none.txt\n        healthy: true\n`));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, 'events:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.events: cannot read Flagger's events none\\.txt`)));
  });

  it('the recording\'s own errors, at their line, and the situation that reads it', () => {
    const broken = read(HEALTHY).replace(/\n(traefik_service_requests_total\{[^\n]*) (\d+) (\d+)\n/, '\n$1 twelve $3\n');
    const brokenLine = broken.split('\n').findIndex((l) => l.includes(' twelve ')) + 1;
    const { text, lines } = errorsOf(replaying('        data: rec.om\n        healthy: true\n'), { 'rec.om': broken });
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^rec\\.om:${brokenLine}:\\d+: `)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, '        data:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.data: the recording has 1 error \\(above\\): nothing can be replayed`)));
  });

  it('events that cannot be read, at their line', () => {
    const { text, lines } = errorsOf(replaying(`        data: ${ERRORS}\n        events: ev.txt\n        healthy: false\n`), { 'ev.txt': `${read(EVENTS)}2026-01-01T00:05:00Z   Normal   checkout   Something Flagger never says\nnot a line of events at all\n` });
    expect(lines.some((l) => /^ev\.txt:\d+:\d+: /.test(l))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, 'events:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.events: \\d+ lines? of ev\\.txt could not be read \\(above\\)`)));
  });

  it('a recording without the series a check reads', () => {
    const noBuckets = read(HEALTHY)
      .split('\n')
      .filter((l) => !l.startsWith('traefik_service_request_duration_seconds_bucket'))
      .join('\n');
    const { text, lines } = errorsOf(replaying('        data: rec.om\n        healthy: true\n'), { 'rec.om': noBuckets });
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^sweep\\.yaml:${lineOf(text, '        data:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.data: the recording has no series traefik_service_request_duration_seconds_bucket\\{.*\\}, which request-duration, request-success-rate read: every such check would find no values \\(record or pull traefik_service_request_duration_seconds_bucket too\\)$`),
      ),
    );
  });

  it('a recording whose rollout cannot be reconstructed', () => {
    const other = read(HEALTHY).replace(/shop-checkout-/g, 'shop-payments-');
    const { text, lines } = errorsOf(replaying('        data: rec.om\n        healthy: true\n'), { 'rec.om': other });
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, '        data:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.data: the recorded analysis cannot be reconstructed: no Traefik request counters of the Canary's Services`)));
  });

  it('healthy missing', () => {
    const { text, lines } = errorsOf(replaying(`        data: ${HEALTHY}\n`));
    expect(lines).toEqual([`sweep.yaml:${lineOf(text, '        data:')}:9: spec.situations[0].replay.healthy: missing required field "healthy": say what the recorded canary was: healthy: true (a rollback of it is a false abort) or healthy: false (a regression: caught or missed)`]);
  });

  it('an onset on a healthy replay', () => {
    const { text, lines } = errorsOf(replaying(`        data: ${HEALTHY}\n        healthy: true\n        onset: 1m\n`));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, 'onset:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.onset: a healthy recording has no regression to begin`)));
  });

  it('a fault, or a situation onset, beside replay', () => {
    const { text, lines } = errorsOf(`    - name: rec\n      weight: 1\n      onset: 1m\n      fault: { type: http-abort, code: 500 }\n      replay:\n        data: ${HEALTHY}\n        healthy: false\n`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, 'replay:')}:\\d+: spec\\.situations\\[0\\]\\.replay: a situation is a simulated regression \\(fault\\) or a replayed rollout \\(replay\\), not both`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, '  onset:')}:\\d+: spec\\.situations\\[0\\]\\.onset: a replayed rollout's onset is replay\\.onset`)));
  });

  it('eventsAt without events, or not a time', () => {
    const a = errorsOf(replaying(`        data: ${HEALTHY}\n        eventsAt: 2026-01-01T00:10:00Z\n        healthy: true\n`));
    expect(a.lines).toContainEqual(expect.stringMatching(/spec\.situations\[0\]\.replay\.eventsAt: eventsAt \(when the events' ages were printed\) goes with events/));
    const b = errorsOf(replaying(`        data: ${ERRORS}\n        events: ${EVENTS}\n        eventsAt: yesterday\n        healthy: false\n`));
    expect(b.lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(b.text, 'eventsAt:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.eventsAt: expected when the events were printed as an RFC 3339 time`)));
  });

  it('an unknown noise', () => {
    const { text, lines } = errorsOf(replaying(`        data: ${HEALTHY}\n        healthy: true\n        noise: gaussian\n`));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sweep\\.yaml:${lineOf(text, 'noise:')}:\\d+: spec\\.situations\\[0\\]\\.replay\\.noise: expected noise poisson`)));
  });
});
