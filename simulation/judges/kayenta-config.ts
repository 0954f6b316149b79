import { parsePromQL } from '../promql/parse';
import { type Diagnostic, formatPath, sortDiagnostics } from '../scenario/diagnostics';
import { suggest } from '../scenario/issues';
import { found } from '../scenario/schema';
import { isMapping, parseYamlFile, type SourceDocument } from '../scenario/yaml-source';

/**
 * A Kayenta canary config (docs/judges.md, "Kayenta"), as Spinnaker users
 * keep them: the JSON Deck exports or `spin canary canary-configs` reads, or
 * the same document in YAML. The parser never throws: every problem comes
 * back as a diagnostic with file, line, column and field. Fields Kayenta
 * reads but the simulator has no use for (id, applications, timestamps,
 * judgeConfigurations) are accepted; unknown fields are warnings (Kayenta
 * ignores them, but a misspelt `nanStrategy` should not pass unnoticed).
 */

export const NETFLIX_ACA_JUDGE = 'NetflixACAJudge-v1.0';

export type KayentaDirection = 'increase' | 'decrease' | 'either';
export type KayentaNanStrategy = 'remove' | 'replace';
export type KayentaEffectMeasure = 'meanRatio' | 'cles';

/** How one metric is judged: `analysisConfigurations.canary`, with Kayenta's defaults filled in. */
export interface KayentaMetricAnalysis {
  /** Which change fails the metric (default either). */
  direction: KayentaDirection;
  /** NaN samples removed, or replaced by 0 (default remove). */
  nanStrategy: KayentaNanStrategy;
  /** A critical failure (or missing data) of this metric fails the whole canary with score 0. */
  critical: boolean;
  /** No data fails the metric (NodataFailMetric) instead of leaving it out (non-critical metrics). */
  mustHaveData: boolean;
  /** Classified and reported, left out of the score. */
  muted: boolean;
  effectSize: {
    measure: KayentaEffectMeasure;
    /** High only when the effect size is at least this (default 1.0 for meanRatio, 0.5 for cles). */
    allowedIncrease: number;
    /** Low only when the effect size is at most this. */
    allowedDecrease: number;
    /** A critical metric's High is a critical failure only from this effect size on. */
    criticalIncrease: number;
    criticalDecrease: number;
  };
  /** Outliers (beyond IQR fences) removed before the test; default keep. */
  outliers: { strategy: 'keep' | 'remove'; outlierFactor: number };
}

/**
 * A metric's Prometheus query after the config is read: a whole query
 * (`customInlineTemplate: "PromQL:…"`), or Kayenta's built query
 * `avg(metricName{filters}) by (groupByFields)`. Templates may use
 * `${scope}`, `${location}`, `${project}`, `${resourceType}` and the scope's
 * extended parameters; they are expanded per scope at fetch time.
 */
export type KayentaQuery =
  | { kind: 'promql'; template: string }
  | { kind: 'metric'; metricName: string; filterTemplate: string | null; labelBindings: string[]; groupByFields: string[] };

export interface KayentaMetricConfig {
  name: string;
  query: KayentaQuery;
  groups: string[];
  analysis: KayentaMetricAnalysis;
  scopeName: string;
}

export interface KayentaThresholds {
  /** A summary score at least this passes. */
  pass: number;
  /** At least this (and below pass) is marginal; below, the canary fails. */
  marginal: number;
}

export interface KayentaCanaryConfig {
  name: string;
  description: string | null;
  /** The judge named by the config (judged as NetflixACAJudge-v1.0 whatever it says). */
  judge: string;
  metrics: KayentaMetricConfig[];
  /** classifier.groupWeights. */
  groupWeights: Readonly<Record<string, number>>;
  /** scoreThresholds from the file, or Spinnaker's stage defaults (pass 95, marginal 75). */
  scoreThresholds: KayentaThresholds;
  /** The config's named templates (customFilterTemplate refers to them). */
  templates: Readonly<Record<string, string>>;
}

export type KayentaConfigLoad = { ok: true; config: KayentaCanaryConfig; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Spinnaker's canary stage defaults for scoreThresholds (Deck fills them in for a new stage). */
export const DEFAULT_SCORE_THRESHOLDS: KayentaThresholds = Object.freeze({ pass: 95, marginal: 75 });

/** Kayenta's defaults for a metric whose analysisConfigurations say nothing. */
export function defaultMetricAnalysis(measure: KayentaEffectMeasure = 'meanRatio'): KayentaMetricAnalysis {
  const neutral = measure === 'cles' ? 0.5 : 1;
  return {
    direction: 'either',
    nanStrategy: 'remove',
    critical: false,
    mustHaveData: false,
    muted: false,
    effectSize: { measure, allowedIncrease: neutral, allowedDecrease: neutral, criticalIncrease: neutral, criticalDecrease: neutral },
    outliers: { strategy: 'keep', outlierFactor: 3 },
  };
}

/** The template variables Kayenta binds from the scope. */
export const SCOPE_VARIABLES = ['scope', 'location', 'project', 'resourceType'] as const;

const TEMPLATE_VARIABLE = /\$\{([^}]*)\}/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `${name}` variables a template uses, or the first substitution that is not a plain name. */
export function templateVariables(template: string): { ok: true; names: string[] } | { ok: false; error: string } {
  const names: string[] = [];
  for (const m of template.matchAll(TEMPLATE_VARIABLE)) {
    const name = m[1].trim();
    if (!IDENTIFIER.test(name)) return { ok: false, error: `\${${m[1]}} is not a plain variable: only \${name} substitutions are supported (FreeMarker expressions, defaults and built-ins are not)` };
    if (!names.includes(name)) names.push(name);
  }
  return { ok: true, names };
}

const ROOT_FIELDS = ['id', 'name', 'description', 'configVersion', 'applications', 'judge', 'metrics', 'templates', 'classifier', 'scoreThresholds', 'createdTimestamp', 'updatedTimestamp', 'createdTimestampIso', 'updatedTimestampIso'];
const METRIC_FIELDS = ['name', 'query', 'groups', 'analysisConfigurations', 'scopeName'];
const QUERY_FIELDS = ['type', 'serviceType', 'metricName', 'customInlineTemplate', 'customFilterTemplate', 'customFilter', 'labelBindings', 'groupByFields', 'resourceType', 'scopeLabel', 'locationLabel', 'functions'];
const CANARY_FIELDS = ['direction', 'nanStrategy', 'critical', 'mustHaveData', 'muted', 'effectSize', 'outliers'];
const EFFECT_FIELDS = ['measure', 'allowedIncrease', 'allowedDecrease', 'criticalIncrease', 'criticalDecrease'];

type Path = Array<string | number>;

/** Reads values out of one located document, reporting every problem at its field. */
class Reader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly src: SourceDocument) {}

  error(path: Path, message: string, key = false): void {
    this.diagnostics.push({ severity: 'error', file: this.src.file, ...this.src.locate(path, key), path: formatPath(path), message });
  }

  warn(path: Path, message: string, key = false): void {
    this.diagnostics.push({ severity: 'warning', file: this.src.file, ...this.src.locate(path, key), path: formatPath(path), message });
  }

  /** Warns about each field not in `known`, suggesting the closest known one (or the one `aliases` names). */
  fields(obj: Record<string, unknown>, path: Path, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const hint = aliases[key] ?? suggest(key, known);
      this.warn([...path, key], `unknown field "${key}" is ignored${hint ? ` (did you mean "${hint}"?)` : `; expected one of: ${known.join(', ')}`}`, true);
    }
  }

  mapping(v: unknown, path: Path, what: string): Record<string, unknown> | null {
    if (v === undefined || v === null) return null;
    if (isMapping(v)) return v;
    this.error(path, `expected ${what} (a mapping), found ${found(v)}`);
    return null;
  }

  string(v: unknown, path: Path, what: string, required = false): string | null {
    if (v === undefined || v === null) {
      if (required) this.error(path, `missing required field "${String(path[path.length - 1])}": expected ${what}`);
      return null;
    }
    if (typeof v === 'string') return v;
    this.error(path, `expected ${what} as a string, found ${found(v)}`);
    return null;
  }

  boolean(v: unknown, path: Path, what: string): boolean | null {
    if (v === undefined || v === null) return null;
    if (typeof v === 'boolean') return v;
    this.error(path, `expected ${what}: true or false, found ${found(v)}`);
    return null;
  }

  number(v: unknown, path: Path, what: string): number | null {
    if (v === undefined || v === null) return null;
    // Spinnaker's stage context often carries numbers as strings ("marginal": "75"); Jackson accepts both.
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
    this.error(path, `expected ${what} as a number, found ${found(v)}`);
    return null;
  }

  choice<T extends string>(v: unknown, path: Path, what: string, options: readonly T[]): T | null {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    const hint = typeof v === 'string' ? suggest(v, options) : null;
    this.error(path, `expected ${what}, one of ${options.join(', ')}, found ${found(v)}${hint ? ` (did you mean ${hint}?)` : ''}`);
    return null;
  }

  strings(v: unknown, path: Path, what: string): string[] | null {
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) {
      this.error(path, `expected ${what} as a list of strings, found ${found(v)}`);
      return null;
    }
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x === 'string') out.push(x);
      else this.error([...path, i], `expected ${what}: a string, found ${found(x)}`);
    });
    return out;
  }
}

/**
 * Reads a Kayenta canary config from JSON or YAML text. `ok` is false when
 * any error was found; warnings come back either way.
 */
export function parseKayentaConfig(file: string, text: string): KayentaConfigLoad {
  // JSON is YAML, except that YAML refuses tab indentation; in valid JSON a tab can only be whitespace between tokens.
  const source = /^\s*[{[]/.test(text) ? text.replace(/\t/g, ' ') : text;
  const parsed = parseYamlFile(file, source);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.documents.length !== 1) {
    if (parsed.documents.length > 1) diagnostics.push({ severity: 'error', file, line: 0, column: 0, path: '', message: `expected one canary config, found ${parsed.documents.length} documents` });
    else if (!diagnostics.some((d) => d.severity === 'error')) diagnostics.push({ severity: 'error', file, line: 0, column: 0, path: '', message: 'the file is empty: expected a canary config (name, metrics, classifier)' });
    return { ok: false, diagnostics };
  }
  const src = parsed.documents[0];
  if (!isMapping(src.value)) return { ok: false, diagnostics: [...diagnostics, { severity: 'error', file, ...src.locate([]), path: '', message: `expected a canary config (a mapping with name, metrics and classifier), found ${found(src.value)}` }] };
  const r = new Reader(src);
  const root = src.value;
  // Argo Rollouts' Kayenta provider and Kayenta's standalone API call the score thresholds "thresholds".
  r.fields(root, [], ROOT_FIELDS, { thresholds: 'scoreThresholds' });

  const name = r.string(root.name, ['name'], 'the canary config\'s name', true) ?? '';
  const description = r.string(root.description, ['description'], 'a description');
  let judge = NETFLIX_ACA_JUDGE;
  const judgeObj = r.mapping(root.judge, ['judge'], 'the judge ({ name: NetflixACAJudge-v1.0, judgeConfigurations: {} })');
  if (judgeObj) {
    r.fields(judgeObj, ['judge'], ['name', 'judgeConfigurations']);
    const j = r.string(judgeObj.name, ['judge', 'name'], 'the judge\'s name');
    if (j !== null) {
      judge = j;
      if (j !== NETFLIX_ACA_JUDGE) r.warn(['judge', 'name'], `only ${NETFLIX_ACA_JUDGE} is modelled: this config is judged as ${NETFLIX_ACA_JUDGE}, not as ${j}`);
    }
  }

  const templates: Record<string, string> = {};
  const templatesObj = r.mapping(root.templates, ['templates'], 'named templates (template name → filter or PromQL: query)');
  if (templatesObj) {
    for (const [k, v] of Object.entries(templatesObj)) {
      const t = r.string(v, ['templates', k], 'the template text');
      if (t === null) continue;
      const vars = templateVariables(t);
      if (!vars.ok) r.error(['templates', k], vars.error);
      templates[k] = t;
    }
  }

  const metrics: KayentaMetricConfig[] = [];
  if (root.metrics === undefined || root.metrics === null) r.error(['metrics'], 'missing required field "metrics": expected the list of metrics to compare');
  else if (!Array.isArray(root.metrics)) r.error(['metrics'], `expected metrics as a list, found ${found(root.metrics)}`);
  else if (root.metrics.length === 0) r.error(['metrics'], 'expected at least one metric');
  else {
    root.metrics.forEach((m, i) => {
      const metric = readMetric(r, m, ['metrics', i], templates);
      if (!metric) return;
      if (metrics.some((x) => x.name === metric.name)) r.error(['metrics', i, 'name'], `a metric named "${metric.name}" already exists: Kayenta finds a metric's configuration by its name`);
      metrics.push(metric);
    });
  }

  const groupWeights: Record<string, number> = {};
  const classifier = r.mapping(root.classifier, ['classifier'], 'the classifier ({ groupWeights: { group: weight } })');
  if (classifier) {
    r.fields(classifier, ['classifier'], ['groupWeights', 'scoreThresholds']);
    if (classifier.scoreThresholds !== undefined) r.error(['classifier', 'scoreThresholds'], 'scoreThresholds belong at the top level of the file (as in the Spinnaker stage), not under classifier', true);
    const weights = r.mapping(classifier.groupWeights, ['classifier', 'groupWeights'], 'group weights (group name → weight)');
    if (weights) {
      for (const [g, v] of Object.entries(weights)) {
        const w = r.number(v, ['classifier', 'groupWeights', g], `the weight of group ${g}`);
        if (w === null) continue;
        if (w < 0) r.error(['classifier', 'groupWeights', g], `expected a weight of at least 0, found ${w}`);
        groupWeights[g] = w;
      }
    }
  }
  checkWeights(r, groupWeights, metrics);

  let scoreThresholds = DEFAULT_SCORE_THRESHOLDS;
  const th = r.mapping(root.scoreThresholds, ['scoreThresholds'], 'score thresholds ({ pass, marginal })');
  if (th) {
    r.fields(th, ['scoreThresholds'], ['pass', 'marginal']);
    const pass = r.number(th.pass, ['scoreThresholds', 'pass'], 'the pass threshold (a score from 0 to 100)');
    const marginal = r.number(th.marginal, ['scoreThresholds', 'marginal'], 'the marginal threshold (a score from 0 to 100)');
    if (th.pass === undefined) r.error(['scoreThresholds'], 'missing required field "pass": expected the score from which the canary passes (0–100)');
    if (th.marginal === undefined) r.error(['scoreThresholds'], 'missing required field "marginal": expected the score below which the canary fails (0–100)');
    for (const [k, v] of [['pass', pass], ['marginal', marginal]] as const) if (v !== null && (v < 0 || v > 100)) r.error(['scoreThresholds', k], `expected a score from 0 to 100, found ${v}`);
    if (pass !== null && marginal !== null) {
      if (marginal > pass) r.error(['scoreThresholds', 'marginal'], `the marginal threshold (${marginal}) must not exceed the pass threshold (${pass})`);
      scoreThresholds = { pass, marginal };
    }
  }

  diagnostics.push(...r.diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sorted };
  return { ok: true, diagnostics: sorted, config: { name, description, judge, metrics, groupWeights, scoreThresholds, templates } };
}

function readMetric(r: Reader, raw: unknown, at: Path, templates: Readonly<Record<string, string>>): KayentaMetricConfig | null {
  if (!isMapping(raw)) {
    r.error(at, `expected a metric (a mapping with name, query, groups, analysisConfigurations), found ${found(raw)}`);
    return null;
  }
  r.fields(raw, at, METRIC_FIELDS);
  const name = r.string(raw.name, [...at, 'name'], 'the metric\'s name', true);
  if (name === '') r.error([...at, 'name'], 'expected a non-empty name');
  const query = readQuery(r, raw.query, [...at, 'query'], templates);
  let groups = r.strings(raw.groups, [...at, 'groups'], 'a group name');
  if (raw.groups === undefined || raw.groups === null) {
    r.error(at, 'missing required field "groups": expected the groups the metric belongs to (a list of at least one name)');
    groups = null;
  } else if (groups && groups.length === 0) {
    r.error([...at, 'groups'], 'expected at least one group: a metric in no group counts in no group score');
    groups = null;
  }
  const analysis = readAnalysis(r, raw.analysisConfigurations, [...at, 'analysisConfigurations']);
  const scopeName = r.string(raw.scopeName, [...at, 'scopeName'], 'the scope name') ?? 'default';
  if (scopeName !== 'default') r.warn([...at, 'scopeName'], `only one scope pair is judged: scope "${scopeName}" is judged with it, as "default" is`);
  if (name === null || name === '' || !query || !groups || !analysis) return null;
  return { name, query, groups, analysis, scopeName };
}

function readQuery(r: Reader, raw: unknown, at: Path, templates: Readonly<Record<string, string>>): KayentaQuery | null {
  const expected = 'a Prometheus query config ({ type: prometheus, customInlineTemplate: "PromQL:…" }, or metricName with a customInlineTemplate label filter)';
  if (raw === undefined || raw === null) {
    r.error(at.slice(0, -1), `missing required field "query": expected ${expected}`);
    return null;
  }
  if (!isMapping(raw)) {
    r.error(at, `expected ${expected}, found ${found(raw)}`);
    return null;
  }
  r.fields(raw, at, QUERY_FIELDS);
  let ok = true;
  for (const key of ['type', 'serviceType'] as const) {
    const t = r.string(raw[key], [...at, key], 'the metrics source type');
    if (t !== null && t !== 'prometheus') {
      r.error([...at, key], `only prometheus queries run against the simulator's Prometheus, found ${JSON.stringify(t)}`);
      ok = false;
    }
  }
  const inline = r.string(raw.customInlineTemplate, [...at, 'customInlineTemplate'], 'the inline template (a label filter, or a whole query after "PromQL:")');
  const named = r.string(raw.customFilterTemplate, [...at, 'customFilterTemplate'], 'the name of a template under templates');
  const legacy = r.string(raw.customFilter, [...at, 'customFilter'], 'the custom filter');
  if (legacy !== null) r.warn([...at, 'customFilter'], 'customFilter is deprecated in Kayenta: use customInlineTemplate', true);
  if (inline !== null && named !== null) r.warn([...at, 'customFilterTemplate'], 'customInlineTemplate is given too, and Kayenta uses it first: this template is ignored', true);
  let template: string | null = inline ?? null;
  let templateAt: Path = [...at, 'customInlineTemplate'];
  if (template === null && named !== null) {
    templateAt = [...at, 'customFilterTemplate'];
    if (!(named in templates)) {
      const hint = suggest(named, Object.keys(templates));
      r.error(templateAt, `no template named "${named}" under templates${hint ? ` (did you mean "${hint}"?)` : Object.keys(templates).length > 0 ? `; templates: ${Object.keys(templates).join(', ')}` : ''}`);
      return null;
    }
    template = templates[named];
  }
  if (template === null && legacy !== null) {
    template = legacy;
    templateAt = [...at, 'customFilter'];
  }
  if (template !== null) {
    const vars = templateVariables(template);
    if (!vars.ok) {
      r.error(templateAt, vars.error);
      return null;
    }
  }
  const labelBindings = r.strings(raw.labelBindings, [...at, 'labelBindings'], 'a label matcher such as code!~"5.."') ?? [];
  const groupByFields = r.strings(raw.groupByFields, [...at, 'groupByFields'], 'a label name') ?? [];
  const resourceType = r.string(raw.resourceType, [...at, 'resourceType'], 'the resource type');
  const metricName = r.string(raw.metricName, [...at, 'metricName'], 'the metric name');
  r.strings(raw.functions, [...at, 'functions'], 'a function name');
  r.string(raw.scopeLabel, [...at, 'scopeLabel'], 'the scope label');
  r.string(raw.locationLabel, [...at, 'locationLabel'], 'the location label');
  if (!ok) return null;

  if (template !== null && template.trimStart().startsWith('PromQL:')) {
    const promql = template.trimStart().slice('PromQL:'.length);
    for (const k of ['metricName', 'labelBindings', 'groupByFields'] as const) if (raw[k] !== undefined) r.warn([...at, k], `ignored: a "PromQL:" template is the whole query`, true);
    // Check the syntax with every variable replaced by a placeholder (a variable could stand for any text, so only a warning).
    const probe = promql.replace(TEMPLATE_VARIABLE, 'x');
    const p = parsePromQL(probe);
    if (!p.ok) r.warn(templateAt, `the query does not parse with its variables replaced by "x": ${p.message}`);
    return { kind: 'promql', template: promql };
  }
  if (resourceType !== null && template === null) {
    r.error([...at, 'resourceType'], `resourceType ${resourceType} builds the scope filter from cloud instance labels, which the simulator does not have: give customInlineTemplate (a label filter such as service="\${scope}", or a whole query after "PromQL:")`);
    return null;
  }
  if (template === null) {
    r.error(at, 'expected customInlineTemplate or customFilterTemplate: a label filter such as service="${scope}" (Kayenta builds avg(metricName{filter})), or a whole query after "PromQL:"');
    return null;
  }
  if (metricName === null) {
    if (raw.metricName === undefined) r.error(at, 'missing required field "metricName": expected the metric to average, unless customInlineTemplate is a whole query after "PromQL:"');
    return null;
  }
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metricName)) r.error([...at, 'metricName'], `expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), found ${JSON.stringify(metricName)}`);
  for (const [i, f] of groupByFields.entries()) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(f)) r.error([...at, 'groupByFields', i], `expected a label name, found ${JSON.stringify(f)}`);
  return { kind: 'metric', metricName, filterTemplate: template, labelBindings, groupByFields };
}

function readAnalysis(r: Reader, raw: unknown, at: Path): KayentaMetricAnalysis | null {
  const outer = r.mapping(raw, at, 'the analysis configurations ({ canary: { direction, nanStrategy, … } })');
  if (raw !== undefined && raw !== null && !outer) return null;
  if (!outer) return defaultMetricAnalysis();
  r.fields(outer, at, ['canary']);
  const cAt = [...at, 'canary'];
  const c = r.mapping(outer.canary, cAt, 'the canary analysis configuration ({ direction, nanStrategy, critical, effectSize, … })');
  if (outer.canary !== undefined && outer.canary !== null && !c) return null;
  if (!c) return defaultMetricAnalysis();
  r.fields(c, cAt, CANARY_FIELDS);
  const errorsBefore = r.diagnostics.filter((d) => d.severity === 'error').length;

  const effect = r.mapping(c.effectSize, [...cAt, 'effectSize'], 'the effect size ({ measure, allowedIncrease, allowedDecrease, criticalIncrease, criticalDecrease })');
  if (effect) r.fields(effect, [...cAt, 'effectSize'], EFFECT_FIELDS);
  const measure = r.choice(effect?.measure, [...cAt, 'effectSize', 'measure'], 'the effect size measure', ['meanRatio', 'cles'] as const) ?? 'meanRatio';
  const a = defaultMetricAnalysis(measure);
  a.direction = r.choice(c.direction, [...cAt, 'direction'], 'the direction', ['increase', 'decrease', 'either'] as const) ?? a.direction;
  a.nanStrategy = r.choice(c.nanStrategy, [...cAt, 'nanStrategy'], 'the NaN strategy', ['remove', 'replace'] as const) ?? a.nanStrategy;
  a.critical = r.boolean(c.critical, [...cAt, 'critical'], 'whether the metric is critical') ?? false;
  a.mustHaveData = r.boolean(c.mustHaveData, [...cAt, 'mustHaveData'], 'whether the metric must have data') ?? false;
  a.muted = r.boolean(c.muted, [...cAt, 'muted'], 'whether the metric is muted') ?? false;
  if (effect) {
    for (const k of ['allowedIncrease', 'allowedDecrease', 'criticalIncrease', 'criticalDecrease'] as const) {
      const p = [...cAt, 'effectSize', k];
      const v = r.number(effect[k], p, measure === 'cles' ? `${k} (a probability from 0 to 1)` : `${k} (a ratio of means, canary ÷ baseline)`);
      if (v === null) continue;
      if (measure === 'cles' && (v < 0 || v > 1)) r.error(p, `expected a probability from 0 to 1 for the cles measure, found ${v}`);
      else if (measure === 'meanRatio' && v <= 0) r.error(p, `expected a ratio of means greater than 0, found ${v}`);
      a.effectSize[k] = v;
      if (k.startsWith('critical') && !a.critical) r.warn(p, `${k} only matters for a critical metric: set critical: true`, true);
    }
    const neutral = measure === 'cles' ? 0.5 : 1;
    if (a.effectSize.allowedIncrease < neutral) r.warn([...cAt, 'effectSize', 'allowedIncrease'], `allowedIncrease ${a.effectSize.allowedIncrease} is below ${neutral} (no change): a High then needs no increase at all`);
    if (a.effectSize.allowedDecrease > neutral) r.warn([...cAt, 'effectSize', 'allowedDecrease'], `allowedDecrease ${a.effectSize.allowedDecrease} is above ${neutral} (no change): a Low then needs no decrease at all`);
  }
  const outliers = r.mapping(c.outliers, [...cAt, 'outliers'], 'the outlier handling ({ strategy: keep | remove, outlierFactor: 3.0 })');
  if (outliers) {
    r.fields(outliers, [...cAt, 'outliers'], ['strategy', 'outlierFactor']);
    a.outliers.strategy = r.choice(outliers.strategy, [...cAt, 'outliers', 'strategy'], 'the outlier strategy', ['keep', 'remove'] as const) ?? 'keep';
    const f = r.number(outliers.outlierFactor, [...cAt, 'outliers', 'outlierFactor'], 'the outlier factor (IQR multiples beyond the quartiles)');
    if (f !== null && f <= 0) r.error([...cAt, 'outliers', 'outlierFactor'], `expected an outlier factor greater than 0, found ${f}`);
    else if (f !== null) a.outliers.outlierFactor = f;
  }
  return r.diagnostics.filter((d) => d.severity === 'error').length > errorsBefore ? null : a;
}

function checkWeights(r: Reader, weights: Readonly<Record<string, number>>, metrics: readonly KayentaMetricConfig[]): void {
  const groups = new Set(metrics.flatMap((m) => m.groups));
  const weighted = Object.keys(weights);
  for (const g of weighted) {
    if (groups.has(g) || metrics.length === 0) continue;
    const hint = suggest(g, [...groups]);
    r.warn(['classifier', 'groupWeights', g], `no metric is in group "${g}"${hint ? ` (did you mean "${hint}"?)` : ''}: its weight is lost from the summary score`, true);
  }
  const sum = weighted.reduce((s, g) => s + weights[g], 0);
  const unweighted = [...groups].filter((g) => !(g in weights));
  if (unweighted.length > 0 && weighted.length > 0 && sum >= 100) {
    r.warn(['classifier', 'groupWeights'], `the weights already add up to ${sum}: group${unweighted.length === 1 ? '' : 's'} ${unweighted.join(', ')} without a weight share ${100 - sum} and count for nothing`);
  } else if (unweighted.length === 0 && weighted.length > 0 && Math.abs(sum - 100) > 1e-9) {
    r.warn(['classifier', 'groupWeights'], `the group weights add up to ${sum}, not 100: the summary score ranges from 0 to ${sum}`);
  }
}
