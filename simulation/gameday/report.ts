import { parseAllDocuments, stringify } from 'yaml';
import { z } from 'zod';
import { FAULT_TYPES, type FaultSpec, type FaultTarget, windows } from '../faults/spec';
import { checkExpectation, type ExpectationResult } from '../run/expect';
import { FastModeUnsupported, type RunAction, type RunResult, Simulation } from '../run/simulation';
import type { ShadowVerdict } from '../run/shadow';
import type { CanarySpec, MetricCheck, MetricSpec, WebhookType } from '../rollout/types';
import { formatDiagnostic, formatPath } from '../scenario/diagnostics';
import { suggest } from '../scenario/issues';
import { type LoadedScenario, loadScenario } from '../scenario/loader';
import { formatDuration } from '../util/duration';
import { budgetChart, type ChartBand, type ChartMarker, escapeXml, formatNumber, metricChart, weightChart } from './charts';
import { clock } from '../util/time';
import type { ExerciseRecord, GameDayPlan } from './record';
import { type ExerciseScore, scoreExercise } from './score';

/**
 * The game-day evidence package (issue 9): what a team hands to a change
 * advisory board or attaches to a post-incident review. It is built by
 * replaying the exercise record (scenario files, seed, mode, action log) —
 * nothing in the record's results is trusted — and holds:
 *
 * - the Canary and MetricTemplates in force, as written in the scenario's files;
 * - the decision timeline: every Flagger event, every participant decision
 *   and live fault from the action log, every burn-rate alert and policy tier
 *   change, each with the evidence at that moment (the checks' values and
 *   thresholds, the canary's weight, alerts firing, the budget remaining);
 * - the outcome and who decided it, the explicit rollback conditions, the
 *   SLO impact, the plan, the remediation notes, the score when given;
 * - with shadow judges (spec.shadowJudges), each judge's verdict on the same
 *   run, on the timeline and beside the outcome, marked shadow: they judged
 *   in dry run and did not act;
 * - the exercise itself (the record, action log included), so it replays.
 *
 * Renderers: Markdown, a self-contained HTML document (inline CSS and SVG
 * charts, no scripts, nothing loaded from anywhere), and JSON with sorted keys.
 */

export const EVIDENCE_FORMAT = 'gameday-evidence/v1';
export const EXERCISE_FORMAT = 'gameday-exercise/v1';

/**
 * The exercise's score, as the report shows it (the scoring module's result
 * adapted to this shape). Times are simulated seconds.
 */
export interface ReportScore {
  /** The change was bad (the ground truth of the scenario and the injected faults). */
  bad: boolean;
  /** When it became bad; null when it never was. */
  badFrom: number | null;
  /** Seconds from `badFrom` to the first sign the team acted on; null: not detected. */
  timeToDetect: number | null;
  /** Seconds from `badFrom` until users were no longer exposed (rolled back or fault ended); null: not mitigated. */
  timeToMitigate: number | null;
  /** Users' exposure to the bad change: requests the canary served while it was bad, until mitigated. */
  blastRadius: number;
  /** Fraction of the error budget the exercise burned (with several SLOs, the most of any). */
  budgetBurned: number;
  /** Each participant decision, judged. */
  decisions: Array<{ t: number; hook: string; decision: string; by: string; justification: string; correct: boolean; why: string }>;
  /** What Flagger alone (no human gates) would have done with the same faults; null when not computed. */
  automatic: { timeToDetect: number | null; timeToMitigate: number | null; blastRadius: number; outcome: string } | null;
  /** Optional detail, in sentences: what the detection and the mitigation were, how the team compared with Flagger alone. */
  detection?: string;
  mitigation?: string;
  summary?: string[];
}

/** The scoring module's result (simulation/gameday/score.ts) in the report's shape. */
export function reportScoreOf(s: ExerciseScore): ReportScore {
  const ex = s.exercise;
  const au = s.automatic;
  return {
    bad: s.truth.bad,
    badFrom: s.truth.badFrom,
    timeToDetect: ex.detection.timeToDetect,
    timeToMitigate: ex.mitigation.timeToMitigate,
    blastRadius: ex.blastRadius.requests,
    budgetBurned: ex.budget.reduce((m, b) => Math.max(m, b.consumed), 0),
    decisions: s.decisions.map((d) => ({ t: d.t, hook: d.hook, decision: d.decision, by: d.by, justification: d.justification, correct: d.correct, why: d.reason })),
    automatic: { timeToDetect: au.detection.timeToDetect, timeToMitigate: au.mitigation.timeToMitigate, blastRadius: au.blastRadius.requests, outcome: au.verdict.what },
    detection: ex.detection.what,
    mitigation: ex.mitigation.what,
    summary: [...s.comparison.summary],
  };
}

/** Scores the exercise (ground truth, the exercise replayed, Flagger alone on the same faults) in the report's shape. */
export function scoreOf(record: ExerciseRecord): ReportScore {
  const scenario = loadExercise(record);
  checkActions(record, scenario);
  return reportScoreOf(replayable(() => scoreExercise(scenario, { seed: record.seed, mode: record.mode, duration: record.duration, actions: record.actions })));
}

/** Runs `f`, turning the errors a run raises for an exercise it cannot replay (fast mode refusing a fault) into ExerciseError. */
function replayable<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FastModeUnsupported) throw new ExerciseError([`the exercise cannot be replayed: ${e.message}`]);
    throw e;
  }
}

/** A manifest in force, as written in the scenario's files (or rendered from the compiled object when its text cannot be found). */
export interface EvidenceManifest {
  kind: 'Canary' | 'MetricTemplate';
  name: string;
  namespace: string;
  file: string;
  source: 'file' | 'compiled';
  yaml: string;
}

/** One metric check's value and bounds. */
export interface EvidenceCheck {
  metric: string;
  value: number | null;
  min: number | null;
  max: number | null;
  ok: boolean;
  unit: string;
  error: string | null;
}

/** What was known at a moment of the exercise. */
export interface EntryEvidence {
  /** Flagger's phase after the latest analysis tick at or before this moment. */
  phase: string | null;
  /** Percent of the traffic the router sent to the canary then (the router's weight, not Flagger's status). */
  canaryWeight: number | null;
  failedChecks: number | null;
  /** Time of the checks listed: this tick for Flagger's events, the latest checks before for everything else. */
  checksAt: number | null;
  checks: EvidenceCheck[];
  alertsFiring: Array<{ slo: string; severity: string; burnRate: number; longWindow: string; shortWindow: string; firedAt: number }>;
  budget: Array<{ slo: string; remaining: number }>;
  /** Faults in force (names). */
  faults: string[];
}

export type EntrySource = 'flagger' | 'participant' | 'facilitator' | 'prometheus' | 'policy' | 'shadow';

/** One line of the decision timeline. */
export interface TimelineEntry {
  t: number;
  source: EntrySource;
  /** Who or what: "Flagger (shop/checkout)", the participant, "facilitator", "Prometheus (SLO x)". */
  by: string;
  /** Flagger's decision kind (advance, halt, rollback…), or decide, inject, cancel, alert-fired, alert-resolved, policy-tier. */
  kind: string;
  /** Warning-level Flagger events and failing signals. */
  warning: boolean;
  /** Routine repeats (e.g. a rollback hook saying "not signaling a rollback" every tick): shown muted. */
  minor: boolean;
  /** Flagger's exact text, or what the participant decided and why. */
  message: string;
  /** Why, in a plain sentence (Flagger's explanation; a decision's effect). */
  explanation: string;
  /** For participant decisions. */
  decision: { hook: string; hookType: string | null; decision: string; justification: string } | null;
  evidence: EntryEvidence;
}

export interface EvidenceOutcome {
  phase: string;
  promoted: boolean;
  /** promoted, rolled-back, held, failed-promotion, undecided */
  result: string;
  decidedAt: number | null;
  reason: string;
  /** Who took the decision that stands, in a sentence. */
  decidedBy: string;
  /** The scenario's `spec.expect` judged on this run (null without one). */
  expectation: ExpectationResult | null;
}

export interface RollbackConditions {
  canary: null | {
    name: string;
    /** Analysis interval, seconds. */
    interval: number;
    threshold: number;
    stepWeight: number;
    stepWeights: number[];
    maxWeight: number;
    iterations: number;
    progressDeadlineSeconds: number;
    metrics: Array<{ name: string; kind: 'builtin' | 'template' | 'query'; interval: string; min: number | null; max: number | null; unit: string; template: string | null }>;
    webhooks: Array<{ name: string; type: string; answeredBy: string; effect: string }>;
  };
  slos: Array<{
    name: string;
    alerting: RunResult['slo'][number]['alerting'];
    tiers: NonNullable<RunResult['slo'][number]['policy']>['tiers'] | null;
    /** Canary webhooks answered by this SLO's error budget policy. */
    gates: string[];
  }>;
  /** The same, as sentences. */
  statements: string[];
}

export interface SloImpact {
  name: string;
  service: string | null;
  objective: number;
  window: string;
  errorBudget: number;
  budget: RunResult['slo'][number]['budget'];
  policy: { start: string; end: string; changes: Array<{ t: number; tier: string; remaining: number }> } | null;
  alerts: RunResult['slo'][number]['alerts'];
  ruleErrors: RunResult['slo'][number]['ruleErrors'];
}

export interface EvidenceCharts {
  end: number;
  weight: Array<{ t: number; canary: number; phase: string }>;
  metrics: Array<{ metric: string; unit: string; min: number | null; max: number | null; points: Array<{ t: number; value: number | null; ok: boolean; error?: string }> }>;
  budgets: Array<{ slo: string; points: Array<{ t: number; remaining: number }>; tiers: Array<{ name: string; above: number | null }>; alerts: ChartBand[] }>;
  faults: ChartBand[];
  markers: ChartMarker[];
}

/** A shadow judge's verdict beside the outcome: what it would have done, in dry run (it did not act). */
export interface EvidenceShadow {
  name: string;
  judge: ShadowVerdict['judge'];
  canary: string;
  verdict: ShadowVerdict['verdict'];
  at: number | null;
  reason: string;
  /** Against the outcome that stands: the same call, another call, or no call (undecided, inconclusive, no outcome). */
  agreement: 'agrees' | 'disagrees' | 'no-call';
}

/** The evidence package as data; the renderers below turn it into Markdown, HTML and JSON. */
export interface EvidencePackage {
  format: typeof EVIDENCE_FORMAT;
  title: string;
  scenario: { name: string; file: string; description: string | null; seed: number; mode: string; duration: number; exportedAt: string | null };
  /** The rolled-out Canary, namespace/name; null when the scenario has none. */
  canary: string | null;
  manifests: EvidenceManifest[];
  outcome: EvidenceOutcome | null;
  /** The shadow judges' verdicts (absent without shadow judges): marked shadow, they did not act. */
  shadow?: EvidenceShadow[];
  timeline: TimelineEntry[];
  conditions: RollbackConditions;
  slo: SloImpact[];
  plan: GameDayPlan | null;
  notes: { remediation: string };
  score: ReportScore | null;
  charts: EvidenceCharts;
  /** The action log (live faults and decisions), replayable with the exercise's scenario files. */
  actions: RunAction[];
  /** The exercise record, so the package replays exactly: `gameday report` reads this file too. */
  exercise: ExerciseRecord;
}

// ---- reading and replaying an exercise record --------------------------------------------------------------------

/** An exercise record that cannot be replayed: every problem, one line each. */
export class ExerciseError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

function found(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return String(x);
}

const text = (what: string) => z.string({ error: (iss) => `expected ${what} (text), found ${found(iss.input)}` });
const num = (what: string) => z.number({ error: (iss) => `expected ${what} (a number), found ${found(iss.input)}` }).refine(Number.isFinite, { error: `expected a finite ${what}` });
const time = num('the simulated second it happened').refine((t) => t >= 0, { error: 'expected a time of zero or more seconds' });

const faultSpecSchema = z.looseObject({
  name: text('the fault name').min(1, { error: 'expected the fault name' }),
  target: z.looseObject({ kind: text('the target kind') }, { error: (iss) => `expected the fault's target, found ${found(iss.input)}` }),
  schedule: z.looseObject(
    {
      at: num('the start, seconds after the injection'),
      // JSON has no Infinity: a fault lasting until the end is written with for: null.
      for: z.number({ error: (iss) => `expected the fault's duration in seconds (null: until the end), found ${found(iss.input)}` }).nullable(),
      rampIn: num('rampIn'),
      rampOut: num('rampOut'),
      repeat: z.object({ every: num('repeat.every'), times: num('repeat.times') }).nullable(),
    },
    { error: (iss) => `expected the fault's schedule, found ${found(iss.input)}` },
  ),
  params: z.looseObject({
    type: z.enum(FAULT_TYPES, { error: (iss) => `expected a fault type (${FAULT_TYPES.join(', ')}), found ${found(iss.input)}` }),
  }),
  origin: z.string().default('live'),
});

const actionSchema = z.discriminatedUnion(
  'action',
  [
    z.object({ t: time, action: z.literal('inject'), fault: faultSpecSchema }),
    z.object({ t: time, action: z.literal('cancel'), name: text('the name of the fault to cancel').min(1) }),
    z.object({
      t: time,
      action: z.literal('decide'),
      hook: text('the human gate (webhook name)').min(1, { error: 'expected the human gate (webhook name)' }),
      decision: z.enum(['approve', 'hold', 'rollback'], { error: (iss) => `expected the decision approve, hold or rollback, found ${found(iss.input)}` }),
      by: text('who decided').refine((s) => s.trim() !== '', { error: 'a decision needs who took it' }),
      justification: text('why').refine((s) => s.trim() !== '', { error: 'a decision needs a justification' }),
    }),
  ],
  { error: (iss) => `expected an action inject, cancel or decide, found ${found((iss.input as { action?: unknown } | undefined)?.action)}` },
);

const planSchema = z.object({
  objective: text('the objective').default(''),
  participants: z
    .array(
      z.object({
        name: text("the participant's name"),
        role: z.enum(['facilitator', 'incident-commander', 'operator', 'observer'], { error: (iss) => `expected the role facilitator, incident-commander, operator or observer, found ${found(iss.input)}` }),
      }),
    )
    .default([]),
  hypothesis: text('the hypothesis').default(''),
  faults: z.array(text('a fault name or type')).default([]),
  hideFaults: z.boolean().default(false),
  blastRadius: text('the blast radius').default(''),
  abortTrigger: text('the abort trigger').default(''),
  observe: z.array(text('what to observe')).default([]),
});

const recordSchema = z.object({
  format: z.literal(EXERCISE_FORMAT, { error: (iss) => `expected "${EXERCISE_FORMAT}" (an exercise record exported by the app) or "${EVIDENCE_FORMAT}" (an evidence package), found ${found(iss.input)}` }),
  scenario: z.object(
    {
      file: text('the scenario file (its path as opened)').min(1, { error: 'expected the scenario file' }),
      files: z.record(z.string(), text("the file's text"), { error: (iss) => `expected the text of the scenario file and of every file it includes, by path, found ${found(iss.input)}` }),
    },
    { error: (iss) => `expected the scenario: { file, files }, found ${found(iss.input)}` },
  ),
  seed: z.number({ error: (iss) => `expected the seed (a whole number), found ${found(iss.input)}` }).refine(Number.isSafeInteger, { error: 'expected the seed to be a whole number' }),
  mode: z.enum(['exact', 'fast'], { error: (iss) => `expected the mode exact or fast, found ${found(iss.input)}` }),
  duration: num('the seconds simulated').refine((d) => d > 0, { error: 'expected the seconds simulated, more than zero' }),
  actions: z.array(actionSchema, { error: (iss) => `expected the action log (a list), found ${found(iss.input)}` }),
  plan: planSchema.nullable().default(null),
  notes: z.object({ remediation: text('the remediation notes') }).default({ remediation: '' }),
  exportedAt: z.string().nullable().default(null),
});

/**
 * Checks parsed JSON as an exercise record (or an evidence package, whose
 * `exercise` it returns) and normalises it (a fault's `for: null` is
 * JSON's rendering of Infinity). Throws ExerciseError naming every problem
 * as `field: message`.
 */
export function readExerciseRecord(value: unknown): ExerciseRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ExerciseError([`expected an exercise record (a JSON object with format "${EXERCISE_FORMAT}"), found ${found(value)}`]);
  const v = value as Record<string, unknown>;
  if (v.format === EVIDENCE_FORMAT) {
    if (typeof v.exercise !== 'object' || v.exercise === null) throw new ExerciseError(['exercise: expected the exercise record the evidence package was built from']);
    try {
      return readExerciseRecord(v.exercise);
    } catch (e) {
      if (e instanceof ExerciseError) throw new ExerciseError(e.problems.map((p) => `exercise.${p}`));
      throw e;
    }
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path as Array<string | number>) || 'record'}: ${i.message}`);
    throw new ExerciseError([...new Set(problems)]);
  }
  const r = parsed.data;
  const problems: string[] = [];
  r.actions.forEach((a, i) => {
    if (i > 0 && a.t < r.actions[i - 1].t) problems.push(`actions[${i}].t: the action log must be in time order: ${clock(a.t)} comes after ${clock(r.actions[i - 1].t)}`);
    if (a.t > r.duration) problems.push(`actions[${i}].t: ${clock(a.t)} is after the end of the exercise (${clock(r.duration)})`);
  });
  if (!(r.scenario.file in r.scenario.files)) {
    const have = Object.keys(r.scenario.files);
    problems.push(`scenario.files: no text for the scenario file ${r.scenario.file}${have.length > 0 ? ` (files: ${have.join(', ')})` : ' (no files at all)'}`);
  }
  if (problems.length > 0) throw new ExerciseError(problems);
  const actions: RunAction[] = r.actions.map((a) => {
    if (a.action !== 'inject') return a.action === 'decide' ? { ...a, by: a.by.trim(), justification: a.justification.trim() } : a;
    const f = a.fault;
    const fault = { ...f, schedule: { ...f.schedule, for: f.schedule.for ?? Infinity } } as unknown as FaultSpec;
    return { t: a.t, action: 'inject', fault };
  });
  return { ...r, actions, plan: r.plan as GameDayPlan | null };
}

/** Loads the record's scenario from its own files; ExerciseError with the loader's diagnostics when it no longer loads. */
export function loadExercise(record: ExerciseRecord): LoadedScenario {
  const files = record.scenario.files;
  const loaded = loadScenario(record.scenario.file, { readFile: (p) => (Object.prototype.hasOwnProperty.call(files, p) ? files[p] : null) });
  if (loaded.ok) return loaded.scenario;
  // A file the loader could not read is one the record does not carry: say so.
  const problems = loaded.diagnostics.map((d) => {
    const line = formatDiagnostic(d);
    const missing = d.message === 'cannot read the file' ? d.file : (/^cannot read included file .* \(resolved to (.+)\)$/.exec(d.message)?.[1] ?? null);
    return missing !== null && !Object.prototype.hasOwnProperty.call(files, missing) ? `${line}: the record's scenario.files has no ${missing}` : line;
  });
  const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  problems.push(`the exercise's scenario ${record.scenario.file} no longer loads (${n} error${n === 1 ? '' : 's'})`);
  throw new ExerciseError(problems);
}

/** Checks the action log against the scenario: known human gates, fault names that exist when cancelled, no two faults of one name. */
function checkActions(record: ExerciseRecord, scenario: LoadedScenario): void {
  const hooks = [...new Set((scenario.flagger?.webhooks ?? []).filter((w) => w.human).map((w) => w.name))];
  const faults = new Set((scenario.faults ?? []).map((f) => f.name));
  const problems: string[] = [];
  record.actions.forEach((a, i) => {
    if (a.action === 'decide' && !hooks.includes(a.hook)) {
      const hint = suggest(a.hook, hooks);
      problems.push(`actions[${i}].hook: no human gate named ${a.hook} in the scenario${hint ? ` (did you mean ${hint}?)` : ''}; ${hooks.length > 0 ? `human gates: ${hooks.join(', ')}` : 'it has none'}`);
    }
    if (a.action === 'inject') {
      if (faults.has(a.fault.name)) problems.push(`actions[${i}].fault.name: a fault named ${a.fault.name} already exists`);
      faults.add(a.fault.name);
    }
    if (a.action === 'cancel' && !faults.has(a.name)) {
      const hint = suggest(a.name, [...faults]);
      problems.push(`actions[${i}].name: no fault named ${a.name} to cancel${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  });
  if (problems.length > 0) throw new ExerciseError(problems);
}

/** Replays the exercise: its scenario, seed, mode, duration and action log. */
export function replayExercise(record: ExerciseRecord): { scenario: LoadedScenario; result: RunResult } {
  const scenario = loadExercise(record);
  checkActions(record, scenario);
  const sim = replayable(() => new Simulation(scenario, { seed: record.seed, mode: record.mode, duration: record.duration, actions: record.actions }));
  return { scenario, result: sim.runToEnd() };
}

// ---- building the package ----------------------------------------------------------------------------------------

const unitOf = (metric: string) => (metric === 'request-success-rate' ? '%' : metric === 'request-duration' ? 'ms' : '');

/** The bounds Flagger uses for a metric (thresholdRange, or the deprecated threshold as Flagger reads it per kind). */
function boundsOf(m: MetricSpec): { min: number | null; max: number | null } {
  if (m.thresholdRange) return { ...m.thresholdRange };
  if (m.name === 'request-success-rate' && !m.templateRef && !m.query) return { min: m.threshold, max: null };
  return { min: null, max: m.threshold };
}

function metricKind(m: MetricSpec): 'builtin' | 'template' | 'query' {
  return m.templateRef ? 'template' : m.query ? 'query' : 'builtin';
}

/** "at least 99 %", "at most 500 ms", "between 1 and 2". */
function rangeText(min: number | null, max: number | null, unit: string): string {
  const u = (v: number) => (unit === '' ? formatNumber(v) : unit === '%' ? `${formatNumber(v)}%` : `${formatNumber(v)} ${unit}`);
  if (min !== null && max !== null) return `between ${u(min)} and ${u(max)}`;
  if (min !== null) return `at least ${u(min)}`;
  if (max !== null) return `at most ${u(max)}`;
  return 'any value';
}

function describeTarget(t: FaultTarget): string {
  switch (t.kind) {
    case 'version':
      return `${t.app} (${t.version === 'all' ? 'every revision' : t.version})`;
    case 'pods':
      return `pods of ${t.workload} (${t.mode}${t.mode === 'one' || t.mode === 'all' ? '' : ` ${t.value}`})`;
    case 'edge':
      return `calls ${t.from ?? 'from anyone'} → ${t.to}`;
    case 'stream':
      return `traffic stream ${t.stream}`;
    case 'provider':
      return 'the metrics provider';
    case 'scrape':
      return t.job === null ? 'every scrape' : `scrapes of job ${t.job}`;
    case 'router':
      return "Flagger's router updates";
  }
  return 'its target';
}

function describeFault(f: FaultSpec): string {
  const params = Object.entries(f.params)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  const s = f.schedule;
  const when = `${s.at > 0 ? `starting ${formatDuration(s.at)} later, ` : ''}${s.for === Infinity ? 'until the end' : `for ${formatDuration(s.for)}`}${s.rampIn > 0 ? `, ramping in over ${formatDuration(s.rampIn)}` : ''}${s.repeat ? `, ${s.repeat.times} times every ${formatDuration(s.repeat.every)}` : ''}`;
  return `${f.params.type}${params ? ` (${params})` : ''} on ${describeTarget(f.target)}, ${when}`;
}

/** The windows each fault was in force: scenario faults on their schedules, live ones from their injection, all cut at a cancellation. */
function faultWindows(scenario: LoadedScenario, actions: readonly RunAction[], end: number): ChartBand[] {
  const cancels = new Map<string, number>();
  for (const a of actions) if (a.action === 'cancel' && !cancels.has(a.name)) cancels.set(a.name, a.t);
  const specs: FaultSpec[] = [
    ...(scenario.faults ?? []),
    ...actions.flatMap((a) => (a.action === 'inject' ? [{ ...a.fault, schedule: { ...a.fault.schedule, at: a.t + a.fault.schedule.at } }] : [])),
  ];
  const out: ChartBand[] = [];
  for (const spec of specs) {
    const stop = Math.min(end, cancels.get(spec.name) ?? Infinity);
    for (const [from, to] of windows(spec.schedule, end)) {
      const b = { from, to: Math.min(to, stop) };
      if (b.to > b.from) out.push({ ...b, label: `${spec.name} (${spec.params.type})` });
    }
  }
  return out.sort((a, b) => a.from - b.from || a.to - b.to);
}

function outcomeResult(o: NonNullable<RunResult['outcome']>): string {
  if (o.promoted) return 'promoted';
  if (o.phase === 'Waiting' || o.phase === 'WaitingPromotion') return 'held';
  if (o.phase === 'Failed') return o.reason.startsWith('Promotion of') ? 'failed-promotion' : 'rolled-back';
  return 'undecided';
}

const JUDGE_TEXT: Record<ShadowVerdict['judge'], string> = { argo: 'Argo AnalysisRun', kayenta: 'Kayenta', consecutive: 'consecutive failed checks' };
const SHADOW_TEXT: Record<ShadowVerdict['verdict'], string> = { promote: 'would promote', rollback: 'would roll back', inconclusive: 'inconclusive, would pause for a person', undecided: 'undecided' };
const AGREEMENT_TEXT: Record<EvidenceShadow['agreement'], string> = { agrees: 'agrees', disagrees: 'DISAGREES', 'no-call': 'no call' };

function shadowRows(pkg: EvidencePackage): string[][] {
  return (pkg.shadow ?? []).map((v) => [v.name, JUDGE_TEXT[v.judge], `${SHADOW_TEXT[v.verdict]}${v.at !== null ? ` at ${clock(v.at)}` : ''}`, AGREEMENT_TEXT[v.agreement], v.reason]);
}

const SHADOW_INTRO = 'Other judges evaluated the same run in dry run, beside Flagger: they read the same Prometheus and did not act on the rollout. Their verdicts are for comparison only.';

const RESULT_TEXT: Record<string, string> = {
  promoted: 'Promoted',
  'rolled-back': 'Rolled back',
  held: 'Held at a gate',
  'failed-promotion': 'Promotion failed',
  undecided: 'Undecided',
};

function hookTypeOf(canary: CanarySpec | null, hook: string): WebhookType | null {
  return canary?.analysis.webhooks.find((w) => w.name === hook)?.type ?? null;
}

/** What a participant's decision does to Flagger, given the hook's type (simulation/run/gates.ts). */
function decisionEffect(type: string | null, decision: string, hook: string): string {
  if (decision === 'rollback') return `The team pulls the plug: every rollback hook bound to the participants now answers 200, so Flagger rolls the canary back at its next analysis tick${type && type !== 'rollback' ? ` (and ${hook} stays closed)` : ''}.`;
  if (type === 'confirm-rollout' || type === 'confirm-traffic-increase' || type === 'confirm-promotion') {
    const what = type === 'confirm-rollout' ? 'start the rollout' : type === 'confirm-traffic-increase' ? 'increase the canary weight' : 'promote the canary';
    return decision === 'approve' ? `The ${type} gate ${hook} opens (200): Flagger may ${what} at its next tick, if its checks pass.` : `The ${type} gate ${hook} stays closed (403): Flagger holds the canary where it is.`;
  }
  if (type === 'rollback') return decision === 'approve' ? `No effect on the rollback hook ${hook}: only a rollback decision makes it answer 200.` : `The rollback hook ${hook} keeps answering 403: no rollback.`;
  return decision === 'approve' ? `The ${type ?? ''} hook ${hook} answers 200.` : `The ${type ?? ''} hook ${hook} answers 403: Flagger counts a failed check at each call.`;
}

/** Builds the evidence package by replaying the exercise record. Throws ExerciseError when it cannot be replayed. */
export function buildEvidence(record: ExerciseRecord, score?: ReportScore | null): EvidencePackage {
  const { scenario, result } = replayExercise(record);
  const end = record.duration;
  const canary = scenario.flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === result.canary) ?? null;
  const actions = [...record.actions];
  const faults = faultWindows(scenario, actions, end);

  // ---- evidence at a moment
  const tickAt = (t: number) => {
    let last: RunResult['timeline'][number] | null = null;
    for (const x of result.timeline) if (x.t <= t) last = x;
    return last;
  };
  const checkTimes = [...new Set(result.checks.map((c) => c.t))];
  const toEvidenceCheck = (c: MetricCheck): EvidenceCheck => ({ metric: c.metric, value: c.value, min: c.min, max: c.max, ok: c.ok, unit: unitOf(c.metric), error: c.error ?? null });
  const evidenceAt = (t: number, exactChecks: boolean): EntryEvidence => {
    const tick = tickAt(t);
    let checksAt: number | null = null;
    if (exactChecks) checksAt = checkTimes.includes(t) ? t : null;
    else for (const x of checkTimes) if (x <= t) checksAt = x;
    return {
      phase: tick?.phase ?? null,
      canaryWeight: tick ? 100 - tick.primaryWeight : null,
      failedChecks: tick?.failedChecks ?? null,
      checksAt,
      checks: checksAt === null ? [] : result.checks.filter((c) => c.t === checksAt).map(toEvidenceCheck),
      alertsFiring: result.slo.flatMap((s) =>
        s.alerts
          .filter((a) => a.firedAt !== null && a.firedAt <= t && (a.resolvedAt === null || a.resolvedAt > t))
          .map((a) => ({ slo: s.name, severity: a.severity, burnRate: a.burnRate, longWindow: a.longWindow, shortWindow: a.shortWindow, firedAt: a.firedAt as number })),
      ),
      budget: result.slo.map((s) => {
        let remaining = s.budget.start;
        for (const h of s.history) if (h.t <= t) remaining = h.remaining;
        return { slo: s.name, remaining };
      }),
      faults: [...new Set(faults.filter((f) => f.from <= t && t < f.to).map((f) => f.label.replace(/ \(.*\)$/, '')))],
    };
  };

  // ---- the timeline: Flagger, then rule evaluations, then the log's actions at one instant (actions apply after every event at their time)
  const rows: Array<TimelineEntry & { rank: number; seq: number }> = [];
  let seq = 0;
  const flaggerName = `Flagger (${result.canary ?? 'canary'})`;
  const seen = new Map<string, number>();
  for (const e of result.events) {
    const kind = e.explanation?.decision ?? 'info';
    // Messages that repeat every tick unchanged (a rollback hook not signalling) are routine after their first time.
    const count = (seen.get(e.message) ?? 0) + 1;
    seen.set(e.message, count);
    const routine = kind === 'info' && count > 1;
    rows.push({
      t: e.t,
      source: 'flagger',
      by: flaggerName,
      kind,
      warning: e.type === 'Warning',
      minor: routine,
      message: e.message,
      explanation: e.explanation && e.explanation.summary !== e.message ? e.explanation.summary : '',
      decision: null,
      evidence: evidenceAt(e.t, true),
      rank: 0,
      seq: seq++,
    });
  }
  for (const s of result.slo) {
    const who = `Prometheus (${s.alerting.name}, SLO ${s.name})`;
    for (const a of s.alerts) {
      const rule = `${a.severity} alert: burn rate ${formatNumber(a.burnRate)}× over ${a.longWindow} and ${a.shortWindow}`;
      if (a.firedAt !== null) rows.push({ t: a.firedAt, source: 'prometheus', by: who, kind: 'alert-fired', warning: true, minor: false, message: `${rule} fired`, explanation: `The error budget of ${s.name} is burning at least ${formatNumber(a.burnRate)} times as fast as the SLO allows, over both windows.`, decision: null, evidence: evidenceAt(a.firedAt, false), rank: 1, seq: seq++ });
      if (a.firedAt !== null && a.resolvedAt !== null) rows.push({ t: a.resolvedAt, source: 'prometheus', by: who, kind: 'alert-resolved', warning: false, minor: false, message: `${rule} resolved`, explanation: `The burn rate fell back under ${formatNumber(a.burnRate)}× in at least one of the windows.`, decision: null, evidence: evidenceAt(a.resolvedAt, false), rank: 1, seq: seq++ });
    }
    for (const c of s.policy?.changes ?? []) {
      if (c.t === 0) continue;
      const tier = s.policy?.tiers.find((x) => x.name === c.tier);
      const acts = tier ? [tier.holdRollouts ? 'holds rollouts' : '', tier.haltPromotion ? 'halts promotion' : '', tier.rollback ? 'rolls back' : ''].filter(Boolean) : [];
      rows.push({
        t: c.t,
        source: 'policy',
        by: `error budget policy (SLO ${s.name})`,
        kind: 'policy-tier',
        warning: acts.length > 0,
        minor: false,
        message: `Tier ${c.tier}: ${formatPercent(c.remaining)} of the budget remaining`,
        explanation: acts.length > 0 ? `The policy now ${acts.join(', ')}: webhooks bound to it answer accordingly.` : 'This tier does not gate rollouts.',
        decision: null,
        evidence: evidenceAt(c.t, false),
        rank: 1,
        seq: seq++,
      });
    }
  }
  for (const v of result.shadow ?? []) {
    if (v.at === null || v.verdict === 'undecided') continue;
    rows.push({
      t: v.at,
      source: 'shadow',
      by: `shadow judge ${v.name} (${JUDGE_TEXT[v.judge]})`,
      kind: `shadow-${v.verdict}`,
      warning: v.verdict === 'rollback',
      minor: false,
      message: `Shadow verdict (dry run, not acted on): ${SHADOW_TEXT[v.verdict]}`,
      explanation: v.reason,
      decision: null,
      evidence: evidenceAt(v.at, false),
      rank: 1,
      seq: seq++,
    });
  }
  for (const a of actions) {
    if (a.action === 'decide') {
      const type = hookTypeOf(canary, a.hook);
      rows.push({
        t: a.t,
        source: 'participant',
        by: a.by,
        kind: 'decide',
        warning: a.decision === 'rollback',
        minor: false,
        message: `${a.decision} on ${a.hook}${type ? ` (${type})` : ''}: “${a.justification}”`,
        explanation: decisionEffect(type, a.decision, a.hook),
        decision: { hook: a.hook, hookType: type, decision: a.decision, justification: a.justification },
        evidence: evidenceAt(a.t, false),
        rank: 2,
        seq: seq++,
      });
    } else if (a.action === 'inject') {
      rows.push({ t: a.t, source: 'facilitator', by: 'facilitator', kind: 'inject', warning: true, minor: false, message: `Injected fault ${a.fault.name}: ${describeFault(a.fault)}`, explanation: 'A live fault from the palette (the action log replays it at this time).', decision: null, evidence: evidenceAt(a.t, false), rank: 2, seq: seq++ });
    } else {
      rows.push({ t: a.t, source: 'facilitator', by: 'facilitator', kind: 'cancel', warning: false, minor: false, message: `Cancelled fault ${a.name}`, explanation: 'The fault ends now, whatever its schedule.', decision: null, evidence: evidenceAt(a.t, false), rank: 2, seq: seq++ });
    }
  }
  rows.sort((a, b) => a.t - b.t || a.rank - b.rank || a.seq - b.seq);
  const timeline: TimelineEntry[] = rows.map(({ rank: _rank, seq: _seq, ...e }) => e);

  // ---- the outcome and who decided it
  let outcome: EvidenceOutcome | null = null;
  if (result.outcome) {
    const o = result.outcome;
    const res = outcomeResult(o);
    const decisions = actions.filter((a): a is Extract<RunAction, { action: 'decide' }> => a.action === 'decide');
    const at = o.decidedAt ?? end;
    let decidedBy: string;
    const pulled = decisions.find((d) => d.decision === 'rollback' && d.t <= at);
    if (res === 'rolled-back' && o.reason.includes('manual webhook invoked') && pulled) decidedBy = `the participants: ${pulled.by} decided to roll back at ${clock(pulled.t)} (“${pulled.justification}”); Flagger rolled back at its next tick`;
    else if (res === 'rolled-back' || res === 'failed-promotion') decidedBy = `Flagger's analysis: ${o.reason}`;
    else if (res === 'promoted') {
      const approvals = decisions.filter((d) => d.decision === 'approve' && d.t <= at && hookTypeOf(canary, d.hook)?.startsWith('confirm-'));
      const last = approvals[approvals.length - 1];
      decidedBy = last ? `Flagger, through the gate ${last.hook} that ${last.by} approved at ${clock(last.t)} (“${last.justification}”)` : "Flagger's analysis: every check passed";
    } else if (res === 'held') {
      const gate = [...result.events].reverse().find((e) => /^Halt \S+ advancement waiting for/.test(e.message));
      decidedBy = gate ? `nobody yet: ${gate.message}` : 'nobody yet: the canary waits at a gate';
    } else decidedBy = 'nobody: the exercise ended before a decision';
    outcome = { phase: o.phase, promoted: o.promoted, result: res, decidedAt: o.decidedAt, reason: o.reason, decidedBy, expectation: scenario.expect ? checkExpectation(scenario.expect, result) : null };
  }

  // ---- the shadow judges beside the outcome
  const shadow = result.shadow?.map((v): EvidenceShadow => {
    const res = outcome?.result ?? null;
    const same = (v.verdict === 'promote' && res === 'promoted') || (v.verdict === 'rollback' && res === 'rolled-back');
    const other = (v.verdict === 'promote' && res === 'rolled-back') || (v.verdict === 'rollback' && res === 'promoted');
    return { name: v.name, judge: v.judge, canary: v.canary, verdict: v.verdict, at: v.at, reason: v.reason, agreement: same ? 'agrees' : other ? 'disagrees' : 'no-call' };
  });

  // ---- rollback conditions
  const statements: string[] = [];
  let canaryConditions: RollbackConditions['canary'] = null;
  if (canary) {
    const a = canary.analysis;
    const interval = a.intervalMs / 1000;
    const metrics = a.metrics.map((m) => {
      const b = boundsOf(m);
      return { name: m.name, kind: metricKind(m), interval: m.interval || (m.templateRef ? '' : '1m'), min: b.min, max: b.max, unit: unitOf(m.name), template: m.templateRef ? `${m.templateRef.namespace}/${m.templateRef.name}` : null };
    });
    const bindings = scenario.flagger?.webhooks ?? [];
    const webhooks = a.webhooks.map((h) => {
      const b = bindings.find((w) => w.name === h.name && (w.canary === null || w.canary === `${canary.namespace}/${canary.name}`));
      const answeredBy = b?.human ? 'the participants' : b?.errorBudget ? `the error budget policy of SLO ${b.errorBudget}` : 'scripted responses';
      const effect =
        h.type === 'rollback'
          ? 'answering 200 rolls the canary back at the next tick'
          : h.type.startsWith('confirm-')
            ? 'answering anything but 200 holds the canary at this gate (no rollback)'
            : h.type === 'pre-rollout' || h.type === 'rollout'
              ? 'a failed call counts as a failed check'
              : 'informational';
      return { name: h.name, type: h.type, answeredBy, effect };
    });
    canaryConditions = {
      name: `${canary.namespace}/${canary.name}`,
      interval,
      threshold: a.threshold,
      stepWeight: a.stepWeight,
      stepWeights: [...a.stepWeights],
      maxWeight: a.maxWeight,
      iterations: a.iterations,
      progressDeadlineSeconds: canary.progressDeadlineSeconds,
      metrics,
      webhooks,
    };
    const steps = a.iterations > 0 ? `${a.iterations} iterations` : a.stepWeights.length > 0 ? `weights ${a.stepWeights.join(', ')}%` : `steps of ${a.stepWeight}% up to ${a.maxWeight || 100}%`;
    statements.push(`Flagger analyses ${canaryConditions.name} every ${formatDuration(interval)} (${steps}); every metric check must pass at each tick for the canary to advance.`);
    for (const m of metrics) statements.push(`${m.name}${m.template ? ` (MetricTemplate ${m.template})` : ''}${m.interval ? ` over ${m.interval}` : ''} must be ${rangeText(m.min, m.max, m.unit)}; a value outside, or no value, is a failed check.`);
    statements.push(`${a.threshold} failed check${a.threshold === 1 ? '' : 's'} (threshold) roll${a.threshold === 1 ? 's' : ''} the canary back at the next tick: all traffic returns to the primary.`);
    statements.push(`A canary whose pods are not ready within progressDeadlineSeconds (${canary.progressDeadlineSeconds} s) is rolled back.`);
    for (const w of webhooks) if (w.type === 'rollback' || w.type.startsWith('confirm-') || w.type === 'pre-rollout' || w.type === 'rollout') statements.push(`Webhook ${w.name} (${w.type}, answered by ${w.answeredBy}): ${w.effect}.`);
  } else statements.push('The scenario rolls out no Canary: nothing for Flagger to roll back.');
  const slos: RollbackConditions['slos'] = result.slo.map((s) => {
    const gates = (scenario.flagger?.webhooks ?? []).filter((w) => w.errorBudget === s.name).map((w) => w.name);
    return { name: s.name, alerting: s.alerting, tiers: s.policy?.tiers ?? null, gates };
  });
  for (const s of slos) {
    const rows2 = s.alerting.windows.map((w) => `${w.severity} at ${formatNumber(w.burnRate)}× over ${w.longWindow} and ${w.shortWindow}${w.for > 0 ? ` for ${formatDuration(w.for)}` : ''}`);
    statements.push(`SLO ${s.name}: ${s.alerting.name} alerts (evaluated every ${formatDuration(s.alerting.evaluationInterval)}): ${rows2.join('; ')}.`);
    if (s.tiers) {
      const gating = s.tiers.filter((t) => t.holdRollouts || t.haltPromotion || t.rollback).map((t) => `${t.name} (${t.above === null ? 'budget exhausted' : `at most ${formatPercent(tierCeiling(s.tiers ?? [], t))} remaining`}: ${[t.holdRollouts ? 'hold rollouts' : '', t.haltPromotion ? 'halt promotion' : '', t.rollback ? 'roll back' : ''].filter(Boolean).join(', ')})`);
      statements.push(`SLO ${s.name}'s error budget policy${s.gates.length > 0 ? `, answering ${s.gates.join(', ')},` : ' (no webhook is bound to it)'} gates at ${gating.length > 0 ? gating.join('; ') : 'no tier'}.`);
    }
  }

  // ---- charts
  // Marker labels stay short (the timeline says the rest): the decision and who, cut at 18 characters.
  const short = (x: string) => (x.length > 18 ? `${x.slice(0, 17)}…` : x);
  const markers: ChartMarker[] = actions.flatMap((a) => (a.action === 'decide' ? [{ t: a.t, label: `${a.decision}: ${short(a.by)}`, kind: 'decision' as const }] : []));
  if (outcome && outcome.decidedAt !== null) markers.push({ t: outcome.decidedAt, label: RESULT_TEXT[outcome.result] ?? outcome.result, kind: 'outcome' });
  const metricNames = [...new Set([...(canary?.analysis.metrics.map((m) => m.name) ?? []), ...result.checks.map((c) => c.metric)])];
  const charts: EvidenceCharts = {
    end,
    weight: result.timeline.map((x) => ({ t: x.t, canary: 100 - x.primaryWeight, phase: x.phase })),
    metrics: metricNames.map((name) => {
      const checks = result.checks.filter((c) => c.metric === name);
      const spec = canary?.analysis.metrics.find((m) => m.name === name);
      const last = checks[checks.length - 1];
      const b = last ? { min: last.min, max: last.max } : spec ? boundsOf(spec) : { min: null, max: null };
      return { metric: name, unit: unitOf(name), ...b, points: checks.map((c) => ({ t: c.t, value: c.value, ok: c.ok, ...(c.error ? { error: c.error } : {}) })) };
    }),
    budgets: result.slo.map((s) => ({
      slo: s.name,
      points: [{ t: 0, remaining: s.budget.start }, ...s.history.filter((h) => h.t > 0).map((h) => ({ t: h.t, remaining: h.remaining }))],
      tiers: (s.policy?.tiers ?? []).map((t) => ({ name: t.name, above: t.above })),
      alerts: s.alerts.flatMap((a) => (a.firedAt === null ? [] : [{ from: a.firedAt, to: a.resolvedAt ?? end, label: `${a.severity} ${formatNumber(a.burnRate)}× ${a.longWindow}/${a.shortWindow}` }])),
    })),
    faults,
    markers,
  };

  return {
    format: EVIDENCE_FORMAT,
    title: `Game-day evidence: ${scenario.name}`,
    scenario: { name: scenario.name, file: scenario.file, description: scenario.description ?? null, seed: record.seed, mode: record.mode, duration: end, exportedAt: record.exportedAt },
    canary: result.canary,
    manifests: manifestsInForce(record, scenario, canary),
    outcome,
    ...(shadow ? { shadow } : {}),
    timeline,
    conditions: { canary: canaryConditions, slos, statements },
    slo: result.slo.map((s) => ({
      name: s.name,
      service: s.service,
      objective: s.objective,
      window: s.window,
      errorBudget: s.errorBudget,
      budget: s.budget,
      policy: s.policy ? { start: s.policy.start, end: s.policy.end, changes: s.policy.changes } : null,
      alerts: s.alerts,
      ruleErrors: s.ruleErrors,
    })),
    plan: record.plan,
    notes: { remediation: record.notes.remediation },
    score: score ?? null,
    charts,
    actions,
    exercise: { ...record, actions },
  };
}

/** The upper bound (fraction remaining) of a tier: the `above` of the tier before it. */
function tierCeiling(tiers: ReadonlyArray<{ name: string; above: number | null }>, t: { name: string }): number {
  const i = tiers.findIndex((x) => x.name === t.name);
  return i > 0 ? (tiers[i - 1].above ?? 1) : 1;
}

/** The rolled-out Canary and the MetricTemplates its metrics reference, as written in the record's files. */
function manifestsInForce(record: ExerciseRecord, scenario: LoadedScenario, canary: CanarySpec | null): EvidenceManifest[] {
  if (!canary) return [];
  const wanted: Array<{ kind: 'Canary' | 'MetricTemplate'; name: string; namespace: string }> = [{ kind: 'Canary', name: canary.name, namespace: canary.namespace }];
  for (const m of canary.analysis.metrics) {
    if (m.templateRef && !wanted.some((w) => w.kind === 'MetricTemplate' && w.name === m.templateRef?.name && w.namespace === m.templateRef.namespace)) wanted.push({ kind: 'MetricTemplate', ...m.templateRef });
  }
  const out: EvidenceManifest[] = [];
  for (const w of wanted) {
    const m = scenario.manifests.find((x) => x.kind === w.kind && x.name === w.name && x.namespace === w.namespace);
    if (!m) continue;
    const source = record.scenario.files[m.file];
    const written = source === undefined ? null : documentText(source, w.kind, w.name);
    out.push({ kind: w.kind, name: w.name, namespace: w.namespace, file: m.file, source: written === null ? 'compiled' : 'file', yaml: written ?? stringify(m.value) });
  }
  return out;
}

/** The text of the document of a kind and name in a multi-document YAML file, without its `---` line. */
function documentText(source: string, kind: string, name: string): string | null {
  let docs;
  try {
    docs = parseAllDocuments(source);
  } catch {
    return null;
  }
  if (!Array.isArray(docs)) return null;
  for (const d of docs) {
    let v: unknown;
    try {
      v = d.toJS();
    } catch {
      continue;
    }
    const o = v as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (!o || typeof o !== 'object' || o.kind !== kind || o.metadata?.name !== name) continue;
    const raw = source.slice(d.range[0], d.range[2]).replace(/^---[^\n]*\n/, '');
    return `${raw.replace(/\s+$/, '')}\n`;
  }
  return null;
}

// ---- shared formatting -----------------------------------------------------------------------------------------------

/** A fraction as a percentage with enough digits to show small changes. */
export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (p === 0 || Number.isInteger(p)) return `${p}%`;
  const a = Math.abs(p);
  if (a >= 99 && a < 100) {
    // 99.9968 % must not round to 100 %.
    const digits = Math.min(6, Math.max(2, Math.ceil(-Math.log10(100 - a)) + 1));
    return `${p.toFixed(digits)}%`;
  }
  if (a >= 10) return `${p.toFixed(2)}%`;
  if (a >= 0.01) return `${Number(p.toPrecision(3))}%`;
  return `${Number(p.toPrecision(2))}%`;
}

function checkText(c: EvidenceCheck): string {
  const v = c.value === null ? 'no value' : c.unit === '%' ? `${formatNumber(c.value)}%` : c.unit ? `${formatNumber(c.value)} ${c.unit}` : formatNumber(c.value);
  const range = rangeText(c.min, c.max, c.unit);
  return `${c.metric} ${v} (${c.ok ? 'ok' : 'FAILED'}: ${range})`;
}

/** The evidence of an entry as short phrases. */
function evidencePhrases(e: EntryEvidence): string[] {
  const out: string[] = [];
  if (e.canaryWeight !== null) out.push(`canary ${e.canaryWeight}%${e.phase ? ` (${e.phase}${e.failedChecks ? `, ${e.failedChecks} failed` : ''})` : ''}`);
  if (e.checks.length > 0) out.push(`checks at ${clock(e.checksAt ?? 0)}: ${e.checks.map(checkText).join('; ')}`);
  if (e.alertsFiring.length > 0) out.push(`alerts firing: ${e.alertsFiring.map((a) => `${a.slo} ${a.severity} ${formatNumber(a.burnRate)}× (since ${clock(a.firedAt)})`).join(', ')}`);
  for (const b of e.budget) out.push(`budget ${b.slo} ${formatPercent(b.remaining)}`);
  if (e.faults.length > 0) out.push(`faults: ${e.faults.join(', ')}`);
  return out;
}

/** JSON with object keys sorted at every level: the same package always gives the same bytes. */
export function canonicalJson(value: unknown, indent = 2): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = sort(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, indent);
}

/** The package as JSON: keys sorted, the exercise record (action log included) inside, so `gameday report` replays it. */
export function toJson(pkg: EvidencePackage): string {
  return `${canonicalJson(pkg)}\n`;
}

const SOURCE_LABEL: Record<EntrySource, string> = { flagger: 'Flagger', participant: 'participant', facilitator: 'facilitator', prometheus: 'alert', policy: 'policy', shadow: 'shadow' };

/** Who, for the timeline's Markdown: participants are marked as such (the other sources name themselves). */
const whoText = (e: TimelineEntry) => (e.source === 'participant' ? `${e.by} (participant)` : e.by);

function scoreRows(s: ReportScore, o: EvidenceOutcome | null): Array<[string, string, string]> {
  // Without a bad canary there is nothing to detect or mitigate: a dash, not "never".
  const dur = (x: number | null) => (x === null ? (s.bad ? 'never' : '—') : formatDuration(x));
  const a = s.automatic;
  return [
    ['time to detect', dur(s.timeToDetect), a ? dur(a.timeToDetect) : '—'],
    ['time to mitigate', dur(s.timeToMitigate), a ? dur(a.timeToMitigate) : '—'],
    ['blast radius (requests the bad canary served)', formatNumber(s.blastRadius), a ? formatNumber(a.blastRadius) : '—'],
    ['error budget burned', formatPercent(s.budgetBurned), '—'],
    ['outcome', o ? `${RESULT_TEXT[o.result] ?? o.result}${o.decidedAt !== null ? ` at ${clock(o.decidedAt)}` : ''}` : 'no rollout', a ? a.outcome : '—'],
  ];
}

// ---- Markdown ------------------------------------------------------------------------------------------------------------

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

function fence(body: string, lang: string): string {
  let ticks = '```';
  while (body.includes(ticks)) ticks += '`';
  return `${ticks}${lang}\n${body.replace(/\n$/, '')}\n${ticks}`;
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.map(mdCell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

/** The package as Markdown (GitHub-flavoured: tables, fenced code). */
export function toMarkdown(pkg: EvidencePackage): string {
  const s = pkg.scenario;
  const out: string[] = [];
  out.push(`# ${pkg.title}`);
  out.push(
    `Scenario **${s.name}** (\`${s.file}\`), seed ${s.seed}, ${s.mode} mode, ${clock(s.duration)} simulated${pkg.canary ? `; Canary **${pkg.canary}**` : ''}.${s.exportedAt ? ` Exercise exported ${s.exportedAt}.` : ''}${s.description ? `\n\n${s.description}` : ''}`,
  );
  out.push('Replayed from the exercise record: every number below comes from the simulation, not from the file. `gameday report` on the JSON package replays it again.');

  out.push('## Outcome');
  const o = pkg.outcome;
  if (o) {
    out.push(
      [
        `**${RESULT_TEXT[o.result] ?? o.result}** (phase ${o.phase})${o.decidedAt !== null ? ` at ${clock(o.decidedAt)}` : ''}.`,
        '',
        `- Reason: ${o.reason}`,
        `- Decided by: ${o.decidedBy}`,
        ...(o.expectation ? [`- The scenario's expected outcome (${o.expectation.expected.outcome}): ${o.expectation.met ? 'met' : `missed — ${o.expectation.mismatches.join('; ')}`}`] : []),
      ].join('\n'),
    );
  } else out.push('No Canary was rolled out: no promotion or rollback to report.');
  if (pkg.shadow) {
    out.push('### Shadow judges (dry run: they did not act)');
    out.push(SHADOW_INTRO);
    out.push(mdTable(['shadow judge', 'judge', 'verdict', 'against the outcome', 'why'], shadowRows(pkg)));
  }

  out.push('## Plan');
  const p = pkg.plan;
  if (p) {
    out.push(
      [
        `- Objective: ${p.objective || '—'}`,
        `- Participants: ${p.participants.length > 0 ? p.participants.map((x) => `${x.name} (${x.role})`).join(', ') : '—'}`,
        `- Hypothesis: ${p.hypothesis || '—'}`,
        `- Faults: ${p.faults.length > 0 ? p.faults.join(', ') : '—'}${p.hideFaults ? ' (hidden from the participants)' : ''}`,
        `- Blast radius: ${p.blastRadius || '—'}`,
        `- Abort trigger: ${p.abortTrigger || '—'}`,
        `- Observe: ${p.observe.length > 0 ? p.observe.join('; ') : '—'}`,
      ].join('\n'),
    );
  } else out.push('No plan was recorded for this exercise.');

  if (pkg.score) {
    const sc = pkg.score;
    out.push('## Score');
    out.push(sc.bad ? `The change was **bad**${sc.badFrom !== null ? ` from ${clock(sc.badFrom)}` : ''}.` : 'The change was **good**: the right call was to promote it.');
    out.push(mdTable(['measure', 'the team', 'Flagger alone'], scoreRows(sc, pkg.outcome)));
    const detail = [...(sc.detection ? [`Detection: ${sc.detection}`] : []), ...(sc.mitigation ? [`Mitigation: ${sc.mitigation}`] : []), ...(sc.summary ?? [])];
    if (detail.length > 0) out.push(detail.map((x) => `- ${x}`).join('\n'));
    if (sc.decisions.length > 0) {
      out.push('### Decisions, judged');
      out.push(mdTable(['time', 'who', 'decision', 'justification', 'verdict', 'why'], sc.decisions.map((d) => [clock(d.t), d.by, `${d.decision} on ${d.hook}`, d.justification, d.correct ? 'right call' : 'wrong call', d.why])));
    }
  }

  out.push('## Decision timeline');
  out.push(`Every Flagger event, every decision and live fault of the action log, every burn-rate alert and policy tier change, with what was known at that moment.${pkg.shadow ? ' Shadow judges\' verdicts are marked shadow: they did not act.' : ''}`);
  out.push(
    mdTable(
      ['time', 'who', 'what', 'why', 'evidence then'],
      pkg.timeline.map((e) => [clock(e.t), whoText(e), e.minor || e.source === 'shadow' ? `_${e.message}_` : e.source === 'participant' ? `**${e.message}**` : e.message, e.explanation, evidencePhrases(e.evidence).join('; ')]),
    ),
  );

  out.push('## Rollback conditions');
  out.push(pkg.conditions.statements.map((x) => `- ${x}`).join('\n'));
  const c = pkg.conditions.canary;
  if (c) {
    out.push(mdTable(['metric', 'kind', 'interval', 'accepted range'], c.metrics.map((m) => [m.name, m.template ? `template ${m.template}` : m.kind, m.interval || '—', rangeText(m.min, m.max, m.unit)])));
  }
  for (const slo of pkg.conditions.slos) {
    out.push(`### SLO ${slo.name}: alert rules and policy`);
    out.push(mdTable(['severity', 'burn rate', 'long window', 'short window', 'for'], slo.alerting.windows.map((w) => [w.severity, `${formatNumber(w.burnRate)}×`, w.longWindow, w.shortWindow, formatDuration(w.for)])));
    if (slo.tiers) out.push(mdTable(['tier', 'applies above', 'holds rollouts', 'halts promotion', 'rolls back'], slo.tiers.map((t) => [t.name, t.above === null ? '(exhausted)' : formatPercent(t.above), t.holdRollouts ? 'yes' : '', t.haltPromotion ? 'yes' : '', t.rollback ? 'yes' : ''])));
  }

  out.push('## SLO impact');
  if (pkg.slo.length === 0) out.push('The scenario defines no SLOs.');
  for (const x of pkg.slo) {
    out.push(`### ${x.name}`);
    const b = x.budget;
    out.push(
      [
        `Objective ${x.objective}% over ${x.window}${x.service ? ` (service ${x.service})` : ''}: an error budget of ${formatNumber(b.budgetMinutes)} minutes.`,
        '',
        `- Budget remaining: ${formatPercent(b.start)} at the start, ${formatPercent(b.end)} at the end`,
        `- Consumed by the exercise: ${formatPercent(b.consumed)} of the budget (${formatNumber(b.consumedMinutes)} minutes); by the rollout (the canary): ${formatPercent(b.consumedByRollout)}`,
        `- By cause: primary ${formatPercent(b.byCause.primary)}, canary ${formatPercent(b.byCause.canary)}, other ${formatPercent(b.byCause.other)}${Object.keys(b.byCause.whileFaultActive).length > 0 ? `; while faults were active: ${Object.entries(b.byCause.whileFaultActive).map(([k, v]) => `${k} ${formatPercent(v)}`).join(', ')}` : ''}`,
        `- SLI events: ${formatNumber(b.badEvents)} bad of ${formatNumber(b.totalEvents)}`,
        ...(x.policy ? [`- Policy tier: ${x.policy.start} at the start, ${x.policy.end} at the end${x.policy.changes.length > 1 ? ` (${x.policy.changes.slice(1).map((ch) => `${ch.tier} at ${clock(ch.t)}`).join(', ')})` : ''}`] : []),
      ].join('\n'),
    );
    out.push(
      x.alerts.length === 0
        ? 'No burn-rate alert became active.'
        : mdTable(['alert', 'active', 'fired', 'resolved'], x.alerts.map((a) => [`${a.severity} ${formatNumber(a.burnRate)}× (${a.longWindow}/${a.shortWindow})`, clock(a.activeAt), a.firedAt === null ? 'never (pending only)' : clock(a.firedAt), a.resolvedAt === null ? (a.firedAt === null ? '—' : 'still firing at the end') : clock(a.resolvedAt)])),
    );
    if (x.ruleErrors.length > 0) out.push(x.ruleErrors.map((r) => `- rule ${r.rule} at ${clock(r.t)}: ${r.error}`).join('\n'));
  }

  out.push('## Canary and MetricTemplates in force');
  if (pkg.manifests.length === 0) out.push('None.');
  for (const m of pkg.manifests) {
    out.push(`${m.kind} **${m.namespace}/${m.name}** (${m.source === 'file' ? `as written in \`${m.file}\`` : `rendered from the compiled manifest of \`${m.file}\``}):`);
    out.push(fence(m.yaml, 'yaml'));
  }

  out.push('## Remediation notes');
  out.push(pkg.notes.remediation.trim() !== '' ? pkg.notes.remediation.trim() : '_None recorded._');

  out.push('## Action log');
  out.push('Live faults and decisions as the exercise recorded them; with the scenario files (in the JSON package) and the seed they replay the exercise exactly.');
  out.push(fence(canonicalJson(pkg.actions), 'json'));
  return `${out.join('\n\n')}\n`;
}

// ---- HTML --------------------------------------------------------------------------------------------------------------

const h = escapeXml;

const CSS = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --accent: #2563eb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
p { margin: 6px 0; }
.meta { color: var(--muted); }
nav.toc { font-size: 13px; margin: 12px 0; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 12px; }
.outcome { border-left: 6px solid var(--muted); background: #f9fafb; padding: 10px 14px; margin: 12px 0; }
.outcome.promoted { border-color: var(--ok); }
.outcome.rolled-back, .outcome.failed-promotion { border-color: var(--bad); }
.outcome.held, .outcome.undecided { border-color: var(--warn); }
.outcome .verdict { font-size: 18px; font-weight: 700; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
table.kv { width: auto; min-width: 50%; }
table.kv td:first-child { color: var(--muted); padding-right: 24px; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.minor td { color: var(--muted); font-size: 12px; }
tr.participant td { background: #f5f3ff; }
tr.warning td.what { color: var(--bad); }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; white-space: nowrap; }
.tag.flagger { background: #dbeafe; color: #1e40af; }
.tag.participant { background: #ede9fe; color: #5b21b6; }
.tag.facilitator { background: #fef3c7; color: #92400e; }
.tag.prometheus { background: #fee2e2; color: #991b1b; }
.tag.policy { background: #e0f2fe; color: #075985; }
.tag.shadow { background: #fff; color: #374151; border: 1px dashed #6b7280; }
tr.shadow td { background: #f9fafb; font-style: italic; }
table.shadow td.agreement-disagrees { color: var(--bad); font-weight: 600; font-style: normal; }
.why { color: #374151; }
ul.evidence { margin: 0; padding-left: 16px; font-size: 12px; color: #374151; }
.fail { color: var(--bad); font-weight: 600; }
.ok { color: var(--ok); }
figure { margin: 12px 0 20px; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 12px; color: var(--muted); }
svg.chart { display: block; width: 100%; max-width: 760px; height: auto; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.notes { white-space: pre-wrap; border-left: 3px solid var(--line); padding: 4px 12px; }
dl.plan { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.plan dt { font-weight: 600; }
dl.plan dd { margin: 0; }
@page { margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, figure, pre { break-inside: avoid; page-break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

function htmlTable(head: string[], rows: string[][], cls = ''): string {
  const thead = head.length > 0 ? `<thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${thead}<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function evidenceHtml(e: EntryEvidence): string {
  const items: string[] = [];
  if (e.canaryWeight !== null) items.push(`canary ${e.canaryWeight}%${e.phase ? ` (${h(e.phase)}${e.failedChecks ? `, ${e.failedChecks} failed` : ''})` : ''}`);
  if (e.checks.length > 0) {
    items.push(
      `checks at ${clock(e.checksAt ?? 0)}: ${e.checks
        .map((c) => {
          const t = checkText(c);
          return c.ok ? h(t) : `<span class="fail">${h(t)}</span>`;
        })
        .join('; ')}`,
    );
  }
  if (e.alertsFiring.length > 0) items.push(`<span class="fail">alerts firing: ${h(e.alertsFiring.map((a) => `${a.slo} ${a.severity} ${formatNumber(a.burnRate)}× (since ${clock(a.firedAt)})`).join(', '))}</span>`);
  for (const b of e.budget) items.push(`budget ${h(b.slo)} ${formatPercent(b.remaining)}`);
  if (e.faults.length > 0) items.push(`faults: ${h(e.faults.join(', '))}`);
  return items.length === 0 ? '' : `<ul class="evidence">${items.map((x) => `<li>${x}</li>`).join('')}</ul>`;
}

/**
 * The package as one self-contained HTML document: inline CSS, charts as
 * inline SVG, no scripts, no fonts, images or stylesheets loaded from
 * anywhere (its Content-Security-Policy forbids it), laid out to print.
 */
export function toHtml(pkg: EvidencePackage): string {
  const s = pkg.scenario;
  const o = pkg.outcome;
  const body: string[] = [];
  body.push(`<header><h1>${h(pkg.title)}</h1><p class="meta">Scenario <strong>${h(s.name)}</strong> (<code>${h(s.file)}</code>), seed ${s.seed}, ${h(s.mode)} mode, ${clock(s.duration)} simulated${pkg.canary ? `; Canary <strong>${h(pkg.canary)}</strong>` : ''}.${s.exportedAt ? ` Exercise exported ${h(s.exportedAt)}.` : ''}</p>${s.description ? `<p>${h(s.description)}</p>` : ''}<p class="meta">Replayed from the exercise record: every number here comes from the simulation, not from the file.</p></header>`);
  const sections: Array<[string, string]> = [
    ['outcome', 'Outcome'],
    ['plan', 'Plan'],
    ...(pkg.score ? [['score', 'Score'] as [string, string]] : []),
    ['charts', 'Charts'],
    ['timeline', 'Decision timeline'],
    ['conditions', 'Rollback conditions'],
    ['slo', 'SLO impact'],
    ['manifests', 'Canary and MetricTemplates'],
    ['notes', 'Remediation notes'],
    ['actions', 'Action log'],
  ];
  body.push(`<nav class="toc">${sections.map(([id, title]) => `<a href="#${id}">${h(title)}</a>`).join('')}</nav>`);

  body.push('<section id="outcome"><h2>Outcome</h2>');
  if (o) {
    body.push(
      `<div class="outcome ${h(o.result)}" data-testid="outcome"><div class="verdict">${h(RESULT_TEXT[o.result] ?? o.result)}${o.decidedAt !== null ? ` at ${clock(o.decidedAt)}` : ''}</div><p><strong>Reason:</strong> ${h(o.reason)}</p><p><strong>Decided by:</strong> ${h(o.decidedBy)}</p>${o.expectation ? `<p><strong>The scenario's expected outcome</strong> (${h(o.expectation.expected.outcome)}): ${o.expectation.met ? '<span class="ok">met</span>' : `<span class="fail">missed</span> — ${h(o.expectation.mismatches.join('; '))}`}</p>` : ''}<p class="meta">Final phase ${h(o.phase)}.</p></div>`,
    );
  } else body.push('<p>No Canary was rolled out: no promotion or rollback to report.</p>');
  if (pkg.shadow) {
    body.push(`<h3>Shadow judges (dry run: they did not act)</h3><p class="meta">${h(SHADOW_INTRO)}</p>`);
    body.push(
      `<table class="shadow" data-testid="shadow-verdicts"><thead><tr>${['shadow judge', 'judge', 'verdict', 'against the outcome', 'why'].map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${shadowRows(pkg)
        .map((r, i) => {
          const v = (pkg.shadow ?? [])[i];
          return `<tr class="shadow" data-verdict="${h(v.verdict)}"><td><span class="tag shadow">shadow</span> ${h(r[0])}</td><td>${h(r[1])}</td><td>${h(r[2])}</td><td class="agreement-${v.agreement}">${h(r[3])}</td><td>${h(r[4])}</td></tr>`;
        })
        .join('')}</tbody></table>`,
    );
  }
  body.push('</section>');

  body.push('<section id="plan"><h2>Plan</h2>');
  const p = pkg.plan;
  if (p) {
    const dd = (x: string) => (x ? h(x) : '—');
    body.push(
      `<dl class="plan"><dt>Objective</dt><dd>${dd(p.objective)}</dd><dt>Participants</dt><dd>${p.participants.length > 0 ? h(p.participants.map((x) => `${x.name} (${x.role})`).join(', ')) : '—'}</dd><dt>Hypothesis</dt><dd>${dd(p.hypothesis)}</dd><dt>Faults</dt><dd>${p.faults.length > 0 ? h(p.faults.join(', ')) : '—'}${p.hideFaults ? ' (hidden from the participants)' : ''}</dd><dt>Blast radius</dt><dd>${dd(p.blastRadius)}</dd><dt>Abort trigger</dt><dd>${dd(p.abortTrigger)}</dd><dt>Observe</dt><dd>${p.observe.length > 0 ? `<ul>${p.observe.map((x) => `<li>${h(x)}</li>`).join('')}</ul>` : '—'}</dd></dl>`,
    );
  } else body.push('<p>No plan was recorded for this exercise.</p>');
  body.push('</section>');

  if (pkg.score) {
    const sc = pkg.score;
    body.push('<section id="score"><h2>Score</h2>');
    body.push(`<p>${sc.bad ? `The change was <strong class="fail">bad</strong>${sc.badFrom !== null ? ` from ${clock(sc.badFrom)}` : ''}.` : 'The change was <strong class="ok">good</strong>: the right call was to promote it.'}</p>`);
    body.push(htmlTable(['measure', 'the team', 'Flagger alone'], scoreRows(sc, pkg.outcome).map((r) => r.map(h))));
    const detail = [...(sc.detection ? [`Detection: ${sc.detection}`] : []), ...(sc.mitigation ? [`Mitigation: ${sc.mitigation}`] : []), ...(sc.summary ?? [])];
    if (detail.length > 0) body.push(`<ul>${detail.map((x) => `<li>${h(x)}</li>`).join('')}</ul>`);
    if (sc.decisions.length > 0) {
      body.push('<h3>Decisions, judged</h3>');
      body.push(htmlTable(['time', 'who', 'decision', 'justification', 'verdict', 'why'], sc.decisions.map((d) => [clock(d.t), h(d.by), h(`${d.decision} on ${d.hook}`), h(d.justification), d.correct ? '<span class="ok">right call</span>' : '<span class="fail">wrong call</span>', h(d.why)])));
    }
    body.push('</section>');
  }

  const c = pkg.charts;
  const frame = { end: c.end, faults: c.faults, markers: c.markers };
  body.push('<section id="charts"><h2>Charts</h2>');
  if (!pkg.canary && c.budgets.length === 0) body.push('<p>Nothing to chart: the scenario rolls out no Canary and defines no SLOs.</p>');
  if (pkg.canary) body.push(`<figure>${weightChart({ ...frame, points: c.weight })}<figcaption>The share of requests the router sent to the canary after each analysis tick. Shaded: faults in force; dashed: the participants' decisions; solid: Flagger's decision.</figcaption></figure>`);
  for (const m of c.metrics) body.push(`<figure>${metricChart({ ...frame, ...m })}<figcaption>${h(m.metric)} at each check, with the accepted range shaded; red: failed checks (a triangle: no value).</figcaption></figure>`);
  for (const b of c.budgets) body.push(`<figure>${budgetChart({ ...frame, ...b })}<figcaption>The error budget of ${h(b.slo)} remaining at each rule evaluation${b.tiers.length > 0 ? ', with the error budget policy\'s tier bounds' : ''}; red: burn-rate alerts firing.</figcaption></figure>`);
  body.push('</section>');

  body.push(`<section id="timeline"><h2>Decision timeline</h2><p>Every Flagger event, every decision and live fault of the action log, every burn-rate alert and policy tier change, with what was known at that moment.${pkg.shadow ? ' Shadow judges\' verdicts are marked shadow: they did not act.' : ''}</p>`);
  body.push(
    `<table class="timeline" data-testid="timeline"><thead><tr><th>time</th><th>who</th><th>what and why</th><th>evidence then</th></tr></thead><tbody>${pkg.timeline
      .map(
        (e) =>
          `<tr class="${[e.source, e.minor ? 'minor' : '', e.warning ? 'warning' : ''].filter(Boolean).join(' ')}" data-kind="${h(e.kind)}"><td class="time">${clock(e.t)}</td><td><span class="tag ${e.source}">${h(SOURCE_LABEL[e.source])}</span><br>${h(e.source === 'flagger' ? e.by.replace(/^Flagger \((.*)\)$/, '$1') : e.by)}</td><td><div class="what">${h(e.message)}</div>${e.explanation ? `<div class="why">${h(e.explanation)}</div>` : ''}</td><td>${e.minor ? '' : evidenceHtml(e.evidence)}</td></tr>`,
      )
      .join('')}</tbody></table>`,
  );
  body.push('</section>');

  body.push('<section id="conditions"><h2>Rollback conditions</h2>');
  body.push(`<ul>${pkg.conditions.statements.map((x) => `<li>${h(x)}</li>`).join('')}</ul>`);
  const cc = pkg.conditions.canary;
  if (cc) body.push(htmlTable(['metric', 'kind', 'interval', 'accepted range'], cc.metrics.map((m) => [h(m.name), h(m.template ? `template ${m.template}` : m.kind), h(m.interval || '—'), h(rangeText(m.min, m.max, m.unit))])));
  if (cc && cc.webhooks.length > 0) body.push(htmlTable(['webhook', 'type', 'answered by', 'effect'], cc.webhooks.map((w) => [h(w.name), h(w.type), h(w.answeredBy), h(w.effect)])));
  for (const slo of pkg.conditions.slos) {
    body.push(`<h3>SLO ${h(slo.name)}: alert rules and error budget policy</h3>`);
    body.push(htmlTable(['severity', 'burn rate', 'long window', 'short window', 'for'], slo.alerting.windows.map((w) => [h(w.severity), `${formatNumber(w.burnRate)}×`, h(w.longWindow), h(w.shortWindow), h(formatDuration(w.for))])));
    if (slo.tiers) body.push(htmlTable(['tier', 'applies above', 'holds rollouts', 'halts promotion', 'rolls back'], slo.tiers.map((t) => [h(t.name), t.above === null ? '(exhausted)' : formatPercent(t.above), t.holdRollouts ? 'yes' : '', t.haltPromotion ? 'yes' : '', t.rollback ? 'yes' : ''])));
  }
  body.push('</section>');

  body.push('<section id="slo"><h2>SLO impact</h2>');
  if (pkg.slo.length === 0) body.push('<p>The scenario defines no SLOs.</p>');
  for (const x of pkg.slo) {
    const b = x.budget;
    body.push(`<h3>${h(x.name)}</h3><p>Objective ${x.objective}% over ${h(x.window)}${x.service ? ` (service ${h(x.service)})` : ''}: an error budget of ${formatNumber(b.budgetMinutes)} minutes.</p>`);
    const rows: string[][] = [
      ['budget remaining at the start', formatPercent(b.start)],
      ['budget remaining at the end', formatPercent(b.end)],
      ['consumed by the exercise', `${formatPercent(b.consumed)} (${formatNumber(b.consumedMinutes)} minutes)`],
      ['consumed by the rollout (canary)', formatPercent(b.consumedByRollout)],
      ['by cause', h(`primary ${formatPercent(b.byCause.primary)}, canary ${formatPercent(b.byCause.canary)}, other ${formatPercent(b.byCause.other)}`)],
      ...Object.entries(b.byCause.whileFaultActive).map(([k, v]) => [h(`while ${k} was active`), formatPercent(v)]),
      ['SLI events', `${formatNumber(b.badEvents)} bad of ${formatNumber(b.totalEvents)}`],
      ...(x.policy ? [['policy tier', h(`${x.policy.start} at the start, ${x.policy.end} at the end${x.policy.changes.length > 1 ? ` (${x.policy.changes.slice(1).map((ch) => `${ch.tier} at ${clock(ch.t)}`).join(', ')})` : ''}`)]] : []),
    ];
    body.push(htmlTable([], rows, 'kv'));
    body.push(
      x.alerts.length === 0
        ? '<p>No burn-rate alert became active.</p>'
        : htmlTable(['alert', 'active', 'fired', 'resolved'], x.alerts.map((a) => [h(`${a.severity} ${formatNumber(a.burnRate)}× (${a.longWindow}/${a.shortWindow})`), clock(a.activeAt), a.firedAt === null ? 'never (pending only)' : clock(a.firedAt), a.resolvedAt === null ? (a.firedAt === null ? '—' : 'still firing at the end') : clock(a.resolvedAt)])),
    );
    if (x.ruleErrors.length > 0) body.push(`<ul>${x.ruleErrors.map((r) => `<li>${h(`rule ${r.rule} at ${clock(r.t)}: ${r.error}`)}</li>`).join('')}</ul>`);
  }
  body.push('</section>');

  body.push('<section id="manifests"><h2>Canary and MetricTemplates in force</h2>');
  if (pkg.manifests.length === 0) body.push('<p>None.</p>');
  for (const m of pkg.manifests) body.push(`<h3>${h(m.kind)} ${h(m.namespace)}/${h(m.name)}</h3><p class="meta">${m.source === 'file' ? `As written in <code>${h(m.file)}</code>.` : `Rendered from the compiled manifest of <code>${h(m.file)}</code>.`}</p><pre>${h(m.yaml)}</pre>`);
  body.push('</section>');

  body.push(`<section id="notes"><h2>Remediation notes</h2>${pkg.notes.remediation.trim() !== '' ? `<div class="notes">${h(pkg.notes.remediation.trim())}</div>` : '<p class="meta">None recorded.</p>'}</section>`);
  body.push(`<section id="actions"><h2>Action log</h2><p>Live faults and decisions as the exercise recorded them; with the scenario files (in the JSON package) and the seed they replay the exercise exactly.</p><pre>${h(canonicalJson(pkg.actions))}</pre></section>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gameday report">
<title>${h(pkg.title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
