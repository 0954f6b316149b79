import type { ScenarioSummary } from '../../../electron/host-api';
import { type CanaryKnobs, KNOB_ANALYSIS_FIELDS, knobPath, type Knob } from '../../../simulation/scenario/canary-knobs';
import { dirname } from '../../../simulation/util/path';
import { BUILDER_FAULT_PARAMETERS, type BuilderFault, type DraftParameter, parseList, relativePath, type SweepDraft } from '../../../simulation/sweep/builder';
import { MEASURES, type Measure } from '../../../simulation/sweep/spec';

/**
 * The sweep builder's form as plain strings (what the inputs hold) and its
 * translation into a SweepDraft (simulation/sweep/builder.ts writes the
 * YAML). The knobs offered are the open scenario's Canary's.
 */

export interface ParameterRow {
  field: string;
  kind: 'values' | 'range';
  values: string;
  from: string;
  to: string;
  step: string;
}

export interface RegressionRow {
  name: string;
  type: BuilderFault;
  params: Record<string, string>;
  onset: string;
  weight: string;
}

export interface BuilderForm {
  name: string;
  seeds: string;
  healthyWeight: string;
  parameters: ParameterRow[];
  regressions: RegressionRow[];
  minimise: Measure;
  bounds: Record<Measure, { on: boolean; max: string; upper: boolean }>;
}

/** The knobs a sweep of this Canary can vary, with their current values (from the text when the Canary is inline, else the summary). */
export function knobChoices(knobs: CanaryKnobs | null, summary: ScenarioSummary | null): Array<{ field: string; current: string }> {
  const metrics = knobs?.metrics.map((m) => m.name) ?? summary?.canary?.metrics.map((m) => m.name) ?? [];
  const analysis = KNOB_ANALYSIS_FIELDS.map((f): [Knob, unknown] => [{ kind: 'analysis', field: f }, knobs ? knobs[f] : (summary?.canary as Record<string, unknown> | null | undefined)?.[f]]);
  const metric = metrics.flatMap((name) =>
    (['min', 'max'] as const).map((bound): [Knob, unknown] => [
      { kind: 'metric', metric: name, bound },
      (knobs?.metrics.find((m) => m.name === name) ?? summary?.canary?.metrics.find((m) => m.name === name))?.[bound],
    ]),
  );
  return [...analysis, ...metric].map(([k, v]) => ({ field: knobPath(k), current: v === null || v === undefined ? '' : String(v) }));
}

/** A first sweep of a scenario: its Canary's threshold around the current one, the healthy canary and a 1/3/10 % error regression. */
export function initialForm(scenarioName: string, choices: ReadonlyArray<{ field: string; current: string }>): BuilderForm {
  const current = Number(choices.find((c) => c.field === 'analysis.threshold')?.current) || 2;
  const thresholds = [...new Set([1, current, current + 1, current + 3])].sort((a, b) => a - b);
  const bounds = Object.fromEntries(MEASURES.map((m) => [m, { on: false, max: '', upper: false }])) as BuilderForm['bounds'];
  bounds.falseAborts = { on: true, max: '0.01', upper: false };
  bounds.missedRegressions = { on: true, max: '0.05', upper: false };
  return {
    name: `${scenarioName}-sweep`,
    seeds: '20',
    healthyWeight: '0.9',
    parameters: [{ field: 'analysis.threshold', kind: 'values', values: thresholds.join(', '), from: '', to: '', step: '' }],
    regressions: [regressionRow('errors', 'http-abort')],
    minimise: 'detectionP95',
    bounds,
  };
}

export function regressionRow(name: string, type: BuilderFault): RegressionRow {
  return { name, type, params: Object.fromEntries(BUILDER_FAULT_PARAMETERS[type].map((p) => [p.name, p.default])), onset: '0s', weight: '0.1' };
}

const number = (s: string, what: string): number => {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(n)) throw new Error(`${what}: expected a number, got ${JSON.stringify(s)}`);
  return n;
};

/** The draft a form describes for `scenarioFile` (the sweep is kept beside it); throws saying which field is wrong. */
export function draftOf(form: BuilderForm, scenarioFile: string): SweepDraft {
  const parameters = form.parameters.map((p): DraftParameter => {
    if (p.kind === 'range') return { field: p.field, range: { from: number(p.from, `${p.field} from`), to: number(p.to, `${p.field} to`), step: number(p.step, `${p.field} step`) } };
    const values = parseList(p.values);
    if (values.length === 0) throw new Error(`${p.field}: give at least one value`);
    return { field: p.field, values };
  });
  const subjectTo: SweepDraft['objective']['subjectTo'] = {};
  for (const m of MEASURES) {
    const b = form.bounds[m];
    if (b.on) subjectTo[m] = { max: number(b.max, `the bound on ${m}`), bound: b.upper ? 'upper' : 'estimate' };
  }
  return {
    name: form.name.trim() || 'sweep',
    scenario: relativePath(dirname(scenarioFile), scenarioFile),
    seeds: number(form.seeds, 'seeds'),
    parameters,
    situations: [
      ...(form.healthyWeight.trim() === '' ? [] : [{ name: 'healthy', weight: number(form.healthyWeight, 'the healthy weight') }]),
      ...form.regressions.map((r) => ({
        name: r.name.trim(),
        weight: number(r.weight, `the weight of ${r.name}`),
        fault: { type: r.type, ...Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, parseList(v)])) },
        onset: parseList(r.onset).map(String),
      })),
    ],
    objective: { minimise: form.minimise, subjectTo },
  };
}
