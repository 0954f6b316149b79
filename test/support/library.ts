import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { checkOverSeeds } from '../../simulation/run/expect';
import type { RunResult } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { checkpointTime, describeTrigger } from '../../simulation/scenario/lesson';
import { loadScenario } from '../../simulation/scenario/loader';
import { repoHost, repoRoot } from './scenario';

/**
 * The scenario library's contract (issue 11, docs/lessons.md): every
 * top-level scenario is a lesson — hook, first signal, what to watch,
 * hypothesis, objectives, two or three checkpoints whose moments occur in its
 * own run — and carries an expected outcome that its own seed meets and that
 * at least spec.expect.seedsAgreeing of 100 seeds meet too. A scenario that
 * drifts fails with the seeds that disagree.
 */

/** The library: scenarios/*.yaml (the examples and templates are not lessons). */
export function libraryScenarios(): string[] {
  return readdirSync(resolve(repoRoot, 'scenarios'))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `scenarios/${f}`);
}

/** Half of the library (0 or 1), so two test files share the work across cores. */
export function libraryHalf(half: 0 | 1): string[] {
  return libraryScenarios().filter((_, i) => i % 2 === half);
}

export function checkLibraryScenario(file: string): void {
  const loaded = loadScenario(file, repoHost);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const s = loaded.scenario;
  const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
  expect(warnings, `${file} loads with warnings`).toEqual([]);
  const lesson = s.lesson;
  if (!lesson) throw new Error(`${file} has no spec.lesson: every library scenario teaches something`);
  for (const field of ['title', 'summary', 'hook', 'firstSignal', 'hypothesis'] as const) expect(lesson[field].trim(), `${file}: spec.lesson.${field}`).not.toBe('');
  expect(lesson.level, `${file}: spec.lesson.level`).not.toBeNull();
  expect(lesson.watch.length, `${file}: spec.lesson.watch`).toBeGreaterThanOrEqual(2);
  expect(lesson.objectives.length, `${file}: spec.lesson.objectives`).toBeGreaterThanOrEqual(2);
  expect(lesson.checkpoints.length, `${file}: two or three checkpoints`).toBeGreaterThanOrEqual(2);
  expect(lesson.checkpoints.length, `${file}: two or three checkpoints`).toBeLessThanOrEqual(3);
  const expectation = s.expect;
  if (!expectation) throw new Error(`${file} has no spec.expect`);
  let own: RunResult | null = null;
  const r = checkOverSeeds({ ...s, expect: expectation }, { onOwnRun: (x) => (own = x) });
  const run = own as unknown as RunResult;
  // Every checkpoint's moment comes in the lesson's own run.
  const view = { t: run.stats.simSeconds, done: true, timeline: run.timeline, checks: run.checks, events: run.events, slo: run.slo };
  const missing = lesson.checkpoints.filter((c) => checkpointTime(c.trigger, view) === null).map((c) => `${c.id} (${describeTrigger(c.trigger)})`);
  expect(missing, `${file}: checkpoints whose moment never comes with seed ${s.seed}`).toEqual([]);
  const report = [
    `seed ${r.defaultSeed.seed} (exact): ${r.defaultSeed.result.met ? 'as expected' : r.defaultSeed.result.mismatches.join('; ')}`,
    `${r.agreeing} of ${r.seeds} seeds (${r.mode}) agree, ${Math.ceil(r.required * r.seeds)} required`,
    ...r.disagreeing.map((d) => `  seed ${d.seed}: ${d.mismatches.join('; ')}`),
  ].join('\n');
  expect(r.met, `${file} drifted from its spec.expect:\n${report}`).toBe(true);
}
