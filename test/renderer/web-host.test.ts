import { describe, expect, it } from 'vitest';
import { webHost } from '../../renderer/host/web';
import { RunSession, type SessionCommand } from '../../simulation/run/session';
import { repoHost } from '../support/scenario';

/**
 * The browser build's host adapter (renderer/host/web.ts) over a stand-in
 * worker that runs the same RunSession in this process: requests and replies
 * matched by id, cancelling replaces the worker, and a session carries on
 * on the new one from its scenario and seed.
 */

interface Sent {
  id: number;
  op: string;
  session?: string;
  command?: SessionCommand;
}

class FakeWorker {
  static made: FakeWorker[] = [];
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  readonly received: Sent[] = [];
  /** Requests held back (the worker is "busy") until released. */
  hold = false;
  private readonly held: Sent[] = [];
  private readonly sessions = new Map<string, RunSession>();
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(m: Sent): void {
    this.received.push(m);
    if (this.hold) this.held.push(m);
    else this.answer(m);
  }
  release(): void {
    this.hold = false;
    for (const m of this.held.splice(0)) this.answer(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  private answer(m: Sent): void {
    if (this.terminated) return;
    let s = this.sessions.get(m.session ?? 'main');
    if (!s) this.sessions.set(m.session ?? 'main', (s = new RunSession(repoHost)));
    const value = s.handle(m.command as SessionCommand);
    queueMicrotask(() => this.onmessage?.({ data: { id: m.id, ok: true, value } } as MessageEvent));
  }
}

const make = () => new FakeWorker() as unknown as Worker;

describe('web host adapter', () => {
  it('answers session commands in order over the worker', async () => {
    FakeWorker.made = [];
    const host = webHost('./worker.js', make);
    const opened = await host.session('main', { kind: 'open', file: 'scenarios/budget-freeze.yaml' });
    expect(opened.kind === 'opened' && opened.ok).toBe(true);
    await host.session('main', { kind: 'start', seed: 3 });
    const r = await host.session('main', { kind: 'advance', to: 120 });
    expect(r.kind === 'snapshot' ? [r.snapshot.t, r.snapshot.seed] : null).toEqual([120, 3]);
    expect(await host.cancel('main')).toBe(false);
    expect(FakeWorker.made).toHaveLength(1);
  });

  it('cancel stops a busy session: its request answers "cancelled", a fresh worker replays open and start, the run carries on', async () => {
    FakeWorker.made = [];
    const host = webHost('./worker.js', make);
    await host.session('main', { kind: 'open', file: 'scenarios/budget-freeze.yaml' });
    await host.session('main', { kind: 'start', seed: 3 });
    const first = FakeWorker.made[0];
    first.hold = true;
    const long = host.session('main', { kind: 'advance', to: 1200 });
    expect(await host.cancel('main')).toBe(true);
    expect(await long).toEqual({ kind: 'error', message: 'cancelled by the user' });
    expect(first.terminated).toBe(true);
    expect(FakeWorker.made).toHaveLength(2);
    const r = await host.session('main', { kind: 'advance', to: 180 });
    expect(r.kind === 'snapshot' ? [r.snapshot.t, r.snapshot.seed] : null).toEqual([180, 3]);
    // The new worker was given the session's scenario and seed first.
    expect(FakeWorker.made[1].received.map((m) => m.command?.kind)).toEqual(['open', 'start', 'advance']);
    // And the same record as an uninterrupted run.
    const direct = new RunSession(repoHost);
    direct.handle({ kind: 'open', file: 'scenarios/budget-freeze.yaml' });
    direct.handle({ kind: 'start', seed: 3 });
    const d = direct.handle({ kind: 'advance', to: 180 });
    expect(JSON.stringify(r)).toBe(JSON.stringify(d));
    first.release();
  });
});
