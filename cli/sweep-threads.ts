import { messagePort, type SweepWorkerHandle, type SweepWorkerReply } from '../simulation/sweep/workers';

/**
 * A sweep worker thread as a sweep job holds it (simulation/sweep/workers.ts):
 * its messages matched to requests, a crash or an exit failing what it had
 * pending. Shared by `gameday sweep` and the desktop app's sweeps.
 */

/** What a sweep needs of a worker thread (node:worker_threads Worker; tests pass their own). */
export interface ThreadLike {
  postMessage(message: unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  terminate(): Promise<number>;
}

export function threadHandle(t: ThreadLike): SweepWorkerHandle {
  const mp = messagePort((m) => t.postMessage(m));
  t.on('message', (reply: SweepWorkerReply) => mp.receive(reply));
  t.on('error', (e: unknown) => mp.fail(new Error(`a sweep worker crashed: ${e instanceof Error ? e.message : String(e)}`)));
  t.on('exit', (code: number) => mp.fail(new Error(`a sweep worker stopped (exit code ${code})`)));
  return { port: mp.port, fail: mp.fail, terminate: () => void t.terminate().catch(() => -1) };
}
