import { EventQueue } from './event-queue';

/** An event handler receives the event's two integer arguments. */
export type EventHandler = (a: number, b: number) => void;

/**
 * The discrete-event kernel: one virtual clock and one event queue.
 *
 * Components register their handlers once (getting back a kind number) and
 * then schedule events by kind with integer arguments, so the hot loop
 * allocates nothing. Events at the same time run in scheduling order.
 */
export class Kernel {
  readonly queue: EventQueue;
  /** Current virtual time in seconds. */
  now = 0;
  /** Events processed so far. */
  events = 0;
  private readonly handlers: EventHandler[] = [];
  private readonly names: string[] = [];

  constructor(initialCapacity = 4096) {
    this.queue = new EventQueue(initialCapacity);
  }

  /** Registers a handler and returns its event kind. */
  register(name: string, handler: EventHandler): number {
    this.handlers.push(handler);
    this.names.push(name);
    return this.handlers.length - 1;
  }

  kindName(kind: number): string {
    return this.names[kind] ?? `#${kind}`;
  }

  /** Schedules an event at absolute time `time` (never earlier than now). */
  at(time: number, kind: number, a = 0, b = 0): void {
    if (!(time >= this.now)) {
      throw new RangeError(`cannot schedule ${this.kindName(kind)} at ${time}: the clock is already at ${this.now}`);
    }
    this.queue.push(time, kind, a, b);
  }

  /** Schedules an event `delay` seconds from now. */
  after(delay: number, kind: number, a = 0, b = 0): void {
    this.at(this.now + delay, kind, a, b);
  }

  /**
   * Runs every event with time <= `until`, at most `maxEvents` of them.
   * Returns true when all events up to `until` have run; the clock then
   * stands at `until` (if finite). Returns false when stopped by maxEvents.
   */
  runUntil(until: number, maxEvents = Infinity): boolean {
    const q = this.queue;
    const handlers = this.handlers;
    let budget = maxEvents;
    while (q.size > 0 && q.peekTime() <= until) {
      if (budget <= 0) return false;
      budget--;
      q.pop();
      this.now = q.time;
      this.events++;
      handlers[q.kind](q.a, q.b);
    }
    if (until !== Infinity && until > this.now) this.now = until;
    return true;
  }
}
