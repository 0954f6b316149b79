import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, parseAllDocuments, type Scalar, type YAMLMap } from 'yaml';
import { parseDuration } from '../util/duration';
import type { CanarySpec } from '../rollout/types';

/**
 * The editor's quick controls: the common knobs of the rolled-out Canary
 * (analysis interval, threshold, stepWeight, maxWeight and each metric's
 * thresholdRange), read from and written back into the scenario's YAML.
 *
 * Writing edits only the one scalar (or inserts / removes the one field)
 * in the text: every other byte — comments, quoting, blank lines, the other
 * documents — stays as it was. The `yaml` package's Document API locates
 * the nodes (with their source ranges); the text is spliced at those ranges.
 *
 * Pure: no DOM, no host. The view passes included files' texts when it has
 * them, to name the file a Canary lives in and show its values read-only.
 *
 * The tuning lab sweeps the same knobs (plus iterations and
 * stepWeightPromotion): `withKnob` sets one on a compiled Canary, as the
 * loader would read the edited text, and "apply" writes the chosen values
 * with `writeKnob`.
 */

export type AnalysisField = 'threshold' | 'interval' | 'stepWeight' | 'maxWeight' | 'iterations' | 'stepWeightPromotion';
/** The editor's quick controls. */
export const ANALYSIS_FIELDS: readonly AnalysisField[] = ['interval', 'threshold', 'stepWeight', 'maxWeight'];
/** Every analysis field a knob can set. */
export const KNOB_ANALYSIS_FIELDS: readonly AnalysisField[] = ['interval', 'threshold', 'stepWeight', 'maxWeight', 'iterations', 'stepWeightPromotion'];

export type Knob = { kind: 'analysis'; field: AnalysisField } | { kind: 'metric'; metric: string; bound: 'min' | 'max' };

export interface MetricKnobs {
  name: string;
  min: number | null;
  max: number | null;
}

export interface CanaryKnobs {
  /** `namespace/name` (namespace `default` when the manifest has none). */
  canary: string;
  /** Which key holds the analysis: `analysis`, or the deprecated `canaryAnalysis`. */
  analysisKey: 'analysis' | 'canaryAnalysis';
  interval: string | null;
  threshold: number | null;
  stepWeight: number | null;
  maxWeight: number | null;
  /** Set when the analysis walks a list of weights instead of stepWeight. */
  stepWeights: number[] | null;
  /** Set for Blue/Green and A/B analyses (no weights). */
  iterations: number | null;
  stepWeightPromotion: number | null;
  metrics: MetricKnobs[];
}

export type KnobsState =
  /** The Canary is a document of this text: the knobs can be written. */
  | { kind: 'inline'; knobs: CanaryKnobs }
  /**
   * The Canary is not in this text but the scenario includes files: `file` is the
   * include (as written) that holds it when the view passed the includes' texts,
   * and `knobs` its values (read-only here).
   */
  | { kind: 'included'; file: string | null; includes: string[]; knobs: CanaryKnobs | null; message: string }
  /** No Canary to edit (none, several without spec.rollout.canary, no analysis). */
  | { kind: 'none'; message: string }
  /** The YAML does not parse well enough to find the Canary. */
  | { kind: 'unreadable'; message: string };

export interface ReadOptions {
  /** Texts of included files, by the include path as written in spec.include. */
  includes?: Readonly<Record<string, string>>;
  /** The Canary (`name` or `namespace/name`) when the text does not say (a manifest file holding several). */
  canary?: string;
}

export type WriteResult = { ok: true; text: string } | { ok: false; message: string };

// ---- reading ----------------------------------------------------------------

type Doc = Document.Parsed;

function docs(text: string): Doc[] {
  return parseAllDocuments(text) as Doc[];
}

function get(map: unknown, key: string): unknown {
  return isMap(map) ? map.get(key, true) : undefined;
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return (map.items as Array<Pair<Node, Node | null>>).find((p) => isScalar(p.key) && p.key.value === key);
}

function str(node: unknown): string | null {
  return isScalar(node) && node.value !== null && node.value !== undefined && typeof node.value !== 'object' ? String(node.value) : null;
}

function num(node: unknown): number | null {
  if (!isScalar(node)) return null;
  if (typeof node.value === 'number') return Number.isFinite(node.value) ? node.value : null;
  if (typeof node.value === 'string' && node.value.trim() !== '' && Number.isFinite(Number(node.value))) return Number(node.value);
  return null;
}

function isCanary(d: Doc): boolean {
  const apiVersion = str(get(d.contents, 'apiVersion')) ?? '';
  return str(get(d.contents, 'kind')) === 'Canary' && apiVersion.startsWith('flagger.app/');
}

function scenarioOf(ds: Doc[]): Doc | undefined {
  return ds.find((d) => str(get(d.contents, 'kind')) === 'Scenario');
}

/** The Canary the scenario rolls out: spec.rollout.canary (a name), or null (the only one). */
function wantedCanary(scenario: Doc | undefined): string | null {
  return str(get(get(get(scenario?.contents, 'spec'), 'rollout'), 'canary'));
}

function includesOf(scenario: Doc | undefined): string[] {
  const inc = get(get(scenario?.contents, 'spec'), 'include');
  return isSeq(inc) ? inc.items.map((i) => str(i)).filter((s): s is string => s !== null) : [];
}

function canaryName(d: Doc): { name: string; namespace: string } {
  const md = get(d.contents, 'metadata');
  return { name: str(get(md, 'name')) ?? '', namespace: str(get(md, 'namespace')) ?? 'default' };
}

/** `name` or `namespace/name` against a Canary document. */
function matches(d: Doc, want: string): boolean {
  const { name, namespace } = canaryName(d);
  return want.includes('/') ? want === `${namespace}/${name}` : want === name;
}

type Pick = { doc: Doc } | { error: string } | null;

/** The rolled-out Canary among `ds`: null when none of them is it (it may be elsewhere). */
function pickCanary(ds: Doc[], want: string | null): Pick {
  const canaries = ds.filter(isCanary);
  if (want !== null) {
    const found = canaries.find((d) => matches(d, want));
    return found ? { doc: found } : null;
  }
  if (canaries.length === 1) return { doc: canaries[0] };
  if (canaries.length > 1) return { error: `several Canaries (${canaries.map((d) => canaryName(d).name).join(', ')}): name the one rolled out with spec.rollout.canary` };
  return null;
}

function analysisOf(d: Doc): { key: 'analysis' | 'canaryAnalysis'; map: YAMLMap } | null {
  const spec = get(d.contents, 'spec');
  for (const key of ['analysis', 'canaryAnalysis'] as const) {
    const a = get(spec, key);
    if (isMap(a)) return { key, map: a };
  }
  return null;
}

function metricsOf(analysis: YAMLMap): YAMLMap[] {
  const m = analysis.get('metrics', true);
  return isSeq(m) ? m.items.filter((i): i is YAMLMap => isMap(i)) : [];
}

function knobsOf(d: Doc): CanaryKnobs | null {
  const a = analysisOf(d);
  if (!a) return null;
  const { name, namespace } = canaryName(d);
  const sw = a.map.get('stepWeights', true);
  return {
    canary: `${namespace}/${name}`,
    analysisKey: a.key,
    interval: str(a.map.get('interval', true)),
    threshold: num(a.map.get('threshold', true)),
    stepWeight: num(a.map.get('stepWeight', true)),
    maxWeight: num(a.map.get('maxWeight', true)),
    stepWeights: isSeq(sw) ? sw.items.map((i) => num(i)).filter((n): n is number => n !== null) : null,
    iterations: num(a.map.get('iterations', true)),
    stepWeightPromotion: num(a.map.get('stepWeightPromotion', true)),
    metrics: metricsOf(a.map).map((m) => {
      const range = m.get('thresholdRange', true);
      return { name: str(m.get('name', true)) ?? '', min: num(get(range, 'min')), max: num(get(range, 'max')) };
    }),
  };
}

/** The first YAML error of the documents, as `line:column message`. */
function firstError(text: string, ds: Doc[]): string | null {
  for (const d of ds) {
    const e = d.errors[0];
    if (e) {
      const { line, col } = lineCol(text, e.pos[0]);
      return `YAML error at ${line}:${col}: ${e.message.split('\n')[0]}`;
    }
  }
  return null;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

type Located = { kind: 'inline'; doc: Doc } | Exclude<KnobsState, { kind: 'inline' }>;

function locate(text: string, opts: ReadOptions = {}): Located {
  let ds: Doc[];
  try {
    ds = docs(text);
  } catch (e) {
    return { kind: 'unreadable', message: e instanceof Error ? e.message : String(e) };
  }
  const scenario = scenarioOf(ds);
  const want = wantedCanary(scenario) ?? opts.canary ?? null;
  const here = pickCanary(ds, want);
  if (here && 'error' in here) return { kind: 'none', message: here.error };
  if (here) {
    const err = here.doc.errors.length > 0 ? firstError(text, [here.doc]) : null;
    if (err) return { kind: 'unreadable', message: `the Canary's document does not parse: ${err}` };
    if (!analysisOf(here.doc)) return { kind: 'none', message: `Canary ${canaryName(here.doc).name} has no spec.analysis mapping` };
    return { kind: 'inline', doc: here.doc };
  }
  const includes = includesOf(scenario);
  if (!scenario) {
    const err = firstError(text, ds);
    return err ? { kind: 'unreadable', message: err } : { kind: 'none', message: 'no Canary in this file' };
  }
  if (includes.length === 0) {
    return { kind: 'none', message: want ? `no Canary named ${want} in this file` : 'this scenario has no Canary: there are no rollout knobs to set' };
  }
  // Look through the included files the view could read.
  for (const inc of includes) {
    const t = opts.includes?.[inc];
    if (t === undefined) continue;
    let ids: Doc[];
    try {
      ids = docs(t);
    } catch {
      continue;
    }
    const there = pickCanary(ids, want);
    if (there && 'doc' in there) {
      const knobs = knobsOf(there.doc);
      return { kind: 'included', file: inc, includes, knobs, message: `the Canary is in ${inc}: edit it there` };
    }
  }
  const which = includes.length === 1 ? includes[0] : `one of the included files (${includes.join(', ')})`;
  return {
    kind: 'included',
    file: includes.length === 1 ? includes[0] : null,
    includes,
    knobs: null,
    message: `the Canary${want ? ` ${want}` : ''} is in ${which}: edit it there`,
  };
}

/** The rolled-out Canary's knobs as the text has them, or why they cannot be set here. */
export function readKnobs(text: string, opts?: ReadOptions): KnobsState {
  const l = locate(text, opts);
  if (l.kind !== 'inline') return l;
  const knobs = knobsOf(l.doc);
  return knobs ? { kind: 'inline', knobs } : { kind: 'none', message: 'the Canary has no analysis' };
}

// ---- validating ---------------------------------------------------------------

/** The CRD's pattern for analysis.interval (not end-anchored, as in the CRD). */
const CRD_DURATION = /^[0-9]+(m|s)/;

/** The YAML source to write for `value`, or why it is refused; null removes the field. */
export function knobSource(knob: Knob, value: string | number | null): { source: string | null } | { error: string } {
  const v = value === null ? '' : String(value).trim();
  if (knob.kind === 'metric') {
    if (v === '') return { source: null };
    const n = Number(v);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) || !Number.isFinite(n)) return { error: `thresholdRange.${knob.bound} of ${knob.metric} must be a number, not ${JSON.stringify(v)}` };
    return { source: String(n) };
  }
  const f = knob.field;
  if (f === 'interval') {
    if (v === '') return { error: 'interval is required: a Go duration such as 1m or 30s' };
    const s = parseDuration(v);
    if (!CRD_DURATION.test(v) || typeof s !== 'number') return { error: `interval must be a Go duration such as 1m or 30s (the Canary CRD's pattern ^[0-9]+(m|s)), not ${JSON.stringify(v)}` };
    if (s <= 0) return { error: 'interval must be longer than 0s' };
    return { source: v };
  }
  if (v === '') return { error: `${f} is required: a whole number` };
  if (!/^\d+$/.test(v)) return { error: `${f} must be a whole number, not ${JSON.stringify(v)}` };
  const n = Number(v);
  if (f === 'threshold' && n < 1) return { error: 'threshold must be at least 1 (failed checks before the rollback)' };
  if (f === 'iterations' && n < 1) return { error: 'iterations must be at least 1 (analysis runs before the promotion)' };
  if ((f === 'stepWeight' || f === 'maxWeight' || f === 'stepWeightPromotion') && (n < 1 || n > 100)) return { error: `${f} must be a percentage from 1 to 100` };
  return { source: String(n) };
}

/** Flagger's analysis interval limits (flagger.md §1.2): 60 s when unset, at least 10 s. */
const MIN_INTERVAL_MS = 10_000;

/**
 * The compiled Canary with one knob set, as the loader reads the text
 * `writeKnob` writes (Flagger's normalisations applied: an interval below 10s
 * runs every 10s). Refuses what `writeKnob` refuses.
 */
export function withKnob(c: CanarySpec, knob: Knob, value: string | number | null): CanarySpec | { error: string } {
  const src = knobSource(knob, value);
  if ('error' in src) return src;
  const a = c.analysis;
  if (knob.kind === 'metric') {
    const i = a.metrics.findIndex((m) => m.name === knob.metric);
    if (i < 0) return { error: `the Canary has no metric named ${knob.metric}` };
    const m = a.metrics[i];
    const bound = src.source === null ? null : Number(src.source);
    const range = { min: m.thresholdRange?.min ?? null, max: m.thresholdRange?.max ?? null, [knob.bound]: bound };
    const metrics = a.metrics.map((x, j) => (j === i ? { ...x, thresholdRange: range.min === null && range.max === null ? null : range } : x));
    return { ...c, analysis: { ...a, metrics } };
  }
  const v = src.source as string;
  switch (knob.field) {
    case 'interval':
      return { ...c, analysis: { ...a, intervalMs: Math.max(MIN_INTERVAL_MS, Math.round((parseDuration(v) as number) * 1000)) } };
    case 'stepWeight':
      if (a.stepWeights.length > 0 || a.iterations > 0) return { error: `the analysis uses ${a.stepWeights.length > 0 ? 'stepWeights' : 'iterations'}: the Canary CRD allows only one of iterations, stepWeight and stepWeights` };
      return { ...c, analysis: { ...a, stepWeight: Number(v) } };
    default:
      return { ...c, analysis: { ...a, [knob.field]: Number(v) } };
  }
}

/** A knob as a sweep names it: analysis.<field> or metrics.<name>.thresholdRange.<min|max>. */
export function knobPath(knob: Knob): string {
  return knob.kind === 'analysis' ? `analysis.${knob.field}` : `metrics.${knob.metric}.thresholdRange.${knob.bound}`;
}

/** Reads a knob path (`knobPath`'s form); null when it names no knob. */
export function parseKnobPath(path: string): Knob | null {
  const a = /^analysis\.([A-Za-z]+)$/.exec(path);
  if (a) return (KNOB_ANALYSIS_FIELDS as readonly string[]).includes(a[1]) ? { kind: 'analysis', field: a[1] as AnalysisField } : null;
  const m = /^metrics\.(.+)\.thresholdRange\.(min|max)$/.exec(path);
  return m ? { kind: 'metric', metric: m[1], bound: m[2] as 'min' | 'max' } : null;
}

// ---- writing ------------------------------------------------------------------

interface Edit {
  from: number;
  to: number;
  insert: string;
}

function apply(text: string, e: Edit): string {
  return text.slice(0, e.from) + e.insert + text.slice(e.to);
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The offset just after the line holding the end of `node` (after its newline; the text's end without one). */
function afterLine(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl < 0 ? text.length : nl + 1;
}

function rangeOf(n: Node | null | undefined): [number, number, number] | null {
  return n && n.range ? n.range : null;
}

/** Replaces a scalar's source, keeping its quoting for strings. */
function replaceScalar(text: string, node: Scalar, source: string, quoteStrings: boolean): Edit {
  const r = rangeOf(node);
  if (!r) throw new Error('the value has no position');
  let insert = source;
  if (quoteStrings && node.type === 'QUOTE_DOUBLE') insert = JSON.stringify(source);
  else if (quoteStrings && node.type === 'QUOTE_SINGLE') insert = `'${source.replace(/'/g, "''")}'`;
  // An empty value (`threshold:`) sits right after the colon: keep a space before the new one.
  if (r[0] === r[1] && r[0] > 0 && !/\s/.test(text[r[0] - 1])) insert = ` ${insert}`;
  return { from: r[0], to: r[1], insert };
}

/** The column (0-based) a block map's keys start at. */
function keyColumn(text: string, map: YAMLMap): number | null {
  const first = map.items[0] as Pair<Node, Node | null> | undefined;
  const r = rangeOf(first?.key as Node | undefined);
  return r ? r[0] - lineStart(text, r[0]) : null;
}

/** True when only indentation precedes the key on its line (no `- ` or `? ` before it). */
function ownLine(text: string, keyStart: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, keyStart), keyStart));
}

/**
 * Inserts `key: value` into `map`: before the pair `before` when it exists, else
 * after the map's last scalar-valued pair (so a new maxWeight lands beside
 * stepWeight, not after the webhooks), else at the end. `nested` makes the value
 * a one-entry mapping (`thresholdRange: {min: 99}` in the map's own style).
 */
function insertPair(text: string, map: YAMLMap, key: string, value: string, opts: { before?: string; nested?: string; parentColumn?: number } = {}): Edit {
  const pairs = map.items as Array<Pair<Node, Node | null>>;
  if (map.flow) {
    const inner = opts.nested ? `{ ${opts.nested}: ${value} }` : value;
    const r = rangeOf(map);
    if (!r) throw new Error('the mapping has no position');
    const last = pairs[pairs.length - 1];
    if (!last) {
      const open = text.indexOf('{', r[0]);
      return { from: open + 1, to: open + 1, insert: ` ${key}: ${inner} ` };
    }
    const end = rangeOf(last.value)?.[1] ?? rangeOf(last.key)?.[1];
    if (end === undefined) throw new Error('the mapping has no position');
    return { from: end, to: end, insert: `, ${key}: ${inner}` };
  }
  const col = keyColumn(text, map) ?? (opts.parentColumn !== undefined ? opts.parentColumn + 2 : null);
  if (col === null) throw new Error('the mapping is empty');
  const indent = ' '.repeat(col);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = opts.nested ? `${indent}${key}:${eol}${indent}  ${opts.nested}: ${value}${eol}` : `${indent}${key}: ${value}${eol}`;
  const before = opts.before ? pairs.find((p) => isScalar(p.key) && p.key.value === opts.before) : undefined;
  const beforeStart = rangeOf(before?.key)?.[0];
  if (beforeStart !== undefined && ownLine(text, beforeStart)) {
    const at = lineStart(text, beforeStart);
    return { from: at, to: at, insert: body };
  }
  const scalars = pairs.filter((p) => isScalar(p.value));
  const anchor = scalars[scalars.length - 1] ?? pairs[pairs.length - 1];
  const end = rangeOf(anchor.value)?.[1] ?? rangeOf(anchor.key as Node)?.[1];
  if (end === undefined) throw new Error('the mapping has no position');
  const at = afterLine(text, end);
  // The text may end without a newline after the anchor.
  return at === text.length && !text.endsWith('\n') ? { from: at, to: at, insert: `${eol}${body.slice(0, -eol.length)}` } : { from: at, to: at, insert: body };
}

/** Removes `pair` from `map`: its lines in a block map, the entry and one comma in a flow map. */
function removePair(text: string, map: YAMLMap, pair: Pair<Node, Node | null>): Edit | { error: string } {
  const pairs = map.items as Array<Pair<Node, Node | null>>;
  const i = pairs.indexOf(pair);
  const kr = rangeOf(pair.key);
  const end = rangeOf(pair.value)?.[1] ?? kr?.[1];
  if (!kr || end === undefined) return { error: 'the field has no position' };
  if (map.flow) {
    const prev = pairs[i - 1];
    const next = pairs[i + 1];
    if (prev) {
      const prevEnd = rangeOf(prev.value)?.[1] ?? rangeOf(prev.key)?.[1] ?? kr[0];
      return { from: prevEnd, to: end, insert: '' };
    }
    const nextStart = rangeOf(next?.key)?.[0];
    return { from: kr[0], to: nextStart ?? end, insert: '' };
  }
  if (!ownLine(text, kr[0])) return { error: 'the field shares its line with another; edit it in the text' };
  return { from: lineStart(text, kr[0]), to: afterLine(text, end), insert: '' };
}

/** The column of the key of `pair` (the parent of a map to create under it). */
function columnOf(text: string, pair: Pair<Node, Node | null>): number | undefined {
  const r = rangeOf(pair.key);
  return r ? r[0] - lineStart(text, r[0]) : undefined;
}

function describe(knob: Knob): string {
  return knob.kind === 'analysis' ? `analysis.${knob.field}` : `thresholdRange.${knob.bound} of metric ${knob.metric}`;
}

/**
 * Sets one knob of the rolled-out Canary in `text`: the value replaces the
 * scalar (quoting kept), a missing field is added beside its siblings, an
 * empty metric bound removes the field. Refuses invalid values, and Canaries
 * that are not in this text, with a message.
 */
export function writeKnob(text: string, knob: Knob, value: string | number | null, opts?: ReadOptions): WriteResult {
  const src = knobSource(knob, value);
  if ('error' in src) return { ok: false, message: src.error };
  const l = locate(text, opts);
  if (l.kind !== 'inline') return { ok: false, message: l.message };
  const a = analysisOf(l.doc);
  if (!a) return { ok: false, message: 'the Canary has no analysis mapping' };
  try {
    const edit = knob.kind === 'analysis' ? analysisEdit(text, a.map, knob.field, src.source) : metricEdit(text, a.map, knob, src.source);
    if ('error' in edit) return { ok: false, message: edit.error };
    return { ok: true, text: apply(text, edit) };
  } catch (e) {
    return { ok: false, message: `cannot set ${describe(knob)}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function valueEdit(text: string, pair: Pair<Node, Node | null>, source: string, what: string, quoteStrings: boolean): Edit | { error: string } {
  const v = pair.value;
  if (isAlias(v)) return { error: `${what} is an alias (*${v.source}): edit its anchor in the text` };
  if (v === null || v === undefined) {
    // `? key` without a value, or `key:` with nothing: write after the colon.
    const kr = rangeOf(pair.key);
    if (!kr) return { error: `${what} has no position` };
    const colon = text.indexOf(':', kr[1]);
    if (colon < 0) return { error: `${what} has no value to replace` };
    return { from: colon + 1, to: colon + 1, insert: ` ${source}` };
  }
  if (!isScalar(v)) return { error: `${what} is not a single value: edit it in the text` };
  if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED') return { error: `${what} is a block scalar: edit it in the text` };
  return replaceScalar(text, v, source, quoteStrings);
}

function analysisEdit(text: string, analysis: YAMLMap, field: AnalysisField, source: string | null): Edit | { error: string } {
  if (source === null) return { error: `${field} is required` };
  const pair = pairOf(analysis, field);
  if (pair) return valueEdit(text, pair, source, `analysis.${field}`, field === 'interval');
  if (field === 'stepWeight' && (analysis.has('stepWeights') || analysis.has('iterations'))) {
    return { error: `the analysis uses ${analysis.has('stepWeights') ? 'stepWeights' : 'iterations'}: the Canary CRD allows only one of iterations, stepWeight and stepWeights` };
  }
  return insertPair(text, analysis, field, source, { before: field === 'stepWeight' ? 'maxWeight' : undefined });
}

function metricEdit(text: string, analysis: YAMLMap, knob: Extract<Knob, { kind: 'metric' }>, source: string | null): Edit | { error: string } {
  const metric = metricsOf(analysis).find((m) => str(m.get('name', true)) === knob.metric);
  if (!metric) return { error: `the Canary has no metric named ${knob.metric}` };
  const rangePair = pairOf(metric, 'thresholdRange');
  const range = rangePair?.value;
  if (!rangePair || range === null || range === undefined || (isScalar(range) && range.value === null)) {
    if (source === null) return { from: 0, to: 0, insert: '' };
    if (rangePair) return { error: 'thresholdRange is empty: edit it in the text' };
    return insertPair(text, metric, 'thresholdRange', source, { nested: knob.bound });
  }
  if (!isMap(range)) return { error: `thresholdRange of ${knob.metric} is not a mapping: edit it in the text` };
  const pair = pairOf(range, knob.bound);
  const what = `thresholdRange.${knob.bound} of ${knob.metric}`;
  if (source === null) {
    if (!pair) return { from: 0, to: 0, insert: '' };
    // The last bound goes with its thresholdRange: an empty one is not a mapping the CRD accepts.
    return range.items.length === 1 ? removePair(text, metric, rangePair) : removePair(text, range, pair);
  }
  if (pair) return valueEdit(text, pair, source, what, false);
  if (range.items.length === 0 && !range.flow) return { error: 'thresholdRange is empty: edit it in the text' };
  return insertPair(text, range, knob.bound, source, { before: knob.bound === 'min' ? 'max' : undefined, parentColumn: columnOf(text, rangePair) });
}
