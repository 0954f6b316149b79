/**
 * Recorded series into the simulator's time-series store (`SeriesStore`), so
 * the PromQL evaluator and Flagger's checks read a real rollout unchanged.
 *
 * Two formats:
 *
 * - Prometheus' HTTP API answers: `/api/v1/query_range` (resultType matrix),
 *   also `/api/v1/query` of a range selector (`metric[1h]`, matrix with the raw
 *   samples) and of an instant selector (vector, one sample per series); one
 *   answer, a JSON array of answers, or one answer per line;
 * - OpenMetrics text with timestamps, as `promtool tsdb create-blocks-from
 *   openmetrics` reads it and `gameday export-metrics` writes it
 *   (simulation/telemetry/openmetrics.ts): `# TYPE`/`# HELP` metadata, escaped
 *   label values, `+Inf`/`-Inf`/`NaN`, timestamps in seconds (Prometheus
 *   truncates `int64(ts × 1000)`, and so does this reader); ending in
 *   `# EOF`. A file without `# EOF` is read as Prometheus' older text format,
 *   whose timestamps are integer milliseconds (a file whose timestamps are
 *   not all such integers is read as OpenMetrics that lost its end marker).
 *
 * Nothing here throws on bad input: every problem is a located diagnostic
 * (file:line:column), and what could be read is kept. Samples of one series
 * may come from several files or answers, in any order: they are sorted, and
 * a repeat (same time, same value, as where two pulled windows meet) is
 * dropped; a different value at the same time is an error.
 *
 * Replayed data has no staleness markers (neither format carries them): query
 * the store with `staleness: false`.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { parseGoFloat } from '../util/go-float';
import type { Diagnostic } from '../scenario/diagnostics';
import { isValidLabelName, isValidMetricName, type MetricType, SeriesStore } from '../telemetry/tsdb';
import { type JsonNode, LineIndex, member, parseJson } from './json';

/** Where a sample or a problem is. */
interface Where {
  file: string;
  line: number;
  column: number;
}

interface Pending {
  labels: Record<string, string>;
  t: number[];
  v: number[];
  /** Index into the collector's locations of each sample (for duplicate reports). */
  at: number[];
}

/** What an import read. */
export interface ImportSummary {
  file: string;
  format: 'query-range-json' | 'openmetrics' | 'prometheus-text';
  series: number;
  samples: number;
}

/**
 * Collects samples from any number of files and answers, then builds one
 * store: per series the samples sorted by time, repeats dropped, conflicts
 * reported.
 */
export class SeriesCollector {
  private readonly series = new Map<string, Pending>();
  private readonly locations: Where[] = [];
  private readonly families = new Map<string, { type: MetricType; help: string; at: Where }>();
  readonly diagnostics: Diagnostic[] = [];

  error(at: Where, path: string, message: string): void {
    this.diagnostics.push({ severity: 'error', ...at, path, message });
  }

  warning(at: Where, path: string, message: string): void {
    this.diagnostics.push({ severity: 'warning', ...at, path, message });
  }

  /** Why the store cannot hold a series with these labels; null when it can. */
  static labelProblem(labels: Readonly<Record<string, string>>): string | null {
    const name = labels.__name__;
    if (name === undefined || name === '') {
      return 'a series without a metric name (__name__): this is the answer of an expression, not of a selector; replay needs the raw series (query a plain selector such as traefik_service_requests_total)';
    }
    if (!isValidMetricName(name)) return `invalid metric name ${JSON.stringify(name)}: expected [a-zA-Z_:][a-zA-Z0-9_:]*`;
    for (const l of Object.keys(labels)) {
      if (l !== '__name__' && (!isValidLabelName(l) || l.startsWith('__'))) return `invalid label name ${JSON.stringify(l)}: expected [a-zA-Z_][a-zA-Z0-9_]* not starting with __`;
    }
    return null;
  }

  /** Adds one sample; a label set the store cannot hold is reported and skipped (false). */
  add(labels: Record<string, string>, tMs: number, value: number, at: Where, path = ''): boolean {
    const problem = SeriesCollector.labelProblem(labels);
    if (problem !== null) {
      this.error(at, path, problem);
      return false;
    }
    if (!Number.isSafeInteger(tMs)) {
      this.error(at, path, `timestamp ${tMs} ms is not a whole number of milliseconds within range`);
      return false;
    }
    const key = canonicalKey(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, t: [], v: [], at: [] }));
    s.t.push(tMs);
    s.v.push(value);
    s.at.push(this.locations.length);
    this.locations.push(at);
    return true;
  }

  /** Declares a family's type and help (OpenMetrics metadata); a conflicting second declaration is reported. */
  family(name: string, type: MetricType, help: string, at: Where): void {
    const prev = this.families.get(name);
    if (prev && (prev.type !== type || (help !== '' && prev.help !== '' && prev.help !== help))) {
      this.warning(at, '', `family ${name} is declared ${type}${help ? ` ("${help}")` : ''} here but ${prev.type}${prev.help ? ` ("${prev.help}")` : ''} at ${prev.at.file}:${prev.at.line}; the first declaration is kept`);
      return;
    }
    if (prev) {
      if (prev.help === '' && help !== '') prev.help = help;
      return;
    }
    this.families.set(name, { type, help, at });
  }

  /** Series and samples collected so far (before repeats are dropped). */
  get counts(): { series: number; samples: number } {
    let samples = 0;
    for (const s of this.series.values()) samples += s.t.length;
    return { series: this.series.size, samples };
  }

  /** The store of everything collected: series in label order, samples in time order. */
  toStore(): SeriesStore {
    const store = new SeriesStore();
    for (const [name, f] of [...this.families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      try {
        store.defineFamily(name, f.type, f.help);
      } catch (e) {
        this.warning(f.at, '', `family ${name}: ${(e as Error).message}; its metadata is left out`);
      }
    }
    for (const key of [...this.series.keys()].sort()) {
      const s = this.series.get(key) as Pending;
      let id: number;
      try {
        id = store.seriesId(s.labels);
      } catch (e) {
        this.error(this.locations[s.at[0]], '', `series ${describeLabels(s.labels)}: ${(e as Error).message}`);
        continue;
      }
      const order = s.t.map((_, i) => i);
      order.sort((a, b) => s.t[a] - s.t[b] || s.at[a] - s.at[b]);
      let lastT = NaN;
      let lastV = NaN;
      let lastAt = -1;
      for (const i of order) {
        const t = s.t[i];
        const v = s.v[i];
        if (t === lastT) {
          if (Object.is(v, lastV) || (Number.isNaN(v) && Number.isNaN(lastV))) continue;
          const first = this.locations[lastAt];
          this.error(this.locations[s.at[i]], '', `series ${describeLabels(s.labels)} has two samples at ${t} ms with different values: ${formatNumber(lastV)} (${first.file}:${first.line}) and ${formatNumber(v)}; the first is kept`);
          continue;
        }
        store.append(id, t, v);
        lastT = t;
        lastV = v;
        lastAt = s.at[i];
      }
    }
    return store;
  }
}

function canonicalKey(labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(pairs);
}

/** `name{a="1",b="2"}` for messages. */
export function describeLabels(labels: Readonly<Record<string, string>>): string {
  const inner = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return `${labels.__name__ ?? ''}{${inner}}`;
}

function formatNumber(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}


// ---- the HTTP API's JSON ------------------------------------------------------------------------------------------

/**
 * Reads Prometheus HTTP API answers (one, an array of them, or one per line)
 * into the collector. Returns what was read.
 */
export function importQueryRangeJson(file: string, text: string, into: SeriesCollector): ImportSummary {
  const lines = new LineIndex(text);
  const where = (offset: number): Where => ({ file, ...lines.locate(offset) });
  const before = into.counts;
  const answers: Array<{ node: JsonNode; path: string }> = [];
  const first = parseJson(text);
  if (first.ok && first.end === text.length) {
    if (first.node.kind === 'array') first.node.items.forEach((node, i) => answers.push({ node, path: `[${i}]` }));
    else answers.push({ node: first.node, path: '' });
  } else {
    // One answer per line (JSON Lines); a syntax error is reported where it is.
    let pos = 0;
    let index = 0;
    while (pos < text.length) {
      const r = parseJson(text, pos);
      if (!r.ok) {
        into.error(where(r.at), '', `JSON: ${r.message}`);
        break;
      }
      answers.push({ node: r.node, path: `[${index++}]` });
      pos = r.end;
    }
  }
  if (answers.length === 0 && !into.diagnostics.some((d) => d.file === file)) into.error({ file, line: 1, column: 1 }, '', 'no Prometheus answer in the file');
  for (const { node, path } of answers) readAnswer(node, path, where, into);
  const after = into.counts;
  return { file, format: 'query-range-json', series: after.series - before.series, samples: after.samples - before.samples };
}

function readAnswer(node: JsonNode, path: string, where: (offset: number) => Where, into: SeriesCollector): void {
  const at = (n: JsonNode) => where(n.at);
  const join = (p: string, k: string | number) => (typeof k === 'number' ? `${p}[${k}]` : p === '' ? k : `${p}.${k}`);
  if (node.kind !== 'object') {
    into.error(at(node), path, `expected a Prometheus API answer ({"status": "success", "data": {...}}), found ${node.kind === 'array' ? 'an array' : `a ${node.kind}`}`);
    return;
  }
  const status = member(node, 'status');
  if (status?.kind === 'string' && status.value === 'error') {
    const type = member(node, 'errorType');
    const error = member(node, 'error');
    into.error(at(node), join(path, 'status'), `the answer is an error (${type?.kind === 'string' ? type.value : 'no errorType'}: ${error?.kind === 'string' ? error.value : 'no message'}), not data`);
    return;
  }
  if (status !== undefined && (status.kind !== 'string' || status.value !== 'success')) {
    into.error(at(status), join(path, 'status'), `expected "success" or "error", found ${status.kind === 'string' ? JSON.stringify(status.value) : `a ${status.kind}`}`);
    return;
  }
  const data = member(node, 'data');
  if (data === undefined || data.kind !== 'object') {
    into.error(at(data ?? node), join(path, 'data'), 'expected the answer\'s data: {"resultType": "matrix", "result": [...]}');
    return;
  }
  const dataPath = join(path, 'data');
  const resultType = member(data, 'resultType');
  const result = member(data, 'result');
  const type = resultType?.kind === 'string' ? resultType.value : null;
  if (type !== 'matrix' && type !== 'vector') {
    into.error(
      at(resultType ?? data),
      join(dataPath, 'resultType'),
      type === null
        ? 'missing resultType: expected "matrix" (an answer of /api/v1/query_range)'
        : `expected "matrix" (an answer of /api/v1/query_range), found ${JSON.stringify(type)}: a ${type} holds no series`,
    );
    return;
  }
  if (result === undefined || result.kind !== 'array') {
    into.error(at(result ?? data), join(dataPath, 'result'), 'expected the list of series');
    return;
  }
  if (type === 'vector' && result.items.length > 0) {
    into.warning(at(resultType as JsonNode), join(dataPath, 'resultType'), 'an instant query\'s answer (vector): one sample per series; a rollout needs /api/v1/query_range, or /api/v1/query of a range selector such as metric[1h]');
  }
  result.items.forEach((item, i) => {
    const p = join(join(dataPath, 'result'), i);
    if (item.kind !== 'object') {
      into.error(at(item), p, `expected a series ({"metric": {...}, "values": [...]}), found a ${item.kind}`);
      return;
    }
    const metric = member(item, 'metric');
    if (metric === undefined || metric.kind !== 'object') {
      into.error(at(metric ?? item), join(p, 'metric'), 'expected the series\' labels as an object');
      return;
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of metric.entries) {
      if (v.kind !== 'string') {
        into.error(at(v), join(join(p, 'metric'), k), `expected a string label value, found a ${v.kind}`);
        return;
      }
      labels[k] = v.value;
    }
    const problem = SeriesCollector.labelProblem(labels);
    if (problem !== null) {
      into.error(at(metric), join(p, 'metric'), problem);
      return;
    }
    const pointsKey = type === 'matrix' ? 'values' : 'value';
    const pointsNode = member(item, pointsKey);
    if (pointsNode === undefined) {
      into.error(at(item), join(p, pointsKey), `missing ${pointsKey}`);
      return;
    }
    const points = type === 'matrix' ? (pointsNode.kind === 'array' ? pointsNode.items : null) : [pointsNode];
    if (points === null) {
      into.error(at(pointsNode), join(p, pointsKey), 'expected a list of [time, "value"] points');
      return;
    }
    const pointsPath = join(p, pointsKey);
    points.forEach((pt, j) => {
      const pp = type === 'matrix' ? join(pointsPath, j) : pointsPath;
      const point = readPoint(pt);
      if (typeof point === 'string') {
        into.error(at(pt), pp, point);
        return;
      }
      into.add(labels, point.ms, point.value, at(pt), pp);
    });
  });
}

/** A `[1767225615.123, "42"]` point; a string says what is wrong. */
function readPoint(n: JsonNode): { ms: number; value: number } | string {
  if (n.kind !== 'array' || n.items.length !== 2) return 'expected a point [unix seconds, "value"]';
  const [t, v] = n.items;
  let seconds: number;
  if (t.kind === 'number') seconds = t.value;
  else if (t.kind === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(t.value)) seconds = Number(t.value);
  else return `expected the point's time in Unix seconds, found ${t.kind === 'string' ? JSON.stringify(t.value) : `a ${t.kind}`}`;
  if (v.kind !== 'string') return `expected the point's value as a string (Prometheus writes "1.5", "NaN", "+Inf"), found a ${v.kind}`;
  const value = parseGoFloat(v.value);
  if (value === null) return `the point's value ${JSON.stringify(v.value)} is not a number`;
  return { ms: Math.round(seconds * 1000), value };
}

// ---- OpenMetrics and Prometheus text -------------------------------------------------------------------------------

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const TYPES: Readonly<Record<string, MetricType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  unknown: 'unknown',
  untyped: 'unknown',
  gaugehistogram: 'unknown',
  stateset: 'unknown',
  info: 'unknown',
};

interface TextSample {
  labels: Record<string, string>;
  value: number;
  /** The timestamp as written; null when the sample has none. */
  ts: string | null;
  at: Where;
  tsColumn: number;
}

/** Reads one sample line; a string says what is wrong, with the 0-based column. */
function readSampleLine(line: string): { labels: Record<string, string>; value: number; ts: string | null; tsColumn: number } | { column: number; message: string } {
  METRIC_NAME.lastIndex = 0;
  const name = METRIC_NAME.exec(line);
  if (!name) return { column: 0, message: 'expected a metric name, a # comment or # EOF' };
  const labels: Record<string, string> = { __name__: name[0] };
  let pos = name[0].length;
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (line[pos] === ' ') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      LABEL_NAME.lastIndex = pos;
      const label = LABEL_NAME.exec(line);
      if (!label) return { column: pos, message: 'expected a label name or "}"' };
      pos += label[0].length;
      if (line[pos] !== '=') return { column: pos, message: `expected "=" after label ${label[0]}` };
      pos++;
      if (line[pos] !== '"') return { column: pos, message: `expected the quoted value of label ${label[0]}` };
      const quote = pos;
      pos++;
      let value = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) return { column: quote, message: `unterminated value of label ${label[0]}` };
        if (c === '"') break;
        if (c === '\\') {
          const e = line[pos + 1];
          if (e === '\\' || e === '"') value += e;
          else if (e === 'n') value += '\n';
          else return { column: pos, message: `invalid escape ${JSON.stringify(`\\${e ?? ''}`)} in a label value (OpenMetrics escapes \\\\, \\" and \\n)` };
          pos += 2;
          continue;
        }
        value += c;
        pos++;
      }
      pos++;
      if (Object.hasOwn(labels, label[0])) return { column: pos, message: `label ${label[0]} appears twice` };
      labels[label[0]] = value;
      while (line[pos] === ' ') pos++;
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        break;
      }
      return { column: pos, message: 'expected "," or "}" after a label' };
    }
  }
  if (line[pos] !== ' ' && line[pos] !== '\t') return { column: pos, message: 'expected a space and the sample value' };
  // The rest: value, optional timestamp, optional exemplar (" # {...} v [ts]").
  const rest = line.slice(pos);
  const m = /^([ \t]+)(\S+)(?:([ \t]+)([^\s#]\S*))?(?:[ \t]+#.*)?[ \t]*$/.exec(rest);
  if (!m) return { column: pos + 1, message: 'expected the sample value, an optional timestamp and nothing else' };
  const value = parseGoFloat(m[2]);
  if (value === null) return { column: pos + m[1].length, message: `the value ${JSON.stringify(m[2])} is not a number` };
  const tsColumn = pos + m[1].length + m[2].length + (m[3]?.length ?? 0);
  return { labels, value, ts: m[4] ?? null, tsColumn };
}

/**
 * Reads OpenMetrics text (or Prometheus' text format) with timestamps into
 * the collector: samples, and TYPE/HELP metadata as families. Returns what
 * was read.
 */
export function importOpenMetrics(file: string, text: string, into: SeriesCollector): ImportSummary {
  const lines = text.split('\n');
  const eofLine = lines.findIndex((l) => /^# EOF[ \t\r]*$/.test(l));
  const openMetrics = eofLine >= 0;
  const samples: TextSample[] = [];
  const declared = new Map<string, { type?: MetricType; typeName?: string; help?: string; at: Where }>();
  let missingTs = 0;
  let firstMissing: Where | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const at = (column: number): Where => ({ file, line: i + 1, column: column + 1 });
    if (openMetrics && i > eofLine) {
      if (line.trim() !== '') {
        into.warning(at(0), '', 'text after # EOF is ignored');
        break;
      }
      continue;
    }
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^#[ \t]+(TYPE|HELP|UNIT)[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(line);
      if (!meta) continue; // # EOF and other comments
      const [, kind, name, arg = ''] = meta;
      const entry = declared.get(name) ?? { at: at(0) };
      declared.set(name, entry);
      if (kind === 'TYPE') {
        const type = TYPES[arg.trim()];
        if (type === undefined) {
          into.warning(at(line.indexOf(arg)), '', `unknown metric type ${JSON.stringify(arg.trim())} for ${name} (expected counter, gauge, histogram, summary, unknown, …): read as unknown`);
        }
        entry.type = type ?? 'unknown';
        entry.typeName = arg.trim();
      } else if (kind === 'HELP') {
        entry.help = arg.replace(/\\(\\|n|")/g, (_, e: string) => (e === 'n' ? '\n' : e));
      }
      continue;
    }
    const r = readSampleLine(line);
    if ('message' in r) {
      into.error(at(r.column), '', r.message);
      continue;
    }
    if (r.ts === null) {
      missingTs++;
      firstMissing ??= at(line.length);
      continue;
    }
    samples.push({ labels: r.labels, value: r.value, ts: r.ts, at: at(0), tsColumn: r.tsColumn });
  }
  if (missingTs > 0 && firstMissing) {
    into.error(
      firstMissing,
      '',
      `${missingTs === 1 ? 'a sample has' : `${missingTs} samples have`} no timestamp: a replay needs samples over time (as promtool tsdb create-blocks-from openmetrics does); this looks like one scrape of /metrics, which holds one moment only`,
    );
  }

  // Timestamps: OpenMetrics writes seconds; Prometheus' text format writes integer milliseconds.
  let millis = false;
  if (!openMetrics && samples.length > 0) {
    millis = samples.every((s) => /^-?[0-9]+$/.test(s.ts as string) && Math.abs(Number(s.ts)) >= 1e11);
    if (!millis) into.warning({ file, line: 1, column: 1 }, '', 'no # EOF line, but the timestamps are not integer milliseconds (Prometheus\' text format): read as OpenMetrics (timestamps in seconds) that lost its end marker');
  }
  const before = into.counts;
  for (const s of samples) {
    const raw = s.ts as string;
    const n = parseGoFloat(raw);
    if (n === null || !Number.isFinite(n)) {
      into.error({ ...s.at, column: s.tsColumn + 1 }, '', `the timestamp ${JSON.stringify(raw)} is not a number`);
      continue;
    }
    // Prometheus: int64(ts × 1000), truncated (openmetricsparse.go); the text format's milliseconds as they are.
    const ms = millis ? n : Math.trunc(n * 1000);
    into.add(s.labels, ms, s.value, s.at);
  }

  for (const [name, d] of declared) {
    if (d.type === undefined && d.help === undefined) continue;
    let family = name;
    const type = d.type ?? 'unknown';
    // Prometheus' text format declares a counter by its sample name (…_total); OpenMetrics by the family.
    if (type === 'counter' && family.endsWith('_total')) family = family.slice(0, -'_total'.length);
    into.family(family, type, d.help ?? '', d.at);
  }
  const after = into.counts;
  return { file, format: openMetrics || !millis ? 'openmetrics' : 'prometheus-text', series: after.series - before.series, samples: after.samples - before.samples };
}

// ---- any file -----------------------------------------------------------------------------------------------------

/** Whether the text is JSON (an API answer) rather than exposition text. */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

/** Reads a recorded file of either format into the collector. */
export function importFile(file: string, text: string, into: SeriesCollector): ImportSummary {
  return looksLikeJson(text) ? importQueryRangeJson(file, text, into) : importOpenMetrics(file, text, into);
}

/** Reads files into one store; diagnostics say what could not be read. */
export function importFiles(files: ReadonlyArray<{ file: string; text: string }>): { store: SeriesStore; diagnostics: Diagnostic[]; summaries: ImportSummary[] } {
  const into = new SeriesCollector();
  const summaries = files.map((f) => importFile(f.file, f.text, into));
  const store = into.toStore();
  // Per file in the order given, then by position.
  const order = new Map(files.map((f, i) => [f.file, i]));
  const diagnostics = into.diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (order.get(a.d.file) ?? files.length) - (order.get(b.d.file) ?? files.length) || a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i)
    .map((x) => x.d);
  return { store, diagnostics, summaries };
}
