// OpenMetrics text export of a SeriesStore, in the shape Prometheus' backfill
// importer (`promtool tsdb create-blocks-from openmetrics <file> <outdir>`)
// accepts. Rules followed (OpenMetrics 1.0 text format; Prometheus docs
// "storage.md#backfilling-from-openmetrics-format"; promtool's backfill.go and
// the OpenMetrics parser model/textparse/openmetricsparse.go):
//  - one MetricFamily at a time (families are not interleaved), announced by
//    `# TYPE <family> <type>` then `# HELP <family> <escaped text>` (HELP only
//    when non-empty); families in code-unit order of their names;
//  - counter samples are `<family>_total` under a family declared without
//    `_total`; histograms are `<family>_bucket{le=...}` (buckets in increasing
//    `le`, +Inf last), `<family>_count`, `<family>_sum`; summaries are
//    `<family>{quantile=...}`, `<family>_count`, `<family>_sum`; series whose
//    name matches no declared family form their own family of type unknown;
//  - within a family, Metrics (label sets without le/quantile) are not
//    interleaved, and each Metric lists its MetricPoints in increasing time
//    order, a MetricPoint being all of its samples at one timestamp (buckets,
//    count, sum); hence the samples of every series are in time order, which
//    promtool's TSDB appender requires (it rejects out-of-order samples);
//  - every sample carries a timestamp (promtool rejects samples without one),
//    in seconds with millisecond precision. Prometheus parses it as a float64
//    and truncates `int64(ts*1000)`, so where the plain 3-decimal rendering
//    would truncate to the previous millisecond, half a millisecond is added
//    (e.g. `...123` → `...1235`) so that the importer recovers the exact ms;
//  - values: integers and floats as the shortest round-trip decimal, `+Inf`,
//    `-Inf`, `NaN`; staleness markers are not exported (OpenMetrics cannot
//    represent them; the backfill docs say so);
//  - label values and HELP text escape `\` as `\\`, `"` as `\"` and a line
//    feed as `\n`; lines end in `\n`; the exposition ends with `# EOF\n`.
import type { FamilyInfo, MetricType, SeriesStore } from './tsdb';

export interface OpenMetricsOptions {
  /** Earliest sample timestamp exported (inclusive, ms). */
  fromMs?: number;
  /** Latest sample timestamp exported (inclusive, ms). */
  toMs?: number;
}

/** Chunks are yielded once they reach about this many characters. */
const CHUNK_CHARS = 1 << 16;

/** Escapes a label value or HELP text: backslash, double quote, line feed. */
export function escapeOpenMetrics(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Renders a sample value: shortest round-trip decimal, `+Inf`, `-Inf`, `NaN`. */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}

/**
 * Renders an integer millisecond timestamp in seconds such that Prometheus'
 * parser (`int64(parseFloat(s) * 1000)`, truncating) yields `ms` exactly.
 */
export function formatTimestamp(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  const sec = Math.floor(a / 1000);
  const frac = a - sec * 1000;
  if (frac === 0) return sign + String(sec);
  const digits = String(frac).padStart(3, '0');
  const plain = sign + String(sec) + '.' + digits.replace(/0+$/, '');
  if (Math.trunc(Number(plain) * 1000) === ms) return plain;
  // The nearest float64 lies just below ms/1000: aim at the middle of the millisecond.
  return sign + String(sec) + '.' + digits + '5';
}

type Role = 'value' | 'total' | 'bucket' | 'quantile' | 'count' | 'sum';
const ROLE_RANK: Record<Role, number> = { bucket: 0, quantile: 0, total: 0, value: 1, count: 2, sum: 3 };

interface Resolved {
  family: string;
  type: MetricType;
  help: string;
  role: Role;
}

/** Which family (and which part of it) a sample metric name belongs to. */
function resolve(store: SeriesStore, name: string): Resolved {
  const exact = store.family(name);
  if (exact) {
    const role: Role = exact.type === 'summary' ? 'quantile' : 'value';
    if (exact.type !== 'histogram') return { family: name, type: exact.type, help: exact.help, role };
  }
  const suffixed = (suffix: string, types: MetricType[]): FamilyInfo | undefined => {
    if (!name.endsWith(suffix)) return undefined;
    const f = store.family(name.slice(0, -suffix.length));
    return f && types.includes(f.type) ? f : undefined;
  };
  const candidates: [string, MetricType[], Role][] = [
    ['_total', ['counter'], 'total'],
    ['_bucket', ['histogram'], 'bucket'],
    ['_count', ['histogram', 'summary'], 'count'],
    ['_sum', ['histogram', 'summary'], 'sum'],
  ];
  for (const [suffix, types, role] of candidates) {
    const f = suffixed(suffix, types);
    if (f) return { family: f.name, type: f.type, help: f.help, role };
  }
  if (exact) return { family: name, type: exact.type, help: exact.help, role: 'value' };
  return { family: name, type: 'unknown', help: '', role: 'value' };
}

/** Numeric value of an `le`/`quantile` label ("+Inf" included); NaN when absent or malformed. */
function boundOf(s: string | undefined): number {
  if (s === undefined) return NaN;
  const lower = s.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  return s.trim() === '' ? NaN : Number(s);
}

interface Component {
  id: number;
  role: Role;
  bound: number;
  prefix: string;
}

function renderPrefix(labels: Readonly<Record<string, string>>): string {
  let inner = '';
  for (const name of Object.keys(labels)) {
    if (name === '__name__') continue;
    inner += (inner === '' ? '' : ',') + name + '="' + escapeOpenMetrics(labels[name]) + '"';
  }
  return labels.__name__ + (inner === '' ? '' : '{' + inner + '}') + ' ';
}

function compareComponents(a: Component, b: Component): number {
  const r = ROLE_RANK[a.role] - ROLE_RANK[b.role];
  if (r !== 0) return r;
  const ab = Number.isNaN(a.bound) ? Infinity : a.bound;
  const bb = Number.isNaN(b.bound) ? Infinity : b.bound;
  if (ab !== bb) return ab < bb ? -1 : 1;
  return a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0;
}

/**
 * The OpenMetrics text of the store's samples within [fromMs, toMs], in chunks
 * (join them to get the file). Families without an exported sample are left out.
 */
export function* openMetricsChunks(store: SeriesStore, opts: OpenMetricsOptions = {}): Generator<string> {
  const fromMs = opts.fromMs ?? -Infinity;
  const toMs = opts.toMs ?? Infinity;

  // family name → metadata and its Metrics (label set without le/quantile → components).
  const families = new Map<string, { type: MetricType; help: string; metrics: Map<string, Component[]> }>();
  for (let id = 0; id < store.seriesCount; id++) {
    const labels = store.labels(id);
    const r = resolve(store, labels.__name__);
    let fam = families.get(r.family);
    if (!fam) families.set(r.family, (fam = { type: r.type, help: r.help, metrics: new Map() }));
    const boundLabel = r.role === 'bucket' ? 'le' : r.role === 'quantile' ? 'quantile' : '';
    const key = JSON.stringify(Object.entries(labels).filter(([n]) => n !== '__name__' && n !== boundLabel));
    let components = fam.metrics.get(key);
    if (!components) fam.metrics.set(key, (components = []));
    components.push({ id, role: r.role, bound: boundLabel ? boundOf(labels[boundLabel]) : NaN, prefix: renderPrefix(labels) });
  }

  let buf = '';
  const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const familyName of [...families.keys()].sort(byCodeUnits)) {
    const fam = families.get(familyName)!;
    let header: string | null =
      `# TYPE ${familyName} ${fam.type}\n` + (fam.help === '' ? '' : `# HELP ${familyName} ${escapeOpenMetrics(fam.help)}\n`);
    for (const key of [...fam.metrics.keys()].sort(byCodeUnits)) {
      const components = fam.metrics.get(key)!.sort(compareComponents);
      const k = components.length;
      const ts: Float64Array[] = [];
      const vs: Float64Array[] = [];
      const pos: number[] = [];
      const end: number[] = [];
      for (const c of components) {
        const s = store.samples(c.id);
        ts.push(s.t);
        vs.push(s.v);
        pos.push(fromMs === -Infinity ? 0 : store.lowerBound(c.id, fromMs));
        end.push(toMs === Infinity ? s.n : store.lowerBound(c.id, Math.floor(toMs) + 1));
      }
      // Merge the components by timestamp: one MetricPoint per distinct timestamp.
      for (;;) {
        let tMin = Infinity;
        for (let j = 0; j < k; j++) if (pos[j] < end[j] && ts[j][pos[j]] < tMin) tMin = ts[j][pos[j]];
        if (tMin === Infinity) break;
        let stamp: string | null = null;
        for (let j = 0; j < k; j++) {
          const i = pos[j];
          if (i >= end[j] || ts[j][i] !== tMin) continue;
          pos[j] = i + 1;
          if (store.isStale(components[j].id, i)) continue;
          if (header !== null) {
            buf += header;
            header = null;
          }
          stamp ??= formatTimestamp(tMin);
          buf += components[j].prefix + formatValue(vs[j][i]) + ' ' + stamp + '\n';
        }
        if (buf.length >= CHUNK_CHARS) {
          yield buf;
          buf = '';
        }
      }
    }
  }
  yield buf + '# EOF\n';
}

/** The whole OpenMetrics file (see openMetricsChunks). */
export function toOpenMetrics(store: SeriesStore, opts: OpenMetricsOptions = {}): string {
  let out = '';
  for (const chunk of openMetricsChunks(store, opts)) out += chunk;
  return out;
}
