import type { RunRecord } from './run';

/**
 * Runs a block of a sweep's runs over workers: the CLI's worker threads,
 * the desktop app's, the browser build's web workers, or one in-process
 * runner. Chunks of consecutive runs go to whichever worker is free; records
 * land at their run index, so the result never depends on the number of
 * workers or on who finished first. Reports progress with an ETA and stops
 * at once when cancelled.
 */

/** A worker as the executor sees it: runs [from, to) and answers their records. */
export interface SweepWorker {
  run(from: number, to: number): Promise<RunRecord[]>;
}

export interface SweepProgress {
  done: number;
  total: number;
  elapsedMs: number;
  /** Estimated milliseconds left (null until a chunk has finished). */
  etaMs: number | null;
  /** Runs per second so far. */
  rate: number;
}

export interface ExecuteOptions {
  /**
   * Runs per chunk. Default: guided self-scheduling — a share of what is left
   * (1/(4 × workers) of it, 4 to 200 runs), so chunks shrink towards the end
   * and the workers finish together.
   */
  chunk?: number;
  /** The wall clock in milliseconds (performance.now or Date.now). */
  now: () => number;
  onProgress?: (p: SweepProgress) => void;
  /** Checked between chunks; when it returns true the executor stops handing out work and rejects with SweepCancelled. */
  cancelled?: () => boolean;
}

export class SweepCancelled extends Error {
  constructor(readonly done: number) {
    super(`the sweep was cancelled after ${done} runs`);
  }
}

/** Runs [from, to) over the workers; resolves with the records in run order. */
export async function executeSweep(from: number, to: number, workers: readonly SweepWorker[], opts: ExecuteOptions): Promise<RunRecord[]> {
  if (workers.length === 0) throw new RangeError('a sweep needs at least one worker');
  const total = to - from;
  const chunkAt = (left: number) => opts.chunk ?? Math.max(4, Math.min(200, Math.ceil(left / (4 * workers.length))));
  const out: RunRecord[] = new Array(total);
  const start = opts.now();
  let next = from;
  let done = 0;
  let failed: unknown = null;
  const progress = () => {
    const elapsedMs = opts.now() - start;
    const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    opts.onProgress?.({ done, total, elapsedMs, etaMs: done > 0 && done < total ? ((total - done) / done) * elapsedMs : done >= total ? 0 : null, rate });
  };
  const cancelled = () => failed !== null || (opts.cancelled?.() ?? false);
  const loop = async (w: SweepWorker) => {
    while (next < to && !cancelled()) {
      const a = next;
      const b = Math.min(to, a + chunkAt(to - a));
      next = b;
      let records: RunRecord[];
      try {
        records = await w.run(a, b);
      } catch (e) {
        if (failed === null) failed = e;
        return;
      }
      if (records.length !== b - a) {
        if (failed === null) failed = new Error(`a worker answered ${records.length} records for runs ${a}–${b - 1}`);
        return;
      }
      for (const r of records) out[r.u - from] = r;
      done += records.length;
      progress();
    }
  };
  progress();
  await Promise.all(workers.map(loop));
  if (failed !== null) throw failed;
  if (done < total) throw new SweepCancelled(done);
  return out;
}

/** "1m 05s", "12s", "<1s": an ETA or an elapsed time as people read it. */
export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return '<1s';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
