import { isMap, parseAllDocuments } from 'yaml';
import { dirname, resolveRelative } from '../../../simulation/util/path';
import { shadowJudgeFiles } from '../../../simulation/scenario/shadow-files';

/**
 * What the game-day view reads from the open scenario's text itself, beyond
 * the summary the run session sends: the documents of `spec.faults` (to
 * inject a copy of a scheduled fault; their windows come with the summary), `spec.include`
 * (the files an exported exercise carries) and the types of the Canary's
 * webhooks (which gates are which). Pure: text in, plain values out; a text
 * that does not parse gives empty answers (the editor reports why).
 */

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The YAML documents of a text as plain values (documents that fail to parse are skipped). */
function documents(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((d) => (d.errors.length === 0 && isMap(d.contents) ? [d.toJS() as unknown] : []));
  } catch {
    return [];
  }
}

/** The `spec` of the text's Scenario document; null without one. */
export function scenarioSpec(text: string): Plain | null {
  const doc = documents(text).find((d) => isPlain(d) && d.kind === 'Scenario');
  return isPlain(doc) && isPlain(doc.spec) ? doc.spec : null;
}

/** A scenario fault as written, with the name it gets (`<type>-<index>` when unnamed). */
export interface FaultDoc {
  name: string;
  doc: Plain;
}

/** The scenario's `spec.faults` entries, each with its (default) name. */
export function scenarioFaultDocs(text: string): FaultDoc[] {
  const faults = scenarioSpec(text)?.faults;
  if (!Array.isArray(faults)) return [];
  return faults.flatMap((f, i) => (isPlain(f) ? [{ name: typeof f.name === 'string' ? f.name : `${String(f.type)}-${i}`, doc: f }] : []));
}

/**
 * The files a scenario reads besides its own (`spec.include`, and the AnalysisTemplates and Kayenta configs its
 * shadow judges name), resolved against the scenario file's directory.
 */
export function includePaths(file: string, text: string): string[] {
  const spec = scenarioSpec(text);
  const inc = Array.isArray(spec?.include) ? spec.include : [];
  const judges = shadowJudgeFiles(spec?.shadowJudges);
  const dir = dirname(file);
  return [...new Set([...inc, ...judges].filter((p): p is string => typeof p === 'string' && p !== '').map((p) => resolveRelative(dir, p)))];
}

/** Webhook name → type, for every Canary document of the text (`spec.analysis.webhooks`). */
export function webhookTypes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of documents(text)) {
    if (!isPlain(d) || d.kind !== 'Canary' || !isPlain(d.spec) || !isPlain(d.spec.analysis)) continue;
    const hooks = d.spec.analysis.webhooks;
    if (!Array.isArray(hooks)) continue;
    for (const h of hooks) if (isPlain(h) && typeof h.name === 'string') out[h.name] = typeof h.type === 'string' ? h.type : 'rollout';
  }
  return out;
}
