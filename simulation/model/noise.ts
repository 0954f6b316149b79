import type { Rng } from '../kernel/random';

/**
 * Noise models (docs/noise.md): the pieces of randomness that make a
 * simulated service look like a real one. Every model is off unless the
 * scenario asks for it, and each draws from its own named stream, so a
 * scenario without them draws exactly the numbers it always did.
 */

/** A range [min, max]; min = max is a fixed value. */
export interface RangeSpec {
  min: number;
  max: number;
}

/** Uniform on [min, max] (durations). */
export function uniformIn(r: RangeSpec, rng: Rng): number {
  return r.min === r.max ? r.min : r.min + (r.max - r.min) * rng.uniform();
}

/** Log-uniform on [min, max] (multipliers: as likely ×2–×4 as ×4–×8). */
export function logUniformIn(r: RangeSpec, rng: Rng): number {
  return r.min === r.max ? r.min : r.min * Math.pow(r.max / r.min, rng.uniform());
}

/**
 * The 5xx probability drifts: multiplied by exp(x − σ²/2), x an AR(1)
 * process updated every `interval` seconds, x' = φ·x + σ·√(1 − φ²)·ε
 * (ε standard normal), started in its stationary law N(0, σ²). x has
 * stationary standard deviation σ and lag-one autocorrelation φ; the −σ²/2
 * makes the factor's mean exactly 1, so the long-run error rate stays the
 * base rate.
 */
export interface ErrorDriftSpec {
  sigma: number;
  phi: number;
  interval: number;
}

/**
 * Error bursts: windows that start at random (Poisson, `ratePerHour`) and
 * last a duration drawn uniformly from `duration`; during one, the 5xx
 * probability is `probability` (split over the revision's 5xx codes in their
 * proportions, or all 500 when it has none). Overlapping windows merge.
 */
export interface ErrorBurstSpec {
  ratePerHour: number;
  duration: RangeSpec;
  probability: number;
}

/** A chance that a new pod is slow: its latencies are multiplied by `factor`. */
export interface SlowPodsSpec {
  probability: number;
  factor: number;
}

/** A mean-reverting AR(1) process with stationary standard deviation sigma. */
export class Ar1 {
  x: number;
  private readonly innovation: number;

  constructor(
    readonly sigma: number,
    readonly phi: number,
    private readonly rng: Rng,
  ) {
    this.x = sigma * rng.normal();
    this.innovation = sigma * Math.sqrt(Math.max(0, 1 - phi * phi));
  }

  step(): number {
    this.x = this.phi * this.x + this.innovation * this.rng.normal();
    return this.x;
  }

  /** exp(x − σ²/2): mean 1 under the stationary law. */
  factor(): number {
    return Math.exp(this.x - (this.sigma * this.sigma) / 2);
  }
}

/**
 * A new pod's speed factor (its latencies are multiplied by it): lognormal
 * with median 1 and log-standard-deviation `sigma`, times the slow factor
 * with the slow pods' probability. Draws only what is configured.
 */
export function drawPodSpeed(rng: Rng, sigma: number, slow: SlowPodsSpec | null): number {
  let f = sigma > 0 ? Math.exp(sigma * rng.normal()) : 1;
  if (slow !== null && slow.probability > 0 && rng.uniform() < slow.probability) f *= slow.factor;
  return f;
}

/** Gaps of a Poisson process of `ratePerHour` events per hour, in seconds (Infinity when the rate is 0). */
export function nextGap(ratePerHour: number, rng: Rng): number {
  return ratePerHour > 0 ? rng.exponential(ratePerHour / 3600) : Infinity;
}
