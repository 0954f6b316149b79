import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import type { ScenarioHost } from '../../simulation/scenario/loader';
import { loadSweep, type SweepPlan } from '../../simulation/sweep/spec';
import { repoHost, repoRoot } from './scenario';

/** The bundled checkout scenario's text (one file: Canary inline). */
export const CHECKOUT_TEXT = readFileSync(resolve(repoRoot, 'scenarios/checkout-canary.yaml'), 'utf8');

/**
 * The checkout scenario with other error rates (percent of requests answering 500) and analysis interval. With
 * `quiet`, nothing varies but what the seed draws for arrivals: no errors at all unless stated, and a latency far
 * below the Canary's 500 ms bound.
 */
export function checkoutVariant(o: { primaryErrors?: number; canaryErrors?: number; interval?: string } = {}): string {
  const replace = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`checkout-canary.yaml no longer contains ${JSON.stringify(from)}`);
    return text.replace(from, to);
  };
  let t = CHECKOUT_TEXT;
  t = replace(t, '      statusCodes:\n        "500": 0.001\n', o.primaryErrors ? `      statusCodes:\n        "500": ${o.primaryErrors / 100}\n` : '');
  t = replace(t, '      canary:\n        statusCodes:\n          "500": 0.004\n', o.canaryErrors ? `      canary:\n        statusCodes:\n          "500": ${o.canaryErrors / 100}\n` : '');
  if (o.interval) t = replace(t, '    interval: 30s\n    threshold: 3', `    interval: ${o.interval}\n    threshold: 3`);
  return t;
}

/** A host with in-memory files over the repository's. */
export function memoryHost(files: Record<string, string>): ScenarioHost {
  return { readFile: (p) => (p in files ? files[p] : repoHost.readFile(p)) };
}

/** A sweep document over `scenario` (a path the host reads). */
export function sweepText(o: { scenario: string; seeds?: number; parameters?: string; situations: string; objective?: string; extra?: string }): string {
  return `apiVersion: gameday.dev/v1alpha1
kind: Sweep
metadata:
  name: test-sweep
spec:
  scenario: ${o.scenario}
  seeds: ${o.seeds ?? 10}
${o.extra ?? ''}${o.parameters ? `  parameters:\n${o.parameters}` : ''}  situations:
${o.situations}${o.objective ?? ''}`;
}

/** Loads a sweep from in-memory files, or throws with its diagnostics. */
export function mustLoadSweep(files: Record<string, string>, entry = 'sweep.yaml'): SweepPlan {
  const r = loadSweep(entry, memoryHost(files));
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.plan;
}
