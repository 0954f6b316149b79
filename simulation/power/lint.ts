/**
 * The editor's power warning (docs/power.md, "The editor warning"): whether
 * the scenario's own traffic makes its rolled-out Canary's success-rate
 * floor unreliable — a canary as healthy as the scenario makes it rolled back
 * too often by chance, or a clear regression missed too often — located at
 * the floor in the Canary's manifest, with the figures and the least request
 * rate from which the floor can be trusted.
 *
 * It is advice on a scenario that loads, not a loading problem: `gameday
 * validate` and the app's editor show it beside the loader's diagnostics;
 * the loader itself does not compute it (the library's scenarios load
 * without warnings, and lesson 4 still gets this one: that is its point).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { Diagnostic } from '../scenario/diagnostics';
import { formatPath } from '../scenario/diagnostics';
import type { LoadedScenario, ScenarioHost } from '../scenario/loader';
import { isMapping, parseYamlFile } from '../scenario/yaml-source';
import { allowanceOf, analysePower, defaultRegression, minimumRate, powerInputsOf, type PowerResult, solveAnalysis } from './analytic';

/** When a floor counts as unreliable at the scenario's traffic, and what "trustworthy" means for the rate it suggests. */
export interface PowerLintOptions {
  /** Warn when a healthy canary is rolled back with a probability above this (default 0.05). */
  warnFalseAbort?: number;
  /** Warn when the regression is caught with a probability below this (default 0.9). */
  warnDetection?: number;
  /** The targets of the least trustworthy rate the warning names (defaults 0.01 and 0.95, as `minimumRate`'s). */
  maxFalseAbort?: number;
  minDetection?: number;
}

/** What the lint found, for the warning and for tests. */
export interface PowerFinding {
  canary: string;
  rate: number;
  healthy: number;
  /** The success-rate floor, percent. */
  floor: number;
  /** The regression's error probability: twice what the floor allows (capped at 1). */
  regression: number;
  falseAbort: PowerResult;
  detection: PowerResult;
  /** Rollbacks that checks finding no values cause whatever the traffic and the canary's health. */
  blind: number;
  /** The least rate for the targets (null with the reason when there is none); computed only for a warning. */
  minimum(): { rate: number | null; reason: string | null };
  /** The file of the Canary's manifest, and which field holds its floor there. */
  file: string;
  field: 'thresholdRange.min' | 'threshold';
}

const SUCCESS_RATE = 'request-success-rate';

/**
 * The power warnings of a loaded scenario: none when it rolls out no Canary,
 * the Canary has no success-rate floor, or its canary revision already fails
 * more requests than the floor allows (a regression by construction, not a
 * false abort); else one warning when the floor is unreliable at the
 * scenario's traffic.
 */
export function powerLint(scenario: LoadedScenario, host: ScenarioHost, options: PowerLintOptions = {}): Diagnostic[] {
  const f = powerFinding(scenario, options);
  if (f === null) return [];
  const warnFalseAbort = options.warnFalseAbort ?? 0.05;
  const warnDetection = options.warnDetection ?? 0.9;
  const falseAborts = f.falseAbort.rollback > warnFalseAbort;
  const misses = f.detection.rollback < warnDetection;
  if (!falseAborts && !misses) return [];
  const { path, ...at } = locate(f, host);
  return [{ severity: 'warning', ...at, path: formatPath(path), message: describe(f, { falseAborts, misses }, options) }];
}

/** The figures behind the warning (null when the lint has nothing to judge). */
export function powerFinding(scenario: LoadedScenario, options: PowerLintOptions = {}): PowerFinding | null {
  const inputs = powerInputsOf(scenario);
  if ('error' in inputs) return null;
  const { model, rate, healthy } = inputs;
  const allowance = allowanceOf(model.bounds);
  const regression = defaultRegression(model.bounds);
  // A canary failing as much as the floor allows is a regression the scenario built, not a healthy canary.
  if (allowance === null || regression === null || !(allowance > 0) || healthy >= allowance) return null;
  // Traffic routed to the canary's pods other than through the Canary's TraefikService (a preview host, a
  // cohort's router) is counted by its checks but not by the model: it has nothing to say then.
  if (inputs.directRoutes) return null;
  const falseAbort = analysePower(model, rate, healthy);
  const blind = solveAnalysis(model.schedule, falseAbort.stages.map((s) => s.noValues.map((b) => (b ? 1 : 0)))).rollback;
  return {
    canary: inputs.canary,
    rate,
    healthy,
    floor: model.bounds.min ?? 0, // a floor is set: the allowance is not null
    regression,
    falseAbort,
    detection: analysePower(model, rate, regression),
    blind,
    minimum: () => {
      const least = minimumRate(model, { healthy, regression, maxFalseAbort: options.maxFalseAbort, minDetection: options.minDetection, tolerance: 0.01 });
      return { rate: least.rate, reason: least.reason };
    },
    ...floorField(scenario, inputs.canary),
  };
}

/** The file of the Canary's manifest and the field of its success-rate floor (the deprecated `threshold` without a thresholdRange). */
function floorField(scenario: LoadedScenario, id: string): Pick<PowerFinding, 'file' | 'field'> {
  const canary = scenario.flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === id);
  const manifest = scenario.manifests.find((m) => m.kind === 'Canary' && `${m.namespace}/${m.name}` === id);
  const metric = canary?.analysis.metrics.find((m) => m.name === SUCCESS_RATE);
  return { file: manifest?.file ?? scenario.file, field: metric?.thresholdRange ? 'thresholdRange.min' : 'threshold' };
}

/**
 * The floor's line, column and path in the Canary's manifest, as written there (`analysis`, or the deprecated
 * `canaryAnalysis`; the metric's index in the list written); the nearest thing there is when the file no longer
 * reads as it did.
 */
function locate(f: PowerFinding, host: ScenarioHost): { file: string; line: number; column: number; path: Array<string | number> } {
  const text = host.readFile(f.file);
  const [namespace, name] = f.canary.split('/');
  const doc = (text === null ? [] : parseYamlFile(f.file, text).documents).find((d) => {
    const v = d.value;
    if (!isMapping(v) || v.kind !== 'Canary' || !isMapping(v.metadata)) return false;
    return v.metadata.name === name && (v.metadata.namespace ?? 'default') === namespace;
  });
  const spec = doc && isMapping(doc.value) && isMapping(doc.value.spec) ? doc.value.spec : {};
  const analysis = 'analysis' in spec || !('canaryAnalysis' in spec) ? 'analysis' : 'canaryAnalysis';
  const metrics = isMapping(spec[analysis]) ? spec[analysis].metrics : undefined;
  const index = Array.isArray(metrics) ? Math.max(0, metrics.findIndex((m) => isMapping(m) && m.name === SUCCESS_RATE)) : 0;
  const path = ['spec', analysis, 'metrics', index, ...f.field.split('.')];
  return { file: f.file, ...(doc ? doc.locate(path) : { line: 0, column: 0 }), path };
}

function pct(x: number): string {
  if (x >= 0.9995 && x < 1) return '> 99.9 %';
  if (x > 0 && x < 0.0005) return '< 0.05 %';
  return `${Number((100 * x).toPrecision(x >= 0.1 ? 3 : 2))} %`;
}

function perSecond(r: number): string {
  return `${Number(r.toPrecision(r >= 100 ? 4 : 3))} requests/s`;
}

function describe(f: PowerFinding, why: { falseAborts: boolean; misses: boolean }, options: PowerLintOptions): string {
  const parts: string[] = [];
  const at = `at the scenario's ${perSecond(f.rate)} to ${f.canary}`;
  if (why.falseAborts) {
    const blindStages = f.falseAbort.stages.filter((s) => s.noValues.some(Boolean)).map((s) => `${s.weight} %`);
    if (f.blind >= f.falseAbort.rollback / 2) {
      // Mostly checks with no values: no traffic can help.
      parts.push(
        `${at}, ${pct(f.blind)} of canaries are rolled back whatever their health: the first check at ${blindStages.join(', ')} weight reads fewer than two scrapes of the canary's series, finds no values and fails` +
          (f.falseAbort.rollback > f.blind + 0.005 ? `, and chance adds the rest of the ${pct(f.falseAbort.rollback)} a healthy canary (${pct(f.healthy)} 5xx) is rolled back` : ''),
      );
    } else {
      const worst = f.falseAbort.stages.reduce((a, s) => (s.rollback > a.rollback ? s : a), f.falseAbort.stages[0]);
      parts.push(
        `${at}, a canary as healthy as the scenario makes it (${pct(f.healthy)} 5xx) is rolled back ${pct(f.falseAbort.rollback)} of the time by chance (most often at ${worst.weight} % weight, where a check counts about ${Math.round(worst.requestsPerCheck.at(-1) ?? 0)} canary requests)` +
          (f.blind > 0 ? `, ${pct(f.blind)} of them because a check at ${blindStages.join(', ')} weight finds no values` : ''),
      );
    }
  }
  if (why.misses) parts.push(`${why.falseAborts ? 'and' : at + ','} a canary failing ${pct(f.regression)} of requests (twice what the ${f.floor} % floor allows) is caught only ${pct(f.detection.rollback)} of the time`);
  const targets = `≤ ${pct(options.maxFalseAbort ?? 0.01)} false aborts, ≥ ${pct(options.minDetection ?? 0.95)} detection`;
  const least = f.minimum();
  const remedy = least.rate !== null ? `the floor becomes trustworthy (${targets}) from ${perSecond(least.rate)}` : `no request rate makes it trustworthy (${targets}): ${least.reason}`;
  return `the success-rate floor is unreliable at this traffic: ${parts.join(' ')}; ${remedy} (docs/power.md; the tuning lab's power panel shows every step)`;
}
