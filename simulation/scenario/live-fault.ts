import type { FaultSpec } from '../faults/spec';
import type { Diagnostic } from './diagnostics';
import { compileFaults } from './faults';
import { reporters } from './flagger';
import { issuesToDiagnostics } from './issues';
import type { LoadedScenario } from './loader';
import { faultSchema, type ScenarioDocument } from './schema';
import type { SourceDocument } from './yaml-source';

/**
 * A fault the facilitator injects live (game-day mode's palette): the same
 * document a scenario's `spec.faults[]` holds, checked and resolved exactly as
 * the loader does it against the running scenario (type, parameters, target,
 * schedule). Its `at` counts from the moment it is injected. Errors name the
 * field and say what was expected.
 */
export function compileLiveFault(scenario: LoadedScenario, fault: Record<string, unknown>): { ok: true; fault: FaultSpec } | { ok: false; errors: string[] } {
  const src: SourceDocument = { file: 'live fault', index: 0, value: { spec: { faults: [fault] } }, locate: () => ({ line: 0, column: 0 }) };
  const parsed = faultSchema.safeParse(fault);
  const diagnostics: Diagnostic[] = [];
  const text = (d: Diagnostic) => `${d.path.replace(/^spec\.faults\[0\]\.?/, '') || 'fault'}: ${d.message}`;
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ ...i, path: ['spec', 'faults', 0, ...i.path] }));
    return { ok: false, errors: issuesToDiagnostics(issues, src, faultSchema).map(text) };
  }
  const { err, warn } = reporters(diagnostics);
  const doc = { ...scenario.document, spec: { ...scenario.document.spec, faults: [parsed.data] } } as ScenarioDocument;
  const out = compileFaults(doc, src, scenario.world, err, warn);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || out.length !== 1) return { ok: false, errors: errors.map(text) };
  return { ok: true, fault: { ...out[0], origin: 'live' } };
}
