import type { Kernel } from '../kernel/kernel';
import type { RandomStreams, Rng } from '../kernel/random';
import { type Pod, POD_CRASHED, POD_GONE, POD_TERMINATING, type World } from '../model/world';
import type { ActiveFault, FaultHandler } from './engine';
import type { RequestFaultHandler } from './request';
import type { FaultTarget, FaultType, PodTarget } from './spec';

/**
 * Faults on pods and their containers, as Chaos Mesh's PodChaos and the
 * kubelet behave (docs/faults.md):
 *
 * - `pod-kill`: at each window's opening the selected pods are deleted
 *   (terminating with the fault's `gracePeriod`); their ReplicaSet replaces
 *   them at once and the new pods are `starting` for the app's startupTime.
 * - `pod-failure`: the selected pods' containers stop (Chaos Mesh swaps in a
 *   pause image): not ready, their requests fail as on a crash (502); at the
 *   window's end the container restarts (restarts + 1, counters from zero).
 * - `crash-loop`: while active, a selected container crashes `runFor` after
 *   each (re)start (the first time `runFor` after the window opens); the
 *   kubelet restarts it after its back-off (below).
 * - `oom-leak`: service time of a selected pod grows linearly from 1× to
 *   `maxSlowdown`× over `timeToOom` since its container started (or the
 *   window opened, whichever is later); then the container is OOM-killed
 *   and restarted after the back-off, and the leak starts over.
 * - `scale-down`: the workload runs `replicas` pods while active; then the
 *   replica count last asked for is restored.
 * - `counter-reset`: the target pods' containers restart now (a process
 *   restart: 502 for what they held, `starting` for startupTime, counters
 *   from zero); a scrape target `traefik` (or every job): Traefik's pods
 *   restart (their /metrics start from zero; the configuration is loaded
 *   again); `kubernetes-pods`: every pod exporting metrics restarts.
 *
 * Pods are chosen as Chaos Mesh's selector modes choose them, among the
 * workload's pods that are not being deleted, with the fault's own random
 * stream (`faults/<name>/select`), once per window. A version target means
 * every pod of that revision (for crash-loop and oom-leak, also pods
 * created while the fault is active).
 *
 * The kubelet's back-off (CrashLoopBackOff): 10 s after the first crash,
 * doubling each time (20 s, 40 s, …), capped at 300 s; reset when the
 * container had run for 10 minutes before it crashed. It is kept per pod
 * across faults.
 *
 * Scale-down and Flagger: Flagger scales the canary Deployment (up to the
 * primary's replicas when an analysis starts, to zero after it). While a
 * scale-down is active on a workload, any scale of it (Flagger's, the
 * scenario's) to a non-zero count runs the fault's `replicas` instead, and
 * the count asked for is remembered and restored when the fault ends; a
 * scale to zero goes through. So the fault's count wins for the primary
 * while active, and the canary is held at the fault's count only while
 * Flagger has it scaled up (a canary at zero stays at zero).
 */

const POD_TYPES = ['pod-kill', 'pod-failure', 'crash-loop', 'oom-leak', 'scale-down', 'counter-reset'] as const satisfies readonly FaultType[];

/** The kubelet's restart back-off, seconds. */
export const BACKOFF_INITIAL = 10;
export const BACKOFF_MAX = 300;
/** A container that ran this long before it crashed resets the back-off. */
export const BACKOFF_RESET_AFTER = 600;

interface Live {
  fault: ActiveFault;
  /** Pod ids chosen for this window (pods targets), or null for a version target (behaviours below). */
  pods: Set<number> | null;
  behaviours: Set<number>;
  active: boolean;
  /** oom-leak: when each covered pod's leak started. */
  leakStart: Map<number, number>;
  /** scale-down: the workloads held, with the replicas asked for meanwhile. */
  held: Map<string, number>;
  /** pod-failure: the containers it stopped. */
  failed: number[];
}

/** Which kind of crash a pending event is. */
const CRASH_LOOP = 0;
const OOM = 1;

export class PodFaultHandler implements FaultHandler {
  readonly types = POD_TYPES;
  private readonly live: Live[] = [];
  /** Per pod: the kubelet's back-off step, when the container last started, and how many starts it has seen. */
  private readonly kubelet = new Map<number, { step: number; started: number; starts: number }>();
  /** Pending crashes by token, each for one container (start number) of a pod. */
  private readonly pending = new Map<number, { live: Live; pod: number; kind: number; starts: number }>();
  private nextToken = 0;
  private readonly evCrash: number;
  /** oom-leak faults now active (their slowdown is multiplied into service times). */
  private leaks: Live[] = [];
  /** scale-down faults now active, by workload name (the latest opened wins). */
  private readonly holds = new Map<string, Live[]>();
  private bypassGuard = false;
  private hooked = false;

  constructor(
    private readonly world: World,
    private readonly kernel: Kernel,
    private readonly rng: RandomStreams,
    /** The request path's handler: its per-pod slowdown hook carries the leak. */
    private readonly request: RequestFaultHandler,
    /** Restarts Traefik's pods (counters from zero); null without Traefik. */
    private readonly restartTraefik: (() => void) | null,
  ) {
    this.evCrash = kernel.register('fault-pod-crash', (token) => this.onCrash(token));
  }

  apply(fault: ActiveFault, intensity: number): void {
    const i = this.live.findIndex((l) => l.fault === fault);
    if (intensity > 0 && i < 0) this.open(fault);
    else if (intensity === 0 && i >= 0) this.close(this.live[i]);
    // Along a ramp: the leak's slowdown reads the intensity; nothing else ramps.
  }

  // ---- windows ---------------------------------------------------------------

  private open(fault: ActiveFault): void {
    this.hook();
    const p = fault.spec.params;
    const t = fault.spec.target;
    const l: Live = { fault, pods: null, behaviours: new Set(), active: true, leakStart: new Map(), held: new Map(), failed: [] };
    if (t.kind === 'pods') l.pods = new Set(this.select(fault, t));
    else if (t.kind === 'version') this.world.internals().behaviours.forEach((b, k) => {
      if (b.app.name === t.app && (t.version === 'all' || b.version === t.version)) l.behaviours.add(k);
    });
    this.live.push(l);
    const now = this.kernel.now;
    switch (p.type) {
      case 'pod-kill':
        for (const id of this.covered(l)) this.world.deletePod(id, p.gracePeriod);
        break;
      case 'pod-failure':
        l.failed = this.covered(l).filter((id) => this.running(id));
        for (const id of l.failed) this.world.crashPod(id, Infinity);
        break;
      case 'crash-loop':
        for (const id of this.covered(l)) if (this.running(id)) this.schedule(l, id, CRASH_LOOP, now + p.runFor);
        break;
      case 'oom-leak':
        this.leaks.push(l);
        this.leaks.sort((a, b) => a.fault.index - b.fault.index);
        this.request.podSlowdown = this.slowdown;
        // Installs the request path's hooks (the request handler resets them when its own faults change).
        this.world.faults = this.request;
        for (const id of this.covered(l)) if (this.running(id)) this.startLeak(l, id, now);
        break;
      case 'scale-down':
        for (const name of this.workloadsOf(t)) {
          const list = this.holds.get(name) ?? [];
          // What was asked for before any scale-down held the workload (another hold remembers it).
          l.held.set(name, list.length > 0 ? (list[0].held.get(name) as number) : this.world.desiredReplicas(name));
          list.push(l);
          this.holds.set(name, list);
          // The canary at zero stays there (Flagger has not scaled it up).
          if (this.world.desiredReplicas(name) > 0) this.scaleRaw(name, p.replicas);
        }
        this.world.scaleGuard = this.guard;
        break;
      case 'counter-reset':
        if (t.kind === 'scrape') {
          if (t.job === null || t.job === 'traefik') this.restartTraefik?.();
          if (t.job === null || t.job === 'kubernetes-pods') for (const pod of this.world.internals().pods) if (pod.metrics && this.running(pod.id)) this.world.crashPod(pod.id, 0);
        } else for (const id of this.covered(l)) if (this.running(id)) this.world.crashPod(id, 0);
        break;
      default:
        break;
    }
  }

  private close(l: Live): void {
    l.active = false;
    this.live.splice(this.live.indexOf(l), 1);
    const p = l.fault.spec.params;
    if (p.type === 'pod-failure') {
      // The original container comes back: a restart (counters from zero), starting for startupTime.
      for (const id of l.failed) this.world.restartNow(id);
    } else if (p.type === 'oom-leak') {
      this.leaks = this.leaks.filter((x) => x !== l);
      if (this.leaks.length === 0) {
        this.request.podSlowdown = null;
        // Take the request path's hooks off again when nothing else needs them.
        this.request.refresh();
      }
    } else if (p.type === 'scale-down') {
      for (const [name, asked] of l.held) {
        const list = (this.holds.get(name) ?? []).filter((x) => x !== l);
        if (list.length > 0) {
          this.holds.set(name, list);
          // Another scale-down holds it still: its count, unless scaled to zero meanwhile.
          const last = list[list.length - 1];
          for (const x of list) x.held.set(name, asked);
          if (asked > 0) this.scaleRaw(name, (last.fault.spec.params as { replicas: number }).replicas);
        } else {
          this.holds.delete(name);
          this.scaleRaw(name, asked);
        }
      }
      if (this.holds.size === 0) this.world.scaleGuard = null;
    }
  }

  // ---- pods ------------------------------------------------------------------

  /** Installs the world's container-start hook (once; it stays, cheap and inert without faults). */
  private hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    this.world.containerStarted = (pod) => this.containerStarted(pod);
  }

  private containerStarted(pod: Pod): void {
    const now = this.kernel.now;
    const k = this.kubeletOf(pod.id);
    k.started = now;
    k.starts++;
    for (const l of this.live) {
      if (!this.covers(l, pod)) continue;
      const p = l.fault.spec.params;
      if (p.type === 'crash-loop') this.schedule(l, pod.id, CRASH_LOOP, now + p.runFor);
      else if (p.type === 'oom-leak') this.startLeak(l, pod.id, now);
    }
  }

  private covers(l: Live, pod: Pod): boolean {
    return l.pods ? l.pods.has(pod.id) : l.behaviours.has(pod.behaviour);
  }

  /** Pod ids a window acts on now: the chosen ones, or every live pod of the revision. */
  private covered(l: Live): number[] {
    if (l.pods) return [...l.pods];
    return this.world
      .internals()
      .pods.filter((p) => l.behaviours.has(p.behaviour) && p.state !== POD_GONE && p.state !== POD_TERMINATING)
      .map((p) => p.id);
  }

  /** The container is up (starting or ready): not crashed, not deleted. */
  private running(id: number): boolean {
    const s = this.world.internals().pods[id].state;
    return s !== POD_CRASHED && s !== POD_TERMINATING && s !== POD_GONE;
  }

  /** Chaos Mesh's selector: `one`, `all`, `fixed` n, `fixed-percent` ⌊n·p/100⌋, `random-max-percent` ⌊n·U{0..p}/100⌋. */
  private select(fault: ActiveFault, t: PodTarget): number[] {
    const { workloads, pods } = this.world.internals();
    const w = workloads.find((x) => x.name === t.workload);
    if (!w) return [];
    const candidates = w.pods.filter((id) => pods[id].state !== POD_TERMINATING && pods[id].state !== POD_GONE);
    const rng = this.rng.stream(`faults/${fault.spec.name}/select`);
    const n = candidates.length;
    let k: number;
    switch (t.mode) {
      case 'one':
        k = Math.min(1, n);
        break;
      case 'all':
        k = n;
        break;
      case 'fixed':
        k = Math.min(n, Math.max(0, Math.floor(t.value)));
        break;
      case 'fixed-percent':
        k = Math.floor((n * Math.min(100, t.value)) / 100);
        break;
      case 'random-max-percent': {
        const percent = Math.floor(rng.uniform() * (Math.min(100, t.value) + 1));
        k = Math.floor((n * percent) / 100);
        break;
      }
    }
    return pickK(candidates, k, rng);
  }

  private kubeletOf(id: number): { step: number; started: number; starts: number } {
    let k = this.kubelet.get(id);
    if (!k) this.kubelet.set(id, (k = { step: 0, started: this.world.internals().pods[id].createdAt, starts: 0 }));
    return k;
  }

  private schedule(l: Live, pod: number, kind: number, at: number): void {
    const token = this.nextToken++;
    this.pending.set(token, { live: l, pod, kind, starts: this.kubeletOf(pod).starts });
    this.kernel.at(at, this.evCrash, token);
  }

  private onCrash(token: number): void {
    const e = this.pending.get(token);
    if (!e) return;
    this.pending.delete(token);
    const pod = this.world.internals().pods[e.pod];
    // Stale: the window closed, or the container it was for has restarted since (its successor has its own).
    if (!e.live.active || !this.covers(e.live, pod) || !this.running(e.pod) || this.kubeletOf(e.pod).starts !== e.starts) return;
    if (e.kind === OOM) e.live.leakStart.delete(e.pod);
    this.crash(pod);
  }

  /** The container exits; the kubelet restarts it after its back-off. */
  private crash(pod: Pod): void {
    const now = this.kernel.now;
    const k = this.kubeletOf(pod.id);
    if (now - k.started >= BACKOFF_RESET_AFTER) k.step = 0;
    const delay = Math.min(BACKOFF_MAX, BACKOFF_INITIAL * 2 ** k.step);
    k.step++;
    this.world.crashPod(pod.id, delay);
  }

  // ---- oom-leak ----------------------------------------------------------------

  private startLeak(l: Live, pod: number, now: number): void {
    l.leakStart.set(pod, now);
    this.schedule(l, pod, OOM, now + (l.fault.spec.params as { timeToOom: number }).timeToOom);
  }

  /** The leaks' slowdown of a request starting on `pod` now (1 when none covers it). */
  private readonly slowdown = (_b: number, pod: Pod, now: number): number => {
    let f = 1;
    for (let i = 0; i < this.leaks.length; i++) {
      const l = this.leaks[i];
      const start = l.leakStart.get(pod.id);
      if (start === undefined) continue;
      const p = l.fault.spec.params as { timeToOom: number; maxSlowdown: number };
      const grown = Math.min(1, (now - start) / p.timeToOom);
      f *= 1 + (p.maxSlowdown - 1) * grown * l.fault.intensity;
    }
    return f;
  };

  // ---- scale-down --------------------------------------------------------------

  private workloadsOf(t: FaultTarget): string[] {
    if (t.kind === 'pods') return [t.workload];
    if (t.kind !== 'version') return [];
    const specs = this.world.spec.workloads;
    return specs.filter((w) => w.app === t.app && (t.version === 'all' || w.version === t.version)).map((w) => w.name);
  }

  private scaleRaw(name: string, replicas: number): void {
    this.bypassGuard = true;
    try {
      this.world.scale(name, replicas);
    } finally {
      this.bypassGuard = false;
    }
  }

  /** World.scaleGuard: a held workload runs the fault's count; the count asked for is remembered. */
  private readonly guard = (name: string, replicas: number): number => {
    if (this.bypassGuard) return replicas;
    const list = this.holds.get(name);
    if (!list || list.length === 0) return replicas;
    const l = list[list.length - 1];
    for (const x of list) x.held.set(name, replicas);
    return replicas === 0 ? 0 : (l.fault.spec.params as { replicas: number }).replicas;
  };
}

/** k of the items, chosen uniformly (a partial Fisher–Yates shuffle), in their original order. */
function pickK(items: readonly number[], k: number, rng: Rng): number[] {
  const a = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  const chosen = new Set(a.slice(0, k));
  return items.filter((x) => chosen.has(x));
}
