import type { Rng } from '../kernel/random';
import type { CallFault, Pod, RequestFaults, World } from '../model/world';
import type { ActiveFault, FaultHandler } from './engine';
import type { EdgeTarget, FaultParams, FaultType, VersionTarget } from './spec';

/**
 * Faults on the request path: what a revision answers and how slowly
 * (HTTP abort and delay, latency shift, CPU stress), and what happens to
 * in-cluster calls between services (Toxiproxy's toxics, partitions, DNS,
 * failing or rate-limited downstreams). Implements the world's
 * `RequestFaults` hooks; installed only when a scenario has such faults.
 *
 * How overlapping faults combine (docs/faults.md):
 * - slowdowns (CPU stress, latency shift, a leak) multiply;
 * - HTTP delays add; each applies to its share of requests independently;
 * - HTTP aborts are tried in declaration order, each on its share of
 *   requests; the first that fires decides the status;
 * - on a call, faults are tried in declaration order: the first that fails
 *   or hangs the call decides; delays before it add up.
 * A ramping fault scales its share (aborts, delays, toxicity, loss), its
 * added time, or its factor's excess over 1 by its intensity.
 */

const REQUEST_TYPES = [
  'http-abort',
  'http-delay',
  'latency-shift',
  'cpu-stress',
  'network-latency',
  'network-bandwidth',
  'network-timeout',
  'network-reset-peer',
  'network-slow-close',
  'network-loss',
  'network-partition',
  'dependency-failure',
  'quota',
  'dns-failure',
] as const satisfies readonly FaultType[];

/** The status a caller's HTTP client reports when a connection fails (no HTTP answer): a bad gateway. */
export const CONNECTION_FAILED = 502;

interface Live {
  fault: ActiveFault;
  rng: Rng;
  /** Behaviour indices (revision faults) or the called Service and calling behaviours (call faults). */
  behaviours: ReadonlySet<number>;
  service: number;
  /** Quota: tokens and when last refilled. */
  tokens: number;
  refilled: number;
  /** HTTP delay tail-only: the revision's service time at the tail quantile, per behaviour. */
  tail: Map<number, number>;
}

export class RequestFaultHandler implements FaultHandler, RequestFaults {
  readonly types = REQUEST_TYPES;
  private readonly live: Live[] = [];
  /** Per behaviour: faults on its requests (slowdown, delays, aborts). */
  private perBehaviour: Live[][] = [];
  /** Per Service: faults on calls to it. */
  private perService: Live[][] = [];
  /** Another handler's per-pod slowdown (a memory leak), multiplied in. */
  podSlowdown: ((b: number, pod: Pod, now: number) => number) | null = null;

  constructor(
    private readonly world: World,
    private readonly rngFor: (fault: string) => Rng,
  ) {}

  apply(fault: ActiveFault, intensity: number): void {
    const i = this.live.findIndex((l) => l.fault === fault);
    if (intensity === 0) {
      if (i >= 0) this.live.splice(i, 1);
    } else if (i < 0) {
      this.live.push(this.resolve(fault));
      // Declaration order decides precedence.
      this.live.sort((a, b) => a.fault.index - b.fault.index);
    }
    this.reindex();
    this.refresh();
  }

  /** Installs the world's request hooks while any request fault or per-pod slowdown needs them, and only then. */
  refresh(): void {
    this.world.faults = this.live.length > 0 || this.podSlowdown ? this : null;
  }

  private resolve(fault: ActiveFault): Live {
    const internals = this.world.internals();
    const t = fault.spec.target;
    const behaviours = new Set<number>();
    let service = -1;
    if (t.kind === 'version') {
      internals.behaviours.forEach((b, k) => {
        if (b.app.name === (t as VersionTarget).app && ((t as VersionTarget).version === 'all' || b.version === (t as VersionTarget).version)) behaviours.add(k);
      });
    } else if (t.kind === 'edge') {
      const e = t as EdgeTarget;
      service = internals.services.findIndex((s) => s.key === e.to);
      internals.behaviours.forEach((b, k) => {
        if (e.from === null || b.app.name === e.from) behaviours.add(k);
      });
      if (e.from === null) behaviours.add(-1);
    }
    const p = fault.spec.params;
    const tail = new Map<number, number>();
    if (p.type === 'http-delay' && p.tailOnly) for (const k of behaviours) tail.set(k, internals.behaviours[k].sampler.quantile(p.tailQuantile));
    return { fault, rng: this.rngFor(fault.spec.name), behaviours, service, tokens: p.type === 'quota' ? Math.max(1, p.rate) : 0, refilled: -1, tail };
  }

  private reindex(): void {
    const { behaviours, services } = this.world.internals();
    this.perBehaviour = behaviours.map(() => []);
    this.perService = services.map(() => []);
    for (const l of this.live) {
      if (l.fault.spec.target.kind === 'version') for (const b of l.behaviours) this.perBehaviour[b].push(l);
      else if (l.service >= 0) this.perService[l.service].push(l);
    }
  }

  // ---- RequestFaults -----------------------------------------------------------

  serviceTime(b: number, pod: Pod, base: number, now: number): number {
    let t = base;
    if (this.podSlowdown) t *= this.podSlowdown(b, pod, now);
    const list = this.perBehaviour[b];
    if (!list || list.length === 0) return t;
    let added = 0;
    for (const l of list) {
      const p = l.fault.spec.params;
      const x = l.fault.intensity;
      if (p.type === 'cpu-stress') t *= 1 + (p.slowdown - 1) * x;
      else if (p.type === 'latency-shift') t *= 1 + (p.factor - 1) * x;
      else if (p.type === 'http-delay') {
        if (p.tailOnly && base < (l.tail.get(b) ?? Infinity)) continue;
        if (p.percent < 100 && l.rng.uniform() * 100 >= p.percent) continue;
        const jitter = p.jitter > 0 ? (l.rng.uniform() * 2 - 1) * p.jitter : 0;
        added += Math.max(0, p.delay + jitter) * x;
      }
    }
    return t + added;
  }

  touches(b: number): boolean {
    return this.podSlowdown !== null || (this.perBehaviour[b]?.length ?? 0) > 0;
  }

  status(b: number, drawn: number, _now: number): number {
    const list = this.perBehaviour[b];
    if (!list) return drawn;
    for (const l of list) {
      const p = l.fault.spec.params;
      if (p.type !== 'http-abort') continue;
      if (l.rng.uniform() * 100 < p.percent * l.fault.intensity) return p.code;
    }
    return drawn;
  }

  call(from: number, to: number, now: number, out: CallFault): void {
    const list = this.perService[to];
    if (!list || list.length === 0) return;
    let delay = 0;
    for (const l of list) {
      if (!l.behaviours.has(from)) continue;
      const p = l.fault.spec.params;
      const x = l.fault.intensity;
      if (this.decide(p, l, x, now, out)) {
        if (out.action === 'delay') {
          delay += out.after;
          out.action = 'pass';
          continue;
        }
        if (out.action === 'fail') out.after += delay;
        return;
      }
    }
    if (delay > 0) {
      out.action = 'delay';
      out.after = delay;
    }
  }

  /** One call fault's effect: true when it acts (out filled in). */
  private decide(p: FaultParams, l: Live, x: number, now: number, out: CallFault): boolean {
    // A ramp scales the share of calls hit — or, for the toxics that add time, the time added (not both).
    const hit = (percent: number, scaled = true) => l.rng.uniform() * 100 < percent * (scaled ? x : 1);
    switch (p.type) {
      case 'network-partition':
        // Packets are dropped: the connection never opens; the caller's timeout ends the call.
        if (!hit(100)) return false;
        out.action = 'hang';
        return true;
      case 'dns-failure':
        if (!hit(100)) return false;
        return this.fail(out, CONNECTION_FAILED, 0);
      case 'network-timeout':
        if (!hit(p.toxicity)) return false;
        if (p.timeout <= 0) {
          out.action = 'hang';
          return true;
        }
        return this.fail(out, CONNECTION_FAILED, p.timeout);
      case 'network-reset-peer':
        if (!hit(p.toxicity)) return false;
        return this.fail(out, CONNECTION_FAILED, p.timeout);
      case 'dependency-failure':
        if (!hit(p.percent)) return false;
        if (p.hang) {
          out.action = 'hang';
          return true;
        }
        return this.fail(out, p.code, 0);
      case 'quota': {
        // A token bucket of `rate` per second holding one second's worth (at least one call's).
        if (l.refilled < 0) l.refilled = now;
        l.tokens = Math.min(Math.max(1, p.rate), l.tokens + (now - l.refilled) * p.rate);
        l.refilled = now;
        if (l.tokens >= 1) {
          l.tokens -= 1;
          return false;
        }
        return this.fail(out, p.code, 0);
      }
      case 'network-latency': {
        if (!hit(p.toxicity, false)) return false;
        const jitter = p.jitter > 0 ? (l.rng.uniform() * 2 - 1) * p.jitter : 0;
        return this.delay(out, Math.max(0, p.latency + jitter) * x);
      }
      case 'network-bandwidth':
        if (!hit(p.toxicity)) return false;
        return this.delay(out, p.responseBytes / (p.rate * 1024));
      case 'network-slow-close':
        if (!hit(p.toxicity, false)) return false;
        return this.delay(out, p.delay * x);
      case 'network-loss': {
        // Each lost round trip waits a retransmission timeout, doubling each time.
        let wait = 0;
        let rto = p.rto;
        while (rto > 0 && wait < 120 && hit(p.loss)) {
          wait += rto;
          rto *= 2;
        }
        return wait > 0 && this.delay(out, wait);
      }
      default:
        return false;
    }
  }

  private fail(out: CallFault, status: number, after: number): boolean {
    out.action = 'fail';
    out.status = status;
    out.after = after;
    return true;
  }

  private delay(out: CallFault, seconds: number): boolean {
    out.action = 'delay';
    out.after = seconds;
    return true;
  }
}
