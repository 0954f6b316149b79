import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKayentaAnalysis, traefikScopes } from '../../simulation/judges/kayenta';
import { rangeQuery } from '../../simulation/promql/engine';
import type { TickRecord } from '../../simulation/rollout/types';
import { RunSession } from '../../simulation/run/session';
import { type ShadowVerdict, shadowWindow } from '../../simulation/run/shadow';
import { type RunMode, type RunResult, Simulation } from '../../simulation/run/simulation';
import type { LoadedScenario } from '../../simulation/scenario/loader';
import { mustLoad, repoRoot } from '../support/scenario';

/**
 * Shadow judges in a run (docs/judges.md, "In a run"): Argo, Kayenta and the
 * consecutive rule watching the bundled example's checkout canary — verdicts
 * and the simulated times they are reached on a healthy, a slow and a failing
 * canary; Flagger's record the same with and without them; the same bytes
 * whether the run goes straight to its end, step by step, back and forth, or
 * through a run session.
 */

const DIR = 'scenarios/examples';
const read = (p: string) => readFileSync(resolve(repoRoot, p), 'utf8');
const EXAMPLE = read(`${DIR}/shadow-judges.gameday.yaml`);
const FILES = {
  'shadow-judges/analysis-template.yaml': read(`${DIR}/shadow-judges/analysis-template.yaml`),
  'shadow-judges/canary-config.yaml': read(`${DIR}/shadow-judges/canary-config.yaml`),
};
const SLOW = '      canary:\n        latency:\n          p50: 40ms\n          p99: 240ms\n';

/** The example with another canary: as healthy as the primary, failing 5 % of requests, or as written (twice as slow). */
function scenario(canary: 'slow' | 'healthy' | 'failing', edit: (text: string) => string = (t) => t): LoadedScenario {
  if (!EXAMPLE.includes(SLOW)) throw new Error('the example no longer has its slow canary');
  const text = EXAMPLE.replace(SLOW, canary === 'slow' ? SLOW : canary === 'failing' ? '      canary:\n        statusCodes:\n          "500": 0.05\n' : '');
  return mustLoad({ 'scenario.yaml': edit(text), ...FILES });
}

const brief = (r: RunResult) => (r.shadow ?? []).map((v) => [v.name, v.verdict, v.at]);
const byName = (r: RunResult, name: string): ShadowVerdict => {
  const v = r.shadow?.find((x) => x.name === name);
  if (!v) throw new Error(`no shadow judge ${name}`);
  return v;
};

describe('shadow judges on the example checkout canary', () => {
  it('a canary twice as slow: Flagger and Argo promote, Kayenta would roll back at its first judgement', () => {
    const r = new Simulation(scenario('slow')).runToEnd();
    expect(r.outcome).toMatchObject({ phase: 'Succeeded', promoted: true, decidedAt: 270 });
    // Flagger sends the canary 10 % at 1:30 (the analysis' first tick with traffic) and decides to promote at 4:30.
    expect(r.shadow?.map((v) => [v.name, v.judge, v.from, v.to])).toEqual([
      ['argo-golden-signals', 'argo', 90, 270],
      ['kayenta', 'kayenta', 90, 270],
      ['consecutive', 'consecutive', 90, 270],
    ]);
    // Argo: 1 minute of initial delay, then 4 measurements 30 s apart, the last at 4:00. Kayenta: 30 s of warm-up,
    // then a judgement every minute: the first, at 3:00, scores 50 ≤ 75 and stops the analysis.
    expect(brief(r)).toEqual([
      ['argo-golden-signals', 'promote', 240],
      ['kayenta', 'rollback', 180],
      ['consecutive', 'promote', 270],
    ]);
    const argo = byName(r, 'argo-golden-signals');
    expect(argo.reason).toBe('AnalysisRun Successful at 4:00: every metric completed successfully');
    expect(argo.judge === 'argo' && argo.details.metrics.map((m) => [m.name, m.phase, m.measurements.map((x) => x.t)])).toEqual([
      ['success-rate', 'Successful', [150, 180, 210, 240]],
      ['p99-latency', 'Successful', [150, 180, 210, 240]],
    ]);
    // The p99 the canary shows through Traefik's buckets (about 0.28 s) is under Argo's 0.5 s, as under Flagger's 500 ms.
    expect(argo.judge === 'argo' && argo.details.metrics[1].measurements.every((x) => x.phase === 'Successful' && Number(x.value.slice(1, -1)) < 0.5)).toBe(true);
    const kayenta = byName(r, 'kayenta');
    expect(kayenta.judge === 'kayenta' && kayenta.details.judgements.map((j) => [j.from, j.to, j.score, j.verdict, j.metrics.map((m) => m.classification)])).toEqual([[120, 180, 50, 'Fail', ['Pass', 'High', 'High']]]);
    expect(kayenta.judge === 'kayenta' && kayenta.details.planned).toBe(2);
    expect(kayenta.reason).toMatch(/^judgement 1 of 2 scored 50, at or below the marginal threshold 75: Kayenta stops the analysis, failed \(score 50 is below the marginal threshold 75: 1 of 3 metrics passed; not passing: latency-p99 High, latency-mean High\)$/);
    const consecutive = byName(r, 'consecutive');
    expect(consecutive.judge === 'consecutive' && consecutive.details).toEqual({
      threshold: 3,
      longestStreak: 1,
      comparison: 'neither',
      checks: [
        { t: 120, result: 'failed', cumulative: 1, streak: 1 },
        { t: 150, result: 'passed', cumulative: 1, streak: 0 },
        { t: 180, result: 'passed', cumulative: 1, streak: 0 },
        { t: 210, result: 'passed', cumulative: 1, streak: 0 },
        { t: 240, result: 'passed', cumulative: 1, streak: 0 },
      ],
    });
  });

  it('a healthy canary: every judge would promote, each at its own time', () => {
    const r = new Simulation(scenario('healthy')).runToEnd();
    expect(r.outcome?.promoted).toBe(true);
    // Kayenta's last judgement (2 of 2) at 4:00 scores at least 95.
    expect(brief(r)).toEqual([
      ['argo-golden-signals', 'promote', 240],
      ['kayenta', 'promote', 240],
      ['consecutive', 'promote', r.outcome?.decidedAt],
    ]);
    expect(byName(r, 'kayenta').reason).toMatch(/^the last judgement \(judgement 2 of 2\) scored 100, at least the pass threshold 95: Pass/);
  });

  it('a canary failing 5 % of requests: every judge would roll back, none later than Flagger', () => {
    const r = new Simulation(scenario('failing')).runToEnd();
    expect(r.outcome).toMatchObject({ phase: 'Failed', promoted: false });
    const flagger = r.outcome?.decidedAt as number;
    // Argo: the 1st and 2nd measurements (2:30, 3:00) fail; failureLimit 1 is exceeded at the second.
    // Kayenta: the critical success rate is Low at the first judgement (3:00): score 0.
    // Consecutive: three failed checks in a row, as Flagger counted them: both roll back at Flagger's tick.
    expect(brief(r)).toEqual([
      ['argo-golden-signals', 'rollback', 180],
      ['kayenta', 'rollback', 180],
      ['consecutive', 'rollback', flagger],
    ]);
    expect(byName(r, 'argo-golden-signals').reason).toBe('AnalysisRun Failed at 3:00: Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1); Argo aborts the rollout');
    expect(byName(r, 'kayenta').reason).toMatch(/^judgement 1 of 2 scored 0, .*canary failed: critical metric request-success-rate is Low/);
    const consecutive = byName(r, 'consecutive');
    expect(consecutive.judge === 'consecutive' && consecutive.details.comparison).toBe('both-rolled-back');
    expect(r.shadow?.every((v) => v.to === flagger)).toBe(true);
  });

  it("gives Kayenta's incremental judgements exactly what runKayentaAnalysis gives over the same windows", () => {
    const s = scenario('slow', (t) => t.replace('        lifetime: 2m\n', '        lifetime: 2m\n        scoreThresholds: { pass: 95, marginal: 0 }\n'));
    const sim = new Simulation(s);
    const r = sim.runToEnd();
    const mine = byName(r, 'kayenta');
    const judge = s.shadowJudges?.find((j) => j.name === 'kayenta');
    if (judge?.judge !== 'kayenta') throw new Error('kayenta');
    const direct = runKayentaAnalysis(judge.config, traefikScopes('shop', 'checkout', 80), { startMs: sim.timestamp(90), beginAfterMs: 30_000, lifetimeMs: 120_000, intervalMs: 60_000, stepMs: 15_000, thresholds: { pass: 95, marginal: 0 } }, (q, a, b, step) => rangeQuery(sim.store, q, a, b, step));
    // The slow canary scores 50, above a marginal threshold of 0: both judgements are made, the last decides (Fail).
    expect(mine.judge === 'kayenta' && mine.details.judgements.map((j) => j.score)).toEqual(direct.judgements.map((j) => j.score));
    expect(direct.judgements).toHaveLength(2);
    // Kayenta fails an analysis whose last judgement is Marginal; the shadow verdict is inconclusive (docs/judges.md).
    expect([direct.verdict, direct.judgements[1].verdict, mine.verdict]).toEqual(['Fail', 'Marginal', 'inconclusive']);
  });
});

describe('verdicts other than promote and roll back', () => {
  it("maps Argo's Inconclusive and Kayenta's Marginal ending to inconclusive (a person decides)", () => {
    const files = { ...FILES, 'shadow-judges/analysis-template.yaml': FILES['shadow-judges/analysis-template.yaml'].replace('successCondition: "result[0] < 0.5"', 'successCondition: "result[0] < 0.1"\n      failureCondition: "result[0] > 1"') };
    // Kayenta: one judgement over the lifetime, Marginal from 50 (the slow canary's score) to 95.
    const text = EXAMPLE.replace('        lifetime: 2m\n        interval: 1m\n', '        lifetime: 2m\n        scoreThresholds: { pass: 95, marginal: 50 }\n');
    const loaded = mustLoad({ 'scenario.yaml': text, ...files });
    expect(loaded.shadowJudges?.length).toBe(3);
    const r = new Simulation(loaded).runToEnd();
    // Argo: the canary's p99 (about 0.28 s) is neither under 0.1 s nor over 1 s: Inconclusive at the first measurement (2:30).
    expect(brief(r).slice(0, 2)).toEqual([
      ['argo-golden-signals', 'inconclusive', 150],
      ['kayenta', 'inconclusive', 240],
    ]);
    expect(byName(r, 'argo-golden-signals').reason).toBe('AnalysisRun Inconclusive at 2:30: Metric "p99-latency" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0); Argo pauses the rollout for a person to decide');
    expect(byName(r, 'kayenta').reason).toMatch(/^the last judgement \(judgement 1 of 1\) scored 50, Marginal \(at least 50, below 95\): Kayenta fails an analysis that ends below the pass threshold; in shadow a Marginal ending is inconclusive, for a person to decide/);
  });

  it('is undecided, and says why, before the analysis, while judging, when Flagger decides first or the run ends first', () => {
    const long = (t: string) => t.replace('        lifetime: 2m\n        interval: 1m\n', '        lifetime: 6m\n        interval: 1m\n');
    const files = { ...FILES, 'shadow-judges/analysis-template.yaml': FILES['shadow-judges/analysis-template.yaml'].replace(/count: 4/g, 'count: 20') };
    const sim = new Simulation(mustLoad({ 'scenario.yaml': long(EXAMPLE.replace(SLOW, '')), ...files }));
    sim.advanceTo(60);
    expect(sim.shadowVerdicts().map((v) => [v.verdict, v.reason, v.from, v.to])).toEqual([
      ['undecided', "waiting for Flagger's analysis to send the canary traffic", null, null],
      ['undecided', "waiting for Flagger's analysis to send the canary traffic", null, null],
      ['undecided', "waiting for Flagger's analysis to send the canary traffic", null, null],
    ]);
    sim.advanceTo(200);
    expect(sim.shadowVerdicts().map((v) => v.reason)).toEqual([
      'judging since 1:30 (AnalysisRun Running, 4 measurements taken)',
      'judging since 1:30 (1 of 6 judgements made, the next at 4:00)',
      'judging since 1:30 (3 checks, longest run of failures 1 of 3)',
    ]);
    const r = sim.runToEnd();
    // Flagger decides to promote at 4:30: Argo's 20 measurements (5 of each metric by then, the end tick's included) and
    // Kayenta's 6 judgements (2 by then) do not fit before.
    expect(r.outcome?.decidedAt).toBe(270);
    expect(r.shadow?.slice(0, 2).map((v) => [v.verdict, v.at, v.reason, v.to])).toEqual([
      ['undecided', null, 'Flagger decided to promote at 4:30, before the judge decided (AnalysisRun Running, 10 measurements taken)', 270],
      ['undecided', null, 'Flagger decided to promote at 4:30, before the judge decided (2 of 6 judgements made, the next at 5:00)', 270],
    ]);
    // A run that ends while the analysis goes on.
    const short = new Simulation(mustLoad({ 'scenario.yaml': long(EXAMPLE.replace(SLOW, '')).replace('  duration: 8m\n', '  duration: 3m\n'), ...files })).runToEnd();
    expect(short.outcome?.decidedAt).toBeNull();
    expect(short.shadow?.map((v) => [v.verdict, v.reason, v.to])).toEqual([
      ['undecided', 'the run ended at 3:00 before the judge decided (AnalysisRun Running, 4 measurements taken)', 180],
      ['undecided', 'the run ended at 3:00 before the judge decided (1 of 6 judgements made, the next at 4:00)', 180],
      ['undecided', 'the run ended at 3:00 before the judge decided (3 checks, longest run of failures 1 of 3)', 180],
    ]);
  });
});

describe('what a shadow judge watches', () => {
  const tick = (t: number, phase: TickRecord['phase'], primaryWeight = 100, iterations = 0, failedChecks = 0): TickRecord => ({ t, phase, canaryWeight: 100 - primaryWeight, primaryWeight, failedChecks, iterations });

  it("starts at the analysis' first tick with canary traffic and ends at the tick that ends the analysis", () => {
    // The canary strategy: detected at 1:00 (no traffic yet), 10 % at 1:30, promotion decided at 4:30.
    const canary = [tick(0, 'Initialized'), tick(60, 'Progressing'), tick(90, 'Progressing', 90), tick(120, 'Progressing', 80), tick(150, 'WaitingPromotion', 80), tick(180, 'Promoting', 80), tick(210, 'Succeeded')];
    expect(shadowWindow({ timeline: canary, events: [] })).toEqual({ start: 90, end: { t: 180, kind: 'promote', phase: 'Promoting' } });
    // Blue/green and A/B testing keep the weights; the first iteration is the start. Failed is a rollback.
    const bg = [tick(60, 'Progressing'), tick(120, 'Progressing', 100, 1), tick(180, 'Progressing', 100, 2, 1), tick(240, 'Failed')];
    expect(shadowWindow({ timeline: bg, events: [] })).toEqual({ start: 120, end: { t: 240, kind: 'rollback', phase: 'Failed' } });
    // A new revision mid-analysis restarts it: the watch ends there.
    const restart = { timeline: [tick(60, 'Progressing'), tick(90, 'Progressing', 90), tick(120, 'Progressing')], events: [{ t: 120, type: 'Normal' as const, reason: 'Synced' as const, message: 'New revision detected! Restarting analysis for checkout.shop' }] };
    expect(shadowWindow(restart)).toEqual({ start: 90, end: { t: 120, kind: 'restart', phase: 'Progressing' } });
    expect(shadowWindow({ timeline: [tick(0, 'Initialized'), tick(60, 'Progressing')], events: [] })).toEqual({ start: null, end: null });
  });
});

describe('never acting, and the same bytes however the run is advanced', () => {
  const result = (s: LoadedScenario, mode: RunMode = 'exact') => new Simulation(s, { mode }).runToEnd();

  it("leaves Flagger's record and everything else of the run as it is without them", () => {
    for (const mode of ['exact', 'fast'] as const) {
      const s = scenario('failing');
      const { shadowJudges, ...without } = s;
      expect(shadowJudges).toHaveLength(3);
      const a = result(s, mode);
      const b = result(without as LoadedScenario, mode);
      expect(b.shadow).toBeUndefined();
      const { shadow, ...rest } = a;
      expect(shadow).toHaveLength(3);
      expect(JSON.stringify(rest)).toBe(JSON.stringify(b));
      expect(a.timeline.length).toBeGreaterThan(5);
    }
  });

  it('straight to the end, in slices, back and forth, and through a run session give the same result', () => {
    const s = scenario('slow');
    const straight = JSON.stringify(new Simulation(s).runToEnd());
    expect(straight).toBe(JSON.stringify(new Simulation(s).runToEnd()));
    // Slices of 7 s and event budgets: the judges only see what has settled.
    const sliced = new Simulation(s);
    for (let t = 7; t < sliced.endTime + 7; t += 7) while (!sliced.advanceTo(t, 5_000));
    expect(JSON.stringify(sliced.result())).toBe(straight);
    // To the end, back to 1:40 (replayed from the start), to the end again.
    const seek = new Simulation(s);
    seek.runToEnd();
    seek.seek(100);
    expect(seek.shadowVerdicts().map((v) => v.verdict)).toEqual(['undecided', 'undecided', 'undecided']);
    expect(JSON.stringify(seek.runToEnd())).toBe(straight);
    // The run view's session: open, start, step by 30 s, seek back, run on.
    const session = new RunSession({ readFile: (p) => ({ 'scenario.yaml': EXAMPLE, ...FILES })[p] ?? null });
    expect(session.handle({ kind: 'open', file: 'scenario.yaml' })).toMatchObject({ kind: 'opened', ok: true });
    session.handle({ kind: 'start' });
    for (let t = 30; t <= 300; t += 30) session.handle({ kind: 'advance', to: t });
    session.handle({ kind: 'seek', to: 150 });
    const end = session.handle({ kind: 'advance', to: 480 });
    expect(end.kind === 'snapshot' && JSON.stringify(end.snapshot.result)).toBe(straight);
  });
});
