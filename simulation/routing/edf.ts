import type { Rng } from '../kernel/random';

export interface WeightedChild {
  name: string;
  /** Integer weight as written in the TraefikService; missing means 1; <= 0 leaves the child out. */
  weight?: number;
}

/**
 * The heap of Traefik's EDF scheduler, with exactly the mechanics of Go's
 * container/heap: push sifts up only past a strictly larger parent; pop
 * swaps root and last, sifts down over the rest taking the right child only
 * when strictly smaller than the left and swapping only when strictly
 * smaller than the node. Entries are insertion positions; deadlines
 * accumulate by repeated float64 addition of 1/weight.
 */
class EdfHeap {
  constructor(
    private readonly weights: Float64Array,
    private readonly deadlines: Float64Array,
    private readonly heap: Int32Array,
  ) {}

  /** A heap with the entries inserted in order (position i has weights[i] > 0), deadlines starting at 1/weight. */
  static build(weights: Float64Array): EdfHeap {
    const h = new EdfHeap(weights, new Float64Array(weights.length), new Int32Array(weights.length));
    for (let i = 0; i < weights.length; i++) {
      h.deadlines[i] = 0 + 1 / weights[i];
      h.heap[i] = i;
      h.siftUp(i);
    }
    return h;
  }

  /** An independent copy of this heap's state. */
  clone(): EdfHeap {
    return new EdfHeap(this.weights, this.deadlines.slice(), this.heap.slice());
  }

  /** One scheduling step: pops the root, advances its deadline and pushes it back; returns its position. */
  next(): number {
    const last = this.heap.length - 1;
    this.swap(0, last);
    this.siftDown(0, last);
    const i = this.heap[last];
    this.deadlines[i] += 1 / this.weights[i];
    this.siftUp(last);
    return i;
  }

  private less(a: number, b: number): boolean {
    return this.deadlines[this.heap[a]] < this.deadlines[this.heap[b]];
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a];
    this.heap[a] = this.heap[b];
    this.heap[b] = t;
  }

  private siftUp(j: number): void {
    while (j > 0) {
      const i = Math.trunc((j - 1) / 2);
      if (!this.less(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private siftDown(i: number, n: number): void {
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(j2, j1)) j = j2;
      if (!this.less(j, i)) break;
      this.swap(i, j);
      i = j;
    }
  }
}

/** Pops a shared sequence records at most; a balancer that goes further continues on its own copy of the heap. */
const SHARED_POPS = 1 << 14;
/** Pops between two marks of a sequence's running counts. */
const MARK_STRIDE = 64;
/** Distinct weight lists whose sequences are kept (the oldest is forgotten first). */
const SHARED_SEQUENCES = 64;

/**
 * The order in which a heap built from given weights pops its entries is a
 * pure function of the weights in insertion order: which entries are down or
 * fenced only decides which pops a pick skips, never the order. Traefik
 * rebuilds its balancers at every configuration change, and a sweep builds
 * the same few weight lists thousands of times, so the order is computed once
 * per list (up to SHARED_POPS pops, extended as balancers need it) and read
 * by every balancer built from that list.
 */
class PopSequence {
  /** Insertion positions, in pop order; entries below `length` are final (a multiple of MARK_STRIDE). */
  pops = new Int32Array(0);
  length = 0;
  /** Pops of each entry before every MARK_STRIDE-th pop: marks[m·size + e] counts entry e in pops [0, m·MARK_STRIDE). */
  marks = new Int32Array(0);
  private readonly size: number;
  private readonly heap: EdfHeap;

  constructor(weights: Float64Array) {
    this.size = weights.length;
    this.heap = EdfHeap.build(weights);
  }

  /** Computes more pops; false when the sequence is full (SHARED_POPS). */
  extend(): boolean {
    if (this.length >= SHARED_POPS) return false;
    const to = Math.min(SHARED_POPS, Math.max(MARK_STRIDE, this.length * 2));
    const size = this.size;
    const pops = new Int32Array(to);
    pops.set(this.pops);
    const marks = new Int32Array((to / MARK_STRIDE + 1) * size);
    marks.set(this.marks);
    const from = this.length;
    for (let k = from; k < to; k++) {
      if (k % MARK_STRIDE === 0) {
        // A stride starts: its pops count into the next mark, which starts from this one.
        const m = k / MARK_STRIDE;
        for (let e = 0; e < size; e++) marks[(m + 1) * size + e] = marks[m * size + e];
      }
      const e = this.heap.next();
      pops[k] = e;
      marks[(Math.floor(k / MARK_STRIDE) + 1) * size + e]++;
    }
    this.pops = pops;
    this.marks = marks;
    this.length = to;
    return true;
  }

  /** Adds to counts[e] how often entry e is popped in [from, to) (to ≤ length): whole strides from the marks, the ends pop by pop. */
  countPops(from: number, to: number, counts: Int32Array): void {
    const lo = Math.ceil(from / MARK_STRIDE);
    const hi = Math.floor(to / MARK_STRIDE);
    if (lo >= hi) {
      for (let k = from; k < to; k++) counts[this.pops[k]]++;
      return;
    }
    for (let k = from; k < lo * MARK_STRIDE; k++) counts[this.pops[k]]++;
    const size = this.size;
    for (let e = 0; e < size; e++) counts[e] += this.marks[hi * size + e] - this.marks[lo * size + e];
    for (let k = hi * MARK_STRIDE; k < to; k++) counts[this.pops[k]]++;
  }

  /** The heap's state after the last recorded pop (for a balancer that outlives the sequence). */
  heapAtEnd(): EdfHeap {
    return this.heap.clone();
  }
}

const sequences = new Map<string, PopSequence>();

function sequenceOf(weights: readonly number[]): PopSequence {
  const key = weights.join(',');
  let s = sequences.get(key);
  if (s === undefined) {
    if (sequences.size >= SHARED_SEQUENCES) sequences.delete(sequences.keys().next().value as string);
    s = new PopSequence(Float64Array.from(weights));
    sequences.set(key, s);
  }
  return s;
}

/**
 * Traefik's weighted round robin (TraefikService `weighted`): earliest
 * deadline first, each child's deadline advancing by 1/weight per pick.
 *
 * Reproduces Traefik's balancer bit for bit, ties included (see EdfHeap). A
 * pick pops the root, advances its deadline and pushes it back; a child that
 * is down or fenced is skipped, but its deadline still advances (its share
 * is redistributed).
 *
 * Built fresh on every configuration change, as Traefik rebuilds its
 * handlers: the children are inserted in a shuffled order (from a seeded
 * stream; Traefik seeds from the clock), which decides only exact ties.
 * Pops are read from the weight list's shared PopSequence while it lasts.
 * Allocation-free per pick.
 */
export class EdfBalancer {
  /** Children as given (index = what pick() returns). */
  readonly children: ReadonlyArray<WeightedChild>;
  private readonly weights: Float64Array;
  /** Insertion position → child index (scheduled children only). */
  private readonly childAt: Int32Array;
  private readonly up: Uint8Array;
  private readonly fenced: Uint8Array;
  private upCount = 0;
  private fencedUp = 0;
  private readonly sequence: PopSequence | null;
  /** Pops taken from the shared sequence. */
  private pos = 0;
  /** Past the shared sequence: this balancer's own heap (null until then). */
  private own: EdfHeap | null = null;

  constructor(children: ReadonlyArray<WeightedChild>, shuffle: Rng | null) {
    this.children = children;
    const n = children.length;
    // The per-child arrays share one buffer (a balancer is built per configuration and replica; one allocation).
    const buffer = new ArrayBuffer(n * 14);
    this.weights = new Float64Array(buffer, 0, n);
    this.up = new Uint8Array(buffer, n * 12, n);
    this.fenced = new Uint8Array(buffer, n * 13, n);
    const order = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(shuffle.uniform() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    const inserted: number[] = [];
    for (const i of order) {
      const w = children[i].weight ?? 1;
      if (!(w > 0)) continue; // weight <= 0: not added at all
      this.weights[i] = w;
      inserted.push(i);
      this.up[i] = 1;
      this.upCount++;
    }
    this.childAt = new Int32Array(buffer, n * 8, inserted.length);
    this.childAt.set(inserted);
    this.sequence = inserted.length > 0 ? sequenceOf(inserted.map((i) => this.weights[i])) : null;
  }

  /** Children in the schedule (weight > 0). */
  get scheduled(): number {
    return this.childAt.length;
  }

  /** True when the child takes part in the schedule (weight > 0). */
  isScheduled(child: number): boolean {
    return this.weights[child] > 0;
  }

  /** Marks a scheduled child up or down (down children are skipped). */
  setUp(child: number, up: boolean): void {
    if (!this.isScheduled(child) || (this.up[child] === 1) === up) return;
    this.up[child] = up ? 1 : 0;
    this.upCount += up ? 1 : -1;
    if (this.fenced[child]) this.fencedUp += up ? 1 : -1;
  }

  /** Fences a child (Traefik v3.3+: terminating endpoints get no new picks). */
  setFenced(child: number, fenced: boolean): void {
    if (!this.isScheduled(child) || (this.fenced[child] === 1) === fenced) return;
    this.fenced[child] = fenced ? 1 : 0;
    if (this.up[child]) this.fencedUp += fenced ? 1 : -1;
  }

  /** Whether a pick can succeed: some child up and unfenced. */
  private available(): boolean {
    return this.childAt.length > 0 && this.upCount - this.fencedUp > 0;
  }

  /** The child of the next pop. */
  private pop(): number {
    if (this.own === null) {
      const seq = this.sequence as PopSequence;
      if (this.pos < seq.length || seq.extend()) return this.childAt[seq.pops[this.pos++]];
      this.own = seq.heapAtEnd();
    }
    return this.childAt[this.own.next()];
  }

  /** The next child, or -1 for "no available server" (no child up and unfenced). */
  pick(): number {
    if (!this.available()) return -1;
    for (;;) {
      const i = this.pop();
      if (this.up[i] === 1 && this.fenced[i] === 0) return i;
    }
  }

  /**
   * `n` picks at once (fast mode): adds each child's picks to `counts` and,
   * when `first` is given, sets first[child] to the index (0..n-1) of its
   * first pick for the children still at -1 there. The same picks as n
   * calls of pick(). False (and nothing picked) when no child is available.
   */
  pickMany(n: number, counts: Float64Array, first: Int32Array | null): boolean {
    if (!this.available()) return false;
    const skips = this.upCount - this.fencedUp < this.childAt.length;
    if (!skips && this.own === null && this.pickShared(n, counts, first)) return true;
    for (let k = 0; k < n; k++) {
      let i = this.pop();
      if (skips) while (this.up[i] === 0 || this.fenced[i] === 1) i = this.pop();
      counts[i]++;
      if (first !== null && first[i] < 0) first[i] = k;
    }
    return true;
  }

  /** pickMany when every pop is a pick and the shared sequence covers all n: counted from its marks. False: not covered. */
  private pickShared(n: number, counts: Float64Array, first: Int32Array | null): boolean {
    const seq = this.sequence as PopSequence;
    const from = this.pos;
    const to = from + n;
    while (seq.length < to) if (!seq.extend()) return false;
    const size = this.childAt.length;
    if (this.entryCounts.length < size) this.entryCounts = new Int32Array(size);
    const c = this.entryCounts.fill(0, 0, size);
    seq.countPops(from, to, c);
    let unseen = 0;
    for (let e = 0; e < size; e++) {
      if (c[e] === 0) continue;
      const child = this.childAt[e];
      counts[child] += c[e];
      if (first !== null && first[child] < 0) unseen++;
    }
    // First picks: walk from the start until every child picked in this window has been seen.
    for (let k = from; unseen > 0; k++) {
      const child = this.childAt[seq.pops[k]];
      if ((first as Int32Array)[child] < 0) {
        (first as Int32Array)[child] = k - from;
        unseen--;
      }
    }
    this.pos = to;
    return true;
  }

  /** Scratch for pickShared: pops per insertion position. */
  private entryCounts = new Int32Array(0);
}
