/**
 * Traefik `rateLimit` middleware, in-memory variant (reference traefik.md §5.3):
 * one golang.org/x/time/rate token bucket per source, reservation semantics.
 *
 * Facts relied on (Traefik pkg/middlewares/ratelimiter, x/time/rate, mailgun/ttlmap):
 * - rate r = average / period (req/s); average ≤ 0 → rate.Inf: no limit at all.
 * - burst < 1 is raised to 1.
 * - maxDelay = 1s / (2·floor(r)) in integer nanoseconds when r ≥ 1, else 500 ms.
 * - Each request takes a reservation (Reserve(): never "not OK", since n = 1 ≤ burst
 *   and the max future reserve is infinite). If its delay > maxDelay the reservation
 *   is cancelled and the request gets 429 with Retry-After = ceil(delay in s).
 * - Cancelling right after reserving restores the one token (restoreTokens =
 *   1 − tokens reserved after it = 1) and clamps to burst, so a rejected request
 *   leaves the bucket as if it had not come (except that `last` moved to now,
 *   which changes nothing since refill up to now was already applied).
 * - x/time/rate arithmetic: advance() caps the elapsed time at
 *   durationFromTokens(burst − tokens) (truncated ns), adds
 *   tokensFromDuration(elapsed) = whole seconds·r + remaining ns·r/1e9, clamps
 *   to burst; the wait is durationFromTokens(−tokens) = trunc(1e9·(−tokens/r)) ns.
 *   A new limiter starts with 0 tokens and `last` at the zero time, so its first
 *   advance fills it (to burst, up to the ns truncation).
 * - Buckets live in a TTL map keyed by source: ttl = 2 s when r ≥ 1, else
 *   1 + floor(1/r) s. Every request re-Sets the entry with expiry
 *   = Unix(now + ttl) (whole seconds) and an entry is expired when
 *   expiry ≤ Unix(now); an expired bucket is replaced by a new, full one.
 *   Simulated time 0 is taken to be a whole Unix second.
 *
 * Not modelled: the 65536-source capacity of the TTL map, the Redis variant,
 * source extraction (the caller passes a small integer id).
 */

export interface RateLimitConfig {
  /** Requests per `period`; 0 (or less) = no limit. */
  average: number;
  /** Seconds; default 1 (0 also means 1, as in Traefik). */
  period?: number;
  /** Bucket size; default 1, values < 1 are raised to 1. */
  burst?: number;
  /** Initial number of source slots (grows by doubling when exceeded). */
  initialSources?: number;
}

const NS_PER_S = 1e9;

export class RateLimiter {
  /** Tokens per second; Infinity when unlimited. */
  readonly rate: number;
  readonly burst: number;
  /** Largest delay imposed instead of rejecting, in seconds. */
  readonly maxDelay: number;
  /** Bucket inactivity TTL in whole seconds. */
  readonly ttl: number;
  readonly unlimited: boolean;
  /** Retry-After (whole seconds, ceil) of the most recent rejection; 0 before any. */
  retryAfterSeconds = 0;
  /** Delay (seconds) the most recent rejection would have needed (X-Retry-In). */
  lastRejectedDelay = 0;

  private readonly maxDelayNs: number;
  private tokens: Float64Array;
  private lastNs: Float64Array;
  private expiry: Float64Array;
  private present: Uint8Array;

  constructor(config: RateLimitConfig) {
    const average = config.average;
    let period = config.period ?? 1;
    if (period < 0) throw new Error(`rateLimit: negative period ${period}`);
    if (period === 0) period = 1;
    const burst = Math.trunc(config.burst ?? 1);
    this.burst = burst < 1 ? 1 : burst;
    this.unlimited = !(average > 0);
    const periodNs = Math.round(period * NS_PER_S);
    this.rate = this.unlimited ? Infinity : (average * NS_PER_S) / periodNs;
    if (this.unlimited) {
      this.maxDelayNs = 0;
    } else if (this.rate < 1) {
      this.maxDelayNs = 500_000_000;
    } else {
      this.maxDelayNs = Math.trunc(NS_PER_S / (Math.trunc(this.rate) * 2));
    }
    this.maxDelay = this.maxDelayNs / NS_PER_S;
    this.ttl = this.rate >= 1 ? 2 : 1 + Math.trunc(1 / this.rate);
    const n = Math.max(1, config.initialSources ?? 16);
    this.tokens = new Float64Array(n);
    this.lastNs = new Float64Array(n);
    this.expiry = new Float64Array(n);
    this.present = new Uint8Array(n);
  }

  /**
   * A request from `source` (a small non-negative integer) arrives at `now`.
   * Returns the delay in seconds to impose before forwarding it (0 = now), or
   * −1 when it must be answered 429 (then `retryAfterSeconds` is set).
   */
  reserve(now: number, source: number): number {
    if (this.unlimited) return 0;
    if (!(source >= 0 && source < this.present.length)) this.grow(source);

    // TTL map Get + Set.
    const sec = Math.floor(now);
    if (this.present[source] === 0 || this.expiry[source] <= sec) {
      this.present[source] = 1;
      this.tokens[source] = 0;
      this.lastNs[source] = -Infinity;
    }
    this.expiry[source] = sec + this.ttl;

    const nowNs = Math.round(now * NS_PER_S);
    const r = this.rate;
    const burst = this.burst;
    let last = this.lastNs[source];
    let tokens = this.tokens[source];

    // advance()
    let t = nowNs;
    if (t < last) {
      t = last;
    } else {
      const maxElapsed = Math.trunc(NS_PER_S * ((burst - tokens) / r));
      let elapsed = t - last;
      if (elapsed > maxElapsed) elapsed = maxElapsed;
      const whole = Math.trunc(elapsed / NS_PER_S);
      const delta = whole * r + ((elapsed - whole * NS_PER_S) * r) / NS_PER_S;
      tokens += delta;
      if (tokens > burst) tokens = burst;
    }
    last = t;

    // reserveN(now, 1)
    tokens -= 1;
    const waitNs = tokens < 0 ? Math.trunc(NS_PER_S * (-tokens / r)) : 0;
    const delayNs = t + waitNs - nowNs;

    if (delayNs > this.maxDelayNs) {
      // Cancel(): give the token back.
      tokens += 1;
      if (tokens > burst) tokens = burst;
      this.tokens[source] = tokens;
      this.lastNs[source] = last;
      this.lastRejectedDelay = delayNs / NS_PER_S;
      this.retryAfterSeconds = Math.ceil(delayNs / NS_PER_S);
      return -1;
    }
    this.tokens[source] = tokens;
    this.lastNs[source] = last;
    return delayNs / NS_PER_S;
  }

  /** Current token count of a live bucket (for the UI / tests); burst for a missing or expired one. */
  tokensAt(source: number, now: number): number {
    if (this.unlimited) return Infinity;
    if (source >= this.present.length || this.present[source] === 0 || this.expiry[source] <= Math.floor(now)) {
      return this.burst;
    }
    const elapsed = Math.round(now * NS_PER_S) - this.lastNs[source];
    const tokens = this.tokens[source] + (elapsed > 0 ? (elapsed * this.rate) / NS_PER_S : 0);
    return tokens > this.burst ? this.burst : tokens;
  }

  private grow(source: number): void {
    if (!(source >= 0) || !Number.isInteger(source)) throw new Error(`rateLimit: bad source id ${source}`);
    let n = this.present.length;
    while (n <= source) n *= 2;
    const tokens = new Float64Array(n);
    tokens.set(this.tokens);
    const lastNs = new Float64Array(n);
    lastNs.set(this.lastNs);
    const expiry = new Float64Array(n);
    expiry.set(this.expiry);
    const present = new Uint8Array(n);
    present.set(this.present);
    this.tokens = tokens;
    this.lastNs = lastNs;
    this.expiry = expiry;
    this.present = present;
  }
}
