/**
 * The Canary (and its MetricTemplates) a replay judges the recorded rollout
 * with, read from the team's YAML as the scenario loader reads manifests:
 * each document validated against its CRD schema (scenario/manifests.ts),
 * then compiled as Flagger reads it (scenario/flagger.ts: defaults, CRD
 * rules, what cannot be honoured), every problem located at
 * file:line:column and field. A scenario file works too: its rolled-out
 * Canary is taken.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { qualified } from '../model/spec';
import type { CanarySpec, MetricTemplateSpec } from '../rollout/types';
import { type Diagnostic, sortDiagnostics } from '../scenario/diagnostics';
import { compileFlagger, reporters } from '../scenario/flagger';
import { loadScenario, looksLikeScenario, type ScenarioHost } from '../scenario/loader';
import { type Manifest, readManifest } from '../scenario/manifests';
import { mappingDocuments } from '../scenario/yaml-source';

export type CanaryLoad = { ok: true; canary: CanarySpec; templates: MetricTemplateSpec[]; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Which Canary: `name` or `namespace/name` against a compiled one. */
function matches(c: CanarySpec, want: string): boolean {
  return want.includes('/') ? want === qualified(c.namespace, c.name) : want === c.name;
}

function pick(canaries: readonly CanarySpec[], want: string | null, file: string, diagnostics: Diagnostic[], rollout: string | null = null): CanarySpec | null {
  const names = canaries.map((c) => qualified(c.namespace, c.name));
  const where = { severity: 'error' as const, file, line: 0, column: 0, path: '' };
  if (want !== null) {
    const found = canaries.filter((c) => matches(c, want));
    if (found.length === 1) return found[0];
    diagnostics.push({ ...where, message: found.length === 0 ? `no Canary named ${want} (found: ${names.join(', ') || 'none'})` : `several Canaries are named ${want}: write namespace/name (${found.map((c) => qualified(c.namespace, c.name)).join(', ')})` });
    return null;
  }
  if (rollout !== null) {
    const r = canaries.find((c) => qualified(c.namespace, c.name) === rollout);
    if (r) return r;
  }
  if (canaries.length === 1) return canaries[0];
  diagnostics.push({ ...where, message: canaries.length === 0 ? 'no Canary (flagger.app/v1beta1) in the file' : `several Canaries (${names.join(', ')}): choose one with --canary` });
  return null;
}

/**
 * Loads the Canary from `file` (manifests, or a scenario) with the
 * MetricTemplates of `templateFiles`; `want` chooses among several Canaries.
 */
export function loadReplayCanary(file: string, templateFiles: readonly string[], host: ScenarioHost, want: string | null = null): CanaryLoad {
  const diagnostics: Diagnostic[] = [];
  const text = host.readFile(file);
  if (text === null) return { ok: false, diagnostics: [{ severity: 'error', file, line: 0, column: 0, path: '', message: 'cannot read the file' }] };
  const manifests: Manifest[] = [];
  const readAll = (path: string, body: string) => {
    for (const doc of mappingDocuments(path, body, diagnostics)) {
      const m = readManifest(doc, diagnostics);
      if (m) manifests.push(m);
    }
  };
  for (const t of templateFiles) {
    const body = host.readFile(t);
    if (body === null) diagnostics.push({ severity: 'error', file: t, line: 0, column: 0, path: '', message: 'cannot read the file' });
    else readAll(t, body);
  }
  const { err, warn } = reporters(diagnostics);

  if (looksLikeScenario(text)) {
    const loaded = loadScenario(file, host);
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.ok) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
    const flagger = loaded.scenario.flagger;
    const canaries = flagger?.canaries ?? [];
    const extra = compileFlagger(manifests, err, warn, { meshProvider: 'traefik', partial: true }).templates;
    const templates = [...(flagger?.templates ?? [])];
    for (const t of extra) {
      if (templates.some((x) => x.name === t.name && x.namespace === t.namespace)) {
        diagnostics.push({ severity: 'warning', file: templateFiles.join(', '), line: 0, column: 0, path: '', message: `MetricTemplate ${t.namespace}/${t.name} is in the scenario too; the scenario's is used` });
      } else templates.push(t);
    }
    const canary = pick(canaries, want, file, diagnostics, flagger?.rollout ?? null);
    if (!canary || diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
    return { ok: true, canary, templates, diagnostics: sortDiagnostics(diagnostics) };
  }

  readAll(file, text);
  const compiled = compileFlagger(manifests, err, warn, { meshProvider: 'traefik' });
  // A Canary that failed its schema is already reported at its fields.
  const canary = diagnostics.some((d) => d.severity === 'error') ? null : pick(compiled.canaries, want, file, diagnostics);
  if (!canary || diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  return { ok: true, canary, templates: compiled.templates, diagnostics: sortDiagnostics(diagnostics) };
}
