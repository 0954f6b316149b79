/**
 * The particles of the traffic view: dots moving along the edges, emitted
 * at a pace and moving at a speed that grow with the edge's request rate,
 * one in every 1/errorRatio an error. A particle stands for traffic, not
 * for one request (at 100× a real count would be thousands a second), so
 * their total is held to a budget. State lives in typed arrays; a step
 * allocates nothing. Deterministic (no randomness): the same rates and
 * steps give the same particles. Pure: no DOM.
 */

/** Speed along an edge, px per second, for a rate in requests per second (logarithmic: 0.1 → ~39, 10 → ~132, 100 → ~221). */
export function particleSpeed(rate: number): number {
  if (!(rate > 0)) return 0;
  return Math.min(260, 35 + 28 * Math.log2(1 + rate));
}

/** Particles emitted per second onto an edge, before the budget (square root: 1 → 3, 100 → 30). */
export function emissionRate(rate: number): number {
  if (!(rate > 0)) return 0;
  return Math.min(36, 3 * Math.sqrt(rate));
}

export interface EdgeMotion {
  /** Requests per second. */
  rate: number;
  /** Share of them that are errors (0–1). */
  errorRatio: number;
  /** Edge length, px. */
  length: number;
}

export interface Emission {
  /** Particles per second. */
  perSecond: number;
  /** px per second. */
  speed: number;
}

/** Particles an edge holds in the steady state: emitted per second × seconds to cross. */
export function steadyCount(e: Emission, length: number): number {
  return e.speed > 0 && length > 0 ? (e.perSecond * length) / e.speed : 0;
}

/**
 * Emission and speed per edge, the emission scaled down evenly when the
 * edges together would hold more than `budget` particles at once.
 */
export function particleBudget(edges: readonly EdgeMotion[], budget: number): Emission[] {
  const out = edges.map((e) => ({ perSecond: e.length > 0 ? emissionRate(e.rate) : 0, speed: particleSpeed(e.rate) }));
  const total = out.reduce((a, x, i) => a + steadyCount(x, edges[i].length), 0);
  if (total > budget && total > 0) {
    const k = budget / total;
    for (const x of out) x.perSecond *= k;
  }
  return out;
}

/** The longest step simulated at once (a hidden tab's long frame would empty the edges in one go). */
const MAX_STEP = 0.1;

export class ParticleField {
  /** Particles alive. */
  count = 0;
  /** Per particle: its edge (index into the configured edges), progress along it (0–1), and 1 for an error. */
  readonly edge: Uint16Array;
  readonly progress: Float32Array;
  readonly error: Uint8Array;

  private perSecond = new Float64Array(0);
  /** Progress per second (speed / length). */
  private pace = new Float64Array(0);
  private errorRatio = new Float64Array(0);
  private lengths = new Float64Array(0);
  private spawnDebt = new Float64Array(0);
  /** Particles alive per edge. */
  private onEdge = new Uint32Array(0);
  private errorDebt = new Float64Array(0);

  constructor(
    readonly capacity = 1500,
    /** Steady-state particles the budget aims at (at most `capacity`). */
    public budget = 500,
  ) {
    this.edge = new Uint16Array(capacity);
    this.progress = new Float32Array(capacity);
    this.error = new Uint8Array(capacity);
  }

  /** Number of edges configured. */
  get edges(): number {
    return this.perSecond.length;
  }

  /**
   * Sets the edges' rates. With a different number of edges (a new graph)
   * the particles are cleared; otherwise they keep moving, at the new pace.
   */
  configure(edges: readonly EdgeMotion[]): void {
    const n = edges.length;
    if (n !== this.perSecond.length) {
      this.perSecond = new Float64Array(n);
      this.pace = new Float64Array(n);
      this.errorRatio = new Float64Array(n);
      this.lengths = new Float64Array(n);
      this.spawnDebt = new Float64Array(n);
      this.errorDebt = new Float64Array(n);
      this.onEdge = new Uint32Array(n);
      this.count = 0;
    }
    const em = particleBudget(edges, Math.min(this.budget, this.capacity));
    for (let i = 0; i < n; i++) {
      this.perSecond[i] = em[i].perSecond;
      this.pace[i] = edges[i].length > 0 ? em[i].speed / edges[i].length : 0;
      this.errorRatio[i] = Math.max(0, Math.min(1, edges[i].errorRatio));
      this.lengths[i] = edges[i].length;
      // Traffic that starts or jumps (a load test, a weight step) shows along the whole edge at once, not only
      // as it creeps in from the source: at high speeds it may be over before a particle would cross.
      if (this.onEdge[i] < this.steady(i) / 2 - 1) this.fill(i);
    }
  }

  /** Particles edge `e` holds in the steady state. */
  private steady(e: number): number {
    return this.pace[e] > 0 ? Math.floor(this.perSecond[e] / this.pace[e]) : 0;
  }

  /** Tops an edge up to its steady count, the new particles spaced evenly along it. */
  private fill(e: number): void {
    const n = this.steady(e) - this.onEdge[e];
    for (let k = 0; k < n && this.count < this.capacity; k++) this.add(e, (k + 0.5) / n);
  }

  /** Fills the edges as if they had been flowing for a while (evenly spaced particles). */
  prefill(): void {
    this.clear();
    for (let i = 0; i < this.perSecond.length; i++) this.fill(i);
  }

  clear(): void {
    this.count = 0;
    this.onEdge.fill(0);
  }

  /** Moves every particle `dt` seconds on, retires those at their edge's end, emits new ones. */
  step(dt: number): void {
    const h = Math.max(0, Math.min(MAX_STEP, dt));
    let i = 0;
    while (i < this.count) {
      const e = this.edge[i];
      const p = this.progress[i] + this.pace[e] * h;
      if (p >= 1 || this.pace[e] <= 0) {
        this.onEdge[e]--;
        const last = --this.count;
        this.edge[i] = this.edge[last];
        this.progress[i] = this.progress[last];
        this.error[i] = this.error[last];
      } else {
        this.progress[i] = p;
        i++;
      }
    }
    for (let e = 0; e < this.perSecond.length; e++) {
      const rate = this.perSecond[e];
      if (rate <= 0 || this.pace[e] <= 0) {
        this.spawnDebt[e] = 0;
        continue;
      }
      let debt = this.spawnDebt[e] + rate * h;
      while (debt >= 1) {
        debt -= 1;
        if (this.count >= this.capacity) continue;
        // Emitted `debt / rate` seconds ago: already that far along.
        this.add(e, Math.min(0.999, (debt / rate) * this.pace[e]));
      }
      this.spawnDebt[e] = debt;
    }
  }

  private add(e: number, progress: number): void {
    const i = this.count++;
    this.onEdge[e]++;
    this.edge[i] = e;
    this.progress[i] = progress;
    let d = this.errorDebt[e] + this.errorRatio[e];
    let err = 0;
    if (d >= 1) {
      d -= 1;
      err = 1;
    }
    this.errorDebt[e] = d;
    this.error[i] = err;
  }

  /** Particles alive on edge `e`. */
  countOn(e: number): number {
    return this.onEdge[e] ?? 0;
  }
}
