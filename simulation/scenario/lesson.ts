import type { CanarySpec } from '../rollout/types';
import type { CanaryEvent, MetricCheck, TickRecord } from '../rollout/types';
import type { SloResult } from '../slo/runtime';
import { formatDuration } from '../util/duration';
import { suggest } from './issues';
import type { ScenarioDocument } from './schema';
import type { SourceDocument } from './yaml-source';

type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

/**
 * Onboarding lessons (docs/lessons.md): a scenario's `spec.lesson` — the
 * incident hook, what the team sees first, what to watch, the hypothesis,
 * learning objectives — and checkpoint questions that appear at a moment of
 * the run: a time, or an event of the rollout (the canary weight reaching a
 * step, the first failed check, a halt, the rollback, the promotion, an SLO
 * alert firing, the end). The moment is found in the run record, so it is
 * the same in every host and on every replay.
 */

export type CheckpointTrigger =
  | { kind: 'at'; t: number }
  | { kind: 'weight'; weight: number }
  | { kind: 'failed-check'; metric: string | null }
  | { kind: 'halt' }
  | { kind: 'rollback' }
  | { kind: 'promotion' }
  | { kind: 'alert'; severity: string | null }
  | { kind: 'end' };

export interface Checkpoint {
  id: string;
  trigger: CheckpointTrigger;
  question: string;
  choices: string[];
  /** Index of the right choice. */
  answer: number;
  explanation: string;
}

export interface Lesson {
  title: string;
  /** Place in the guided path (1 = first); null when the lesson is not on it. */
  level: number | null;
  summary: string;
  hook: string;
  firstSignal: string;
  watch: string[];
  hypothesis: string;
  objectives: string[];
  text: string;
  checkpoints: Checkpoint[];
}

/** What a checkpoint's moment is looked up in: the run record so far. */
export interface LessonRunView {
  /** Simulated seconds reached. */
  t: number;
  done: boolean;
  timeline: readonly TickRecord[];
  checks: readonly MetricCheck[];
  events: readonly CanaryEvent[];
  slo: ReadonlyArray<Pick<SloResult, 'alerts'>>;
}

/** A trigger in words, for the lesson panel ("when the canary reaches 30 %"). */
export function describeTrigger(t: CheckpointTrigger): string {
  switch (t.kind) {
    case 'at':
      return `at ${formatDuration(t.t)}`;
    case 'weight':
      return `when the canary reaches ${t.weight} %`;
    case 'failed-check':
      return `at the first failed check${t.metric ? ` of ${t.metric}` : ''}`;
    case 'halt':
      return 'when Flagger halts the advancement';
    case 'rollback':
      return 'when the canary is rolled back';
    case 'promotion':
      return 'when the canary is promoted';
    case 'alert':
      return `when a ${t.severity ? `${t.severity} ` : ''}burn-rate alert fires`;
    case 'end':
      return 'at the end of the run';
  }
}

/** The simulated time a checkpoint's moment came, or null when it has not (yet). */
export function checkpointTime(t: CheckpointTrigger, run: LessonRunView): number | null {
  const first = <T>(xs: readonly T[], ok: (x: T) => boolean, time: (x: T) => number): number | null => {
    for (const x of xs) if (ok(x)) return time(x);
    return null;
  };
  let at: number | null;
  switch (t.kind) {
    case 'at':
      at = t.t;
      break;
    case 'weight':
      at = first(run.timeline, (x) => x.canaryWeight >= t.weight, (x) => x.t);
      break;
    case 'failed-check':
      at = first(run.checks, (c) => !c.ok && (t.metric === null || c.metric === t.metric), (c) => c.t);
      break;
    case 'halt':
      at = first(run.events, (e) => e.message.startsWith('Halt '), (e) => e.t);
      break;
    case 'rollback': {
      // "Rolling back …" on failed checks; a canary that never gets ready fails at its progress deadline without
      // that event (Flagger's own message for it is unreachable): the phase turning Failed marks both.
      const said = first(run.events, (e) => e.message.startsWith('Rolling back'), (e) => e.t);
      const failed = first(run.timeline, (x) => x.phase === 'Failed', (x) => x.t);
      at = said === null ? failed : failed === null ? said : Math.min(said, failed);
      break;
    }
    case 'promotion':
      at = first(run.timeline, (x) => x.phase === 'Promoting' || x.phase === 'Succeeded', (x) => x.t);
      break;
    case 'alert': {
      const fired = run.slo.flatMap((s) => s.alerts.filter((a) => a.firedAt !== null && (t.severity === null || a.severity === t.severity)).map((a) => a.firedAt as number));
      at = fired.length > 0 ? Math.min(...fired) : null;
      break;
    }
    case 'end':
      at = run.done ? run.t : null;
      break;
  }
  return at !== null && at <= run.t ? at : null;
}

/** Compiles `spec.lesson`: one trigger per checkpoint, its fields present, the answer among the choices, metrics of the rolled-out Canary. */
export function compileLesson(doc: ScenarioDocument, src: SourceDocument, canary: CanarySpec | null, err: Report, warn: Report): Lesson | null {
  const l = doc.spec.lesson;
  if (!l) return null;
  const p = ['spec', 'lesson'];
  const ids = new Set<string>();
  const checkpoints: Checkpoint[] = [];
  l.checkpoints.forEach((c, i) => {
    const at = [...p, 'checkpoints', i];
    const id = c.id ?? `checkpoint-${i + 1}`;
    if (ids.has(id)) err(src, [...at, 'id'], `a checkpoint with id ${id} already exists`);
    ids.add(id);
    if (c.answer >= c.choices.length) err(src, [...at, 'answer'], `answer ${c.answer} is not a choice: choices are numbered 0 to ${c.choices.length - 1}`);
    if ((c.at === undefined) === (c.on === undefined)) {
      err(src, at, c.at === undefined ? 'a checkpoint needs its moment: at (a time) or on (an event of the rollout)' : 'give either at or on, not both');
      return;
    }
    const extra = (field: 'weight' | 'metric' | 'severity', allowed: boolean) => {
      if (c[field] !== undefined && !allowed) err(src, [...at, field], `${field} goes with on: ${field === 'weight' ? 'weight' : field === 'metric' ? 'failed-check' : 'alert'}`);
    };
    extra('weight', c.on === 'weight');
    extra('metric', c.on === 'failed-check');
    extra('severity', c.on === 'alert');
    let trigger: CheckpointTrigger;
    if (c.at !== undefined) {
      if (c.at > doc.spec.duration) err(src, [...at, 'at'], `at ${formatDuration(c.at)} is after the end of the run (${formatDuration(doc.spec.duration)})`);
      trigger = { kind: 'at', t: c.at };
    } else if (c.on === 'weight') {
      if (c.weight === undefined) err(src, [...at, 'weight'], 'on: weight needs the weight, e.g. weight: 30');
      trigger = { kind: 'weight', weight: c.weight ?? 0 };
    } else if (c.on === 'failed-check') {
      const metrics = canary?.analysis.metrics.map((m) => m.name) ?? [];
      if (c.metric !== undefined && !metrics.includes(c.metric)) {
        const hint = suggest(c.metric, metrics);
        err(src, [...at, 'metric'], `the rolled-out Canary has no metric named ${c.metric}${hint ? ` (did you mean ${hint}?)` : ''}; its metrics: ${metrics.join(', ') || 'none'}`);
      }
      trigger = { kind: 'failed-check', metric: c.metric ?? null };
    } else if (c.on === 'alert') {
      if (!doc.spec.slos || doc.spec.slos.length === 0) err(src, [...at, 'on'], 'on: alert needs SLOs (spec.slos) whose burn-rate alerts can fire');
      trigger = { kind: 'alert', severity: c.severity ?? null };
    } else trigger = { kind: c.on as 'halt' | 'rollback' | 'promotion' | 'end' };
    if (trigger.kind !== 'at' && trigger.kind !== 'end' && trigger.kind !== 'alert' && !canary) err(src, [...at, 'on'], `on: ${trigger.kind} needs a rollout (spec.rollout and a Canary)`);
    checkpoints.push({ id, trigger, question: c.question, choices: [...c.choices], answer: c.answer, explanation: c.explanation });
  });
  if (l.checkpoints.length === 0) warn(src, [...p, 'checkpoints'], 'the lesson asks nothing: add two or three checkpoint questions');
  return {
    title: l.title,
    level: l.level ?? null,
    summary: l.summary ?? '',
    hook: l.hook ?? '',
    firstSignal: l.firstSignal ?? '',
    watch: [...l.watch],
    hypothesis: l.hypothesis ?? '',
    objectives: [...l.objectives],
    text: l.text ?? '',
    checkpoints,
  };
}
