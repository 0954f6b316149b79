import type { Kernel } from '../kernel/kernel';
import type { RandomStreams } from '../kernel/random';
import { type FaultSpec, type FaultType, intensity, RAMP_STEP, windows } from './spec';

/**
 * Applies one category of faults to the simulated system. The engine calls
 * `apply` whenever a fault's intensity changes — when a window opens (1, or
 * the first ramp step), along its ramps, and when it closes (0) — always at
 * the current simulated time; handlers act on the system at once.
 */
export interface FaultHandler {
  readonly types: readonly FaultType[];
  apply(fault: ActiveFault, intensity: number): void;
}

/** A fault as it runs: its spec, an index, and its current intensity (0 when inactive). */
export interface ActiveFault {
  readonly spec: FaultSpec;
  readonly index: number;
  intensity: number;
}


/** One action of a run's action log (live injections and cancellations), replayable. */
export type FaultAction = { t: number; action: 'inject'; fault: FaultSpec } | { t: number; action: 'cancel'; name: string };

/**
 * Schedules faults on the kernel and drives their handlers. Scenario faults
 * are known from the start; live ones are injected at the current time (and
 * recorded in the action log); any fault can be cancelled. Everything happens
 * through kernel events, so a run is a pure function of scenario, seed and
 * action log.
 */
export class FaultEngine {
  readonly faults: ActiveFault[] = [];
  private readonly byType = new Map<FaultType, FaultHandler>();
  private readonly evUpdate: number;
  private readonly cancelled = new Set<number>();
  /** Per fault, a generation: cancelling invalidates its pending updates. */
  private readonly gens: number[] = [];
  /** Called before any fault's intensity changes (fast mode settles the traffic drawn so far under the old faults). */
  beforeChange: (() => void) | null = null;

  constructor(
    private readonly kernel: Kernel,
    readonly rng: RandomStreams,
    handlers: readonly FaultHandler[],
    private readonly horizon: number,
  ) {
    for (const h of handlers) for (const t of h.types) this.byType.set(t, h);
    this.evUpdate = kernel.register('fault-update', (i, gen) => this.onUpdate(i, gen));
  }

  /** Adds a fault (scenario faults at construction; live ones from `inject`). */
  add(spec: FaultSpec): ActiveFault {
    if (!this.byType.has(spec.params.type)) throw new Error(`fault type ${spec.params.type} has no handler`);
    if (this.faults.some((f) => f.spec.name === spec.name)) throw new Error(`a fault named ${spec.name} already exists`);
    const f: ActiveFault = { spec, index: this.faults.length, intensity: 0 };
    this.faults.push(f);
    this.gens.push(0);
    // The first window's start; each update schedules the next change, the later windows included.
    const first = windows(spec.schedule, this.horizon).find(([start]) => start >= this.kernel.now);
    if (first) this.kernel.at(first[0], this.evUpdate, f.index, 0);
    return f;
  }

  /** Injects a fault now: its schedule's `at` counts from now. */
  inject(spec: FaultSpec): ActiveFault {
    if (this.faults.some((f) => f.spec.name === spec.name)) throw new Error(`a fault named ${spec.name} already exists: give the injected fault its own name`);
    return this.add({ ...spec, schedule: { ...spec.schedule, at: this.kernel.now + spec.schedule.at } });
  }

  /** Ends a fault now, whatever its schedule. */
  cancel(name: string): void {
    const f = this.faults.find((x) => x.spec.name === name);
    if (!f) throw new Error(`no fault named ${name}`);
    this.cancelled.add(f.index);
    this.gens[f.index]++;
    this.set(f, 0);
  }

  /** Faults active now. */
  active(): ActiveFault[] {
    return this.faults.filter((f) => f.intensity > 0);
  }

  /** Per fault index, the [start, end) spans it was active (end Infinity: still is). */
  private readonly spans: Array<Array<[number, number]>> = [];

  /** Names of the faults active at some time in (t0, t1]. */
  activeDuring(t0: number, t1: number): string[] {
    const out: string[] = [];
    this.faults.forEach((f, i) => {
      if ((this.spans[i] ?? []).some(([a, b]) => a <= t1 && b > t0)) out.push(f.spec.name);
    });
    return out;
  }

  private onUpdate(i: number, gen: number): void {
    if (this.gens[i] !== gen || this.cancelled.has(i)) return;
    const f = this.faults[i];
    const now = this.kernel.now;
    const s = f.spec.schedule;
    this.set(f, intensity(s, now));
    const next = this.nextUpdate(f, now);
    if (next !== null) this.kernel.at(next, this.evUpdate, i, gen);
  }

  /** When this fault's intensity next changes: along a ramp every RAMP_STEP, else at the window's edges. */
  private nextUpdate(f: ActiveFault, now: number): number | null {
    const s = f.spec.schedule;
    for (const [start, end] of windows(s, this.horizon)) {
      if (now < start) return start;
      if (now >= end) continue;
      if (s.rampIn > 0 && now < start + s.rampIn) return Math.min(now + RAMP_STEP, start + s.rampIn);
      if (s.rampOut > 0 && end !== Infinity && now >= end - s.rampOut) return Math.min(now + RAMP_STEP, end);
      if (s.rampOut > 0 && end !== Infinity) return end - s.rampOut;
      return end === Infinity ? null : end;
    }
    return null;
  }

  private set(f: ActiveFault, x: number): void {
    if (x === f.intensity) return;
    const spans = (this.spans[f.index] ??= []);
    if (f.intensity === 0) spans.push([this.kernel.now, Infinity]);
    else if (x === 0) (spans[spans.length - 1] as [number, number])[1] = this.kernel.now;
    this.beforeChange?.();
    f.intensity = x;
    (this.byType.get(f.spec.params.type) as FaultHandler).apply(f, x);
  }
}
