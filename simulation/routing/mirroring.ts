/**
 * Traefik's mirroring selection (TraefikService `mirroring`): deterministic,
 * not random. A request counter starts at 1 and counts every request; mirror i
 * takes the request when count_i × 100 < total × percent_i, and then counts it.
 * So percent 10 mirrors requests 1, 11, 21, …; 25 → 1, 5, 9, …; 50 → every
 * odd request. The counters restart when the configuration is rebuilt.
 */
export class MirrorSelector {
  private total = 0;
  private readonly counts: Float64Array;
  private readonly percents: Float64Array;

  constructor(percents: readonly number[]) {
    for (const p of percents) if (!(p >= 0 && p <= 100)) throw new RangeError('percent must be between 0 and 100');
    this.percents = Float64Array.from(percents);
    this.counts = new Float64Array(percents.length);
  }

  /** Counts one request and marks, in `out`, which mirrors receive a copy. Returns how many. */
  select(out: Uint8Array): number {
    this.total++;
    let n = 0;
    for (let i = 0; i < this.percents.length; i++) {
      const take = this.counts[i] * 100 < this.total * this.percents[i];
      out[i] = take ? 1 : 0;
      if (take) {
        this.counts[i]++;
        n++;
      }
    }
    return n;
  }
}
