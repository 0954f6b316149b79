import { isMap, parseAllDocuments } from 'yaml';
import { parseDuration } from '../../../simulation/util/duration';
import { dirname, resolveRelative } from '../../../simulation/util/path';

/**
 * What the game-day view reads from the open scenario's text itself, beyond
 * the summary the run session sends: the documents of `spec.faults` (to
 * inject a copy of a scheduled fault, and to draw its windows), `spec.include`
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

/** The files a scenario includes (`spec.include`), resolved against the scenario file's directory. */
export function includePaths(file: string, text: string): string[] {
  const inc = scenarioSpec(text)?.include;
  if (!Array.isArray(inc)) return [];
  const dir = dirname(file);
  return [...new Set(inc.filter((p): p is string => typeof p === 'string' && p !== '').map((p) => resolveRelative(dir, p)))];
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

function seconds(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return fallback;
  const d = parseDuration(v);
  return typeof d === 'number' ? d : fallback;
}

/**
 * The [start, end) windows a fault document schedules (`at`, `for`, `repeat`), with `at` counting from `offset`;
 * without `for` a window lasts until `horizon`. Windows starting after `horizon` are dropped.
 */
export function faultWindows(doc: Plain, horizon: number, offset = 0): Array<[number, number]> {
  const at = offset + seconds(doc.at, 0);
  const dur = doc.for === undefined || doc.for === null ? Infinity : seconds(doc.for, Infinity);
  const repeat = isPlain(doc.repeat) ? { every: seconds(doc.repeat.every, Infinity), times: typeof doc.repeat.times === 'number' ? doc.repeat.times : 1 } : null;
  const out: Array<[number, number]> = [];
  const times = repeat && Number.isFinite(repeat.every) ? Math.max(1, Math.floor(repeat.times)) : 1;
  for (let k = 0; k < times; k++) {
    const start = at + k * (repeat?.every ?? 0);
    if (start > horizon) break;
    out.push([start, Math.min(horizon, start + dur)]);
  }
  return out;
}
