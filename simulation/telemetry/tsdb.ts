// An in-memory, append-only time-series store of scraped samples, laid out for
import { BoundedMemo } from '../util/memo';
// a PromQL evaluator to read fast.
//
// Layout
// ------
// Every series owns two parallel columns, each a typed array that is only ever
// appended to:
//   t: Float64Array  integer millisecond timestamps, non-decreasing  (8 B/sample)
//   v: Float64Array  float64 values (a stale marker is a NaN payload) (8 B/sample)
// so a sample costs exactly 16 bytes plus the unused tail of the columns. A
// column is allocated on the first append (INITIAL_CAPACITY samples) and grows
// by doubling while it is shorter than DOUBLING_LIMIT samples, then by 1/8 of
// its capacity: short series keep the cheap amortised doubling (at most 100%
// slack on at most DOUBLING_LIMIT·16 B = 64 KiB per series), long series stay
// within 12.5% slack, i.e. ≤ 18 B/sample. Growing copies the old column into
// a new one, which is why `samples()` views are only valid until the next
// append. Appending writes two numbers into preallocated memory and allocates
// nothing unless a column grows.
//
// A Uint32Array alias of each value column lets stale markers be written and
// tested bit-exactly (ECMAScript allows an engine to canonicalise NaNs stored
// through a Float64Array; storing two 32-bit words cannot be canonicalised).
//
// Indexes: series ids are dense integers 0..seriesCount-1 in creation order; a
// canonical key (sorted label pairs) maps to the id; for every label name a map
// value → posting list (ascending series ids, as ids only grow) serves equality
// matchers, and `postings('__name__', name)` gives all series of a metric name.

/** A label set; includes `__name__` (the metric name). */
export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

/** Metadata of a metric family, declared with `defineFamily`. */
export interface FamilyInfo {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
}

// --- float64 bit patterns ----------------------------------------------------

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
scratchF64[0] = 1; // 0x3ff0000000000000: the high word is the non-zero one
/** Index of the high (sign/exponent) 32-bit word of a float64 in a Uint32Array view. */
const HI = scratchU32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;
const STALE_QUIET_HI = 0x7ff80000;

/** Prometheus' staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN: number = (() => {
  scratchU32[HI] = STALE_HI;
  scratchU32[LO] = STALE_LO;
  return scratchF64[0];
})();

/**
 * True for the staleness marker, false for any other number, ordinary NaNs
 * included. The marker is a signalling NaN, and V8 quiets it (sets bit 51,
 * giving 0x7ff8000000000002) when it passes through a plain JS array or a Map;
 * that quieted form is accepted too: no arithmetic produces a NaN with payload
 * 2 (the default NaN is 0x7ff8000000000000). The store itself always holds the
 * exact 0x7ff0000000000002 (see SeriesStore.isStale).
 */
export function isStaleMarker(v: number): boolean {
  if (v === v) return false; // not a NaN at all
  scratchF64[0] = v;
  const hi = scratchU32[HI];
  return scratchU32[LO] === STALE_LO && (hi === STALE_HI || hi === STALE_QUIET_HI);
}

// --- name validation (Prometheus data model) ------------------------------------

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'unknown'];

/** Whether `name` is a valid Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}
/** Whether `name` is a valid Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/**
 * Validity of strings, per check. Every run of a sweep creates the same
 * series in a fresh store, so the same names and values are validated over
 * and over; a string's validity never changes, so it is remembered (bounded).
 */
const validMetricNames = new BoundedMemo<string, boolean>(4096);
const validLabelNames = new BoundedMemo<string, boolean>(4096);
const validUtf8 = new BoundedMemo<string, boolean>(4096);


const hasNoLoneSurrogate = (s: string): boolean => !LONE_SURROGATE.test(s);

// --- the store -------------------------------------------------------------------

/** Capacity (samples) of a series' columns at its first append. */
export const INITIAL_CAPACITY = 16;
/** Columns double below this capacity and grow by 1/8 from it on. */
export const DOUBLING_LIMIT = 4096;
/** Slab sizes for series columns: the first 16 KiB, doubling up to 1 MiB (a larger column gets a slab of its own size). */
const SLAB_MIN = 16 * 1024;
const SLAB_MAX = 1024 * 1024;
const EMPTY: readonly number[] = Object.freeze([]);
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);

function nextCapacity(cap: number): number {
  if (cap === 0) return INITIAL_CAPACITY;
  return cap < DOUBLING_LIMIT ? cap * 2 : cap + Math.ceil(cap / 8);
}

/** A label set's canonical form: pairs sorted by name without empty values, its key (the pairs' JSON) and its frozen object. */
interface Canonical {
  key: string;
  pairs: [string, string][];
  labels: Labels;
}

/**
 * Canonical forms of frozen label sets (the scraper's, shared by every run of
 * a sweep). Only valid sets are remembered; the entries go with their sets.
 */
const canonicalForms = new WeakMap<Labels, Canonical>();

/** Validates a label set and puts it in canonical form (see SeriesStore.seriesId for the rules). */
function canonicalOf(labels: Labels): Canonical {
  const pairs: [string, string][] = [];
  let named = false;
  for (const name of Object.keys(labels)) {
    const value = labels[name];
    if (typeof value !== 'string') throw new RangeError(`label ${name} has a non-string value`);
    if (name === '__name__') {
      if (!validMetricNames.get(value, isValidMetricName)) throw new RangeError(`invalid metric name ${JSON.stringify(value)}`);
    } else {
      if (!validLabelNames.get(name, isValidLabelName)) throw new RangeError(`invalid label name ${JSON.stringify(name)}`);
      if (name.startsWith('__')) throw new RangeError(`label name ${name} is reserved (names starting with __ are for internal use)`);
    }
    if (!validUtf8.get(value, hasNoLoneSurrogate)) throw new RangeError(`label ${name} has a value that is not valid UTF-8`);
    if (value === '') continue;
    if (name === '__name__') named = true;
    // Insertion sort by name (names are distinct; a label set is small): no comparator calls, no sort buffer.
    const pair: [string, string] = [name, value];
    let i = pairs.length;
    pairs.push(pair);
    while (i > 0 && pairs[i - 1][0] > name) {
      pairs[i] = pairs[i - 1];
      i--;
    }
    pairs[i] = pair;
  }
  if (!named) throw new RangeError('a series needs a metric name (__name__)');
  const canonical: Record<string, string> = {};
  for (const [name, value] of pairs) canonical[name] = value;
  return { key: JSON.stringify(pairs), pairs, labels: Object.freeze(canonical) };
}

export class SeriesStore {
  // Per-series state, indexed by series id.
  private readonly labelSets: Labels[] = [];
  private readonly tCols: Float64Array[] = [];
  private readonly vCols: Float64Array[] = [];
  private readonly vBits: Uint32Array[] = [];
  private readonly counts: number[] = [];
  // Indexes.
  private readonly byKey = new Map<string, number>();
  private readonly index = new Map<string, Map<string, number[]>>();
  private readonly familyInfo = new Map<string, FamilyInfo>();
  private postingEntries = 0;
  private labelBytes = 0;
  private capacitySamples = 0;
  private samplesTotal = 0;
  /** Where new columns are carved from (see grow). */
  private slab = new ArrayBuffer(0);
  private slabUsed = 0;

  /** Declares a metric family (name without _total/_bucket/_sum/_count suffixes) for export metadata. */
  defineFamily(family: string, type: MetricType, help: string): void {
    // The scraper declares every family at every scrape: a repeat of the same declaration passed every check already.
    const same = this.familyInfo.get(family);
    if (same !== undefined && same.type === type && same.help === help) return;
    if (!isValidMetricName(family)) throw new RangeError(`invalid metric family name ${JSON.stringify(family)}`);
    if (!METRIC_TYPES.includes(type)) throw new RangeError(`invalid metric type ${JSON.stringify(type)} for ${family}`);
    if (type === 'counter' && family.endsWith('_total')) {
      throw new RangeError(`counter family ${family} must be declared without its _total suffix`);
    }
    if ((type === 'histogram' || type === 'summary') && /_(bucket|sum|count)$/.test(family)) {
      throw new RangeError(`${type} family ${family} must be declared without a _bucket/_sum/_count suffix`);
    }
    if (LONE_SURROGATE.test(help)) throw new RangeError(`help of ${family} is not valid UTF-8`);
    const prev = this.familyInfo.get(family);
    if (prev && prev.type !== type) throw new RangeError(`family ${family} already declared as ${prev.type}, not ${type}`);
    this.familyInfo.set(family, Object.freeze({ name: family, type, help }));
  }

  /** The declared family, if any. */
  family(name: string): FamilyInfo | undefined {
    return this.familyInfo.get(name);
  }

  /** All declared families, in declaration order. */
  families(): FamilyInfo[] {
    return [...this.familyInfo.values()];
  }

  /**
   * Get-or-create the series id for a label set. The canonical form sorts
   * labels by name and drops labels with an empty value (Prometheus treats an
   * empty label as absent), so the id does not depend on property order.
   * Throws RangeError on an invalid or missing metric name, an invalid label
   * name, a reserved `__`-prefixed label name other than `__name__`, or a
   * label value that is not valid UTF-8 (a lone surrogate).
   */
  seriesId(labels: Labels): number {
    const key = this.canonicalKey(labels);
    const found = this.byKey.get(key.key);
    if (found !== undefined) return found;
    const id = this.labelSets.length;
    this.labelSets.push(key.labels);
    this.tCols.push(EMPTY_F64);
    this.vCols.push(EMPTY_F64);
    this.vBits.push(EMPTY_U32);
    this.counts.push(0);
    this.byKey.set(key.key, id);
    this.labelBytes += key.key.length;
    for (const [name, value] of key.pairs) {
      let values = this.index.get(name);
      if (!values) this.index.set(name, (values = new Map()));
      const list = values.get(value);
      if (list) list.push(id);
      else values.set(value, [id]);
      this.postingEntries++;
    }
    return id;
  }

  /** The id of an existing series with exactly these labels (canonicalised), or -1. Never creates. */
  findSeries(labels: Labels): number {
    return this.byKey.get(this.canonicalKey(labels).key) ?? -1;
  }

  private canonicalKey(labels: Labels): Canonical {
    // A frozen label set cannot change: its canonical form, once found, holds for every store.
    const frozen = Object.isFrozen(labels);
    if (frozen) {
      const hit = canonicalForms.get(labels);
      if (hit !== undefined) return hit;
    }
    const c = canonicalOf(labels);
    if (frozen) canonicalForms.set(labels, c);
    return c;
  }

  /**
   * Appends a sample. `tMs` is an integer millisecond timestamp, non-decreasing
   * per series. As in Prometheus' head appender, a sample at the timestamp of
   * the series' last sample is ignored when its value has the same bit pattern
   * (a duplicate) and rejected (RangeError) otherwise; an earlier timestamp is
   * rejected as out of order.
   */
  append(id: number, tMs: number, value: number): void {
    this.appendBits(id, tMs, value, value !== value && isStaleMarker(value));
  }

  /** Appends Prometheus' staleness marker (the series ended or vanished from its scrape). */
  appendStale(id: number, tMs: number): void {
    this.appendBits(id, tMs, STALE_NAN, true);
  }

  private appendBits(id: number, tMs: number, value: number, stale: boolean): void {
    const n = this.counts[id];
    if (n === undefined) throw new RangeError(`unknown series id ${id}`);
    if (!Number.isSafeInteger(tMs)) throw new RangeError(`timestamp ${tMs} is not an integer number of milliseconds`);
    if (typeof value !== 'number') throw new RangeError(`value of series ${id} is not a number`);
    let t = this.tCols[id];
    if (n > 0) {
      const last = t[n - 1];
      if (tMs < last) throw new RangeError(`out of order sample for series ${id}: ${tMs} < ${last}`);
      if (tMs === last) {
        const bits = this.vBits[id];
        scratchF64[0] = value;
        if (stale) {
          scratchU32[HI] = STALE_HI;
          scratchU32[LO] = STALE_LO;
        }
        const j = 2 * (n - 1);
        if (bits[j + HI] === scratchU32[HI] && bits[j + LO] === scratchU32[LO]) return; // duplicate: ignored
        throw new RangeError(`duplicate sample for timestamp ${tMs} with a different value in series ${id}`);
      }
    }
    if (n === t.length) {
      this.grow(id, n);
      t = this.tCols[id];
    }
    t[n] = tMs;
    if (stale) {
      const bits = this.vBits[id];
      bits[2 * n + HI] = STALE_HI;
      bits[2 * n + LO] = STALE_LO;
    } else {
      this.vCols[id][n] = value;
    }
    this.counts[id] = n + 1;
    this.samplesTotal++;
  }

  private grow(id: number, n: number): void {
    const oldCap = this.tCols[id].length;
    const cap = nextCapacity(oldCap);
    // Both columns side by side (t, then v), carved out of the store's current slab: a run's few hundred
    // columns share a handful of buffers instead of allocating one each (a buffer is costly to make and to
    // sweep). A grown column's old place is left behind, as a dropped buffer was; 16 B per sample either way.
    const bytes = cap * 16;
    if (this.slabUsed + bytes > this.slab.byteLength) {
      this.slab = new ArrayBuffer(Math.max(bytes, Math.min(SLAB_MAX, 2 * this.slab.byteLength), SLAB_MIN));
      this.slabUsed = 0;
    }
    const buffer = this.slab;
    const at = this.slabUsed;
    this.slabUsed += bytes;
    const t = new Float64Array(buffer, at, cap);
    const v = new Float64Array(buffer, at + cap * 8, cap);
    const bits = new Uint32Array(buffer, at + cap * 8, cap * 2);
    if (n > 0) {
      t.set(this.tCols[id].subarray(0, n));
      // Copy values through their 32-bit words so NaN payloads survive.
      bits.set(this.vBits[id].subarray(0, 2 * n));
    }
    this.tCols[id] = t;
    this.vCols[id] = v;
    this.vBits[id] = bits;
    this.capacitySamples += cap - oldCap;
  }

  /** Number of series. */
  get seriesCount(): number {
    return this.labelSets.length;
  }

  /** Number of samples held (staleness markers included). */
  get sampleCount(): number {
    return this.samplesTotal;
  }

  /** The canonical (frozen, name-sorted) label set of a series. */
  labels(id: number): Labels {
    const l = this.labelSets[id];
    if (l === undefined) throw new RangeError(`unknown series id ${id}`);
    return l;
  }

  /**
   * Samples of a series: the columns (capacity-sized; read indexes < n) are the
   * store's own arrays, valid until the next append to this series. Do not write.
   */
  samples(id: number): { t: Float64Array; v: Float64Array; n: number } {
    const n = this.counts[id];
    if (n === undefined) throw new RangeError(`unknown series id ${id}`);
    return { t: this.tCols[id], v: this.vCols[id], n };
  }

  /** Number of samples of a series. */
  count(id: number): number {
    const n = this.counts[id];
    if (n === undefined) throw new RangeError(`unknown series id ${id}`);
    return n;
  }

  /** Whether sample i of a series is a staleness marker (bit-exact, no NaN canonicalisation risk). */
  isStale(id: number, i: number): boolean {
    const bits = this.vBits[id];
    return bits[2 * i + HI] === STALE_HI && bits[2 * i + LO] === STALE_LO;
  }

  /** Index of the first sample with t >= tMs (binary search); n when there is none. */
  lowerBound(id: number, tMs: number): number {
    const n = this.counts[id];
    if (n === undefined) throw new RangeError(`unknown series id ${id}`);
    const t = this.tCols[id];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Ascending ids of the series whose label `name` equals `value` (the posting
   * list; `postings('__name__', m)` lists all series of metric m). The array is
   * the live index: it grows when series are created; do not mutate it.
   */
  postings(name: string, value: string): readonly number[] {
    return this.index.get(name)?.get(value) ?? EMPTY;
  }

  /** Sorted distinct values of label `name` over all series. */
  labelValues(name: string): string[] {
    const values = this.index.get(name);
    return values ? [...values.keys()].sort() : [];
  }

  /** Sorted distinct label names over all series (including `__name__`). */
  labelNames(): string[] {
    return [...this.index.keys()].sort();
  }

  /**
   * Bytes held by sample columns (capacity, not just used: 16 B per sample
   * slot) and indexes (estimated: 8 B per posting entry, 32 B of per-series
   * slots, 1 B per character of the canonical label key).
   */
  bytes(): number {
    return 16 * this.capacitySamples + 8 * this.postingEntries + 32 * this.labelSets.length + this.labelBytes;
  }
}
