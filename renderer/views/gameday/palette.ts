import { parse } from 'yaml';
import type { RunSnapshot, ScenarioSummary } from '../../../simulation/run/session';
import type { FaultDoc } from './scenario-text';

/**
 * The facilitator's fault palette, as data: which entries the plan offers
 * (a scheduled fault of the scenario, of which a copy can be injected now, or
 * a fault type with a small form), the form's fields per type, and the fault
 * document (`spec.faults[]`, docs/faults.md) a form or a copy injects.
 */

/** The types the palette's form knows: the common ones of a game day. */
export const FORM_TYPES = ['http-abort', 'http-delay', 'latency-shift', 'pod-kill', 'metrics-outage'] as const;
export type FormType = (typeof FORM_TYPES)[number];

export interface ParamField {
  key: string;
  label: string;
  /** The value the form starts with. */
  initial: string;
  /** A number (sent as a number when it parses as one), a duration, or one of `options`. */
  kind: 'number' | 'duration' | 'choice';
  options?: readonly string[];
  hint?: string;
}

/** Each type's parameters (docs/faults.md), and whether it targets a revision (a service and version). */
export const FORM_FIELDS: Readonly<Record<FormType, { revision: boolean; params: readonly ParamField[]; blurb: string }>> = {
  'http-abort': {
    revision: true,
    blurb: 'answers requests with an error status',
    params: [
      { key: 'code', label: 'status', initial: '500', kind: 'number' },
      { key: 'percent', label: 'percent', initial: '10', kind: 'number', hint: '% of requests' },
    ],
  },
  'http-delay': {
    revision: true,
    blurb: 'adds a delay to requests',
    params: [
      { key: 'delay', label: 'delay', initial: '200ms', kind: 'duration' },
      { key: 'percent', label: 'percent', initial: '100', kind: 'number', hint: '% of requests' },
    ],
  },
  'latency-shift': {
    revision: true,
    blurb: 'multiplies every service time',
    params: [{ key: 'factor', label: 'factor', initial: '2', kind: 'number', hint: '× service time' }],
  },
  'pod-kill': {
    revision: true,
    blurb: "deletes the version's pods (the ReplicaSet replaces them)",
    params: [{ key: 'gracePeriod', label: 'grace period', initial: '0s', kind: 'duration' }],
  },
  'metrics-outage': {
    revision: false,
    blurb: "Flagger's metric queries fail",
    params: [{ key: 'mode', label: 'mode', initial: 'error', kind: 'choice', options: ['error', 'no-data'] }],
  },
};

export function isFormType(t: string): t is FormType {
  return (FORM_TYPES as readonly string[]).includes(t);
}

/** What the palette's form holds. */
export interface FaultForm {
  type: FormType;
  service: string;
  version: 'primary' | 'canary' | 'all';
  params: Record<string, string>;
  /** How long it lasts (a duration); empty: until cancelled. */
  duration: string;
}

/** The form for a type, with its defaults: the first service (its canary when it has one), 5 minutes. */
export function defaultForm(type: FormType, summary: Pick<ScenarioSummary, 'services' | 'topology'> | null): FaultForm {
  const service = summary?.services[0] ?? '';
  const versions = summary ? versionsOf(summary, service) : ['primary', 'canary'];
  return {
    type,
    service,
    version: versions.includes('canary') ? 'canary' : 'primary',
    params: Object.fromEntries(FORM_FIELDS[type].params.map((p) => [p.key, p.initial])),
    duration: '5m',
  };
}

/** The versions a service runs in the scenario (from the traffic graph's pods): primary, and canary with a Canary. */
export function versionsOf(summary: Pick<ScenarioSummary, 'topology'>, service: string): Array<'primary' | 'canary'> {
  const ids = summary.topology.nodes.map((n) => n.id);
  const has = (v: string) => ids.includes(`pod:${service}:${v}`);
  const out: Array<'primary' | 'canary'> = [];
  if (has('primary') || !summary.topology.exact) out.push('primary');
  if (has('canary') || !summary.topology.exact) out.push('canary');
  return out.length > 0 ? out : ['primary'];
}

/** A parameter's text as the document carries it: numbers as numbers, the rest as written (the loader checks it). */
function paramValue(field: ParamField, text: string): unknown {
  const s = text.trim();
  if (field.kind === 'number' && s !== '' && Number.isFinite(Number(s))) return Number(s);
  return s;
}

/** The fault document a form injects (`spec.faults[]`; no `at`: it starts now). Empty parameters are left out. */
export function formDocument(form: FaultForm, name: string): Record<string, unknown> {
  const spec = FORM_FIELDS[form.type];
  const doc: Record<string, unknown> = { name, type: form.type, target: spec.revision ? { service: form.service, version: form.version } : 'provider' };
  for (const p of spec.params) {
    const v = form.params[p.key] ?? '';
    if (v.trim() !== '') doc[p.key] = paramValue(p, v);
  }
  if (form.duration.trim() !== '') doc.for = form.duration.trim();
  return doc;
}

/** A copy of a scheduled fault under a new name, starting now (its `at` dropped; the rest of its schedule kept). */
export function copyDocument(fault: FaultDoc, name: string): Record<string, unknown> {
  const { at: _at, ...rest } = fault.doc;
  return { ...rest, name };
}

/** Fault names already used in this run: the scenario's and every injected one. */
export function takenNames(summary: Pick<ScenarioSummary, 'faults'> | null, snapshot: Pick<RunSnapshot, 'actions'> | null): Set<string> {
  const out = new Set<string>((summary?.faults ?? []).map((f) => f.name));
  for (const a of snapshot?.actions ?? []) if (a.action === 'inject') out.add(a.fault.name);
  return out;
}

/** `base`, or `base-2`, `base-3`… : the first not taken. */
export function freshName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** One entry of the palette: a planned fault of the scenario (with its document) or a planned fault type. */
export type PaletteEntry =
  | { kind: 'scheduled'; key: string; name: string; type: string; at: number; fault: FaultDoc | null }
  | { kind: 'type'; key: string; type: string; form: boolean };

/** The plan's faults as palette entries, in the plan's order (a name of spec.faults first, else a type). */
export function paletteEntries(summary: Pick<ScenarioSummary, 'faults' | 'gameDay'> | null, docs: readonly FaultDoc[]): PaletteEntry[] {
  const planned = summary?.gameDay?.faults ?? [];
  return planned.map((p): PaletteEntry => {
    const f = summary?.faults.find((x) => x.name === p);
    if (f) return { kind: 'scheduled', key: p, name: f.name, type: f.type, at: f.at, fault: docs.find((d) => d.name === p) ?? null };
    return { kind: 'type', key: p, type: p, form: isFormType(p) };
  });
}

/** A fault document the facilitator wrote (YAML or JSON, one `spec.faults[]` entry): the document, or why it is not one. */
export function parseFaultText(text: string): { ok: true; doc: Record<string, unknown> } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = parse(text);
  } catch (e) {
    return { ok: false, error: `not YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'expected one fault: a mapping with name, type, target and its parameters' };
  return { ok: true, doc: v as Record<string, unknown> };
}

/** A starting point for a fault document of `type` (a planned type the form does not cover). */
export function faultTemplate(type: string, name: string, summary: Pick<ScenarioSummary, 'services'> | null): string {
  const service = summary?.services[0] ?? 'app';
  return `name: ${name}\ntype: ${type}\ntarget: { service: ${service}, version: canary }\nfor: 5m\n`;
}
