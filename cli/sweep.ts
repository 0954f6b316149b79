import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { formatDiagnostic } from '../simulation/scenario/diagnostics';
import { type ConfigurationResult, formatMeasure, judgeOf, measureOf, type SweepResult } from '../simulation/sweep/aggregate';
import { formatEta, type SweepProgress } from '../simulation/sweep/execute';
import { mergeShards, readShard, shardBlock, type ShardFile, toShard } from '../simulation/sweep/shard';
import { runCount } from '../simulation/sweep/spec';
import type { Rate } from '../simulation/sweep/stats';
import { SweepBlocks, SweepJobs, type SweepOutcome, type SweepWorkerHandle } from '../simulation/sweep/workers';
import { fsHost } from './host';
import { threadHandle } from './sweep-threads';

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

/** Worker threads running the sweep's worker module (dist/cli/sweep-worker.js, beside this bundle). */
function threads(n: number): SweepWorkerHandle[] {
  const url = new URL('./sweep-worker.js', import.meta.url);
  return Array.from({ length: n }, () => threadHandle(new Worker(url)));
}

/** This process as the one worker (--workers 1), yielding to the event loop between blocks so Ctrl-C is heard. */
function inProcess(): SweepWorkerHandle {
  const blocks = new SweepBlocks(fsHost);
  return {
    port: {
      load: async (r) => blocks.load(r),
      run: async (from, to) => {
        await new Promise((r) => setImmediate(r));
        return blocks.run(from, to);
      },
    },
    fail: () => {},
    terminate: () => {},
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
  /** Only this shard (checked by the caller: 0 ≤ index < count). */
  shard?: { index: number; count: number };
  quiet: boolean;
}

export type CliSweepOutcome = { kind: 'result'; result: SweepResult; wallMs: number } | { kind: 'shard'; shard: ShardFile; wallMs: number } | { kind: 'invalid' } | { kind: 'cancelled'; done: number; total: number };

/** Runs a sweep (or one shard of it) on worker threads, printing its diagnostics and progress to stderr. */
export async function runSweep(o: SweepOptions, io: SweepIo): Promise<CliSweepOutcome> {
  const shard = o.shard ?? null;
  const n = Math.max(1, o.workers ?? availableParallelism());
  const jobs = new SweepJobs(() => (n === 1 ? [inProcess()] : threads(n)), () => performance.now());
  const unregister = io.onInterrupt(() => void jobs.cancel());
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
  let outcome: SweepOutcome;
  try {
    outcome = await jobs.run({ file: o.file }, show, {
      progressEveryMs: 0,
      block: shard ? (total) => shardBlock(total, shard.index, shard.count) : undefined,
      onLoaded: (outline, runs, warnings) => {
        for (const d of warnings) io.err(`${formatDiagnostic(d)}\n`);
        if (o.quiet) return;
        const c = outline.configurations.length;
        const sits = outline.situations.length;
        const what = shard ? `shard ${shard.index}/${shard.count}: ${runs} of ${runCount(outline)} runs` : `${runs} runs`;
        io.err(`sweep ${outline.name}: ${c} configuration${c === 1 ? '' : 's'} × ${sits} situation${sits === 1 ? '' : 's'} × ${outline.seeds} seeds; ${what} on ${Math.min(n, Math.max(1, Math.ceil(runs / 4)))} worker${n === 1 ? '' : 's'}\n`);
      },
    });
  } finally {
    unregister();
  }
  switch (outcome.kind) {
    case 'invalid': {
      for (const d of outcome.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
      const errors = outcome.diagnostics.filter((d) => d.severity === 'error').length;
      io.err(`gameday: ${o.file} is not a valid sweep (${errors} error${errors === 1 ? '' : 's'})\n`);
      return { kind: 'invalid' };
    }
    case 'cancelled':
      if (io.tty && !o.quiet) io.err('\n');
      return outcome;
    case 'error':
      throw new Error(outcome.message);
    case 'block':
      return { kind: 'shard', shard: toShard(outcome.outline, shard as { index: number; count: number }, outcome.from, outcome.to, outcome.records), wallMs: outcome.wallMs };
    case 'result':
      return { kind: 'result', result: outcome.result, wallMs: outcome.wallMs };
  }
}


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
    `Situations (prior weight): ${s.situations.map((x) => `${x.name} (${+x.weight.toFixed(4)}${x.replay ? `, replayed ${x.healthy ? 'healthy' : 'regression'}` : ''})`).join(', ')}`,
    ...replayLines(r),
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
  // Undecided replays are configurations slower than the recorded rollout: a longer horizon would not help them.
  const replayed = (x: { situation: number }) => s.situations[x.situation].replay !== undefined;
  const undecided = r.configurations.reduce((a, c) => a + c.situations.reduce((b, x) => b + (replayed(x) ? 0 : x.undecided), 0), 0);
  const undecidedReplays = r.configurations.reduce((a, c) => a + c.situations.reduce((b, x) => b + (replayed(x) ? x.undecided : 0), 0), 0);
  if (undecided > 0) out.push(`Note: ${undecided} run${undecided === 1 ? ' was' : 's were'} still undecided at the horizon (set spec.duration in the sweep to give rollouts longer).`);
  if (undecidedReplays > 0) out.push(`Note: ${undecidedReplays} replayed run${undecidedReplays === 1 ? ' was' : 's were'} still undecided when the recorded analysis ended (the recording holds nothing after it to judge); a replayed regression left undecided counts as missed.`);
  (s.judges ?? []).forEach((j, k) => out.push('', ...judgeTable(r, j, k)));
  return `${out.join('\n')}\n`;
}

/** What each replayed situation replays, and how its runs differ from simulated ones (docs/tuning.md). */
function replayLines(r: SweepResult): string[] {
  const replays = r.sweep.situations.filter((x) => x.replay);
  if (replays.length === 0) return [];
  return [
    'Replayed (the Canary\'s analysis in dry run over a recording, its counters drawn again per seed unless noise: none; times from the recorded analysis start; no budget, no shadow judges):',
    ...replays.map((x) => {
      const p = x.replay as NonNullable<typeof x.replay>;
      return `  ${x.name}: ${[...p.data, ...(p.events ? [p.events] : [])].join(', ')}; recorded ${p.recorded}; noise ${p.noise}${x.healthy ? '' : `; onset ${x.onset} s`}`;
    }),
  ];
}

/** A shadow judge's measures per configuration, on the same runs as Flagger's (docs/tuning.md, "Shadow judges"). */
function judgeTable(r: SweepResult, j: { name: string; judge: string }, k: number): string[] {
  const header = ['configuration', 'false aborts %', 'missed %', 'detect p50 s', 'detect p95 s', 'inconclusive', 'undecided'];
  const rows = r.configurations.map((c) => {
    const x = judgeOf(c, k);
    return [`  ${c.label}`, pct(x.falseAborts), pct(x.missedRegressions), secs(x.detection.median), secs(x.detection.p95), String(x.inconclusive), String(x.undecided)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [
    `Shadow judge ${j.name} (${j.judge}, dry run: it did not act) on the same runs${r.sweep.situations.some((x) => x.replay) ? ' (the simulated situations: judges do not judge replays)' : ''}; missed = regressions it would promote or not decide on before Flagger's analysis ended`,
    line(header),
    ...rows.map(line),
  ];
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
