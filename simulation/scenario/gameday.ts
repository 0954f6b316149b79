import type { GameDayPlan } from '../gameday/record';
import type { FaultSpec } from '../faults/spec';
import { FAULT_TYPES } from '../faults/spec';
import { suggest } from './issues';
import type { ScenarioDocument } from './schema';
import type { SourceDocument } from './yaml-source';

type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

/**
 * Compiles `spec.gameDay` (docs/gameday.md): the plan's faults name faults
 * of the scenario or fault types the facilitator's palette offers; a plan
 * that hides faults needs faults to hide; participants have distinct names
 * and someone facilitates.
 */
export function compileGameDay(doc: ScenarioDocument, src: SourceDocument, faults: readonly FaultSpec[], err: Report, warn: Report): GameDayPlan | null {
  const g = doc.spec.gameDay;
  if (!g) return null;
  const p = ['spec', 'gameDay'];
  const names = faults.map((f) => f.name);
  g.faults.forEach((f, i) => {
    if (names.includes(f) || (FAULT_TYPES as readonly string[]).includes(f)) return;
    const hint = suggest(f, [...names, ...FAULT_TYPES]);
    err(src, [...p, 'faults', i], `no fault named ${f} in spec.faults and no fault type ${f}${hint ? ` (did you mean ${hint}?)` : ''}; faults: ${names.length > 0 ? names.join(', ') : 'none'}`);
  });
  if (g.hideFaults && g.faults.length === 0) warn(src, [...p, 'hideFaults'], 'hideFaults hides the planned faults, but the plan lists none');
  const seen = new Set<string>();
  g.participants.forEach((x, i) => {
    if (seen.has(x.name)) err(src, [...p, 'participants', i, 'name'], `participant ${x.name} is listed twice`);
    seen.add(x.name);
  });
  if (g.participants.length > 0 && !g.participants.some((x) => x.role === 'facilitator')) warn(src, [...p, 'participants'], 'no participant has the role facilitator: someone should run the exercise');
  return {
    objective: g.objective,
    participants: g.participants.map((x) => ({ name: x.name, role: x.role })),
    hypothesis: g.hypothesis,
    faults: [...g.faults],
    hideFaults: g.hideFaults,
    blastRadius: g.blastRadius,
    abortTrigger: g.abortTrigger,
    observe: [...g.observe],
  };
}
