import { Document, isScalar, parse, visit } from 'yaml';
import { SCENARIO_API_VERSION } from '../scenario/schema';
import { dirname, normalize } from '../util/path';
import { type Measure, SWEEP_KIND } from './spec';

/**
 * The app's sweep builder: a sweep definition made in a form (the open
 * scenario's Canary knobs, situations, seeds, objective) written out as the
 * Sweep YAML that `loadSweep` reads (docs/tuning.md) — the app runs that text,
 * and saves it, so a built sweep is a file like any other. Pure: the form's
 * strings are parsed here too, so the view only collects them.
 */

/** The regressions the builder offers: the revision faults fast mode runs (FAST_MODE_FAULTS), aimed at the canary. */
export const BUILDER_FAULTS = ['http-abort', 'http-delay', 'latency-shift', 'cpu-stress'] as const;
export type BuilderFault = (typeof BUILDER_FAULTS)[number];

/** Each regression's parameters as the form asks for them (a list: one situation per value); defaults are a sensible first sweep. */
export const BUILDER_FAULT_PARAMETERS: Record<BuilderFault, ReadonlyArray<{ name: string; hint: string; default: string }>> = {
  'http-abort': [
    { name: 'code', hint: 'the HTTP status answered', default: '500' },
    { name: 'percent', hint: 'the share of requests aborted (%)', default: '1, 3, 10' },
  ],
  'http-delay': [
    { name: 'delay', hint: 'the added delay (Go duration)', default: '200ms, 1s' },
    { name: 'percent', hint: 'the share of requests delayed (%)', default: '100' },
  ],
  'latency-shift': [{ name: 'factor', hint: 'every service time multiplied by', default: '1.5, 3' }],
  'cpu-stress': [{ name: 'slowdown', hint: 'service times multiplied by', default: '2, 4' }],
};

export type DraftValue = string | number;

export type DraftParameter =
  | { field: string; values: DraftValue[] }
  /** Numbers from..to (inclusive) by step. */
  | { field: string; range: { from: number; to: number; step: number } };

export interface DraftSituation {
  name: string;
  weight: number;
  /** The regression: its type and parameters (a list value gives one situation per value); absent: the healthy canary. */
  fault?: { type: string; [parameter: string]: DraftValue | DraftValue[] };
  /** After the deploy (Go durations; a list gives one situation per onset). */
  onset?: string | string[];
}

export interface SweepDraft {
  name: string;
  description?: string;
  /** The scenario file, relative to the sweep file (as spec.scenario is written). */
  scenario: string;
  mode?: 'fast' | 'exact';
  seeds: number;
  seed?: number;
  parameters: DraftParameter[];
  situations: DraftSituation[];
  objective: { minimise: Measure; subjectTo: Partial<Record<Measure, { max: number; bound?: 'estimate' | 'upper' }>> };
}

/** A form field's list, "1, 2, 5" or "30s 1m": numbers where they are numbers, the rest as written; empty items dropped. */
export function parseList(text: string): DraftValue[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : s));
}

/** A list of one value is that value (the sweep's fields take either). */
function oneOrList(values: DraftValue[]): DraftValue | DraftValue[] {
  return values.length === 1 ? values[0] : values;
}

/** The path of `to` relative to the directory `fromDir` (POSIX; both relative to the same root, or both absolute). */
export function relativePath(fromDir: string, to: string): string {
  const a = normalize(fromDir).split('/').filter((p) => p !== '' && p !== '.');
  const b = normalize(to).split('/').filter((p) => p !== '' && p !== '.');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const up = a.slice(i).map(() => '..');
  const rest = [...up, ...b.slice(i)].join('/');
  return up.length === 0 ? `./${rest}` : rest;
}

/** Where a sweep built for `scenarioFile` is kept: beside it, so its spec.scenario is the scenario's own file name. */
export function builtSweepFile(scenarioFile: string, name: string): string {
  const dir = dirname(scenarioFile);
  const base = `${name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'sweep'}.sweep.yaml`;
  return dir === '.' ? base : `${dir}/${base}`;
}

/** The Sweep YAML of a draft: fields in the order docs/tuning.md lists them, short lists in flow style. */
export function sweepYaml(d: SweepDraft): string {
  const spec: Record<string, unknown> = { scenario: d.scenario };
  if (d.mode && d.mode !== 'fast') spec.mode = d.mode;
  spec.seeds = d.seeds;
  if (d.seed !== undefined) spec.seed = d.seed;
  spec.parameters = d.parameters.map((p) => ('range' in p ? { field: p.field, range: { ...p.range } } : { field: p.field, values: [...p.values] }));
  spec.situations = d.situations.map((s) => {
    const out: Record<string, unknown> = { name: s.name, weight: s.weight };
    if (s.fault) out.fault = Object.fromEntries(Object.entries(s.fault).map(([k, v]) => [k, Array.isArray(v) ? oneOrList(v) : v]));
    if (s.onset !== undefined && (!Array.isArray(s.onset) || s.onset.length > 0)) out.onset = Array.isArray(s.onset) ? oneOrList(s.onset) : s.onset;
    return out;
  });
  const subjectTo = Object.fromEntries(
    Object.entries(d.objective.subjectTo).map(([m, b]) => [m, b.bound && b.bound !== 'estimate' ? { max: b.max, bound: b.bound } : { max: b.max }]),
  );
  spec.objective = { minimise: d.objective.minimise, subjectTo };
  const doc = new Document({
    apiVersion: SCENARIO_API_VERSION,
    kind: SWEEP_KIND,
    metadata: d.description ? { name: d.name, description: d.description } : { name: d.name },
    spec,
  });
  // Lists of values and bounds read best on one line, as the bundled sweeps write them.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (node.items.length <= 3 && node.items.every((p) => isScalar(p.value)) && node.items.some((p) => isScalar(p.key) && (p.key.value === 'max' || p.key.value === 'step'))) node.flow = true;
    },
  });
  doc.commentBefore = ' Built in the GameDay Simulator app (Tuning lab); run it with: gameday sweep <this file>';
  return doc.toString({ lineWidth: 0 });
}

/** What the tuning lab lists of a sweep file before loading it: its name, description and scenario; null when it is not a Sweep. */
export function sweepInfo(text: string): { name: string; description: string | null; scenario: string | null } | null {
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    return null;
  }
  const field = (o: unknown, k: string): unknown => (o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined);
  if (field(v, 'kind') !== SWEEP_KIND) return null;
  const str = (x: unknown) => (typeof x === 'string' ? x : null);
  return {
    name: str(field(field(v, 'metadata'), 'name')) ?? '(unnamed sweep)',
    description: str(field(field(v, 'metadata'), 'description')),
    scenario: str(field(field(v, 'spec'), 'scenario')),
  };
}
