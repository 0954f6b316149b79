import { type ArgoTemplate, checkTemplates, parseAnalysisTemplates } from '../judges/argo';
import { createAnalysisRun } from '../judges/argo-run';
import { type KayentaCanaryConfig, kayentaJudgementWindows, parseKayentaConfig } from '../judges/kayenta';
import type { CanarySpec } from '../rollout/types';
import type { ShadowJudgeSpec } from '../run/shadow';
import { formatDuration } from '../util/duration';
import { dirname, resolveRelative } from '../util/path';
import { type Diagnostic, formatPath } from './diagnostics';
import type { Report } from './flagger';
import { suggest } from './issues';
import type { ScenarioDocument, ShadowJudgeDocument } from './schema';
import type { SourceDocument } from './yaml-source';
import { isInlineSource } from './shadow-files';

export { isInlineSource, shadowJudgeFiles } from './shadow-files';

/**
 * Compiles `spec.shadowJudges` (docs/scenario-format.md, "Shadow judges";
 * docs/judges.md, "In a run"): each judge's Canary, and the judge itself —
 * an Argo AnalysisTemplate (or several) with the run's arguments, a Kayenta
 * canary config with the analysis' durations, or Flagger's threshold counted
 * in a row. Templates and configs come from a file next to the scenario, or
 * inline as text or as the document itself; the judges' own parsers check
 * them, and every problem they find is reported where it is written: in the
 * template's file, or at its line and column inside the scenario.
 */

/** What the compiler needs besides the document. */
export interface ShadowContext {
  /** The scenario file and its text (inline templates are located in it). */
  file: string;
  text: string;
  /** Reads template and config files (paths relative to the scenario). */
  readFile(path: string): string | null;
  canaries: readonly CanarySpec[];
  /** The rolled-out Canary (namespace/name), when there is one. */
  rollout: string | null;
  diagnostics: Diagnostic[];
  err: Report;
  warn: Report;
}

type Path = Array<string | number>;

/** A template's or config's text, the file its diagnostics name, and how they are moved to where the text is written. */
interface Source {
  file: string;
  text: string;
  /** Moves a diagnostic of the parsed text to where it is written. */
  place(d: Diagnostic): Diagnostic;
}

/**
 * The text of a judge's template or config: a file (diagnostics stay in it), a string written in the scenario (a
 * block scalar's lines map to the scenario's lines), or a mapping written in the scenario (its own text is parsed,
 * padded to its line and column, so positions need no mapping). Inline diagnostics get the field's path in front.
 */
function sources(value: unknown, at: Path, what: string, ctx: ShadowContext, src: SourceDocument): Source[] | null {
  const field = src.locate(at);
  const prefix = (d: Diagnostic, under: Path = at): string => (d.path === '' ? formatPath(under) : `${formatPath(under)}${d.path.startsWith('[') ? '' : '.'}${d.path}`);
  const unplaced = (d: Diagnostic): Diagnostic => ({ ...d, file: ctx.file, line: field.line, column: field.column, path: prefix(d) });
  if (typeof value === 'string' && !isInlineSource(value)) {
    const path = resolveRelative(dirname(ctx.file), value);
    const text = ctx.readFile(path);
    if (text === null) {
      ctx.err(src, at, `cannot read the ${what} file ${JSON.stringify(value)} (resolved to ${path})`);
      return null;
    }
    return [{ file: path, text, place: (d) => d }];
  }
  const range = src.range?.(at) ?? null;
  const lineOf = (offset: number) => {
    let line = 1;
    let start = 0;
    for (let i = 0; i < offset; i++) {
      if (ctx.text.charCodeAt(i) !== 10) continue;
      line++;
      start = i + 1;
    }
    return { line, column: offset - start + 1 };
  };
  if (typeof value === 'string') {
    if (range === null) return [{ file: ctx.file, text: value, place: unplaced }];
    const raw = ctx.text.slice(range[0], range[1]);
    const head = lineOf(range[0]);
    if (raw.startsWith('|') || raw.startsWith('>')) {
      // A block scalar: its content starts on the next line, every line indented alike.
      const body = raw.slice(raw.indexOf('\n') + 1);
      const indent = /^( *)\S/m.exec(body)?.[1].length ?? 0;
      return [{ file: ctx.file, text: value, place: (d) => (d.line > 0 ? { ...d, file: ctx.file, line: head.line + d.line, column: d.column + indent, path: prefix(d) } : unplaced(d)) }];
    }
    const quote = raw.startsWith('"') || raw.startsWith("'") ? 1 : 0;
    return [{ file: ctx.file, text: value, place: (d) => (d.line > 0 ? { ...d, file: ctx.file, line: head.line + d.line - 1, column: d.line === 1 ? head.column + quote + d.column - 1 : d.column, path: prefix(d) } : unplaced(d)) }];
  }
  const items: Array<{ path: Path }> = Array.isArray(value) ? value.map((_, i) => ({ path: [...at, i] })) : [{ path: at }];
  return items.map(({ path }) => {
    const r = src.range?.(path) ?? null;
    if (r === null) return { file: ctx.file, text: '', place: unplaced };
    const start = lineOf(r[0]);
    const text = `${'\n'.repeat(start.line - 1)}${' '.repeat(start.column - 1)}${ctx.text.slice(r[0], r[2])}`;
    const here = src.locate(path);
    return { file: ctx.file, text, place: (d) => (d.line > 0 ? { ...d, path: prefix(d, path) } : { ...d, file: ctx.file, line: here.line, column: here.column, path: prefix(d, path) }) };
  });
}

/**
 * How long Flagger analyses a healthy canary, from its first step with traffic to the tick it decides to promote:
 * one interval per step (canary weights, or iterations). A judge that needs longer is cut off by the promotion.
 */
export function healthyAnalysisSeconds(c: CanarySpec): number {
  const a = c.analysis;
  const max = a.maxWeight > 0 ? a.maxWeight : 100;
  const steps = a.iterations > 0 ? a.iterations : a.stepWeights.length > 0 ? a.stepWeights.length : a.stepWeight > 0 ? Math.ceil(max / a.stepWeight) : 1;
  return (steps * a.intervalMs) / 1000;
}

/** Compiles the scenario's shadow judges; problems go to the context's reporters. */
export function compileShadowJudges(doc: ScenarioDocument, src: SourceDocument, ctx: ShadowContext): ShadowJudgeSpec[] {
  const out: ShadowJudgeSpec[] = [];
  const seen = new Map<string, number>();
  doc.spec.shadowJudges.forEach((j, i) => {
    const p: Path = ['spec', 'shadowJudges', i];
    const prev = seen.get(j.name);
    if (prev !== undefined) {
      ctx.err(src, [...p, 'name'], `a shadow judge named ${j.name} is already defined at spec.shadowJudges[${prev}]; give each judge its own name`);
      return;
    }
    seen.set(j.name, i);
    const kinds = (['argo', 'kayenta', 'consecutive'] as const).filter((k) => j[k] !== undefined);
    if (kinds.length === 0) {
      ctx.err(src, p, 'expected one judge: argo (an AnalysisTemplate and its args), kayenta (a canary config and the analysis durations) or consecutive (Flagger\'s threshold counted as failed checks in a row)');
      return;
    }
    if (kinds.length > 1) {
      ctx.err(src, [...p, kinds[1]], `expected one judge per entry, found ${kinds.join(' and ')}: give each its own entry (and name)`, true);
      return;
    }
    const canary = shadowedCanary(j, p, src, ctx);
    if (!canary) return;
    const id = `${canary.namespace}/${canary.name}`;
    if (ctx.rollout !== null && ctx.rollout !== id) ctx.warn(src, [...p, 'canary'], `the rollout deploys ${ctx.rollout}, so ${id}'s analysis never starts in this scenario and the judge stays undecided`);
    const base = { name: j.name, canary: id };
    const spec = kinds[0] === 'argo' ? compileArgo(j, base, canary, [...p, 'argo'], src, ctx) : kinds[0] === 'kayenta' ? compileKayenta(j, base, canary, [...p, 'kayenta'], src, ctx) : compileConsecutive(j, base, canary, [...p, 'consecutive'], src, ctx);
    if (spec) out.push(spec);
  });
  return out;
}

function shadowedCanary(j: ShadowJudgeDocument, p: Path, src: SourceDocument, ctx: ShadowContext): CanarySpec | null {
  const ids = ctx.canaries.map((c) => `${c.namespace}/${c.name}`);
  if (j.canary === undefined) {
    if (ctx.canaries.length === 1) return ctx.canaries[0];
    ctx.err(src, [...p, 'name'], ctx.canaries.length === 0 ? 'a shadow judge shadows a Canary\'s analysis: this scenario has none' : `several Canaries (${ids.join(', ')}): say which one this judge shadows with canary: <namespace>/<name>`);
    return null;
  }
  const want = j.canary;
  const hits = ctx.canaries.filter((c) => (want.includes('/') ? `${c.namespace}/${c.name}` === want : c.name === want));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    ctx.err(src, [...p, 'canary'], `Canary ${want} exists in several namespaces (${hits.map((c) => `${c.namespace}/${c.name}`).join(', ')}): write namespace/name`);
    return null;
  }
  const hint = suggest(want, want.includes('/') ? ids : ctx.canaries.map((c) => c.name));
  ctx.err(src, [...p, 'canary'], `no Canary ${want}${hint ? ` (did you mean ${hint}?)` : ''}; Canaries in this scenario: ${ids.length > 0 ? ids.join(', ') : 'none'}`);
  return null;
}

function compileArgo(j: ShadowJudgeDocument, base: { name: string; canary: string }, canary: CanarySpec, p: Path, src: SourceDocument, ctx: ShadowContext): ShadowJudgeSpec | null {
  const a = j.argo as NonNullable<ShadowJudgeDocument['argo']>;
  const found = sources(a.template, [...p, 'template'], 'AnalysisTemplate', ctx, src);
  if (!found) return null;
  const templates: ArgoTemplate[] = [];
  let failed = false;
  for (const s of found) {
    const r = parseAnalysisTemplates(s.file, s.text);
    for (const d of r.diagnostics) {
      ctx.diagnostics.push(s.place(d));
      if (d.severity === 'error') failed = true;
    }
    templates.push(...r.templates);
  }
  if (failed || templates.length === 0) return null;
  const place = (d: Diagnostic) => found.find((s) => s.file === d.file)?.place(d) ?? d;

  // The run's arguments: only those the templates declare (the others are reported here, where they are written).
  const declared = [...new Set(templates.flatMap((t) => t.args.map((x) => x.name)))];
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.args)) {
    if (declared.includes(k)) {
      args[k] = v;
      continue;
    }
    const hint = suggest(k, declared);
    ctx.warn(src, [...p, 'args', k], `argument ${k} is not declared by the template${hint ? ` (did you mean ${hint}?)` : ''}; it declares ${declared.length > 0 ? declared.join(', ') : 'no arguments'}: ignored`, true);
  }
  const missing = declared.filter((name) => !(name in args) && templates.every((t) => t.args.every((x) => x.name !== name || x.value === null)));
  if (missing.length > 0) ctx.err(src, a.args && Object.keys(a.args).length > 0 ? [...p, 'args'] : [...p, 'template'], `the AnalysisTemplate's argument${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ha${missing.length === 1 ? 's' : 've'} no value: give ${missing.length === 1 ? 'it' : 'them'} in args (e.g. args: { ${missing[0]}: … })`, true);
  // Everything Argo checks when it creates the run, with these values (located in the templates).
  const created = createAnalysisRun(templates, { startMs: 0, args, query: () => ({ status: 'error', errorType: 'execution', error: 'not run' }) });
  let errors = false;
  for (const d of created.diagnostics) {
    ctx.diagnostics.push(place(d));
    if (d.severity === 'error') errors = true;
  }
  if (!created.ok || errors || missing.length > 0) return null;

  for (const t of templates) {
    if (t.kind === 'AnalysisTemplate' && t.namespace !== null && t.namespace !== canary.namespace) {
      ctx.warn(src, [...p, 'template'], `AnalysisTemplate ${t.name} is in namespace ${t.namespace}, the Canary in ${canary.namespace}: Argo looks an AnalysisTemplate up in the rollout's namespace (a ClusterAnalysisTemplate serves every namespace)`);
    }
  }
  // Metrics that cannot finish before Flagger promotes a healthy canary leave the judge undecided.
  const metrics = checkTemplates(templates, new Map(declared.map((n) => [n, args[n] ?? templates.flatMap((t) => t.args).find((x) => x.name === n)?.value ?? null])), 'run', () => {}) ?? [];
  const healthy = healthyAnalysisSeconds(canary);
  for (const m of metrics) {
    if (m.dryRun) continue;
    if (m.effectiveCount === null) {
      ctx.warn(src, [...p, 'template'], `metric ${m.name} is measured every ${formatDuration((m.intervalMs ?? 0) / 1000)} without a count: the AnalysisRun does not complete on its own, so unless a limit is exceeded the judge is undecided when Flagger's analysis ends (give the metric a count)`);
      continue;
    }
    const last = (m.initialDelayMs + (m.effectiveCount - 1) * (m.intervalMs ?? 0)) / 1000;
    if (last > healthy) {
      ctx.warn(src, [...p, 'template'], `metric ${m.name} takes its last measurement ${formatDuration(last)} after the analysis starts, but Flagger promotes a healthy ${base.canary} about ${formatDuration(healthy)} after it: the judge would be undecided (fewer measurements, a shorter interval or initial delay)`);
    }
  }
  return { ...base, judge: 'argo', templates, args };
}

function compileKayenta(j: ShadowJudgeDocument, base: { name: string; canary: string }, canary: CanarySpec, p: Path, src: SourceDocument, ctx: ShadowContext): ShadowJudgeSpec | null {
  const k = j.kayenta as NonNullable<ShadowJudgeDocument['kayenta']>;
  const found = sources(k.config, [...p, 'config'], 'canary config', ctx, src);
  if (!found) return null;
  const s = found[0];
  const loaded = parseKayentaConfig(s.file, s.text);
  for (const d of loaded.diagnostics) ctx.diagnostics.push(s.place(d));
  let ok = loaded.ok;
  if (k.scoreThresholds && k.scoreThresholds.marginal > k.scoreThresholds.pass) {
    ctx.err(src, [...p, 'scoreThresholds', 'marginal'], `expected the marginal threshold (${k.scoreThresholds.marginal}) at most the pass threshold (${k.scoreThresholds.pass})`);
    ok = false;
  }
  if (!loaded.ok || !ok) return null;
  const config: KayentaCanaryConfig = loaded.config;
  const ms = (s: number) => Math.round(s * 1000);
  const spec: ShadowJudgeSpec = {
    ...base,
    judge: 'kayenta',
    config,
    lifetimeMs: ms(k.lifetime),
    intervalMs: k.interval === undefined ? null : ms(k.interval),
    beginAfterMs: ms(k.beginAfter),
    lookbackMs: k.lookback === undefined ? 0 : ms(k.lookback),
    stepMs: ms(k.step),
    thresholds: k.scoreThresholds ?? null,
  };
  if (k.interval !== undefined && k.interval > k.lifetime) ctx.warn(src, [...p, 'interval'], `the interval (${formatDuration(k.interval)}) is longer than the lifetime (${formatDuration(k.lifetime)}): one judgement over the lifetime, as Kayenta does`);
  if (canary.provider !== 'traefik') ctx.warn(src, [...p, 'config'], `Canary ${base.canary} uses provider ${canary.provider}: the judge's scopes are the ${canary.apex}-primary and ${canary.apex}-canary Services as Traefik's service label names them, which only Traefik records`);
  const windows = kayentaJudgementWindows({ startMs: 0, lifetimeMs: spec.lifetimeMs, intervalMs: spec.intervalMs ?? undefined, beginAfterMs: spec.beginAfterMs, lookbackMs: spec.lookbackMs, stepMs: spec.stepMs });
  const first = windows[0];
  if (first) {
    const samples = Math.floor((first.endMs - first.startMs) / spec.stepMs) + 1;
    if (samples < 5) {
      ctx.warn(src, [...p, 'step'], `the first judgement's window (${formatDuration((first.endMs - first.startMs) / 1000)}) at a ${formatDuration(k.step)} step holds ${samples} sample${samples === 1 ? '' : 's'} per metric and side: too few for the Mann-Whitney test to find a difference (Kayenta's guidance is about 50); use a smaller step, e.g. the scrape interval`);
    }
    const last = (windows[windows.length - 1].endMs) / 1000;
    const healthy = healthyAnalysisSeconds(canary);
    if (last > healthy) ctx.warn(src, [...p, 'lifetime'], `the last judgement comes ${formatDuration(last)} after the analysis starts, but Flagger promotes a healthy ${base.canary} about ${formatDuration(healthy)} after it: the judge would be undecided (a shorter warm-up or lifetime)`);
  }
  return spec;
}

function compileConsecutive(j: ShadowJudgeDocument, base: { name: string; canary: string }, canary: CanarySpec, p: Path, src: SourceDocument, ctx: ShadowContext): ShadowJudgeSpec {
  const threshold = j.consecutive?.threshold ?? null;
  if (threshold !== null && threshold > canary.analysis.threshold) {
    ctx.warn(src, [...p, 'threshold'], `a run of ${threshold} failed checks in a row cannot happen before Flagger's cumulative count reaches its threshold of ${canary.analysis.threshold} and rolls back: this judge never rolls back on failed checks`);
  }
  return { ...base, judge: 'consecutive', threshold };
}

/** Whether a file's text is an Argo Rollouts AnalysisTemplate (or ClusterAnalysisTemplate) file, for `gameday validate`. */
export function looksLikeAnalysisTemplate(text: string): boolean {
  return /^kind:\s*["']?(Cluster)?AnalysisTemplate["']?\s*$/m.test(text) && text.includes('argoproj.io/');
}

/** Whether a file's text is a Kayenta canary config (JSON, or the same in YAML: metrics and classifier, no kind), for `gameday validate`. */
export function looksLikeKayentaConfig(text: string): boolean {
  if (/^kind:/m.test(text) || /"kind"\s*:/.test(text)) return false;
  return /(^|["{,\s])metrics["']?\s*:/m.test(text) && /(^|["{,\s])(classifier|judge|scoreThresholds)["']?\s*:/m.test(text);
}

/** Checks a template or config file on its own (`gameday validate`): its diagnostics and what it holds. */
export function validateJudgeFile(file: string, text: string): { diagnostics: Diagnostic[]; what: string } | null {
  if (looksLikeAnalysisTemplate(text)) {
    const r = parseAnalysisTemplates(file, text);
    const n = r.templates.length;
    return { diagnostics: r.diagnostics, what: `Argo analysis template${n === 1 ? '' : 's'} ${r.templates.map((t) => t.name).join(', ')}` };
  }
  if (looksLikeKayentaConfig(text)) {
    const r = parseKayentaConfig(file, text);
    return { diagnostics: r.diagnostics, what: r.ok ? `Kayenta canary config ${r.config.name} (${r.config.metrics.length} metric${r.config.metrics.length === 1 ? '' : 's'})` : 'Kayenta canary config' };
  }
  return null;
}
