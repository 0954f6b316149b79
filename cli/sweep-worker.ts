import { parentPort, workerData } from 'node:worker_threads';
import { SweepRunner } from '../simulation/sweep/run';
import { loadSweep } from '../simulation/sweep/spec';
import { fsHost } from './host';

/**
 * A sweep worker thread (dist/cli/sweep-worker.js): loads the sweep itself
 * (the plan holds compiled scenarios, which do not cross threads), checks it
 * read the same files as the parent, then runs the blocks of runs it is sent.
 */

export interface SweepWorkerData {
  file: string;
  fingerprint: string;
}

export type SweepWorkerRequest = { id: number; from: number; to: number };
export type SweepWorkerReply = { id: number; records: ReturnType<SweepRunner['run']>[] } | { id: number; error: string };

const port = parentPort;
if (port) {
  const { file, fingerprint } = workerData as SweepWorkerData;
  const loaded = loadSweep(file, fsHost);
  const problem = !loaded.ok ? `the sweep ${file} no longer loads in the worker` : loaded.plan.fingerprint !== fingerprint ? `the files of ${file} changed while the sweep started` : null;
  const runner = loaded.ok ? new SweepRunner(loaded.plan) : null;
  port.on('message', (m: SweepWorkerRequest) => {
    if (problem !== null || runner === null) {
      port.postMessage({ id: m.id, error: problem ?? 'no runner' } satisfies SweepWorkerReply);
      return;
    }
    try {
      const records = [];
      for (let u = m.from; u < m.to; u++) records.push(runner.run(u));
      port.postMessage({ id: m.id, records } satisfies SweepWorkerReply);
    } catch (e) {
      port.postMessage({ id: m.id, error: `run ${m.from}–${m.to - 1}: ${(e as Error)?.stack ?? String(e)}` } satisfies SweepWorkerReply);
    }
  });
}
