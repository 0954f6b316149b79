import { z } from 'zod';
import type { FaultSpec } from '../faults/spec';
import type { RunMode } from '../run/simulation';
import { FAST_MODE_FAULTS } from '../run/simulation';
import type { CanarySpec } from '../rollout/types';
import { type Knob, parseKnobPath, withKnob, KNOB_ANALYSIS_FIELDS } from '../scenario/canary-knobs';
import { type Diagnostic, formatPath } from '../scenario/diagnostics';
import { issuesToDiagnostics, suggest } from '../scenario/issues';
import { compileLiveFault } from '../scenario/live-fault';
import { type LoadedScenario, loadScenario, type ScenarioHost } from '../scenario/loader';
import { duration, FAULT_TARGET_KINDS, found, SCENARIO_API_VERSION } from '../scenario/schema';
import { isMapping, parseYamlFile } from '../scenario/yaml-source';
import { formatDuration } from '../util/duration';
import { dirname, resolveRelative } from '../util/path';
import { sha256Hex } from '../util/sha256';
import { loadReplayRecording, type ReplayRecording } from './replay';

/**
 * The tuning lab's sweep definition (docs/tuning.md): which Canary knobs to
 * vary, over which situations (the healthy canary and regressions drawn from
 * the fault catalogue, or recorded rollouts to replay, each with a prior
 * weight), with how many seeds. The
 * loader checks it like a scenario — every error names file, line, column and
 * field — and expands it into a plan: configurations × situations × seeds,
 * each run identified by one index, so any worker or shard runs any run and
 * gets the same answer.
 */

export const SWEEP_KIND = 'Sweep';

/** What a recommendation minimises or bounds (docs/tuning.md). */
export const MEASURES = ['falseAborts', 'missedRegressions', 'detectionMedian', 'detectionP95', 'badRequests', 'budgetBurned', 'healthyDuration'] as const;
export type Measure = (typeof MEASURES)[number];

const MAX_RUNS = 10_000_000;

const knobValue = z.union([z.number(), z.string()], { error: (iss) => `expected a value as a number or a duration string, found ${found(iss.input)}` });

const parameterSchema = z
  .strictObject({
    field: z.string({ error: (iss) => `expected the knob to vary, e.g. analysis.threshold or metrics.request-success-rate.thresholdRange.min, found ${found(iss.input)}` }),
    values: z.array(knobValue, { error: (iss) => `expected values as a list, found ${found(iss.input)}` }).min(1, { error: 'expected at least one value' }).optional(),
    range: z
      .strictObject({
        from: z.number({ error: (iss) => `expected from as a number, found ${found(iss.input)}` }),
        to: z.number({ error: (iss) => `expected to as a number, found ${found(iss.input)}` }),
        step: z.number({ error: (iss) => `expected step as a number, found ${found(iss.input)}` }).positive({ error: 'expected a step greater than zero' }),
      })
      .optional()
      .meta({ description: 'numbers from..to (inclusive) by step' }),
  })
  .refine((p) => (p.values === undefined) !== (p.range === undefined), { error: 'give either values (a list) or range ({ from, to, step }), not both and not neither' });

const situationSchema = z.strictObject({
  name: z.string({ error: (iss) => `expected the situation's name, found ${found(iss.input)}` }).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: (iss) => `expected a lowercase name (a-z, 0-9, '-', '.'), found ${found(iss.input)}` }),
  description: z.string().optional(),
  weight: z.number({ error: (iss) => `expected the prior weight as a number, found ${found(iss.input)}` }).positive({ error: 'expected a prior weight greater than zero' }),
  fault: z
    .record(z.string(), z.unknown(), { error: (iss) => `expected the regression as a fault document (type and parameters; a list value gives one situation per value), found ${found(iss.input)}` })
    .optional()
    .meta({ description: 'a spec.faults[] document aimed at the canary; absent: the healthy canary' }),
  onset: z
    .union([duration('the onset after the new revision is deployed'), z.array(duration('the onset after the new revision is deployed')).min(1)])
    .optional()
    .meta({ description: 'when the regression starts after the deploy (a list: one situation per onset); default 0s' }),
  mode: z.enum(['fast', 'exact'], { error: (iss) => `expected mode fast or exact, found ${found(iss.input)}` }).optional(),
  replay: z
    .strictObject({
      data: z
        .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: (iss) => `expected the recording as a file or a list of files (query_range JSON or OpenMetrics with timestamps, relative to this file), found ${found(iss.input)}` })
        .meta({ description: 'the recorded series, as gameday replay --data reads them: files relative to the sweep file' }),
      events: z.string({ error: (iss) => `expected Flagger's events as a file (relative to this file), found ${found(iss.input)}` }).min(1).optional().meta({ description: "Flagger's events, as gameday replay --events reads them" }),
      eventsAt: z.string({ error: (iss) => `expected when the events were printed as an RFC 3339 time, found ${found(iss.input)}` }).optional().meta({ description: "when the events' ages were printed (RFC 3339), as --events-at" }),
      healthy: z
        .boolean({ error: (iss) => (iss.input === undefined ? 'say what the recorded canary was: healthy: true (a rollback of it is a false abort) or healthy: false (a regression: caught or missed)' : `expected healthy true or false, found ${found(iss.input)}`) })
        .meta({ description: 'what the recorded canary was: true, a rollback of it is a false abort; false, a regression' }),
      onset: duration('when the regression began, after the recorded analysis start').optional().meta({ description: 'regressions only: when the regression began after the recorded analysis start (default 0s)' }),
      noise: z.enum(['poisson', 'none'], { error: (iss) => `expected noise poisson (counters drawn again per seed) or none (the recording as it is), found ${found(iss.input)}` }).default('poisson'),
    })
    .optional()
    .meta({ description: 'a recorded rollout replayed in dry run (docs/tuning.md, "Replayed rollouts as situations"); not with fault' }),
});

const boundSchema = z.strictObject({
  max: z.number({ error: (iss) => `expected the largest acceptable value, found ${found(iss.input)}` }),
  bound: z.enum(['estimate', 'upper'], { error: (iss) => `expected bound estimate or upper (the confidence interval's upper end), found ${found(iss.input)}` }).default('estimate'),
});

const measure = z.enum(MEASURES, { error: (iss) => `expected a measure, one of ${MEASURES.join(', ')}, found ${found(iss.input)}` });

export const sweepSchema = z.strictObject({
  apiVersion: z.literal(SCENARIO_API_VERSION, { error: (iss) => `expected apiVersion ${SCENARIO_API_VERSION}, found ${found(iss.input)}` }),
  kind: z.literal(SWEEP_KIND, { error: (iss) => `expected kind ${SWEEP_KIND}, found ${found(iss.input)}` }),
  metadata: z.strictObject({
    name: z.string({ error: (iss) => `expected the sweep's name, found ${found(iss.input)}` }).min(1),
    description: z.string().optional(),
  }),
  spec: z.strictObject({
    scenario: z.string({ error: (iss) => `expected the scenario file, relative to this file, found ${found(iss.input)}` }).min(1),
    mode: z.enum(['fast', 'exact'], { error: (iss) => `expected mode fast or exact, found ${found(iss.input)}` }).default('fast'),
    seeds: z.number({ error: (iss) => `expected seeds (runs per configuration and situation) as a whole number, found ${found(iss.input)}` }).int().min(1, { error: 'expected at least 1 seed' }).default(100),
    seed: z.number({ error: (iss) => `expected the first seed as a whole number, found ${found(iss.input)}` }).int().min(0).default(1),
    duration: duration('the longest simulated time per run').optional(),
    confidence: z.number({ error: (iss) => `expected the confidence level as a number between 0 and 1, e.g. 0.95, found ${found(iss.input)}` }).gt(0).lt(1).default(0.95),
    parameters: z.array(parameterSchema, { error: (iss) => `expected parameters as a list, found ${found(iss.input)}` }).default([]),
    situations: z.array(situationSchema, { error: (iss) => `expected situations as a list, found ${found(iss.input)}` }).min(1, { error: 'expected at least one situation' }),
    objective: z
      .strictObject({
        minimise: measure,
        subjectTo: z.partialRecord(measure, boundSchema).default({}),
      })
      .default({ minimise: 'detectionP95', subjectTo: { falseAborts: { max: 0.01, bound: 'estimate' } } }),
  }),
});

export type SweepDocument = z.output<typeof sweepSchema>;

/** The published JSON Schema of the Sweep document (docs/sweep.schema.json), from the definition the loader validates with. */
export function sweepJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://gameday.dev/schemas/sweep-v1alpha1.json',
    title: 'GameDay Simulator Sweep (gameday.dev/v1alpha1)',
    ...(z.toJSONSchema(sweepSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}

/** Whether a YAML text is a Sweep document (for gameday validate). */
export function looksLikeSweep(text: string): boolean {
  return /^kind:\s*Sweep\s*$/m.test(text);
}

/** One knob and the values it takes. */
export interface SweepParameter {
  /** As written, e.g. analysis.threshold. */
  field: string;
  knob: Knob;
  values: Array<string | number>;
}

/** One combination of parameter values (in `parameters` order). */
export interface Configuration {
  index: number;
  values: Array<string | number>;
  /** e.g. "threshold=3 interval=30s". */
  label: string;
}

/** One situation after expansion (one severity, one onset). */
export interface Situation {
  index: number;
  /** e.g. "errors percent=5 onset=1m". */
  name: string;
  /** The situation as declared. */
  group: string;
  /** Prior weight (the declared weight shared evenly by its expansions). */
  weight: number;
  healthy: boolean;
  /** The regression, scheduled at deploy + onset; null for the healthy canary. */
  fault: FaultSpec | null;
  /** Seconds after the deploy. */
  onset: number;
  mode: RunMode;
  /** The list-expanded fault parameters and onset, for tables. */
  variant: Record<string, string | number>;
  /** A replayed rollout (its onset is then after the recorded analysis start); null or absent for a simulated situation. */
  replay?: ReplayRecording | null;
}

export interface SweepPlan {
  name: string;
  description: string | null;
  file: string;
  scenario: LoadedScenario;
  /** The rolled-out Canary, namespace/name. */
  canary: string;
  /** The file that holds it (the scenario's, or an included manifest file): where "apply" writes. */
  canaryFile: string;
  /** When the new revision is deployed (seconds). */
  deployAt: number;
  /** Longest simulated time per run, per configuration (seconds). */
  horizon: number[];
  seeds: number;
  seed: number;
  confidence: number;
  parameters: SweepParameter[];
  configurations: Configuration[];
  situations: Situation[];
  objective: { minimise: Measure; subjectTo: Partial<Record<Measure, { max: number; bound: 'estimate' | 'upper' }>> };
  /** Identifies the sweep and every file it reads: shards merge only when they agree. */
  fingerprint: string;
  /** The compiled Canary of each configuration. */
  canaries: CanarySpec[];
}

export type SweepLoad = { ok: true; plan: SweepPlan; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Total runs of a plan. */
export function runCount(plan: { configurations: readonly unknown[]; situations: readonly unknown[]; seeds: number }): number {
  return plan.configurations.length * plan.situations.length * plan.seeds;
}

/** Which configuration, situation and replicate a run index names (configuration-major). */
export function unitOf(plan: { situations: readonly unknown[]; seeds: number }, u: number): { configuration: number; situation: number; replicate: number } {
  const perConfig = plan.situations.length * plan.seeds;
  return { configuration: Math.floor(u / perConfig), situation: Math.floor((u % perConfig) / plan.seeds), replicate: u % plan.seeds };
}

/** Reads every file a host hands over, remembering them (for the fingerprint). */
function recordingHost(host: ScenarioHost): ScenarioHost & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    readFile(path) {
      const t = host.readFile(path);
      if (t !== null) files.set(path, t);
      return t;
    },
  };
}

/** Values of a range, from..to inclusive, without floating-point drift (0.1 steps stay 99.9, not 99.90000000000001). */
function rangeValues(from: number, to: number, step: number): number[] {
  const decimals = Math.max(...[from, to, step].map((x) => (String(x).split('.')[1] ?? '').length));
  const out: number[] = [];
  const n = Math.floor((to - from) / step + 1e-9);
  for (let i = 0; i <= n; i++) out.push(Number((from + i * step).toFixed(decimals)));
  return out;
}

function label(v: string | number): string {
  return typeof v === 'number' ? String(v) : v;
}

/** Loads a sweep definition, its scenario and checks every knob and regression against the scenario's Canary. */
export function loadSweep(file: string, host: ScenarioHost): SweepLoad {
  const diagnostics: Diagnostic[] = [];
  const files = recordingHost(host);
  const text = files.readFile(file);
  if (text === null) return { ok: false, diagnostics: [{ severity: 'error', file, line: 0, column: 0, path: '', message: 'cannot read the file' }] };
  const parsed = parseYamlFile(file, text);
  diagnostics.push(...parsed.diagnostics);
  if (parsed.documents.length !== 1) {
    if (parsed.documents.length > 1) diagnostics.push({ severity: 'error', file, line: 0, column: 0, path: '', message: `expected one Sweep document, found ${parsed.documents.length}` });
    else if (diagnostics.length === 0) diagnostics.push({ severity: 'error', file, line: 0, column: 0, path: '', message: 'the file is empty: expected a Sweep document' });
    return { ok: false, diagnostics };
  }
  const src = parsed.documents[0];
  if (!isMapping(src.value)) return { ok: false, diagnostics: [...diagnostics, { severity: 'error', file, line: 1, column: 1, path: '', message: `expected a Sweep document (a mapping), found ${found(src.value)}` }] };
  const result = sweepSchema.safeParse(src.value);
  if (!result.success) return { ok: false, diagnostics: [...diagnostics, ...issuesToDiagnostics(result.error.issues, src, sweepSchema)] };
  const doc = result.data;
  const err = (path: Array<string | number>, message: string, key = false) => diagnostics.push({ severity: 'error', file, ...src.locate(path, key), path: formatPath(path), message });
  const warn = (path: Array<string | number>, message: string) => diagnostics.push({ severity: 'warning', file, ...src.locate(path), path: formatPath(path), message });

  const scenarioFile = resolveRelative(dirname(file), doc.spec.scenario);
  const loaded = loadScenario(scenarioFile, files);
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    err(['spec', 'scenario'], `the scenario ${scenarioFile} does not load (${errors.length} error${errors.length === 1 ? '' : 's'}; run gameday validate ${scenarioFile})`);
    return { ok: false, diagnostics: [...diagnostics, ...errors] };
  }
  const scenario = loaded.scenario;
  const flagger = scenario.flagger;
  const canaryId = flagger?.rollout ?? null;
  const base = canaryId ? flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === canaryId) : undefined;
  const deployAt = scenario.document.spec.rollout?.at;
  if (!base || deployAt === undefined) {
    err(['spec', 'scenario'], `the scenario ${scenarioFile} rolls out no Canary: a sweep needs spec.rollout and a Canary with an analysis`);
    return { ok: false, diagnostics };
  }

  // Parameters: each a knob of the rolled-out Canary, each value accepted by the knob.
  const parameters: SweepParameter[] = [];
  doc.spec.parameters.forEach((p, i) => {
    const at = ['spec', 'parameters', i];
    const knob = parseKnobPath(p.field);
    if (!knob) {
      const fields = [...KNOB_ANALYSIS_FIELDS.map((f) => `analysis.${f}`), ...base.analysis.metrics.flatMap((m) => [`metrics.${m.name}.thresholdRange.min`, `metrics.${m.name}.thresholdRange.max`])];
      const hint = suggest(p.field, fields);
      err([...at, 'field'], `${JSON.stringify(p.field)} is not a knob of the Canary${hint ? ` (did you mean ${hint}?)` : ''}; knobs: ${fields.join(', ')}`);
      return;
    }
    if (parameters.some((q) => q.field === p.field)) err([...at, 'field'], `${p.field} is varied twice: give all its values in one parameter`);
    if (knob.kind === 'metric' && !base.analysis.metrics.some((m) => m.name === knob.metric)) {
      const hint = suggest(knob.metric, base.analysis.metrics.map((m) => m.name));
      err([...at, 'field'], `the Canary ${canaryId} has no metric named ${knob.metric}${hint ? ` (did you mean ${hint}?)` : ''}; its metrics: ${base.analysis.metrics.map((m) => m.name).join(', ') || 'none'}`);
      return;
    }
    const values = p.values ?? (p.range ? rangeValues(p.range.from, p.range.to, p.range.step) : []);
    if (values.length === 0) err([...at, 'range'], 'the range has no values: from must be at most to');
    values.forEach((v, j) => {
      const r = withKnob(base, knob, v);
      if ('error' in r) err(p.values ? [...at, 'values', j] : [...at, 'range'], r.error);
    });
    if (new Set(values.map(label)).size !== values.length) err(p.values ? [...at, 'values'] : [...at, 'range'], 'a value appears twice');
    parameters.push({ field: p.field, knob, values });
  });

  // Configurations: the cartesian product, first parameter slowest.
  const configurations: Configuration[] = [];
  const combos = parameters.reduce<Array<Array<string | number>>>((acc, p) => acc.flatMap((c) => p.values.map((v) => [...c, v])), [[]]);
  const canaries: CanarySpec[] = [];
  for (const values of combos) {
    let c: CanarySpec | { error: string } = base;
    values.forEach((v, k) => {
      if (!('error' in c)) c = withKnob(c, parameters[k].knob, v);
    });
    if ('error' in c) continue; // reported above
    configurations.push({ index: configurations.length, values, label: values.map((v, k) => `${shortName(parameters[k].knob)}=${label(v)}`).join(' ') || 'as written' });
    canaries.push(c);
  }

  // Situations: list-valued fault parameters and onsets expand into one situation each.
  const situations: Situation[] = [];
  const app = scenario.world.workloads.find((w) => w.name === base.target && w.namespace === base.namespace)?.app ?? base.target;
  doc.spec.situations.forEach((s, i) => {
    const at = ['spec', 'situations', i];
    if (doc.spec.situations.findIndex((x) => x.name === s.name) !== i) err([...at, 'name'], `a situation named ${s.name} already exists`);
    const onsets = s.onset === undefined ? [0] : Array.isArray(s.onset) ? s.onset : [s.onset];
    const mode: RunMode = s.mode ?? doc.spec.mode;
    if (s.replay) {
      if (s.fault) err([...at, 'replay'], 'a situation is a simulated regression (fault) or a replayed rollout (replay), not both', true);
      if (s.onset !== undefined) err([...at, 'onset'], "a replayed rollout's onset is replay.onset, after the recorded analysis start", true);
      if (s.mode !== undefined) warn([...at, 'mode'], 'a replayed rollout is not simulated: its mode is ignored');
      const recording = loadReplayRecording(s.replay, { sweepFile: file, host: files, canary: base, templates: flagger?.templates ?? [], at, err, warn, report: (d) => diagnostics.push(d) });
      if (recording) {
        situations.push({ index: situations.length, name: s.name, group: s.name, weight: s.weight, healthy: s.replay.healthy, fault: null, onset: s.replay.onset ?? 0, mode, variant: {}, replay: recording });
      }
      return;
    }
    if (!s.fault) {
      if (s.onset !== undefined) warn([...at, 'onset'], 'a healthy situation has no regression: its onset is ignored');
      situations.push({ index: situations.length, name: s.name, group: s.name, weight: s.weight, healthy: true, fault: null, onset: 0, mode, variant: {}, replay: null });
      return;
    }
    for (const key of ['name', 'at']) if (key in s.fault) err([...at, 'fault', key], key === 'at' ? 'a regression starts at the deploy plus its onset: use the situation\'s onset instead of at' : "the situation's name names the regression");
    const listed = Object.entries(s.fault).filter(([k, v]) => Array.isArray(v) && k !== 'target');
    const variants = listed.reduce<Array<Record<string, unknown>>>((acc, [k, v]) => acc.flatMap((x) => (v as unknown[]).map((y) => ({ ...x, [k]: y }))), [{}]);
    const expansions = variants.length * onsets.length;
    for (const variant of variants) {
      for (const onset of onsets) {
        // Aimed at the canary unless the situation names a target (a revision fault's default).
        const type = s.fault.type;
        const aimed = typeof type === 'string' && (FAULT_TARGET_KINDS as Record<string, readonly string[]>)[type]?.includes('version') ? { target: { service: app, version: 'canary' } } : {};
        const compiled = compileLiveFault(scenario, { ...aimed, ...s.fault, ...variant, name: s.name, at: '0s' });
        if (!compiled.ok) {
          for (const e of compiled.errors) {
            // "field: message": located at the field when the situation wrote it.
            const field = /^([A-Za-z]+)(?=[.:[])/.exec(e)?.[1];
            const own = field !== undefined && field in s.fault;
            err(own ? [...at, 'fault', field] : [...at, 'fault'], own && e.startsWith(`${field}: `) ? e.slice(field.length + 2) : e);
          }
          return;
        }
        // compileLiveFault schedules from the injection; here the fault is part of the scenario: its at is absolute.
        const spec: FaultSpec = { ...compiled.fault, origin: 'sweep', schedule: { ...compiled.fault.schedule, at: deployAt + onset } };
        if (mode === 'fast' && !FAST_MODE_FAULTS.includes(spec.params.type)) {
          err([...at, 'fault', 'type'], `fast mode cannot run a ${spec.params.type} regression (it acts on what fast mode does not simulate one by one): set mode: exact on this situation or the sweep; fast mode runs ${FAST_MODE_FAULTS.join(', ')}`);
          return;
        }
        if (spec.target.kind === 'pods' && onset === 0) warn([...at, 'onset'], "a pod fault at the deploy finds none of the new revision's pods (they start then): give an onset after the canary starts, e.g. 30s");
        const v: Record<string, string | number> = {};
        for (const [k] of listed) v[k] = label(variant[k] as string | number);
        if (onsets.length > 1) v.onset = formatDuration(onset);
        const suffix = Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ');
        situations.push({ index: situations.length, name: suffix ? `${s.name} ${suffix}` : s.name, group: s.name, weight: s.weight / expansions, healthy: false, fault: spec, onset, mode, variant: v, replay: null });
      }
    }
  });
  if (doc.spec.situations.length > 0 && !situations.some((s) => s.healthy)) warn(['spec', 'situations'], 'no healthy situation (one without a fault, or a replay with healthy: true): false aborts cannot be measured');
  if (situations.length > 0 && situations.every((s) => s.healthy)) warn(['spec', 'situations'], 'no regression (a situation with a fault, or a replay with healthy: false): missed regressions and detection times cannot be measured');
  for (const [m] of Object.entries(doc.spec.objective.subjectTo)) if (m === doc.spec.objective.minimise) warn(['spec', 'objective', 'subjectTo', m], `${m} is both minimised and bounded`);

  const total = configurations.length * situations.length * doc.spec.seeds;
  if (total > MAX_RUNS) err(['spec', 'seeds'], `the sweep has ${total} runs: at most ${MAX_RUNS} (fewer values or seeds, or several sweeps)`);
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };

  const horizon = canaries.map((c) => Math.max(doc.spec.duration ?? scenario.duration, doc.spec.duration === undefined ? deployAt + rolloutAllowance(c) : 0));
  // Every file read (sweep, scenario, includes) and the sweep's text: shards merge only when all agree.
  const fingerprint = sha256Hex(JSON.stringify([...files.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))));
  return {
    ok: true,
    diagnostics,
    plan: {
      name: doc.metadata.name,
      description: doc.metadata.description ?? null,
      file,
      scenario,
      canary: canaryId as string,
      canaryFile: scenario.manifests.find((m) => m.kind === 'Canary' && `${m.namespace}/${m.name}` === canaryId)?.file ?? scenario.file,
      deployAt,
      horizon,
      seeds: doc.spec.seeds,
      seed: doc.spec.seed,
      confidence: doc.spec.confidence,
      parameters,
      configurations,
      situations,
      objective: { minimise: doc.spec.objective.minimise, subjectTo: doc.spec.objective.subjectTo },
      fingerprint,
      canaries,
    },
  };
}

function shortName(k: Knob): string {
  return k.kind === 'analysis' ? k.field : `${k.metric}.${k.bound}`;
}

/**
 * How long a rollout of this Canary can take once deployed, when the sweep
 * does not say: the steps to the promotion plus the threshold's failed checks,
 * a few ticks for initialisation, promotion and finalising, and the
 * readiness wait. A run stops as soon as the rollout is decided; this only
 * bounds runs that never are.
 */
export function rolloutAllowance(c: CanarySpec): number {
  const a = c.analysis;
  const max = a.maxWeight > 0 ? a.maxWeight : 100;
  const steps = a.iterations > 0 ? a.iterations : a.stepWeights.length > 0 ? a.stepWeights.length : a.stepWeight > 0 ? Math.ceil(max / a.stepWeight) : 1;
  const promotion = a.stepWeightPromotion > 0 ? Math.ceil(100 / a.stepWeightPromotion) : 1;
  return ((steps + promotion + a.threshold + 6) * a.intervalMs) / 1000 + 120;
}

