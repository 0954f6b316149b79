import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../cli/summary';
import type { ExerciseRecord } from '../../simulation/gameday/record';
import { buildEvidence, toHtml, toJson, toMarkdown } from '../../simulation/gameday/report';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { checkoutExercise } from '../support/exercise';
import { repoHost, repoRoot } from '../support/scenario';
import { decisionEntries } from '../../renderer/views/decision-entries';
import { includePaths } from '../../renderer/views/gameday/scenario-text';

/**
 * Shadow verdicts where people read a run: `gameday run`'s summary, the
 * game-day evidence package (the decision timeline and the go/no-go
 * section) and the run view's decision log — each marked shadow, since the
 * judges did not act — and nothing of them where a scenario has none.
 */

const FILE = 'scenarios/examples/shadow-judges.gameday.yaml';
const read = (p: string) => readFileSync(resolve(repoRoot, p), 'utf8');

function exercise(): ExerciseRecord {
  const text = read(FILE);
  const files: Record<string, string> = { [FILE]: text };
  // What the app exports with the scenario: its includes and its judges' files.
  for (const p of includePaths(FILE, text)) files[p] = read(p);
  return { format: 'gameday-exercise/v1', scenario: { file: FILE, files }, seed: 3, mode: 'exact', duration: 480, actions: [], plan: null, notes: { remediation: '' }, exportedAt: null };
}

describe('shadow verdicts in the evidence package', () => {
  it('carries the judges\' files with the exercise, and replays them', () => {
    expect(includePaths(FILE, read(FILE))).toEqual(['scenarios/examples/shadow-judges/analysis-template.yaml', 'scenarios/examples/shadow-judges/canary-config.yaml']);
  });

  it('puts each verdict on the decision timeline, marked shadow, and beside the outcome with whether it agrees', () => {
    const pkg = buildEvidence(exercise());
    expect(pkg.outcome).toMatchObject({ result: 'promoted', decidedAt: 270 });
    expect(pkg.shadow?.map((v) => [v.name, v.verdict, v.at, v.agreement])).toEqual([
      ['argo-golden-signals', 'promote', 240, 'agrees'],
      ['kayenta', 'rollback', 180, 'disagrees'],
      ['consecutive', 'promote', 270, 'agrees'],
    ]);
    const shadow = pkg.timeline.filter((e) => e.source === 'shadow');
    expect(shadow.map((e) => [e.t, e.by, e.kind, e.warning, e.message])).toEqual([
      [180, 'shadow judge kayenta (Kayenta)', 'shadow-rollback', true, 'Shadow verdict (dry run, not acted on): would roll back'],
      [240, 'shadow judge argo-golden-signals (Argo AnalysisRun)', 'shadow-promote', false, 'Shadow verdict (dry run, not acted on): would promote'],
      [270, 'shadow judge consecutive (consecutive failed checks)', 'shadow-promote', false, 'Shadow verdict (dry run, not acted on): would promote'],
    ]);
    // After Flagger's events of the same instant (the promotion at 4:30), with what was known then.
    const at270 = pkg.timeline.filter((e) => e.t === 270).map((e) => e.source);
    expect(at270.indexOf('shadow')).toBeGreaterThan(at270.lastIndexOf('flagger'));
    expect(shadow[0].evidence).toMatchObject({ phase: 'Progressing', canaryWeight: 30 });

    const md = toMarkdown(pkg);
    expect(md).toContain('### Shadow judges (dry run: they did not act)');
    expect(md).toContain('| kayenta | Kayenta | would roll back at 3:00 | DISAGREES |');
    expect(md).toContain('| 3:00 | shadow judge kayenta (Kayenta) | _Shadow verdict (dry run, not acted on): would roll back_ |');
    // The go/no-go section comes before the plan.
    expect(md.indexOf('### Shadow judges')).toBeLessThan(md.indexOf('## Plan'));
    const html = toHtml(pkg);
    expect(html).toContain('<table class="shadow" data-testid="shadow-verdicts">');
    expect(html).toContain('<tr class="shadow warning" data-kind="shadow-rollback"><td class="time">3:00</td><td><span class="tag shadow">shadow</span>');
    expect(html).toMatch(/<td class="agreement-disagrees">DISAGREES<\/td>/);
    expect(JSON.parse(toJson(pkg)).shadow).toHaveLength(3);
  });

  it('says nothing of shadow judges where a scenario has none', () => {
    const pkg = buildEvidence(checkoutExercise());
    expect('shadow' in pkg).toBe(false);
    expect(pkg.timeline.some((e) => e.source === 'shadow')).toBe(false);
    for (const text of [toMarkdown(pkg), toHtml(pkg).replace(/\.tag\.shadow|tr\.shadow|table\.shadow/g, ''), toJson(pkg)]) expect(text).not.toMatch(/shadow/i);
  });
});

describe('shadow verdicts in gameday run and the run view', () => {
  const loaded = loadScenario(FILE, repoHost);
  if (!loaded.ok) throw new Error('example');
  const r = new Simulation(loaded.scenario).runToEnd();

  it('prints each verdict under Flagger\'s decision, marked shadow', () => {
    const text = formatSummary(loaded.scenario, { ...r, stats: { ...r.stats, wallMs: 1 }, expectation: null });
    const lines = text.split('\n');
    const from = lines.indexOf('  Shadow judges (dry run: they judged the same run and did not act on the rollout):');
    expect(from).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Canary shop/checkout: Succeeded, promoted (decided at 4m30s)')));
    expect(lines.slice(from + 1, from + 7)).toEqual([
      '  shadow argo-golden-signals (Argo AnalysisRun): would promote at 4m0s',
      '    AnalysisRun Successful at 4:00: every metric completed successfully',
      '  shadow kayenta (Kayenta): would roll back at 3m0s',
      `    ${r.shadow?.[1].reason}`,
      '  shadow consecutive (consecutive failed checks): would promote at 4m30s',
      `    ${r.shadow?.[2].reason}`,
    ]);
    // Without judges: not a word of them.
    const plain = loadScenario('scenarios/checkout-canary.yaml', repoHost);
    if (!plain.ok) throw new Error('checkout');
    const p = new Simulation(plain.scenario).runToEnd();
    expect(formatSummary(plain.scenario, { ...p, stats: { ...p.stats, wallMs: 1 }, expectation: null })).not.toMatch(/shadow/i);
  });

  it('interleaves the reached verdicts with Flagger\'s events in the decision log', () => {
    const entries = decisionEntries(r.events, r.shadow ?? []);
    expect(entries).toHaveLength(r.events.length + 3);
    expect(entries.map((e) => e.t)).toEqual([...entries.map((e) => e.t)].sort((a, b) => a - b));
    const shadow = entries.filter((e) => e.kind === 'shadow');
    expect(shadow.map((e) => (e.kind === 'shadow' ? [e.t, e.verdict.name] : null))).toEqual([
      [180, 'kayenta'],
      [240, 'argo-golden-signals'],
      [270, 'consecutive'],
    ]);
    // At 4:30 the judge comes after Flagger's own events of that tick.
    const i = entries.findIndex((e) => e.kind === 'shadow' && e.t === 270);
    expect(entries[i - 1]).toMatchObject({ kind: 'flagger', t: 270 });
    // Undecided verdicts have no moment: they are not entries.
    expect(decisionEntries([], [{ ...(r.shadow ?? [])[0], verdict: 'undecided', at: null }])).toEqual([]);
  });
});
