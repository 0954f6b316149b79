/**
 * Binary min-heap of events over parallel typed arrays.
 *
 * Each event is (time, seq, kind, a, b): `time` in virtual seconds, `seq` the
 * insertion counter that breaks ties so simultaneous events run in the order
 * they were scheduled (FIFO), `kind` a handler index and `a`/`b` two integer
 * arguments (usually a slot index and a generation). Nothing is allocated per
 * event: the arrays grow by doubling, and `pop()` leaves the popped event in
 * the public `time`/`kind`/`a`/`b` fields instead of returning an object.
 */
export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private kinds: Int32Array;
  private as: Int32Array;
  private bs: Int32Array;
  private nextSeq = 0;
  size = 0;

  /** The event most recently removed by pop(). */
  time = 0;
  kind = 0;
  a = 0;
  b = 0;

  constructor(initialCapacity = 1024) {
    const n = Math.max(16, initialCapacity | 0);
    [this.times, this.seqs, this.kinds, this.as, this.bs] = EventQueue.columns(n);
  }

  /** The five columns for n events, in one buffer (one allocation: a buffer is costly to make and to sweep). */
  private static columns(n: number): [Float64Array, Float64Array, Int32Array, Int32Array, Int32Array] {
    const buffer = new ArrayBuffer(n * 28);
    return [new Float64Array(buffer, 0, n), new Float64Array(buffer, n * 8, n), new Int32Array(buffer, n * 16, n), new Int32Array(buffer, n * 20, n), new Int32Array(buffer, n * 24, n)];
  }

  get capacity(): number {
    return this.times.length;
  }

  /** Time of the earliest event; +Infinity when empty. */
  peekTime(): number {
    return this.size > 0 ? this.times[0] : Infinity;
  }

  clear(): void {
    this.size = 0;
    this.nextSeq = 0;
  }

  push(time: number, kind: number, a: number, b: number): void {
    if (this.size === this.times.length) this.grow();
    const seq = this.nextSeq++;
    const times = this.times;
    const seqs = this.seqs;
    // Sift up with a hole: move parents down until the slot fits.
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      this.kinds[i] = this.kinds[p];
      this.as[i] = this.as[p];
      this.bs[i] = this.bs[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    this.kinds[i] = kind;
    this.as[i] = a;
    this.bs[i] = b;
  }

  /** Removes the earliest event into time/kind/a/b. Returns false when empty. */
  pop(): boolean {
    const n = this.size;
    if (n === 0) return false;
    const times = this.times;
    const seqs = this.seqs;
    const kinds = this.kinds;
    const as = this.as;
    const bs = this.bs;
    this.time = times[0];
    this.kind = kinds[0];
    this.a = as[0];
    this.b = bs[0];
    const last = n - 1;
    this.size = last;
    if (last === 0) return true;
    const lt = times[last];
    const ls = seqs[last];
    const lk = kinds[last];
    const la = as[last];
    const lb = bs[last];
    // Sift the last element down from the root with a hole.
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = times[c];
      let cs = seqs[c];
      const r = c + 1;
      if (r < last) {
        const rt = times[r];
        if (rt < ct || (rt === ct && seqs[r] < cs)) {
          c = r;
          ct = rt;
          cs = seqs[r];
        }
      }
      if (lt < ct || (lt === ct && ls < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      kinds[i] = kinds[c];
      as[i] = as[c];
      bs[i] = bs[c];
      i = c;
    }
    times[i] = lt;
    seqs[i] = ls;
    kinds[i] = lk;
    as[i] = la;
    bs[i] = lb;
    return true;
  }

  private grow(): void {
    const [times, seqs, kinds, as, bs] = EventQueue.columns(this.times.length * 2);
    times.set(this.times);
    seqs.set(this.seqs);
    kinds.set(this.kinds);
    as.set(this.as);
    bs.set(this.bs);
    this.times = times;
    this.seqs = seqs;
    this.kinds = kinds;
    this.as = as;
    this.bs = bs;
  }
}
