import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { formatDiagnostic } from '../simulation/scenario/diagnostics';
import { aggregate, type ConfigurationResult, formatMeasure, measureOf, outlineOf, type SweepResult } from '../simulation/sweep/aggregate';
import { executeSweep, formatEta, SweepCancelled, type SweepProgress, type SweepWorker } from '../simulation/sweep/execute';
import type { RunRecord } from '../simulation/sweep/run';
import { SweepRunner } from '../simulation/sweep/run';
import { mergeShards, parseShard, readShard, shardBlock, type ShardFile, toShard } from '../simulation/sweep/shard';
import { loadSweep, runCount, type SweepPlan } from '../simulation/sweep/spec';
import type { Rate } from '../simulation/sweep/stats';
import { fsHost } from './host';
import type { SweepWorkerReply } from './sweep-worker';

/**
 * `gameday sweep` and `gameday sweep-merge` (docs/tuning.md, docs/cli.md).
 * Runs go to worker threads (dist/cli/sweep-worker.js), one per core by
 * default; `--workers 1` runs in this process. Either way each run's record
 * depends on the sweep and its index only.
 */

export interface SweepIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  tty: boolean;
  /** Registers what to do on Ctrl-C; returns the unregistration. */
  onInterrupt: (f: () => void) => () => void;
}

/** Worker threads running the sweep's worker module. */
function threadWorkers(file: string, fingerprint: string, n: number): { workers: SweepWorker[]; close: () => Promise<void> } {
  const url = new URL('./sweep-worker.js', import.meta.url);
  const threads = Array.from({ length: n }, () => new Worker(url, { workerData: { file, fingerprint } }));
  let nextId = 0;
  const workers = threads.map((t): SweepWorker => {
    const pending = new Map<number, { resolve: (r: RunRecord[]) => void; reject: (e: Error) => void }>();
    const failAll = (e: Error) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    t.on('message', (m: SweepWorkerReply) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.records);
    });
    t.on('error', (e: Error) => failAll(e));
    t.on('exit', (code: number) => failAll(new Error(`a sweep worker stopped (exit code ${code})`)));
    return {
      run: (from, to) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          t.postMessage({ id, from, to });
        }),
    };
  });
  return { workers, close: async () => void (await Promise.all(threads.map((t) => t.terminate()))) };
}

/** The in-process runner (--workers 1), yielding to the event loop between blocks so Ctrl-C is heard. */
function inProcess(plan: SweepPlan): SweepWorker {
  const runner = new SweepRunner(plan);
  return {
    run: async (from, to) => {
      await new Promise((r) => setImmediate(r));
      const out: RunRecord[] = [];
      for (let u = from; u < to; u++) out.push(runner.run(u));
      return out;
    },
  };
}

function progressLine(p: SweepProgress): string {
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const eta = p.etaMs === null ? '' : p.done < p.total ? `, about ${formatEta(p.etaMs)} left` : '';
  return `${p.done}/${p.total} runs (${pct} %), ${p.rate.toFixed(0)} runs/s, ${formatEta(p.elapsedMs)} elapsed${eta}`;
}

export interface SweepOptions {
  file: string;
  workers?: number;
  shard?: string;
  json: boolean;
  out?: string;
  quiet: boolean;
}

export type SweepOutcome = { kind: 'result'; result: SweepResult; wallMs: number } | { kind: 'shard'; shard: ShardFile; wallMs: number } | { kind: 'invalid' } | { kind: 'cancelled'; done: number; total: number };

/** Loads and runs a sweep (or one shard of it). */
export async function runSweep(o: SweepOptions, io: SweepIo): Promise<SweepOutcome> {
  const loaded = loadSweep(o.file, fsHost);
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (!loaded.ok) {
    const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`gameday: ${o.file} is not a valid sweep (${n} error${n === 1 ? '' : 's'})\n`);
    return { kind: 'invalid' };
  }
  const plan = loaded.plan;
  const total = runCount(plan);
  let shard: { index: number; count: number } | null = null;
  if (o.shard !== undefined) {
    const s = parseShard(o.shard);
    if ('error' in s) throw new SweepUsageError(`--shard: ${s.error}`);
    shard = s;
  }
  const { from, to } = shard ? shardBlock(total, shard.index, shard.count) : { from: 0, to: total };
  const n = Math.max(1, Math.min(o.workers ?? availableParallelism(), Math.ceil((to - from) / 4)));
  const pool = n === 1 ? { workers: [inProcess(plan)], close: async () => {} } : threadWorkers(o.file, plan.fingerprint, n);
  let interrupted = false;
  const unregister = io.onInterrupt(() => {
    interrupted = true;
  });
  let lastShown = -Infinity;
  const show = (p: SweepProgress) => {
    if (o.quiet) return;
    const t = performance.now();
    if (io.tty) {
      if (t - lastShown < 100 && p.done < p.total) return;
      io.err(`\r${progressLine(p)}\x1b[K${p.done >= p.total ? '\n' : ''}`);
    } else {
      // Logs get a line every 5 seconds and at the end.
      if (t - lastShown < 5000 && p.done < p.total) return;
      io.err(`${progressLine(p)}\n`);
    }
    lastShown = t;
  };
  if (!o.quiet) {
    const what = shard ? `shard ${shard.index}/${shard.count}: runs ${from}–${to - 1} of ${total}` : `${total} runs`;
    io.err(`sweep ${plan.name}: ${plan.configurations.length} configuration${plan.configurations.length === 1 ? '' : 's'} × ${plan.situations.length} situation${plan.situations.length === 1 ? '' : 's'} × ${plan.seeds} seeds; ${what} on ${n} worker${n === 1 ? '' : 's'}\n`);
  }
  const t0 = performance.now();
  try {
    const records = await executeSweep(from, to, pool.workers, { now: () => performance.now(), onProgress: show, cancelled: () => interrupted });
    const wallMs = performance.now() - t0;
    if (shard) return { kind: 'shard', shard: toShard(outlineOf(plan), shard, from, to, records), wallMs };
    return { kind: 'result', result: aggregate(outlineOf(plan), records), wallMs };
  } catch (e) {
    if (e instanceof SweepCancelled) {
      if (io.tty && !o.quiet) io.err('\n');
      return { kind: 'cancelled', done: e.done, total: to - from };
    }
    throw e;
  } finally {
    unregister();
    await pool.close();
  }
}

export class SweepUsageError extends Error {}

const pct = (r: Rate | null) => (r === null || Number.isNaN(r.rate) ? 'n/a' : `${(r.rate * 100).toFixed(1)} [${(r.low * 100).toFixed(1)}–${(r.high * 100).toFixed(1)}]`);
const secs = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v)}`);

/** The result as a table: one row per configuration, the frontier marked, the recommendation last. */
export function formatSweepResult(r: SweepResult, wallMs: number | null): string {
  const s = r.sweep;
  const header = ['configuration', 'false aborts %', 'missed %', 'detect p50 s', 'detect p95 s', 'bad req', 'budget %', 'healthy s', 'undecided'];
  const rows = r.configurations.map((c: ConfigurationResult) => [
    `${c.frontier ? '* ' : '  '}${c.label}`,
    pct(c.falseAborts),
    pct(c.missedRegressions),
    secs(c.detection.median),
    secs(c.detection.p95),
    c.badRequests === null ? 'n/a' : c.badRequests.toFixed(0),
    c.budgetBurned === null ? 'n/a' : (c.budgetBurned * 100).toFixed(3),
    secs(c.healthyDuration),
    String(c.undecided),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const out = [
    `Sweep ${s.name} over ${s.canary} (${s.scenario}): ${r.configurations.length} configurations × ${s.situations.length} situations × ${s.seeds} seeds = ${r.runs} runs${wallMs === null ? '' : ` in ${(wallMs / 1000).toFixed(1)} s`}`,
    `Situations (prior weight): ${s.situations.map((x) => `${x.name} (${+x.weight.toFixed(4)})`).join(', ')}`,
    `Rates with their ${Math.round(s.confidence * 100)} % Wilson intervals; * on the Pareto frontier of ${r.frontierMeasures.join(', ')}`,
    '',
    line(header),
    ...rows.map(line),
    '',
  ];
  const rec = r.recommendation;
  out.push(rec.configuration === null ? `No recommendation: ${rec.reason}` : `Recommended: ${rec.reason}`);
  if (rec.configuration !== null) {
    const c = r.configurations[rec.configuration];
    const detail = (['falseAborts', 'missedRegressions', 'detectionP95', 'healthyDuration'] as const).map((m) => `${m} ${formatMeasure(m, measureOf(c, m))}`).join(', ');
    out.push(`  ${detail}`);
  }
  const undecided = r.configurations.reduce((a, c) => a + c.undecided, 0);
  if (undecided > 0) out.push(`Note: ${undecided} run${undecided === 1 ? ' was' : 's were'} still undecided at the horizon (set spec.duration in the sweep to give rollouts longer).`);
  return `${out.join('\n')}\n`;
}

/** Reads and merges shard files. */
export function mergeShardFiles(files: readonly string[]): { ok: true; result: SweepResult } | { ok: false; error: string } {
  const shards: Array<{ file: string; shard: ShardFile }> = [];
  for (const file of files) {
    const text = fsHost.readFile(file);
    if (text === null) return { ok: false, error: `cannot read ${file}` };
    const r = readShard(file, text);
    if (!r.ok) return r;
    shards.push({ file, shard: r.shard });
  }
  return mergeShards(shards);
}
