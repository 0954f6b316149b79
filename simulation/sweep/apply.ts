import { parseKnobPath, writeKnob } from '../scenario/canary-knobs';
import type { PlanOutline } from './aggregate';
import type { ScenarioHost } from '../scenario/loader';
import { unifiedDiff } from '../util/diff';
import type { Knob } from '../scenario/canary-knobs';

/**
 * "Apply": a configuration's values written into the Canary's YAML, ready to
 * commit. The Canary's own file is edited (the scenario file when the Canary
 * is inline, else the included manifest file that holds it), one scalar per
 * knob, every other byte kept (canary-knobs.ts); the patch carries the
 * unified diff to review.
 */

export interface CanaryPatch {
  /** The file that holds the Canary. */
  file: string;
  before: string;
  after: string;
  /** Unified diff (empty when the values are already the Canary's). */
  diff: string;
}

export interface ApplyTarget {
  /** namespace/name of the Canary. */
  canary: string;
  /** The file that holds it. */
  file: string;
  parameters: ReadonlyArray<{ field: string; knob: Knob }>;
}

/** The patch that sets `values` (one per parameter) in the Canary's file. */
export function applyConfiguration(target: ApplyTarget, values: ReadonlyArray<string | number>, host: ScenarioHost): { ok: true; patch: CanaryPatch } | { ok: false; error: string } {
  if (values.length !== target.parameters.length) return { ok: false, error: `expected ${target.parameters.length} values (one per parameter), got ${values.length}` };
  const before = host.readFile(target.file);
  if (before === null) return { ok: false, error: `cannot read ${target.file}` };
  let after = before;
  for (let i = 0; i < values.length; i++) {
    const p = target.parameters[i];
    const r = writeKnob(after, p.knob, values[i], { canary: target.canary });
    if (!r.ok) return { ok: false, error: `${p.field} in ${target.file}: ${r.message}` };
    after = r.text;
  }
  return { ok: true, patch: { file: target.file, before, after, diff: unifiedDiff(target.file, before, after) } };
}

/** Where a sweep's configurations are applied: its Canary's file and knobs. */
export function applyTargetOf(outline: Pick<PlanOutline, 'canary' | 'canaryFile' | 'parameters'>): ApplyTarget {
  return {
    canary: outline.canary,
    file: outline.canaryFile,
    parameters: outline.parameters.map((p) => {
      const knob = parseKnobPath(p.field);
      if (!knob) throw new RangeError(`${p.field} is not a Canary knob`);
      return { field: p.field, knob };
    }),
  };
}
