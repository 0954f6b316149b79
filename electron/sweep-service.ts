import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SweepProgress } from '../simulation/sweep/execute';
import { SweepBlocks, SweepJobs, type SweepOutcome, type SweepRequest, type SweepWorkerReply, type SweepWorkerRequest } from '../simulation/sweep/workers';
import { threadHandle } from '../cli/sweep-threads';
import { fsHost } from '../cli/host';
import { desktopScenarioHost, SWEEP_FILES } from './sim-service';
import type { WorkerLike } from './worker-pool';

/**
 * The desktop app's sweeps: worker threads (dist/electron/sweep-worker.cjs)
 * on every core, each loading the sweep over the disk (bundled scenarios
 * under the app, absolute files) with the request's texts over it and
 * running the blocks it is sent; the main process hands out the blocks and
 * aggregates (runSweepOn, shared with the browser build). Cancelling
 * terminates the threads. Plain Node: tests drive it without Electron.
 */

/** The thread's side (sweep-worker.ts runs it; tests call it in-process): one sweep's blocks, over the app directory. */
export function sweepThreadHandler(appDir: string): (req: SweepWorkerRequest) => SweepWorkerReply {
  const blocks = new SweepBlocks(desktopScenarioHost(appDir, fsHost, SWEEP_FILES));
  return (req) => blocks.handle(req);
}

/** The bundled sweep files, `scenarios/sweeps/*.yaml` under the app (as the web build bundles them). */
export function bundledSweepFiles(appDir: string): string[] {
  try {
    return readdirSync(join(appDir, 'scenarios', 'sweeps'))
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => `scenarios/sweeps/${n}`);
  } catch {
    return [];
  }
}

export interface SweepServiceOptions {
  /** Starts a sweep thread. */
  create: () => WorkerLike;
  /** Threads per sweep (the machine's cores). */
  size: number;
}

/** Runs one sweep at a time on `size` threads; starting another cancels the running one. */
export class SweepService {
  private readonly jobs: SweepJobs;

  constructor(o: SweepServiceOptions) {
    this.jobs = new SweepJobs(() => Array.from({ length: Math.max(1, Math.floor(o.size)) }, () => threadHandle(o.create())), () => performance.now());
  }

  run(request: SweepRequest, onProgress: (p: SweepProgress) => void): Promise<SweepOutcome> {
    return this.jobs.run(request, onProgress);
  }

  /** Stops the running sweep: its threads are terminated. False when none runs. */
  cancel(): boolean {
    return this.jobs.cancel();
  }
}
