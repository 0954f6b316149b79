import type { Rng } from '../kernel/random';

export interface WeightedChild {
  name: string;
  /** Integer weight as written in the TraefikService; missing means 1; <= 0 leaves the child out. */
  weight?: number;
}

/**
 * Traefik's weighted round robin (TraefikService `weighted`): earliest
 * deadline first, each child's deadline advancing by 1/weight per pick.
 *
 * Reproduces Traefik's balancer bit for bit, ties included: the children sit
 * in a binary min-heap with exactly the mechanics of Go's container/heap
 * (push sifts up only past a strictly larger parent; pop swaps root and last,
 * sifts down over the rest taking the right child only when strictly smaller
 * than the left and swapping only when strictly smaller than the node), and
 * deadlines accumulate by repeated float64 addition of 1/weight. A pick pops
 * the root, records its deadline as the current one, advances it and pushes
 * it back; a child that is down or fenced is skipped, but its deadline still
 * advances (its share is redistributed).
 *
 * Built fresh on every configuration change, as Traefik rebuilds its
 * handlers: the children are inserted in a shuffled order (from a seeded
 * stream; Traefik seeds from the clock), which decides only exact ties.
 * Allocation-free per pick.
 */
export class EdfBalancer {
  /** Children as given (index = what pick() returns). */
  readonly children: ReadonlyArray<WeightedChild>;
  private readonly weights: Float64Array;
  private readonly deadlines: Float64Array;
  /** The heap: child indices. */
  private readonly heap: Int32Array;
  private readonly size: number;
  private readonly up: Uint8Array;
  private readonly fenced: Uint8Array;
  private upCount = 0;
  private fencedUp = 0;
  /** Deadline of the most recent pick (Traefik's curDeadline). */
  currentDeadline = 0;

  constructor(children: ReadonlyArray<WeightedChild>, shuffle: Rng | null) {
    this.children = children;
    const n = children.length;
    this.weights = new Float64Array(n);
    this.deadlines = new Float64Array(n);
    this.heap = new Int32Array(n);
    this.up = new Uint8Array(n);
    this.fenced = new Uint8Array(n);
    const order = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(shuffle.uniform() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    let size = 0;
    for (const i of order) {
      const w = children[i].weight ?? 1;
      if (!(w > 0)) continue; // weight <= 0: not added at all
      this.weights[i] = w;
      this.deadlines[i] = this.currentDeadline + 1 / w;
      this.heap[size] = i;
      this.siftUp(size);
      size++;
      this.up[i] = 1;
      this.upCount++;
    }
    this.size = size;
  }

  /** Children in the schedule (weight > 0). */
  get scheduled(): number {
    return this.size;
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

  /** The next child, or -1 for "no available server" (no child up and unfenced). */
  pick(): number {
    if (this.size === 0 || this.upCount - this.fencedUp <= 0) return -1;
    for (;;) {
      const i = this.popRoot();
      this.currentDeadline = this.deadlines[i];
      this.deadlines[i] += 1 / this.weights[i];
      this.push(i);
      if (this.up[i] === 1 && this.fenced[i] === 0) return i;
    }
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

  /** Go's heap.Pop: swap root and last, sift down over n-1, take the last. */
  private popRoot(): number {
    const n = this.size - 1;
    this.swap(0, n);
    this.siftDown(0, n);
    return this.heap[n];
  }

  /** Go's heap.Push after a Pop: the element goes back at the end and sifts up. */
  private push(child: number): void {
    const j = this.size - 1;
    this.heap[j] = child;
    this.siftUp(j);
  }
}
