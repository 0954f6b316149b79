import type { Rng } from '../kernel/random';
import { logUniformIn, nextGap, type RangeSpec, uniformIn } from '../model/noise';

/** Request-rate profiles, in requests per second over virtual seconds. */
export type BaseProfileSpec =
  | { profile: 'constant'; rate: number }
  | { profile: 'ramp'; from: number; to: number; start: number; duration: number }
  | { profile: 'step'; rate: number; steps: ReadonlyArray<{ at: number; rate: number }> }
  | { profile: 'diurnal'; mean: number; amplitude: number; period: number; peakAt: number }
  | { profile: 'piecewise'; points: ReadonlyArray<{ at: number; rate: number }>; interpolation: 'linear' | 'step' };

/** A scheduled burst multiplies the rate by `multiplier` on [at, at + duration). */
export interface BurstSpec {
  at: number;
  duration: number;
  multiplier: number;
}

/**
 * A weekly cycle on top of any profile: the rate is multiplied by
 * `weekendFactor` from Saturday 00:00 to Monday 00:00 and by `weekdayFactor`
 * otherwise. `phase` is the time of week at time 0 in seconds since Monday
 * 00:00 (the loader derives it from telemetry.startTime, UTC).
 */
export interface WeeklySpec {
  weekdayFactor: number;
  weekendFactor: number;
  phase: number;
}

/**
 * Bursts at random times: they start as a Poisson process of `ratePerHour`,
 * each lasting a duration uniform in `duration` and multiplying the rate by
 * a factor log-uniform in `multiplier` (overlapping bursts multiply).
 */
export interface RandomBurstsSpec {
  ratePerHour: number;
  duration: RangeSpec;
  multiplier: RangeSpec;
}

export interface RateProfileSpec {
  base: BaseProfileSpec;
  bursts: ReadonlyArray<BurstSpec>;
  /** Optional weekly cycle (none: no weekly modulation). */
  weekly?: WeeklySpec;
  /** Optional random bursts (none: only the scheduled ones); drawn per run by `drawRandomBursts`. */
  randomBursts?: RandomBurstsSpec;
}

const DAY = 86_400;
const WEEK = 7 * DAY;
/** Random bursts are drawn for this much simulated time (30 days). */
export const RANDOM_BURST_HORIZON = 30 * DAY;
/** Weekly boundaries are cut into segments for this much simulated time (10 years). */
const WEEKLY_HORIZON = 520 * WEEK;

/** Draws a run's random bursts from their stream, up to `horizon` seconds. */
export function drawRandomBursts(spec: RandomBurstsSpec, rng: Rng, horizon = RANDOM_BURST_HORIZON): BurstSpec[] {
  const out: BurstSpec[] = [];
  for (let t = nextGap(spec.ratePerHour, rng); t < horizon; t += nextGap(spec.ratePerHour, rng)) {
    out.push({ at: t, duration: uniformIn(spec.duration, rng), multiplier: logUniformIn(spec.multiplier, rng) });
  }
  return out;
}

/**
 * A compiled profile: the rate function plus a partition of time into
 * segments, each with an upper bound of the rate on it (used by thinning).
 * On segments where the rate is constant the bound is exact, so arrivals
 * there need no acceptance draw.
 */
export class RateProfile {
  /** Segment i is [starts[i], starts[i+1]) (the last one is unbounded). */
  readonly starts: Float64Array;
  readonly bounds: Float64Array;
  readonly exact: Uint8Array;
  /** Per segment, the product of the burst and weekly factors on it (constant there). */
  readonly factors: Float64Array;
  /** Scheduled bursts, then the run's random ones. */
  private readonly bursts: ReadonlyArray<BurstSpec>;

  constructor(
    readonly spec: RateProfileSpec,
    /** The run's random bursts (drawRandomBursts), added to the scheduled ones. */
    randomBursts: ReadonlyArray<BurstSpec> = [],
  ) {
    const base = spec.base;
    this.bursts = randomBursts.length > 0 ? [...spec.bursts, ...randomBursts] : spec.bursts;
    const cuts = new Set<number>([0]);
    switch (base.profile) {
      case 'ramp':
        cuts.add(base.start);
        cuts.add(base.start + base.duration);
        break;
      case 'step':
        for (const s of base.steps) cuts.add(s.at);
        break;
      case 'piecewise':
        for (const p of base.points) cuts.add(p.at);
        break;
      default:
        break;
    }
    for (const b of this.bursts) {
      cuts.add(b.at);
      cuts.add(b.at + b.duration);
    }
    const weekly = spec.weekly;
    if (weekly && weekly.weekdayFactor !== weekly.weekendFactor) {
      // Weekend starts (Saturday 00:00) and ends (Monday 00:00), in run time.
      for (let k = 0; k * WEEK - weekly.phase < WEEKLY_HORIZON; k++) {
        cuts.add(k * WEEK + 5 * DAY - weekly.phase);
        cuts.add(k * WEEK - weekly.phase);
      }
    }
    const starts = [...cuts].filter((t) => t >= 0 && Number.isFinite(t)).sort((a, b) => a - b);
    this.starts = Float64Array.from(starts);
    this.bounds = new Float64Array(starts.length);
    this.exact = new Uint8Array(starts.length);
    this.factors = new Float64Array(starts.length);
    for (let i = 0; i < starts.length; i++) {
      const t0 = starts[i];
      const t1 = i + 1 < starts.length ? starts[i + 1] : Infinity;
      const mid = Number.isFinite(t1) ? (t0 + t1) / 2 : t0 + 1;
      const factor = this.burstFactor(mid) * this.weeklyFactor(mid);
      this.factors[i] = factor;
      let baseMax: number;
      let exact: boolean;
      if (base.profile === 'diurnal') {
        baseMax = base.mean * (1 + base.amplitude);
        exact = base.amplitude === 0;
      } else {
        const a = this.baseRate(t0);
        const b = Number.isFinite(t1) ? this.baseRate(t1 - (t1 - t0) * 1e-12) : a;
        baseMax = Math.max(a, b, this.baseRate(mid));
        exact = a === b && a === this.baseRate(mid);
      }
      this.bounds[i] = baseMax * factor;
      this.exact[i] = exact ? 1 : 0;
    }
  }

  /** The rate before bursts. */
  baseRate(t: number): number {
    const base = this.spec.base;
    switch (base.profile) {
      case 'constant':
        return base.rate;
      case 'ramp': {
        if (t <= base.start) return base.from;
        if (t >= base.start + base.duration) return base.to;
        return base.from + ((base.to - base.from) * (t - base.start)) / base.duration;
      }
      case 'step': {
        let r = base.rate;
        for (const s of base.steps) if (t >= s.at) r = s.rate;
        return r;
      }
      case 'diurnal':
        return base.mean * (1 + base.amplitude * Math.cos((2 * Math.PI * (t - base.peakAt)) / base.period));
      case 'piecewise': {
        const pts = base.points;
        if (t <= pts[0].at) return pts[0].rate;
        for (let i = 1; i < pts.length; i++) {
          if (t < pts[i].at) {
            const p = pts[i - 1];
            if (base.interpolation === 'step') return p.rate;
            return p.rate + ((pts[i].rate - p.rate) * (t - p.at)) / (pts[i].at - p.at);
          }
        }
        return pts[pts.length - 1].rate;
      }
    }
  }

  burstFactor(t: number): number {
    let f = 1;
    for (const b of this.bursts) if (t >= b.at && t < b.at + b.duration) f *= b.multiplier;
    return f;
  }

  /** The weekly cycle's factor at t (1 without one). */
  weeklyFactor(t: number): number {
    const w = this.spec.weekly;
    if (!w) return 1;
    const tow = (((t + w.phase) % WEEK) + WEEK) % WEEK;
    return tow >= 5 * DAY ? w.weekendFactor : w.weekdayFactor;
  }

  rate(t: number): number {
    return this.baseRate(t) * this.burstFactor(t) * this.weeklyFactor(t);
  }

  /** The rate at t inside segment `seg` (the segment's factor instead of a scan over the bursts). */
  rateIn(seg: number, t: number): number {
    return this.baseRate(t) * this.factors[seg];
  }

  /** Index of the segment containing t (binary search). */
  segmentOf(t: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Index of the segment containing t, searching forward from `hint`. */
  segmentAt(t: number, hint: number): number {
    let i = hint;
    const s = this.starts;
    while (i + 1 < s.length && s[i + 1] <= t) i++;
    return i;
  }

  segmentEnd(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] : Infinity;
  }

  /**
   * Expected number of arrivals on [t0, t1]: the rate's exact integral. On
   * each segment the burst factor is constant and the base rate is constant,
   * linear (so its midpoint value times the length is exact) or, for the
   * diurnal profile, a cosine integrated in closed form.
   */
  expectedCount(t0: number, t1: number): number {
    if (!(t1 > t0)) return 0;
    const base = this.spec.base;
    let sum = 0;
    let i = this.segmentOf(t0);
    let a = t0;
    while (a < t1) {
      const b = Math.min(t1, this.segmentEnd(i));
      const mid = (a + b) / 2;
      let baseIntegral: number;
      if (base.profile === 'diurnal') {
        const w = (2 * Math.PI) / base.period;
        baseIntegral = base.mean * ((b - a) + (base.amplitude / w) * (Math.sin(w * (b - base.peakAt)) - Math.sin(w * (a - base.peakAt))));
      } else baseIntegral = this.baseRate(mid) * (b - a);
      sum += baseIntegral * this.factors[i];
      a = b;
      i++;
    }
    return sum;
  }
}
