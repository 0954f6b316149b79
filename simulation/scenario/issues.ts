import type { z } from 'zod';
import { type Diagnostic, formatPath } from './diagnostics';
import type { SourceDocument } from './yaml-source';

type Segment = string | number;

/** Turns schema issues into located diagnostics ("file:line:col: path: message"). */
export function issuesToDiagnostics(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  doc: SourceDocument,
  schema: z.ZodType,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, doc.value, path);
      for (const key of issue.keys) {
        const full = [...path, key];
        const pos = doc.locate(full, true);
        const hint = suggest(key, known);
        const expected = known.length > 0 ? `; expected one of: ${known.join(', ')}` : '';
        out.push({ severity, file: doc.file, ...pos, path: formatPath(full), message: `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : expected}` });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A bad key in a record: report the key's own message at the key.
      const inner = issue.issues[0]?.message ?? issue.message;
      out.push({ severity, file: doc.file, ...doc.locate(path, true), path: formatPath(path), message: inner });
      continue;
    }
    const present = valueAt(doc.value, path) !== undefined;
    let message = issue.message;
    if (!present && issue.code === 'invalid_type') {
      message = `missing required field "${String(path[path.length - 1] ?? '')}": ${issue.message.replace(/, found nothing$/, '')}`;
    }
    const pos = doc.locate(path);
    out.push({ severity, file: doc.file, ...pos, path: formatPath(path), message });
  }
  return out;
}

export function valueAt(root: unknown, path: ReadonlyArray<Segment>): unknown {
  let v: unknown = root;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s as string];
  }
  return v;
}

/**
 * The field names the schema allows at `path`, found by walking the schema
 * alongside the input (unions are resolved by their discriminator).
 */
export function knownKeys(schema: z.ZodType, input: unknown, path: ReadonlyArray<Segment>): string[] {
  let s: unknown = schema;
  let v: unknown = input;
  const step = (seg: Segment | null): boolean => {
    for (let guard = 0; guard < 20; guard++) {
      const def = (s as { _zod?: { def: Record<string, unknown> } })._zod?.def;
      if (!def) return false;
      switch (def.type) {
        case 'optional':
        case 'default':
        case 'nullable':
        case 'readonly':
        case 'prefault':
          s = def.innerType;
          continue;
        case 'pipe':
          s = (def.in as { _zod: { def: { type: string } } })._zod.def.type === 'transform' ? def.out : def.in;
          continue;
        case 'union': {
          const disc = def.discriminator as string | undefined;
          const options = def.options as z.ZodType[];
          const tag = v && typeof v === 'object' ? (v as Record<string, unknown>)[disc ?? ''] : undefined;
          const match = options.find((o) => {
            const shape = (o as unknown as { _zod: { def: { shape?: Record<string, { _zod: { def: { values?: unknown[] } } }> } } })._zod.def.shape;
            const lit = disc && shape?.[disc]?._zod.def.values;
            return lit ? lit.includes(tag) : false;
          });
          if (!match) return false;
          s = match;
          continue;
        }
        default:
          break;
      }
      if (seg === null) return true;
      if (def.type === 'object') {
        s = (def.shape as Record<string, unknown>)[seg as string];
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg as string] : undefined;
        return s !== undefined;
      }
      if (def.type === 'array') {
        s = def.element;
        v = Array.isArray(v) ? v[seg as number] : undefined;
        return true;
      }
      if (def.type === 'record') {
        s = def.valueType;
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg as string] : undefined;
        return true;
      }
      return false;
    }
    return false;
  };
  for (const seg of path) if (!step(seg)) return [];
  if (!step(null)) return [];
  const def = (s as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod.def;
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** The closest known name within edit distance 2, if any. */
export function suggest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
