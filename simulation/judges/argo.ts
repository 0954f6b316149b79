/**
 * Argo Rollouts' AnalysisTemplate and ClusterAnalysisTemplate
 * (`argoproj.io/v1alpha1`) read from YAML, for the Argo shadow judge: the
 * fields Argo's analysis controller reads, checked the way its CRD and
 * `ValidateMetrics` check them, every problem a diagnostic located at
 * file:line:column with the field's path — conditions down to the character
 * inside the expression. Nothing here throws on bad input.
 *
 * What a template says is kept as written (strings may still hold
 * `{{args.name}}` placeholders, resolved when a run is created: see
 * `argo-run.ts`), with the source position of every field so that problems
 * found later are located too.
 *
 * Reference: ../shared/reference/judges-chaos-slo.md §1.2; docs/judges-argo.md.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { isScalar, type Scalar } from 'yaml';
import { z } from 'zod';
import { parsePromQL } from '../promql/parse';
import { typeOf } from '../promql/ast';
import { type Diagnostic, formatPath } from '../scenario/diagnostics';
import { issuesToDiagnostics } from '../scenario/issues';
import { found } from '../scenario/schema';
import { type ParsedDocument, parseYamlFile } from '../scenario/yaml-source';
import { parseDuration } from '../util/duration';
import { checkCondition, type Condition, type ExprType, parseCondition, PROMETHEUS_SCALAR, PROMETHEUS_VECTOR, T } from './argo-expr';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';
export const ARGO_TEMPLATE_KINDS = ['AnalysisTemplate', 'ClusterAnalysisTemplate'] as const;
export type ArgoTemplateKind = (typeof ARGO_TEMPLATE_KINDS)[number];

/** Argo's metric providers (v1.8); only `prometheus` is simulated. */
export const ARGO_PROVIDERS = ['prometheus', 'web', 'job', 'datadog', 'wavefront', 'newRelic', 'kayenta', 'cloudWatch', 'graphite', 'influxdb', 'skywalking', 'plugin'] as const;

/** Where something is written. */
export interface SourceRef {
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column: number;
  /** Field path, e.g. spec.metrics[0].successCondition. */
  path: string;
}

/** A string field as written, with a way to locate a character of its value in the file. */
export interface SourceText {
  value: string;
  at: SourceRef;
  /** Line and column (1-based) of the value's character at `offset` (0-based, UTF-16). */
  position(offset: number): { line: number; column: number };
}

/** `count` and the limits are IntOrString in Argo: a number, or a string (typically "{{args.x}}") resolved per run. */
export interface IntOrStringField {
  value: number | string;
  at: SourceText;
}

export interface ArgoArgument {
  name: string;
  /** `value` as written; null when absent. */
  value: string | null;
  /** What `valueFrom` reads (secretKeyRef …, podTemplateHashValue …, fieldRef …); null when absent. */
  valueFrom: string | null;
  at: SourceRef;
}

export interface ArgoPrometheusProvider {
  type: 'prometheus';
  /** `address` (informational: the simulated Prometheus answers); null when absent. */
  address: SourceText | null;
  query: SourceText;
  at: SourceRef;
}

export interface ArgoMetric {
  name: string;
  /** Index in its template's `spec.metrics`. */
  index: number;
  at: SourceRef;
  interval: SourceText | null;
  initialDelay: SourceText | null;
  count: IntOrStringField | null;
  successCondition: SourceText | null;
  failureCondition: SourceText | null;
  failureLimit: IntOrStringField | null;
  inconclusiveLimit: IntOrStringField | null;
  consecutiveErrorLimit: IntOrStringField | null;
  consecutiveSuccessLimit: IntOrStringField | null;
  /** Null when the metric names a provider the simulator does not run (reported). */
  provider: ArgoPrometheusProvider | null;
}

export interface ArgoTemplate {
  kind: ArgoTemplateKind;
  name: string;
  /** `metadata.namespace`; null when absent (always for ClusterAnalysisTemplate). */
  namespace: string | null;
  file: string;
  at: SourceRef;
  args: ArgoArgument[];
  metrics: ArgoMetric[];
  /** `spec.dryRun[].metricName`: regular expressions (unanchored, as Go's regexp.MatchString), "*" for all. */
  dryRun: Array<{ metricName: string; at: SourceRef }>;
  /** `spec.measurementRetention[]`: how many measurements Argo keeps in the run's status per matching metric. */
  measurementRetention: Array<{ metricName: string; limit: number; at: SourceRef }>;
}

export interface TemplateParse {
  templates: ArgoTemplate[];
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------------------------------------------------------
// Schema (the CRD's structure; Argo's own checks follow in code)
// ---------------------------------------------------------------------------------------------------------------

const str = (what: string) => z.string({ error: (iss) => `expected ${what} as a string, found ${found(iss.input)}` });
const intOrString = (what: string) =>
  z.union([z.number().int(), z.string()], { error: (iss) => `expected ${what} as a whole number (or a string such as "{{args.name}}"), found ${found(iss.input)}` });

const argumentSchema = z.strictObject({
  name: str("the argument's name").min(1, { error: "expected the argument's name" }),
  value: z.string({ error: (iss) => `expected the value as a string (Kubernetes rejects other types: quote it, e.g. "${String(iss.input)}"), found ${found(iss.input)}` }).optional(),
  valueFrom: z
    .strictObject({
      secretKeyRef: z.strictObject({ name: str("the Secret's name"), key: str("the Secret's key") }).optional(),
      podTemplateHashValue: z.enum(['Stable', 'Latest'], { error: (iss) => `expected podTemplateHashValue Stable or Latest, found ${found(iss.input)}` }).optional(),
      fieldRef: z.strictObject({ fieldPath: str('the field path') }).optional(),
    })
    .optional(),
});

const prometheusSchema = z.strictObject({
  address: str("the Prometheus server's address").optional(),
  query: str('the PromQL query').min(1, { error: 'expected a PromQL query' }),
  timeout: z.number({ error: (iss) => `expected the timeout in seconds, found ${found(iss.input)}` }).int().optional(),
  insecure: z.boolean({ error: (iss) => `expected insecure as true or false, found ${found(iss.input)}` }).optional(),
  headers: z.array(z.strictObject({ key: str("the header's name"), value: str("the header's value") })).optional(),
  authentication: z.record(z.string(), z.unknown()).optional(),
  rangeQuery: z.record(z.string(), z.unknown()).optional(),
});

const providerSchema = z.strictObject({
  prometheus: prometheusSchema.optional(),
  ...Object.fromEntries(ARGO_PROVIDERS.filter((p) => p !== 'prometheus').map((p) => [p, z.unknown().optional()])),
});

const metricSchema = z.strictObject({
  name: str("the metric's name").min(1, { error: "expected the metric's name" }),
  interval: str('the interval (a Go duration such as 30s or 5m)').optional(),
  initialDelay: str('the initial delay (a Go duration such as 30s or 5m)').optional(),
  count: intOrString('the number of measurements').optional(),
  successCondition: str('the success condition (an expression over result)').optional(),
  failureCondition: str('the failure condition (an expression over result)').optional(),
  failureLimit: intOrString('the failure limit').optional(),
  inconclusiveLimit: intOrString('the inconclusive limit').optional(),
  consecutiveErrorLimit: intOrString('the consecutive error limit').optional(),
  consecutiveSuccessLimit: intOrString('the consecutive success limit').optional(),
  provider: providerSchema,
});

const templateSchema = z.strictObject({
  apiVersion: z.literal(ARGO_API_VERSION, { error: (iss) => `expected apiVersion ${ARGO_API_VERSION}, found ${found(iss.input)}` }),
  kind: z.enum(ARGO_TEMPLATE_KINDS, { error: (iss) => `expected kind AnalysisTemplate or ClusterAnalysisTemplate, found ${found(iss.input)}` }),
  metadata: z.looseObject({
    name: str("the template's name").min(1, { error: "expected the template's name" }),
    namespace: str('the namespace').optional(),
  }),
  spec: z.strictObject({
    metrics: z.array(metricSchema, { error: (iss) => `expected the metrics as a list, found ${found(iss.input)}` }).min(1, { error: 'no metrics specified' }),
    args: z.array(argumentSchema, { error: (iss) => `expected args as a list, found ${found(iss.input)}` }).optional(),
    dryRun: z.array(z.strictObject({ metricName: str('the metric name (a regular expression)') })).optional(),
    measurementRetention: z
      .array(
        z.strictObject({
          metricName: str('the metric name (a regular expression)'),
          limit: z.number({ error: (iss) => `expected the limit as a whole number, found ${found(iss.input)}` }).int(),
        }),
      )
      .optional(),
    templates: z.array(z.unknown()).optional(),
  }),
});

type TemplateDocument = z.output<typeof templateSchema>;

/**
 * Where the value's character at `offset` sits in the source: the scalar's raw text is walked alongside its value
 * (quotes, escapes, `''`, block headers, indentation and folded line breaks are skipped), so a position inside an
 * expression lands on the right line and column whatever the scalar's style.
 */
function scalarPosition(doc: ParsedDocument, node: Scalar, offset: number): { line: number; column: number } {
  const [start, valueEnd] = node.range ?? [0, 0];
  const raw = doc.text.slice(start, valueEnd);
  const value = String(node.value);
  const type = node.type;
  let j = 0;
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') j = 1;
  else if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') j = raw.indexOf('\n') + 1;
  const ws = (c: string | undefined) => c === ' ' || c === '\t';
  const nl = (c: string | undefined) => c === '\n' || c === '\r';
  const limit = Math.min(offset, value.length);
  for (let k = 0; k < limit && j < raw.length; k++) {
    const ch = value[k];
    if (type === 'QUOTE_DOUBLE' && raw[j] === '\\') {
      const e = raw[j + 1];
      if (nl(e)) {
        // An escaped line break produces nothing: skip it and the next line's indentation, then retry this character.
        j += 2;
        while (ws(raw[j]) || nl(raw[j])) j++;
        k--;
        continue;
      }
      j += e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
      continue;
    }
    if (type === 'QUOTE_SINGLE' && raw[j] === "'" && raw[j + 1] === "'") {
      j += 2;
      continue;
    }
    if (raw[j] === ch) {
      j++;
      continue;
    }
    if ((ch === ' ' || ch === '\n') && nl(raw[j])) {
      // A folded line break: the newline, any blank lines and the next line's indentation.
      j++;
      while (ws(raw[j])) j++;
      continue;
    }
    while (j < raw.length && (ws(raw[j]) || nl(raw[j])) && raw[j] !== ch) j++;
    j++;
  }
  // Indentation before the character itself.
  if (offset < value.length && !ws(value[offset])) while (j < raw.length && (ws(raw[j]) || nl(raw[j]))) j++;
  return doc.position(start + Math.min(j, raw.length));
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

/** Reads every AnalysisTemplate and ClusterAnalysisTemplate of a YAML file. Other kinds are skipped with a warning. */
export function parseAnalysisTemplates(file: string, text: string): TemplateParse {
  const parsed = parseYamlFile(file, text);
  const diagnostics = [...parsed.diagnostics];
  const templates: ArgoTemplate[] = [];
  for (const doc of parsed.documents) {
    const t = parseDocument(doc, diagnostics);
    if (t) templates.push(t);
  }
  if (templates.length === 0 && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ severity: 'error', file, line: 0, column: 0, path: '', message: `no AnalysisTemplate or ClusterAnalysisTemplate (${ARGO_API_VERSION}) in the file` });
  }
  return { templates, diagnostics };
}

/** Reads exactly one template; null (with diagnostics) when there is none or more than one, or it has errors. */
export function parseAnalysisTemplate(file: string, text: string): { template: ArgoTemplate | null; diagnostics: Diagnostic[] } {
  const r = parseAnalysisTemplates(file, text);
  if (r.templates.length > 1) {
    const second = r.templates[1].at;
    r.diagnostics.push({ severity: 'error', file, line: second.line, column: second.column, path: '', message: `expected one AnalysisTemplate, found ${r.templates.length}` });
  }
  const ok = r.templates.length === 1 && !r.diagnostics.some((d) => d.severity === 'error');
  return { template: ok ? r.templates[0] : null, diagnostics: r.diagnostics };
}

function parseDocument(doc: ParsedDocument, diagnostics: Diagnostic[]): ArgoTemplate | null {
  const file = doc.file;
  const v = doc.value;
  const start = doc.locate([]);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    diagnostics.push({ severity: 'error', file, ...start, path: '', message: `expected an AnalysisTemplate (a mapping), found ${found(v)}` });
    return null;
  }
  const kind = (v as Record<string, unknown>).kind;
  const apiVersion = (v as Record<string, unknown>).apiVersion;
  if (typeof kind === 'string' && !(ARGO_TEMPLATE_KINDS as readonly string[]).includes(kind) && apiVersion !== undefined) {
    diagnostics.push({ severity: 'warning', file, ...doc.locate(['kind']), path: 'kind', message: `${kind} is not an AnalysisTemplate: skipped` });
    return null;
  }
  const result = templateSchema.safeParse(v);
  const errorsBefore = diagnostics.filter((d) => d.severity === 'error').length;
  if (!result.success) {
    diagnostics.push(...issuesToDiagnostics(result.error.issues, doc, templateSchema));
    return null;
  }
  const d = result.data;
  const ref = (path: Array<string | number>, key = false): SourceRef => ({ file, ...doc.locate(path, key), path: formatPath(path) });
  const err = (path: Array<string | number>, message: string, key = false) => diagnostics.push({ severity: 'error', ...ref(path, key), message });
  const warn = (path: Array<string | number>, message: string) => diagnostics.push({ severity: 'warning', ...ref(path), message });
  const text = (path: Array<string | number>, value: string): SourceText => {
    const node = doc.node(path);
    const at = ref(path);
    return {
      value,
      at,
      position: (offset) => (node && isScalar(node) ? scalarPosition(doc, node, offset) : { line: at.line, column: at.column }),
    };
  };

  if (d.kind === 'ClusterAnalysisTemplate' && d.metadata.namespace !== undefined) warn(['metadata', 'namespace'], 'a ClusterAnalysisTemplate is cluster-scoped: its namespace is ignored');
  if (d.spec.templates !== undefined) err(['spec', 'templates'], 'spec.templates (a template made of other templates) is not supported by the simulator: pass the templates to the run together instead', true);

  const args: ArgoArgument[] = [];
  (d.spec.args ?? []).forEach((a, i) => {
    const at = ['spec', 'args', i];
    if (args.some((x) => x.name === a.name)) err([...at, 'name'], `argument ${a.name} is declared twice`);
    if (a.value !== undefined && a.valueFrom !== undefined) err([...at, 'valueFrom'], 'give either value or valueFrom, not both', true);
    args.push({ name: a.name, value: a.value ?? null, valueFrom: a.valueFrom ? describeValueFrom(a.valueFrom) : null, at: ref(at) });
  });

  const metrics: ArgoMetric[] = [];
  d.spec.metrics.forEach((m, i) => {
    const at: Array<string | number> = ['spec', 'metrics', i];
    const opt = (field: keyof typeof m & string) => {
      const x = m[field];
      return typeof x === 'string' ? text([...at, field], x) : null;
    };
    const intField = (field: 'count' | 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit' | 'consecutiveSuccessLimit'): IntOrStringField | null => {
      const x = m[field];
      return x === undefined ? null : { value: x, at: text([...at, field], String(x)) };
    };
    if (metrics.some((x) => x.name === m.name)) err([...at, 'name'], `metrics[${i}]: duplicate name '${m.name}'`);
    const given = ARGO_PROVIDERS.filter((p) => (m.provider as Record<string, unknown>)[p] !== undefined);
    let provider: ArgoPrometheusProvider | null = null;
    if (given.length === 0) err([...at, 'provider'], `metrics[${i}]: no provider specified (the simulator runs prometheus)`);
    else if (given.length > 1) err([...at, 'provider', given[1]], `metrics[${i}]: multiple providers specified (${given.join(', ')})`, true);
    else if (given[0] !== 'prometheus') {
      err([...at, 'provider', given[0]], `the ${given[0]} provider is not supported by the simulator: only prometheus, answered by the simulated Prometheus`, true);
    } else {
      const p = m.provider.prometheus as NonNullable<typeof m.provider.prometheus>;
      const pAt = [...at, 'provider', 'prometheus'];
      if (p.rangeQuery !== undefined) err([...pAt, 'rangeQuery'], 'range queries are not supported by the simulator: use an instant query (e.g. with a range inside, sum(rate(x[5m])))', true);
      for (const f of ['timeout', 'insecure', 'headers', 'authentication'] as const) if (p[f] !== undefined) warn([...pAt, f], `${f} is ignored: the simulated Prometheus answers every query at once`);
      if (p.address === undefined) warn(pAt, 'no address: Argo then needs ARGO_ROLLOUTS_PROMETHEUS_ADDRESS; the simulator answers from its own Prometheus either way');
      else if (!p.address.includes('{{') && !isUrl(p.address)) warn([...pAt, 'address'], `${JSON.stringify(p.address)} is not a URL (scheme and host): Argo's provider fails with "prometheus address is not is url format", so every measurement is an Error`);
      provider = { type: 'prometheus', address: p.address === undefined ? null : text([...pAt, 'address'], p.address), query: text([...pAt, 'query'], p.query), at: ref(pAt) };
    }
    metrics.push({
      name: m.name,
      index: i,
      at: ref(at),
      interval: opt('interval'),
      initialDelay: opt('initialDelay'),
      count: intField('count'),
      successCondition: opt('successCondition'),
      failureCondition: opt('failureCondition'),
      failureLimit: intField('failureLimit'),
      inconclusiveLimit: intField('inconclusiveLimit'),
      consecutiveErrorLimit: intField('consecutiveErrorLimit'),
      consecutiveSuccessLimit: intField('consecutiveSuccessLimit'),
      provider,
    });
  });

  const dryRun = (d.spec.dryRun ?? []).map((x, i) => ({ metricName: x.metricName, at: ref(['spec', 'dryRun', i, 'metricName']) }));
  const measurementRetention = (d.spec.measurementRetention ?? []).map((x, i) => ({ metricName: x.metricName, limit: x.limit, at: ref(['spec', 'measurementRetention', i, 'metricName']) }));
  const template: ArgoTemplate = {
    kind: d.kind,
    name: d.metadata.name,
    namespace: d.kind === 'ClusterAnalysisTemplate' ? null : (d.metadata.namespace ?? null),
    file,
    at: ref([]),
    args,
    metrics,
    dryRun,
    measurementRetention,
  };
  // Argo's own checks, with the template's default argument values (fields that need a value given only per run are
  // checked when the run is created).
  const defaults = new Map(args.map((a) => [a.name, a.value]));
  checkTemplates([template], defaults, 'template', (severity, at, message) => diagnostics.push({ severity, ...at, message }));
  return diagnostics.filter((x) => x.severity === 'error').length > errorsBefore ? null : template;
}

function describeValueFrom(v: NonNullable<TemplateDocument['spec']['args']>[number]['valueFrom']): string {
  if (!v) return '';
  if (v.secretKeyRef) return `secretKeyRef ${v.secretKeyRef.name}/${v.secretKeyRef.key}`;
  if (v.podTemplateHashValue) return `podTemplateHashValue ${v.podTemplateHashValue}`;
  if (v.fieldRef) return `fieldRef ${v.fieldRef.fieldPath}`;
  return 'valueFrom';
}

/** Argo's `IsUrl`: parses with a scheme and a host. */
export function isUrl(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s]+/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments and Argo's checks (shared with run creation)
// ---------------------------------------------------------------------------------------------------------------

/** `{{args.name}}` (spaces allowed inside the braces), as Argo's argument templating reads it. */
const PLACEHOLDER = /\{\{\s*args\.([^}\s]+)\s*\}\}/g;

/** A string with `{{args.x}}` replaced, and a map from offsets in the result back to offsets in the original. */
export interface Substituted {
  text: string;
  /** Offset in the original of the result's character at `offset` (inside a substitution: the placeholder's start). */
  original(offset: number): number;
  /** Names used that have no value (null) in `args`. */
  missing: string[];
}

/** Replaces every `{{args.name}}` whose value is known; unknown ones are left in place and listed. */
export function substituteArgs(text: string, args: ReadonlyMap<string, string | null>): Substituted {
  const pieces: Array<{ from: number; to: number; origin: number; literal: boolean }> = [];
  const missing: string[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1];
    const value = args.get(name);
    const at = m.index ?? 0;
    if (value === undefined || value === null) {
      if (!missing.includes(name)) missing.push(name);
      continue;
    }
    pieces.push({ from: out.length, to: out.length + (at - last), origin: last, literal: true });
    out += text.slice(last, at);
    pieces.push({ from: out.length, to: out.length + value.length, origin: at, literal: false });
    out += value;
    last = at + m[0].length;
  }
  pieces.push({ from: out.length, to: out.length + (text.length - last), origin: last, literal: true });
  out += text.slice(last);
  return {
    text: out,
    missing,
    original(offset) {
      for (const p of pieces) if (offset >= p.from && offset < p.to) return p.literal ? p.origin + (offset - p.from) : p.origin;
      return text.length;
    },
  };
}

export type Report = (severity: Diagnostic['severity'], at: SourceRef, message: string) => void;

/** A metric with every field resolved for one run. */
export interface ResolvedMetric {
  name: string;
  /** The template's metric, for locating problems. */
  source: ArgoMetric;
  template: string;
  /** Null: a single measurement (or count measurements, which then requires an interval). */
  intervalMs: number | null;
  initialDelayMs: number;
  /** `count` as written (0 when unset). */
  count: number;
  /** Argo's EffectiveCount: 1 without count and interval, null (indefinitely) with interval only, else count. */
  effectiveCount: number | null;
  /** −1: failures never fail the metric. */
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  /** 0: off. */
  consecutiveSuccessLimit: number;
  successCondition: Condition | null;
  failureCondition: Condition | null;
  query: string;
  /** When the address makes Argo's provider fail, its error (every measurement is then an Error). */
  providerError: string | null;
  /** `result`'s type for this query (a vector's list or a scalar), when the query parses. */
  resultType: ExprType | null;
  dryRun: boolean;
  /** Measurements Argo keeps in the run's status (`measurementRetention`, default 10). */
  retention: number;
}

/** Argo's default number of consecutive errors tolerated (utils/defaults/defaults.go). */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** Argo's DefaultMeasurementHistoryLimit. */
export const DEFAULT_MEASUREMENT_RETENTION = 10;

/**
 * Resolves and checks the metrics of one or more templates with the given argument values (null: not known yet).
 * In `template` mode a field that needs an unknown argument is left unchecked; in `run` mode every placeholder must
 * resolve. Returns the resolved metrics when everything needed resolved and no error was reported.
 */
export function checkTemplates(templates: readonly ArgoTemplate[], args: ReadonlyMap<string, string | null>, mode: 'template' | 'run', report: Report): ResolvedMetric[] | null {
  let errors = 0;
  const error = (at: SourceRef, message: string) => {
    errors++;
    report('error', at, message);
  };
  const warn = (at: SourceRef, message: string) => report('warning', at, message);
  const atOffset = (t: SourceText, s: Substituted | null, offset: number): SourceRef => ({ ...t.at, ...t.position(s ? s.original(offset) : offset) });

  /** A field's value with arguments substituted; null when it cannot be resolved yet (template mode) or at all. */
  const resolve = (t: SourceText): Substituted | null => {
    const s = substituteArgs(t.value, args);
    if (s.missing.length === 0) return s;
    if (mode === 'run') {
      for (const name of s.missing) error(t.at, args.has(name) ? `args.${name} was not resolved: give it a value` : `failed to resolve {{args.${name}}}: the template declares no argument ${name}`);
    } else {
      for (const name of s.missing) if (!args.has(name)) error(t.at, `failed to resolve {{args.${name}}}: the template declares no argument ${name}`);
    }
    return null;
  };

  const out: ResolvedMetric[] = [];
  const seen = new Set<string>();
  const all = templates.flatMap((t) => t.metrics.map((m) => ({ t, m })));
  for (const { t, m } of all) {
    const where = `metrics[${m.index}]`;
    if (seen.has(m.name) && templates.length > 1) error(m.at, `two metrics have the same name '${m.name}'`);
    seen.add(m.name);
    let complete = true;
    const duration = (f: SourceText | null, what: string): number | null | undefined => {
      if (!f) return null;
      const s = resolve(f);
      if (!s) {
        complete = false;
        return undefined;
      }
      const d = parseDuration(s.text);
      if (typeof d !== 'number') {
        error(f.at, `${where}: invalid ${what} string: ${d.error}`);
        return undefined;
      }
      if (d < 0) error(f.at, `${where}: ${what} must not be negative`);
      return Math.round(d * 1000);
    };
    const integer = (f: IntOrStringField | null, what: string): number | null | undefined => {
      if (!f) return null;
      if (typeof f.value === 'number') return f.value;
      const s = resolve(f.at);
      if (!s) {
        complete = false;
        return undefined;
      }
      if (!/^[+-]?[0-9]+$/.test(s.text.trim())) {
        // intstr's IntValue() reads a string with strconv.Atoi and ignores the error: the value becomes 0.
        warn(f.at.at, `${what} ${JSON.stringify(s.text)} is not a whole number: Argo reads it as 0`);
        return 0;
      }
      return Number(s.text.trim());
    };
    const intervalMs = duration(m.interval, 'interval');
    const initialDelayMs = duration(m.initialDelay, 'startDelay');
    const count = integer(m.count, 'count');
    const failureLimit = integer(m.failureLimit, 'failureLimit');
    const inconclusiveLimit = integer(m.inconclusiveLimit, 'inconclusiveLimit');
    const consecutiveErrorLimit = integer(m.consecutiveErrorLimit, 'consecutiveErrorLimit');
    const consecutiveSuccessLimit = integer(m.consecutiveSuccessLimit, 'consecutiveSuccessLimit');
    const c = count ?? 0;
    const fl = failureLimit ?? 0;
    const il = inconclusiveLimit ?? 0;
    const csl = consecutiveSuccessLimit ?? 0;
    const fieldAt = (f: IntOrStringField | null): SourceRef => (f ? f.at.at : m.at);
    if (count !== undefined && failureLimit !== undefined && inconclusiveLimit !== undefined) {
      if (c > 0 && c < fl) error(fieldAt(m.count), `${where}: count must be >= failureLimit (count ${c}, failureLimit ${fl})`);
      if (c > 0 && c < il) error(fieldAt(m.count), `${where}: count must be >= inconclusiveLimit (count ${c}, inconclusiveLimit ${il})`);
    }
    if (count !== undefined && c > 0 && consecutiveSuccessLimit !== undefined && csl > c) warn(fieldAt(m.count), `count ${c} is below consecutiveSuccessLimit ${csl}: the metric reaches its count before it can succeed that many times in a row`);
    if (count !== undefined && c > 1 && m.interval === null) error(fieldAt(m.count), `${where}: interval must be specified when count > 1`);
    if (count !== undefined && c < 0) error(fieldAt(m.count), `${where}: count must be >= 0`);
    if (failureLimit !== undefined && fl < -1) error(fieldAt(m.failureLimit), `${where}: failureLimit must be >= -1 (-1 turns the failure limit off)`);
    if (inconclusiveLimit !== undefined && il < 0) error(fieldAt(m.inconclusiveLimit), `${where}: inconclusiveLimit must be >= 0`);
    if (consecutiveErrorLimit !== undefined && (consecutiveErrorLimit ?? 0) < 0) error(fieldAt(m.consecutiveErrorLimit), `${where}: consecutiveErrorLimit must be >= 0`);
    if (consecutiveSuccessLimit !== undefined && csl < 0) error(fieldAt(m.consecutiveSuccessLimit), `${where}: consecutiveSuccessLimit must be >= 0 (0 turns it off)`);
    if (failureLimit !== undefined && consecutiveSuccessLimit !== undefined && fl === -1 && csl === 0) {
      error(fieldAt(m.failureLimit), `${where}: failureLimit -1 turns the failure limit off, so the metric needs consecutiveSuccessLimit (at least 1) to decide; without either it could never fail`);
    }

    const conditions: Array<Condition | null> = [];
    for (const f of [m.successCondition, m.failureCondition]) {
      if (!f) {
        conditions.push(null);
        continue;
      }
      const s = resolve(f);
      if (!s) {
        complete = false;
        conditions.push(null);
        continue;
      }
      const p = parseCondition(s.text);
      if (!p.ok) {
        error(atOffset(f, s, p.error.pos), `${p.error.message} (at character ${s.original(p.error.pos) + 1} of the condition)`);
        conditions.push(null);
        continue;
      }
      // Unknown names and functions, wrong arities, a non-bool of literals: wrong whatever Prometheus answers.
      const e = checkCondition(p.condition, T.any);
      if (e) {
        error(atOffset(f, s, e.pos), `${e.message} (at character ${s.original(e.pos) + 1} of the condition)`);
        conditions.push(null);
        continue;
      }
      conditions.push(p.condition);
    }

    let query = '';
    let resultType: ExprType | null = null;
    let providerError: string | null = null;
    if (m.provider) {
      const q = resolve(m.provider.query);
      if (!q) complete = false;
      else {
        query = q.text;
        const pq = parsePromQL(query);
        if (!pq.ok) {
          warn(atOffset(m.provider.query, q, pq.position), `Prometheus rejects this query (bad_data: ${pq.message}): every measurement will be an Error`);
        } else {
          const vt = typeOf(pq.expr);
          if (vt === 'vector') resultType = PROMETHEUS_VECTOR;
          else if (vt === 'scalar') resultType = PROMETHEUS_SCALAR;
          else warn(m.provider.query.at, `the query returns a ${vt === 'matrix' ? 'range vector' : vt}, which Argo's Prometheus provider does not take ("Prometheus metric type not supported"): every measurement will be an Error`);
        }
      }
      if (m.provider.address) {
        const a = resolve(m.provider.address);
        if (!a) complete = false;
        else if (!isUrl(a.text)) providerError = 'prometheus address is not is url format';
      }
    }
    // A condition that cannot compile against the answer's type errs at every measurement: say so now.
    if (resultType) {
      const what = resultType === PROMETHEUS_VECTOR ? 'an instant vector: result is the list of its values, e.g. result[0]' : 'a scalar: result is one number';
      [m.successCondition, m.failureCondition].forEach((f, k) => {
        const cond = conditions[k];
        if (!f || !cond) return;
        const e = checkCondition(cond, resultType as ExprType);
        if (e) {
          const s = substituteArgs(f.value, args);
          warn(atOffset(f, s, e.pos), `every measurement will be an Error: ${e.message} (the query returns ${what})`);
        }
      });
    }

    const dryRun = t.dryRun.some((r) => matchesMetric(r.metricName, m.name));
    const retentionRule = t.measurementRetention.find((r) => matchesMetric(r.metricName, m.name));
    if (!complete || m.provider === null) continue;
    if (
      intervalMs === undefined ||
      initialDelayMs === undefined ||
      count === undefined ||
      failureLimit === undefined ||
      inconclusiveLimit === undefined ||
      consecutiveErrorLimit === undefined ||
      consecutiveSuccessLimit === undefined
    )
      continue;
    out.push({
      name: m.name,
      source: m,
      template: t.name,
      intervalMs,
      initialDelayMs: initialDelayMs ?? 0,
      count: c,
      effectiveCount: c === 0 ? (intervalMs === null ? 1 : null) : c,
      failureLimit: fl,
      inconclusiveLimit: il,
      consecutiveErrorLimit: consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT,
      consecutiveSuccessLimit: csl,
      successCondition: conditions[0],
      failureCondition: conditions[1],
      query,
      providerError,
      resultType,
      dryRun,
      retention: retentionRule && retentionRule.limit > 0 ? retentionRule.limit : DEFAULT_MEASUREMENT_RETENTION,
    });
  }
  for (const t of templates) {
    const names = t.metrics.map((m) => m.name);
    t.dryRun.forEach((r, i) => {
      if (!names.some((n) => matchesMetric(r.metricName, n))) error(r.at, `dryRun[${i}]: Rule didn't match any metric name(s)`);
    });
    t.measurementRetention.forEach((r, i) => {
      if (!names.some((n) => matchesMetric(r.metricName, n))) error(r.at, `measurementRetention[${i}]: Rule didn't match any metric name(s)`);
    });
  }
  return errors === 0 && out.length === all.length ? out : null;
}

/** A dryRun / measurementRetention rule against a metric name: "*" is every metric, else an unanchored regular expression. */
export function matchesMetric(rule: string, name: string): boolean {
  if (rule === '*') return true;
  try {
    return new RegExp(rule, 'u').test(name);
  } catch {
    // Go's regexp.MatchString error is ignored by Argo: the rule matches nothing.
    return false;
  }
}
