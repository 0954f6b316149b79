import { describe, expect, it } from 'vitest';
import { webHost, sweepWorkerCount } from '../../renderer/host/web';
import { createAppStore } from '../../renderer/store';
import { draftOf, initialForm, knobChoices } from '../../renderer/views/tuning/builder-form';
import { COLUMNS, diffLines, formatRate, frontierPath, nextSort, scatterPoints, sortConfigurations } from '../../renderer/views/tuning/results';
import { readKnobs } from '../../simulation/scenario/canary-knobs';
import { SweepBlocks, type SweepRequest } from '../../simulation/sweep/workers';
import { builtSweepFile, sweepYaml } from '../../simulation/sweep/builder';
import { loadSweep } from '../../simulation/sweep/spec';
import { repoHost } from '../support/scenario';
import { memoryHost } from './memory-host';

/**
 * The tuning lab's renderer side: the store's sweep actions against an
 * in-process host (run, cancel, invalid sweeps, the drill-down into a run,
 * apply), the table's and scatter's helpers, the builder's form, and the
 * web host's sweep workers.
 */

const SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';
/** The bundled sweep made small: two thresholds × 4 situations × 2 seeds = 16 runs. */
const small = (repoHost.readFile(SWEEP) ?? '').replace('seeds: 100', 'seeds: 2').replace('values: [1, 2, 3, 5]', 'values: [1, 3]').replace('values: [98, 99, 99.5]', 'values: [99]');

const clock = { now: () => 0, frame: () => undefined };

async function storeWithResult(workers = 2) {
  const host = memoryHost({ sweepWorkers: workers });
  const store = createAppStore(host, clock);
  await store.getState().open('scenarios/checkout-canary.yaml');
  await store.getState().loadSweeps();
  expect(store.getState().tuning.source?.file).toBe(SWEEP);
  store.getState().setSweepText(small);
  await store.getState().runSweep();
  return { host, store };
}

describe('the tuning lab store', () => {
  it('runs the edited sweep with progress; the result is the same bytes on 1 or 3 workers and selects the recommendation', async () => {
    const { store } = await storeWithResult(3);
    const t = store.getState().tuning;
    expect(t.error).toBeNull();
    expect(t.running).toBe(false);
    expect(t.result?.runs).toBe(16);
    expect(t.progress).toMatchObject({ done: 16, total: 16, etaMs: 0 });
    expect(t.workers).toBe(3);
    expect(t.selected).toBe(t.result?.recommendation.configuration);
    expect(t.request).toEqual({ file: SWEEP, text: small, scenario: { file: 'scenarios/checkout-canary.yaml', text: store.getState().text } });
    const one = await storeWithResult(1);
    expect(JSON.stringify(one.store.getState().tuning.result)).toBe(JSON.stringify(t.result));
  });

  it('shows a broken sweep\'s located errors, and a cancelled one as cancelled', async () => {
    const host = memoryHost();
    const store = createAppStore(host, clock);
    await store.getState().loadSweeps();
    store.getState().setSweepText(small.replace('seeds: 2', 'seeds: two'));
    await store.getState().runSweep();
    const d = store.getState().tuning.diagnostics.find((x) => x.path === 'spec.seeds');
    expect(d).toMatchObject({ file: SWEEP, severity: 'error', line: small.split('\n').findIndex((l) => l.startsWith('  seeds:')) + 1, column: 10 });
    expect(store.getState().tuning.result).toBeNull();

    store.getState().setSweepText(small.replace('seeds: 2', 'seeds: 50'));
    const running = store.getState().runSweep();
    await new Promise((r) => setTimeout(r, 50));
    expect(store.getState().tuning.running).toBe(true);
    await store.getState().cancelSweep();
    await running;
    expect(store.getState().tuning).toMatchObject({ running: false, result: null, error: null });
    expect(store.getState().tuning.cancelled?.total).toBe(400);
    expect(store.getState().tuning.cancelled?.done).toBeLessThan(400);
  });

  it('opens an example run in the run view exactly as the sweep ran it; Run restarts that run', async () => {
    const { store } = await storeWithResult();
    const result = store.getState().tuning.result;
    const strict = result?.configurations[0];
    const example = strict?.examples.find((e) => e.kind === 'false-abort');
    expect(example).toBeDefined();
    if (!example) return;
    await store.getState().openSweepRun(example.u);
    const s = store.getState();
    expect(s.view).toBe('run');
    expect(s.sweepRun).toMatchObject({ u: example.u, configuration: 'threshold=1 request-success-rate.min=99', situation: 'healthy', seed: example.seed });
    expect(s.snapshot).toMatchObject({ t: 0, seed: example.seed, mode: 'fast' });
    expect(s.summary?.canary?.threshold).toBe(1);
    expect(s.snapshot?.expectation).toBeNull();
    await s.toEnd();
    const end = store.getState().snapshot;
    expect(end?.result.outcome?.phase).toBe('Failed');
    // Latency summaries are on (the run view draws them), unlike the sweep's own runs.
    expect(JSON.stringify(end?.result.streams)).toMatch(/"p50":\d/);
    await store.getState().rerun();
    expect(store.getState().snapshot).toMatchObject({ t: 0, seed: example.seed });
    expect(store.getState().summary?.canary?.threshold).toBe(1);
    // Editing the scenario makes Run run the edited scenario again.
    await store.getState().setText(store.getState().text.replace('threshold: 3', 'threshold: 4'));
    expect(store.getState().sweepRun).toBeNull();
  });

  it('applies a configuration to the Canary in the editor\'s text, with a diff, and saving updates the editor', async () => {
    const { host, store } = await storeWithResult();
    const r = await store.getState().previewApply(0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.patch.file).toBe('scenarios/checkout-canary.yaml');
    expect(r.patch.diff).toContain('-    threshold: 3\n+    threshold: 1');
    expect(diffLines(r.patch.diff).filter((l) => l.kind === 'add' || l.kind === 'del').map((l) => l.text.replace(/\s+/g, ''))).toEqual(['-threshold:3', '+threshold:1']);
    await expect(store.getState().previewApply(99)).resolves.toEqual({ ok: false, error: 'no such configuration' });
    await store.getState().saveApply(r.patch);
    expect(host.saved.at(-1)).toEqual(['scenarios/checkout-canary.yaml', r.patch.after]);
    expect(store.getState().text).toBe(r.patch.after);
    expect(store.getState().savedText).toBe(r.patch.after);
  });
});

describe('the table and the scatter', () => {
  it('sorts by a column with missing values last, flips on a second click, and formats rates with their intervals', async () => {
    const { store } = await storeWithResult();
    const result = store.getState().tuning.result;
    if (!result) throw new Error('no result');
    const byFalse = sortConfigurations(result.configurations, { key: 'falseAborts', descending: true });
    expect(byFalse.map((c) => c.falseAborts?.rate)).toEqual([...result.configurations.map((c) => c.falseAborts?.rate)].sort((a, b) => (b ?? 0) - (a ?? 0)));
    expect(nextSort({ key: 'falseAborts', descending: false }, 'falseAborts')).toEqual({ key: 'falseAborts', descending: true });
    expect(nextSort({ key: 'falseAborts', descending: true }, 'detectionP95')).toEqual({ key: 'detectionP95', descending: false });
    const budget = COLUMNS.find((c) => c.key === 'budgetBurned');
    expect(budget?.text(result.configurations[0])).toMatch(/ %$/);
    expect(formatRate('falseAborts', { successes: 1, trials: 20, rate: 0.05, low: 0.0089, high: 0.236 })).toBe('5.00 % [0.9–23.6]');
    expect(formatRate('falseAborts', null)).toBe('n/a');
    const rows = [...result.configurations];
    rows[0] = { ...rows[0], detection: { ...rows[0].detection, p95: null } };
    expect(sortConfigurations(rows, { key: 'detectionP95', descending: false }).at(-1)?.index).toBe(0);
    expect(sortConfigurations(rows, { key: 'detectionP95', descending: true }).at(-1)?.index).toBe(0);
  });

  it('places each configuration with its Wilson intervals, the frontier in x order and one recommendation', async () => {
    const { store } = await storeWithResult();
    const result = store.getState().tuning.result;
    if (!result) throw new Error('no result');
    const pts = scatterPoints(result, 'falseAborts', 'missedRegressions');
    expect(pts).toHaveLength(2);
    for (const p of pts) {
      expect(p.xInterval?.[0]).toBeLessThanOrEqual(p.x);
      expect(p.xInterval?.[1]).toBeGreaterThanOrEqual(p.x);
    }
    expect(pts.filter((p) => p.recommended).map((p) => p.index)).toEqual([result.recommendation.configuration]);
    expect(scatterPoints(result, 'detectionP95', 'healthyDuration').every((p) => p.xInterval === null && p.yInterval === null)).toBe(true);
    const f = frontierPath([
      { index: 0, label: 'a', x: 2, y: 0, xInterval: null, yInterval: null, frontier: true, recommended: false },
      { index: 1, label: 'b', x: 1, y: 1, xInterval: null, yInterval: null, frontier: true, recommended: false },
      { index: 2, label: 'c', x: 0, y: 3, xInterval: null, yInterval: null, frontier: false, recommended: false },
    ]);
    expect(f.map((p) => p.label)).toEqual(['b', 'a']);
  });
});

describe('the sweep builder form', () => {
  it('offers the open Canary\'s knobs and writes a sweep of the open scenario that loads', () => {
    const file = 'scenarios/checkout-canary.yaml';
    const text = repoHost.readFile(file) ?? '';
    const k = readKnobs(text);
    const choices = knobChoices(k.kind === 'inline' ? k.knobs : null, null);
    expect(choices.find((c) => c.field === 'analysis.threshold')?.current).toBe('3');
    expect(choices.map((c) => c.field)).toContain('metrics.request-success-rate.thresholdRange.min');
    const form = initialForm('checkout-canary', choices);
    expect(form.parameters[0].values).toBe('1, 3, 4, 6');
    const draft = draftOf({ ...form, seeds: '2' }, file);
    const sweepFile = builtSweepFile(file, draft.name);
    const r = loadSweep(sweepFile, { readFile: (p) => (p === sweepFile ? sweepYaml(draft) : repoHost.readFile(p)) });
    expect(r.ok ? [] : r.diagnostics).toEqual([]);
    expect(r.ok && r.plan.situations.map((s) => s.name)).toEqual(['healthy', 'errors percent=1', 'errors percent=3', 'errors percent=10']);
    expect(() => draftOf({ ...form, seeds: 'x' }, file)).toThrow('seeds: expected a number, got "x"');
  });
});

describe('the web host\'s sweep workers', () => {
  /** A stand-in for the sweep web worker: SweepBlocks in this process, answering asynchronously. */
  class FakeSweepWorker {
    static made: FakeSweepWorker[] = [];
    onmessage: ((e: MessageEvent) => void) | null = null;
    onerror: ((e: ErrorEvent) => void) | null = null;
    terminated = false;
    readonly url: string;
    private readonly blocks = new SweepBlocks(repoHost);
    constructor(url: string) {
      this.url = url;
      FakeSweepWorker.made.push(this);
    }
    postMessage(m: { id: number; op: 'load'; request: SweepRequest } | { id: number; op: 'run'; from: number; to: number }): void {
      setTimeout(() => {
        if (this.terminated) return;
        const value = m.op === 'load' ? this.blocks.load(m.request) : this.blocks.run(m.from, m.to);
        this.onmessage?.({ data: { id: m.id, ok: true, value } } as MessageEvent);
      }, 0);
    }
    terminate(): void {
      this.terminated = true;
    }
  }
  const make = (url: string) => new FakeSweepWorker(url) as unknown as Worker;

  it('runs on min(8, cores) workers loading the sweep themselves, and stops them at the end', async () => {
    expect([sweepWorkerCount(undefined), sweepWorkerCount(0), sweepWorkerCount(4), sweepWorkerCount(64)]).toEqual([1, 1, 4, 8]);
    FakeSweepWorker.made = [];
    const host = webHost('./worker.js', make, './sweep-worker.js', 3);
    const seen: number[] = [];
    const r = await host.runSweep({ file: SWEEP, text: small }, (p) => seen.push(p.done));
    const sweeps = FakeSweepWorker.made.filter((w) => w.url === './sweep-worker.js');
    expect(sweeps).toHaveLength(3);
    expect(sweeps.every((w) => w.terminated)).toBe(true);
    expect(r.kind).toBe('result');
    expect(seen.at(-1)).toBe(16);
    const store = (await storeWithResult()).store;
    expect(r.kind === 'result' && JSON.stringify(r.result)).toBe(JSON.stringify(store.getState().tuning.result));
  });

  it('cancelling terminates the workers and answers cancelled; the next sweep runs', async () => {
    FakeSweepWorker.made = [];
    const host = webHost('./worker.js', make, './sweep-worker.js', 2);
    let cancelled = false;
    const r = await host.runSweep({ file: SWEEP, text: small.replace('seeds: 2', 'seeds: 40') }, (p) => {
      if (p.done > 0 && !cancelled) {
        cancelled = true;
        void host.cancelSweep();
      }
    });
    expect(r).toMatchObject({ kind: 'cancelled', total: 320 });
    expect(FakeSweepWorker.made.filter((w) => w.url === './sweep-worker.js').every((w) => w.terminated)).toBe(true);
    await expect(host.cancelSweep()).resolves.toBe(false);
    await expect(host.runSweep({ file: SWEEP, text: small.replace('seeds: 2', 'seeds: x') }, () => undefined)).resolves.toMatchObject({ kind: 'invalid' });
  });
});
