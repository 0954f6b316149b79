import type { SessionCommand, SessionReply } from '../simulation/run/session';
import type { LibraryEntry } from './host-api';
import type { WorkerRequest, WorkerResponse } from './sim-service';

/**
 * Simulations run in worker threads (dist/electron/sim-worker.cjs), never on
 * the main thread or the UI thread. The pool:
 *
 * - pins each session id to one worker (the one with the fewest sessions
 *   when it first appears), so a session's state lives in one place and its
 *   commands are answered in order;
 * - matches replies to requests by a request id;
 * - cancels by terminating the worker and starting a fresh one; a worker
 *   that crashes is replaced the same way. Requests it had in flight get a
 *   SessionReply `{ kind: 'error' }` (a rejected promise for the library);
 * - keeps each session's last `open` and `start` and replays them on the
 *   replacement worker before the session's next command, so a session
 *   carries on after a cancel or a crash (a run is a pure function of its
 *   scenario and seed, so the replay gives the same run).
 */

/** What the pool needs of a worker thread (node:worker_threads Worker; tests pass their own). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  terminate(): Promise<number>;
}

export interface PoolOptions {
  /** Starts a worker. */
  create: () => WorkerLike;
  /** Workers at most (default 2: the run and the comparison run side by side). */
  size?: number;
}

type Body = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  session: string | null;
}

interface Slot {
  readonly index: number;
  worker: WorkerLike | null;
  readonly pending: Map<number, Pending>;
  /** Workers started in this slot so far. */
  started: number;
}

interface SessionState {
  slot: Slot;
  open: SessionCommand | null;
  start: SessionCommand | null;
  /** Its worker was replaced since its last command: replay open and start first. */
  stale: boolean;
}

export interface SlotInfo {
  index: number;
  running: boolean;
  started: number;
  pending: number;
  sessions: string[];
}

export class WorkerPool {
  private readonly slots: Slot[];
  private readonly sessions = new Map<string, SessionState>();
  private readonly create: () => WorkerLike;
  private nextId = 1;
  private closed = false;

  constructor(options: PoolOptions) {
    this.create = options.create;
    const size = Math.max(1, Math.floor(options.size ?? 2));
    this.slots = Array.from({ length: size }, (_, index) => ({ index, worker: null, pending: new Map(), started: 0 }));
  }

  /** Sends `command` to session `id`'s worker; every failure comes back as `{ kind: 'error' }`. */
  async session(id: string, command: SessionCommand): Promise<SessionReply> {
    if (this.closed) return { kind: 'error', message: 'the simulation workers are shut down' };
    if (command.kind === 'close') return this.closeSession(id);
    let st = this.sessions.get(id);
    if (!st) {
      st = { slot: this.pickSlot(), open: null, start: null, stale: false };
      this.sessions.set(id, st);
    }
    if (st.stale && command.kind !== 'summaries') {
      if (command.kind !== 'open' && command.kind !== 'open-sweep-run') {
        // The replacement worker knows nothing of this session yet: bring it back where it was.
        if (st.open) this.request(st.slot, { op: 'session', session: id, command: st.open }, id).catch(() => undefined);
        if (st.start && command.kind !== 'start') this.request(st.slot, { op: 'session', session: id, command: st.start }, id).catch(() => undefined);
      }
      st.stale = false;
    }
    if (command.kind === 'open' || command.kind === 'open-sweep-run') {
      // A sweep's run opens and starts in one command: replaying it brings the run back.
      st.open = command;
      st.start = null;
    } else if (command.kind === 'start') st.start = command;
    try {
      return (await this.request(st.slot, { op: 'session', session: id, command }, id)) as SessionReply;
    } catch (e) {
      return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The library (bundled scenarios and `recent` files, with summaries), computed in a worker. */
  async library(recent: string[]): Promise<LibraryEntry[]> {
    if (this.closed) throw new Error('the simulation workers are shut down');
    const slot = [...this.slots].sort((a, b) => a.pending.size - b.pending.size || Number(!a.worker) - Number(!b.worker) || a.index - b.index)[0];
    return (await this.request(slot, { op: 'library', recent }, null)) as LibraryEntry[];
  }

  /**
   * Stops whatever session `id`'s worker is computing: terminates that worker
   * and starts another. Its requests in flight (and those of sessions sharing
   * the worker) answer `{ kind: 'error' }`. False when it was idle.
   */
  cancel(id: string, reason = 'cancelled'): boolean {
    const st = this.sessions.get(id);
    if (!st || st.slot.pending.size === 0) return false;
    this.restart(st.slot, reason);
    return true;
  }

  /** Cancels every busy worker (the window reloaded or closed). */
  cancelAll(reason = 'cancelled'): void {
    for (const slot of this.slots) if (slot.pending.size > 0) this.restart(slot, reason);
  }

  /** Terminates every worker; pending requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    const exits: Array<Promise<number>> = [];
    for (const slot of this.slots) {
      const w = slot.worker;
      slot.worker = null;
      this.failPending(slot, 'the simulation workers are shut down');
      if (w) exits.push(w.terminate().catch(() => -1));
    }
    this.sessions.clear();
    await Promise.all(exits);
  }

  /** The pool's state, for tests and diagnostics. */
  describe(): SlotInfo[] {
    return this.slots.map((s) => ({
      index: s.index,
      running: s.worker !== null,
      started: s.started,
      pending: s.pending.size,
      sessions: [...this.sessions].filter(([, st]) => st.slot === s).map(([id]) => id),
    }));
  }

  private async closeSession(id: string): Promise<SessionReply> {
    const st = this.sessions.get(id);
    if (!st) return { kind: 'closed' };
    this.sessions.delete(id);
    const busyWithIt = [...st.slot.pending.values()].some((p) => p.session === id);
    if (busyWithIt) {
      // Closing a session that is mid-computation: stop it now rather than wait for it.
      this.restart(st.slot, `cancelled: session ${id} was closed`);
      return { kind: 'closed' };
    }
    if (st.stale) return { kind: 'closed' };
    try {
      return (await this.request(st.slot, { op: 'session', session: id, command: { kind: 'close' } }, id)) as SessionReply;
    } catch (e) {
      return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  private pickSlot(): Slot {
    const count = (s: Slot) => [...this.sessions.values()].filter((st) => st.slot === s).length;
    return [...this.slots].sort((a, b) => count(a) - count(b) || a.index - b.index)[0];
  }

  private request(slot: Slot, body: Body, session: string | null): Promise<unknown> {
    const worker = this.ensureWorker(slot);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, session });
      try {
        worker.postMessage({ id, ...body });
      } catch (e) {
        slot.pending.delete(id);
        reject(new Error(`could not send the request to the simulation worker: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  private ensureWorker(slot: Slot): WorkerLike {
    if (slot.worker) return slot.worker;
    const w = this.create();
    slot.worker = w;
    slot.started++;
    w.on('message', (m: unknown) => this.onMessage(slot, w, m));
    w.on('messageerror', (e: unknown) => this.onMessageError(slot, w, e));
    w.on('error', (e: unknown) => this.onFailure(slot, w, `the simulation worker crashed: ${e instanceof Error ? e.message : String(e)}`));
    w.on('exit', (code: number) => this.onFailure(slot, w, `the simulation worker stopped unexpectedly (exit code ${code})`));
    return w;
  }

  private onMessage(slot: Slot, w: WorkerLike, m: unknown): void {
    if (slot.worker !== w || !m || typeof m !== 'object') return;
    const r = m as WorkerResponse;
    const p = slot.pending.get(r.id);
    if (!p) return;
    slot.pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(new Error(r.error));
  }

  private onMessageError(slot: Slot, w: WorkerLike, e: unknown): void {
    // A reply that could not be deserialized: which request it answered is unknown, so the worker starts over.
    if (slot.worker === w) this.restart(slot, `a reply from the simulation worker could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }

  private onFailure(slot: Slot, w: WorkerLike, message: string): void {
    if (slot.worker !== w) return;
    // Replaced on the next request (not at once, so a worker that cannot start does not loop).
    slot.worker = null;
    w.terminate().catch(() => undefined);
    this.failPending(slot, message);
    this.markStale(slot);
  }

  private restart(slot: Slot, message: string): void {
    const old = slot.worker;
    slot.worker = null;
    old?.terminate().catch(() => undefined);
    this.failPending(slot, message);
    this.markStale(slot);
    if (!this.closed) this.ensureWorker(slot);
  }

  private failPending(slot: Slot, message: string): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of pending) p.reject(new Error(message));
  }

  private markStale(slot: Slot): void {
    for (const st of this.sessions.values()) if (st.slot === slot) st.stale = true;
  }
}
