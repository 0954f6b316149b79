/**
 * Traefik `retry` middleware (reference traefik.md §5.3), classic / network
 * mode: a failed try is retried only when no request bytes reached the
 * backend, up to `attempts` tries in total (the first try included).
 *
 * Back-off follows Traefik's `newBackOff`: a zero back-off when
 * `initialInterval` is 0 (or attempts < 2), otherwise cenkalti/backoff v4's
 * ExponentialBackOff with InitialInterval = initialInterval and
 * Multiplier = 2^(1/(attempts−1)), the other parameters left at the library
 * defaults (RandomizationFactor 0.5, MaxInterval 60 s).
 *
 * NextBackOff, per the library: the randomized value is drawn from
 * [interval·(1−f), interval·(1+f)] as
 *   trunc(min + u·(max − min + 1ns))            (u uniform in [0,1))
 * and then the current interval is multiplied by the multiplier (truncated to
 * whole nanoseconds), or set to MaxInterval once interval ≥ MaxInterval/multiplier.
 * Everything is computed in integer nanoseconds, as Go's time.Duration is.
 *
 * Not modelled: MaxElapsedTime (15 min; a back-off that long never happens
 * within a few retries), the v3.7+ status-code / timeout options.
 */

/** Anything with a uniform draw in [0, 1); `Rng` from simulation/kernel/random.ts fits. */
export interface UniformSource {
  uniform(): number;
}

export interface RetryConfig {
  /** Total tries including the first (> 0); 1 = no retry. */
  attempts: number;
  /** Seconds; 0 (default) = retry immediately. */
  initialInterval?: number;
}

const NS_PER_S = 1e9;
const RANDOMIZATION_FACTOR = 0.5;
const MAX_INTERVAL_NS = 60 * NS_PER_S;

export class RetryPolicy {
  readonly attempts: number;
  readonly initialInterval: number;
  /** 2^(1/(attempts−1)); 0 when back-off is zero. */
  readonly multiplier: number;
  private readonly initialNs: number;
  private readonly exponential: boolean;

  constructor(config: RetryConfig) {
    const attempts = Math.trunc(config.attempts);
    if (!(attempts > 0)) throw new Error(`retry: attempts must be > 0, got ${config.attempts}`);
    const initialInterval = config.initialInterval ?? 0;
    if (!(initialInterval >= 0)) throw new Error(`retry: initialInterval must be >= 0, got ${initialInterval}`);
    this.attempts = attempts;
    this.initialInterval = initialInterval;
    this.initialNs = Math.round(initialInterval * NS_PER_S);
    this.exponential = attempts >= 2 && this.initialNs > 0;
    this.multiplier = this.exponential ? Math.pow(2, 1 / (attempts - 1)) : 0;
  }

  /**
   * After try number `attempt` (1-based) failed: retry iff no request bytes
   * reached the backend and tries remain (attempt < attempts).
   */
  shouldRetry(attempt: number, bytesReachedBackend: boolean): boolean {
    return !bytesReachedBackend && attempt < this.attempts;
  }

  /**
   * Delay in seconds before retry number `attempt` (1 = the first retry, i.e.
   * after try 1 failed). Draws exactly one `rng.uniform()` when the back-off
   * is exponential and none when it is zero (as Go's ZeroBackOff draws none).
   */
  backoff(attempt: number, rng: UniformSource): number {
    if (!this.exponential) return 0;
    const interval = this.intervalNs(attempt);
    const delta = RANDOMIZATION_FACTOR * interval;
    const lo = interval - delta;
    const hi = interval + delta;
    const ns = Math.trunc(lo + rng.uniform() * (hi - lo + 1));
    return ns / NS_PER_S;
  }

  /** Un-randomized interval (seconds) for retry number `attempt`; 0 when back-off is zero. */
  interval(attempt: number): number {
    return this.exponential ? this.intervalNs(attempt) / NS_PER_S : 0;
  }

  /** The library's current interval after (attempt − 1) increments, in ns. */
  private intervalNs(attempt: number): number {
    let interval = this.initialNs;
    const capAt = MAX_INTERVAL_NS / this.multiplier;
    for (let i = 1; i < attempt; i++) {
      interval = interval >= capAt ? MAX_INTERVAL_NS : Math.trunc(interval * this.multiplier);
    }
    return interval;
  }
}
