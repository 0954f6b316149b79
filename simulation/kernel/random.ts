import seedrandom from 'seedrandom';

/** Standard normal quantile at 0.99, used to fit a lognormal from p50 and p99. */
export const Z99 = 2.3263478740408408;

/**
 * One named random stream. All randomness in the simulator goes through
 * these; each is seedrandom's Alea generator seeded with "<seed>/<name>", so
 * a component always draws the same numbers whatever other components exist.
 */
export class Rng {
  /** The generator, seeded on the first draw: a run creates many streams it never draws from (a sweep's runs, ~15 of 20). */
  private generator: (() => number) | null = null;
  private spareNormal = 0;
  private hasSpare = false;

  constructor(readonly seedKey: string) {}

  private next(): number {
    return (this.generator ??= seedrandom.alea(this.seedKey))();
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Uniform in (0, 1]: safe under log(). */
  uniformPositive(): number {
    return 1 - this.next();
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Standard normal by the polar Box–Muller method (pairs cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return u * f;
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Gamma(shape, scale) by Marsaglia and Tsang's method. */
  gamma(shape: number, scale: number): number {
    if (shape < 1) {
      // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
      const g = this.gamma(shape + 1, 1);
      return scale * g * Math.pow(this.uniformPositive(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformPositive();
      if (u < 1 - 0.0331 * x * x * x * x) return scale * d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return scale * d * v;
    }
  }
}

/** Derives named streams from one run seed. */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly seed: number) {}

  /** The stream with this name; the same object on every call. */
  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (!rng) {
      rng = new Rng(`${this.seed}/${name}`);
      this.streams.set(name, rng);
    }
    return rng;
  }
}
