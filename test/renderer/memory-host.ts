import type { Clock } from '../../renderer/store';
import type { HostApi, LibraryEntry } from '../../electron/host-api';
import { RunSession } from '../../simulation/run/session';
import { runSweepOn, SweepBlocks, type SweepPort } from '../../simulation/sweep/workers';
import { repoHost } from '../support/scenario';

/**
 * An in-process host for the store's tests: the same RunSession the workers
 * run, over the repository's files, and sweeps on in-process "workers"
 * (SweepBlocks, as each web worker and worker thread runs them). `calls`
 * records the session commands; `saved` what was saved; `library` lists the
 * given scenario files.
 */
export function memoryHost(options: { sweepWorkers?: number; library?: string[] } = {}): HostApi & { calls: string[]; saved: Array<[string, string]> } {
  const sessions = new Map<string, RunSession>();
  const calls: string[] = [];
  const saved: Array<[string, string]> = [];
  let sweep: { cancelled: boolean } | null = null;
  return {
    kind: 'web',
    calls,
    saved,
    // The library: the files asked for (bundled), each summarised by a session of its own, as the workers do.
    library: async (): Promise<LibraryEntry[]> => {
      const r = new RunSession(repoHost).handle({ kind: 'summaries', files: options.library ?? [] });
      return r.kind === 'summaries' ? r.entries.map((e) => ({ ...e, source: 'bundled' as const })) : [];
    },
    readScenario: async (file) => {
      const text = repoHost.readFile(file);
      if (text === null) throw new Error(`no file ${file}`);
      return { file, text };
    },
    openDialog: async () => null,
    save: async (file, text) => {
      saved.push([file, text]);
      return file;
    },
    saveAs: async (_text, suggested) => suggested,
    session: async (id, command) => {
      calls.push(`${id} ${command.kind}${'to' in command ? ` ${command.to}` : ''}`);
      let s = sessions.get(id);
      if (!s) sessions.set(id, (s = new RunSession(repoHost)));
      return s.handle(command);
    },
    cancel: async () => false,
    sweeps: async () => [{ file: 'scenarios/sweeps/checkout-thresholds.yaml', text: repoHost.readFile('scenarios/sweeps/checkout-thresholds.yaml') ?? '' }],
    openSweepDialog: async () => null,
    async runSweep(request, onProgress) {
      const job = { cancelled: false };
      sweep = job;
      const ports: SweepPort[] = Array.from({ length: options.sweepWorkers ?? 2 }, () => {
        const blocks = new SweepBlocks(repoHost);
        return {
          load: async (r) => blocks.load(r),
          // A macrotask per block: the test can cancel between them, as between a worker's replies.
          run: (from, to) => new Promise((resolve, reject) => setTimeout(() => (job.cancelled ? reject(new Error('terminated')) : resolve(blocks.run(from, to))), 0)),
        };
      });
      return runSweepOn(ports, request, { now: () => performance.now(), onProgress, progressEveryMs: 0, cancelled: () => job.cancelled });
    },
    async cancelSweep() {
      if (!sweep) return false;
      sweep.cancelled = true;
      return true;
    },
    onMenu: () => () => {},
  };
}

/** A frame clock the test moves by hand: advance(ms) runs the queued frames and lets their host calls settle. */
export function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let queued: Array<() => void> = [];
  return {
    now: () => now,
    frame: (fn) => queued.push(fn),
    async advance(ms) {
      now += ms;
      const run = queued;
      queued = [];
      for (const fn of run) fn();
      // Let the tick's host call and its continuation settle.
      for (let i = 0; i < 5; i++) await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}
