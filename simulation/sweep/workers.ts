import type { Diagnostic } from '../scenario/diagnostics';
import type { ScenarioHost } from '../scenario/loader';
import { aggregate, outlineOf, type PlanOutline, type SweepResult } from './aggregate';
import { executeSweep, type SweepProgress } from './execute';
import { type RunRecord, SweepRunner } from './run';
import { loadSweep, runCount } from './spec';

/**
 * Sweeps over workers, the same way in every host: the CLI's and the desktop
 * app's worker threads, the browser build's web workers, or this process.
 * Each worker loads the sweep itself (a plan holds compiled scenarios, which
 * do not cross threads) and runs the blocks of runs it is sent
 * (`SweepBlocks`); the host's side checks every worker read the same files,
 * hands out the blocks with `executeSweep` and aggregates (`runSweepOn`).
 * Records land by run number, so the result is the same bytes whatever the
 * number of workers. `messagePort` turns any message channel into a port;
 * `SweepJobs` runs one sweep at a time on fresh workers and cancels by
 * stopping them.
 */

/** A sweep to run or open a run of: its file, the text to read instead of the file's (an edited or built sweep), and the editor's scenario buffer. */
export interface SweepRequest {
  file: string;
  text?: string;
  /** A scenario file's text as the editor holds it: the sweep reads it instead of the file (when it reads that file). */
  scenario?: { file: string; text: string };
}

/** The host with a sweep request's texts over it: the sweep's (when given) and the editor's scenario buffer. */
export function sweepHost(host: ScenarioHost, r: SweepRequest): ScenarioHost {
  const { file, text, scenario } = r;
  if (text === undefined && scenario === undefined) return host;
  return {
    readFile: (p) => {
      if (p === file && text !== undefined) return text;
      if (scenario && p === scenario.file) return scenario.text;
      return host.readFile(p);
    },
  };
}

/** A worker's answer to loading a sweep: the plan's outline (what aggregation needs) with the loader's warnings, or why it does not load. */
export type SweepLoadReply = { ok: true; outline: PlanOutline; total: number; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Host → worker. */
export type SweepWorkerRequest = { id: number; op: 'load'; request: SweepRequest } | { id: number; op: 'run'; from: number; to: number };

/** Worker → host. */
export type SweepWorkerReply = { id: number; ok: true; value: SweepLoadReply | RunRecord[] } | { id: number; ok: false; error: string };

/** A sweep worker's side: loads the sweep over its host, then runs blocks of its runs. */
export class SweepBlocks {
  private runner: SweepRunner | null = null;

  constructor(private readonly host: ScenarioHost) {}

  load(r: SweepRequest): SweepLoadReply {
    const loaded = loadSweep(r.file, sweepHost(this.host, r));
    if (!loaded.ok) {
      this.runner = null;
      return { ok: false, diagnostics: loaded.diagnostics };
    }
    this.runner = new SweepRunner(loaded.plan);
    return { ok: true, outline: outlineOf(loaded.plan), total: runCount(loaded.plan), warnings: loaded.diagnostics };
  }

  run(from: number, to: number): RunRecord[] {
    if (!this.runner) throw new Error('no sweep is loaded in this worker');
    const out: RunRecord[] = [];
    for (let u = from; u < to; u++) out.push(this.runner.run(u));
    return out;
  }

  /** A request as a worker receives it; every failure comes back as a reply. */
  handle(m: SweepWorkerRequest): SweepWorkerReply {
    try {
      if (m.op === 'load') return { id: m.id, ok: true, value: this.load(m.request) };
      if (m.op === 'run') return { id: m.id, ok: true, value: this.run(m.from, m.to) };
      return { id: (m as { id: number }).id, ok: false, error: `unknown sweep request ${JSON.stringify((m as { op?: unknown }).op)}` };
    } catch (e) {
      return { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** A sweep worker as the host's side sees it. */
export interface SweepPort {
  load(r: SweepRequest): Promise<SweepLoadReply>;
  run(from: number, to: number): Promise<RunRecord[]>;
}

/** A worker a sweep job started: its port, how to fail what it has pending, how to stop it. */
export interface SweepWorkerHandle {
  port: SweepPort;
  fail(e: Error): void;
  terminate(): void;
}

/**
 * A port over a message channel (a worker thread, a web worker): requests
 * carry ids, `receive` settles the request a reply names, `fail` rejects
 * everything pending (the worker crashed, stopped or was terminated).
 */
export function messagePort(post: (m: SweepWorkerRequest) => void): { port: SweepPort; receive(reply: SweepWorkerReply): void; fail(e: Error): void } {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const call = <T>(body: { op: 'load'; request: SweepRequest } | { op: 'run'; from: number; to: number }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ id, ...body });
    });
  return {
    port: { load: (request) => call<SweepLoadReply>({ op: 'load', request }), run: (from, to) => call<RunRecord[]>({ op: 'run', from, to }) },
    receive(reply) {
      const p = pending.get(reply?.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(reply.error));
    },
    fail(e) {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    },
  };
}

/** What a sweep comes to. */
export type SweepOutcome =
  | { kind: 'result'; result: SweepResult; wallMs: number; workers: number }
  /** A block of the runs (a shard): its records, for a shard file. */
  | { kind: 'block'; outline: PlanOutline; from: number; to: number; records: RunRecord[]; wallMs: number; workers: number }
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  | { kind: 'cancelled'; done: number; total: number }
  | { kind: 'error'; message: string };

export interface SweepRunOptions {
  /** The wall clock in milliseconds. */
  now: () => number;
  /** Once loaded: the outline, the runs to do and the loader's warnings (e.g. for a header line). */
  onLoaded?: (outline: PlanOutline, runs: number, warnings: Diagnostic[]) => void;
  /** Progress, at most every `progressEveryMs` (and at the start and the end). */
  onProgress?: (p: SweepProgress) => void;
  progressEveryMs?: number;
  /** True once the user cancelled: the host has stopped the workers (their requests then fail), or they stop between blocks. */
  cancelled: () => boolean;
  /** Only a block of the runs (a shard), as given by `block(total)`; the outcome is then `block`. */
  block?: (total: number) => { from: number; to: number };
}

/** Runs a sweep on workers that load it themselves; every failure comes back as an outcome, never a throw. */
export async function runSweepOn(ports: readonly SweepPort[], r: SweepRequest, o: SweepRunOptions): Promise<SweepOutcome> {
  const t0 = o.now();
  let done = 0;
  let total = 0;
  let shown = -Infinity;
  try {
    const loads = await Promise.all(ports.map((p) => p.load(r)));
    const first = loads[0];
    if (!first.ok) return { kind: 'invalid', diagnostics: first.diagnostics };
    if (loads.some((l) => !l.ok || l.outline.fingerprint !== first.outline.fingerprint)) return { kind: 'error', message: `the files of ${r.file} changed while the sweep started: run it again` };
    const { from, to } = o.block ? o.block(first.total) : { from: 0, to: first.total };
    total = to - from;
    o.onLoaded?.(first.outline, total, first.warnings);
    // More workers than blocks of four runs would only wait.
    const used = ports.slice(0, Math.max(1, Math.min(ports.length, Math.ceil(total / 4))));
    const every = o.progressEveryMs ?? 100;
    const records = await executeSweep(from, to, used, {
      now: o.now,
      cancelled: o.cancelled,
      onProgress: (p) => {
        done = p.done;
        const t = o.now();
        if (p.done > 0 && p.done < p.total && t - shown < every) return;
        shown = t;
        o.onProgress?.(p);
      },
    });
    const wallMs = o.now() - t0;
    if (o.block) return { kind: 'block', outline: first.outline, from, to, records, wallMs, workers: used.length };
    return { kind: 'result', result: aggregate(first.outline, records), wallMs, workers: used.length };
  } catch (e) {
    // A cancelled sweep's workers were stopped under it: their failures are the cancellation.
    if (o.cancelled()) return { kind: 'cancelled', done, total };
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

/** One sweep at a time on fresh workers; starting another cancels the running one, and cancelling stops its workers. */
export class SweepJobs {
  private current: { cancelled: boolean; stop: () => void } | null = null;

  /** `start` makes the workers for one sweep; `now` is the wall clock in milliseconds. */
  constructor(
    private readonly start: () => SweepWorkerHandle[],
    private readonly now: () => number,
  ) {}

  async run(request: SweepRequest, onProgress: (p: SweepProgress) => void, extra: Pick<SweepRunOptions, 'block' | 'onLoaded' | 'progressEveryMs'> = {}): Promise<SweepOutcome> {
    this.cancel();
    const workers = this.start();
    const job = {
      cancelled: false,
      stop: () => {
        for (const w of workers) w.terminate();
        for (const w of workers) w.fail(new Error('the sweep was cancelled'));
      },
    };
    this.current = job;
    try {
      return await runSweepOn(
        workers.map((w) => w.port),
        request,
        { ...extra, now: this.now, onProgress, cancelled: () => job.cancelled },
      );
    } finally {
      if (this.current === job) this.current = null;
      job.stop();
    }
  }

  /** Stops the running sweep. False when none runs. */
  cancel(): boolean {
    const job = this.current;
    if (!job) return false;
    this.current = null;
    job.cancelled = true;
    job.stop();
    return true;
  }
}
