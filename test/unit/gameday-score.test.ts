import { describe, expect, it } from 'vitest';
import type { FaultParams, FaultSpec, FaultTarget } from '../../simulation/faults/spec';
import type { DecisionAction, GateDecision } from '../../simulation/run/gates';
import { type RunAction, Simulation } from '../../simulation/run/simulation';
import { type LoadedScenario, loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { automaticActions, cumulativeAt, fmtCount, scoreExercise } from '../../simulation/gameday/score';
import { badAt, groundTruth } from '../../simulation/gameday/truth';
import { repoHost } from '../support/scenario';
import { gatedCheckoutHost } from '../support/exercise';

/**
 * Game-day scoring against ground truth (simulation/gameday/truth.ts and
 * score.ts, docs/gameday.md "Scoring"), on scenarios/checkout-canary.yaml:
 * the canary is deployed at 60 s, Flagger ticks every 30 s and walks the
 * weight 10 → 50; the team's variant has a confirm-promotion gate
 * (promotion-approval) and a rollback hook (pull-the-plug) bound to humans.
 */

const FILE = 'scenarios/checkout-canary.yaml';

/** The checkout canary with human gates (test/support/exercise.ts), with optional edits of the text. */
const gated = (edit: (text: string) => string = (t) => t): ScenarioHost => gatedCheckoutHost('', edit);

function load(host: ScenarioHost): LoadedScenario {
  const r = loadScenario(FILE, host);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n'));
  return r.scenario;
}

const GATED = load(gated());
const PLAIN = load(repoHost);
/** The canary configured slow: p99 300 ms against the primary's 120 ms (bad by the truth), under Flagger's 500 ms ceiling. */
const SLOW = load(gated((t) => t.replace('      canary:\n        statusCodes:\n', '      canary:\n        latency:\n          p50: 20ms\n          p99: 300ms\n        statusCodes:\n')));

const CANARY: FaultTarget = { kind: 'version', app: 'checkout', version: 'canary' };

function fault(name: string, params: FaultParams, target: FaultTarget = CANARY, schedule: Partial<FaultSpec['schedule']> = {}): FaultSpec {
  return { name, target, schedule: { at: 0, for: Infinity, rampIn: 0, rampOut: 0, repeat: null, ...schedule }, params, origin: 'live' };
}
const inject = (t: number, f: FaultSpec): RunAction => ({ t, action: 'inject', fault: f });
const decide = (t: number, hook: string, decision: GateDecision, by = 'incident commander'): DecisionAction => ({ t, action: 'decide', hook, decision, by, justification: `${decision}: the dashboards say so` });
const abort30 = fault('bad-deploy', { type: 'http-abort', code: 500, percent: 30 });

describe('ground truth', () => {
  it('judges the configured canary against the primary within the tolerances', () => {
    // 0.4 % 5xx against 0.1 %: within one percentage point.
    const ok = groundTruth(GATED);
    expect(ok).toMatchObject({ canary: 'shop/checkout', app: 'checkout', deployedAt: 60, bad: false, badFrom: null, spans: [], horizon: 480 });
    expect(ok.baseline?.primary.errorRate).toBeCloseTo(0.001, 12);
    expect(ok.baseline?.canary.errorRate).toBeCloseTo(0.004, 12);
    expect(ok.baseline?.canary.p99).toBeCloseTo(0.12, 9);
    expect(ok.reason).toMatch(/within tolerance.*5xx 0\.4%.*against 5xx 0\.1%/);
    // A tolerance of 0.2 points makes the same revision bad from its deployment to the end.
    const strict = groundTruth(GATED, { tolerances: { errorRate: 0.002 } });
    expect(strict).toMatchObject({ bad: true, badFrom: 60, spans: [{ from: 60, to: 480, faults: [] }] });
    expect(strict.reason).toBe('the canary answers 5xx to 0.4% of requests against 0.1% for the primary (tolerance +0.2 percentage points) as configured');
    // p99 300 ms against 120 ms: 150 % slower, beyond 50 %.
    const slow = groundTruth(SLOW);
    expect(slow).toMatchObject({ bad: true, badFrom: 60 });
    expect(slow.reason).toBe('the canary has a p99 service time of 300ms against 120ms for the primary (tolerance +50%) as configured');
    expect(groundTruth(SLOW, { tolerances: { latencyP99: 2 } }).bad).toBe(false);
  });

  it('a live fault on the canary makes it bad from the fault\'s start; cancelling it ends the span; the duration bounds it', () => {
    const t = groundTruth(GATED, { actions: [inject(150, abort30)] });
    expect(t).toMatchObject({ bad: true, badFrom: 150, spans: [{ from: 150, to: 480, faults: ['bad-deploy'] }] });
    expect(t.reason).toBe('the canary answers 5xx to 30.28% of requests against 0.1% for the primary (tolerance +1 percentage point), under bad-deploy (http-abort)');
    // 1 − 0.996 × 0.7 = 30.28 %.
    expect(badAt(t, 149.9)).toBe(false);
    expect(badAt(t, 150)).toBe(true);
    const cancelled = groundTruth(GATED, { actions: [inject(150, abort30), { t: 300, action: 'cancel', name: 'bad-deploy' }] });
    expect(cancelled.spans).toEqual([{ from: 150, to: 300, reason: t.reason, faults: ['bad-deploy'] }]);
    // The schedule counts from the injection; the run's duration ends the span.
    const later = groundTruth(GATED, { duration: 400, actions: [inject(100, fault('later', { type: 'http-abort', code: 503, percent: 50 }, CANARY, { at: 50, for: 120 }))] });
    expect(later.spans.map((s) => [s.from, s.to])).toEqual([[150, 270]]);
    // A fault open before the deployment counts from the deployment; repeats give one span each.
    const repeated = groundTruth(GATED, { actions: [inject(0, fault('flaky', { type: 'http-abort', code: 500, percent: 20 }, CANARY, { at: 30, for: 60, repeat: { every: 200, times: 3 } }))] });
    expect(repeated.spans.map((s) => [s.from, s.to])).toEqual([
      [60, 90],
      [230, 290],
      [430, 480],
    ]);
    // A scenario fault counts like a live one.
    const scenarioFault = groundTruth({ ...GATED, faults: [fault('declared', { type: 'http-abort', code: 500, percent: 5 }, CANARY, { at: 200 })] });
    expect(scenarioFault).toMatchObject({ bad: true, badFrom: 200 });
  });

  it('measures latency faults on the p99 of the service time, exactly', () => {
    const p99 = (params: FaultParams) => groundTruth(GATED, { actions: [inject(100, fault('slow', params))] });
    // × 2: 240 ms > 180 ms.
    expect(p99({ type: 'latency-shift', factor: 2 }).reason).toContain('p99 service time of 240ms against 120ms');
    expect(p99({ type: 'cpu-stress', slowdown: 1.4 }).bad).toBe(false);
    // + 100 ms on every request: 220 ms; + 50 ms: 170 ms, within 50 %.
    expect(p99({ type: 'http-delay', delay: 0.1, jitter: 0, percent: 100, tailOnly: false, tailQuantile: 0.95 }).reason).toContain('p99 service time of 220ms');
    expect(p99({ type: 'http-delay', delay: 0.05, jitter: 0, percent: 100, tailOnly: false, tailQuantile: 0.95 }).bad).toBe(false);
    // 1 s on 0.5 % of requests barely moves the p99 (the 99.5th percentile of the rest); on 2 % it is above 1 s.
    expect(p99({ type: 'http-delay', delay: 1, jitter: 0, percent: 0.5, tailOnly: false, tailQuantile: 0.95 }).bad).toBe(false);
    expect(p99({ type: 'http-delay', delay: 1, jitter: 0, percent: 2, tailOnly: false, tailQuantile: 0.95 }).reason).toMatch(/p99 service time of 1\.\d+s/);
    // Tail only: only draws at or above the 0.9 quantile are delayed, so the p99 moves by the whole second.
    expect(p99({ type: 'http-delay', delay: 1, jitter: 0, percent: 100, tailOnly: true, tailQuantile: 0.9 }).reason).toContain('p99 service time of 1.12s');
  });

  it('counts only faults on the canary revision that make it worse', () => {
    const bad = (f: FaultSpec) => groundTruth(GATED, { actions: [inject(100, f)] }).bad;
    expect(bad(fault('p', { type: 'http-abort', code: 500, percent: 30 }, { kind: 'version', app: 'checkout', version: 'primary' }))).toBe(false);
    expect(bad(fault('a', { type: 'http-abort', code: 500, percent: 30 }, { kind: 'version', app: 'checkout', version: 'all' }))).toBe(false);
    expect(bad(fault('c4', { type: 'http-abort', code: 404, percent: 30 }))).toBe(false);
    expect(bad(fault('small', { type: 'http-abort', code: 500, percent: 0.5 }))).toBe(false);
    expect(bad(fault('kill', { type: 'pod-kill', gracePeriod: 0 }, { kind: 'pods', workload: 'checkout', mode: 'all', value: 100 }))).toBe(false);
    expect(bad(fault('outage', { type: 'metrics-outage', mode: 'error' }, { kind: 'provider' }))).toBe(false);
    expect(bad(fault('one', { type: 'crash-loop', runFor: 5 }, { kind: 'pods', workload: 'checkout', mode: 'one', value: 1 }))).toBe(false);
    expect(bad(fault('primary-pods', { type: 'crash-loop', runFor: 5 }, { kind: 'pods', workload: 'checkout-primary', mode: 'all', value: 100 }))).toBe(false);
    const down = groundTruth(GATED, { actions: [inject(100, fault('every', { type: 'crash-loop', runFor: 5 }, { kind: 'pods', workload: 'checkout', mode: 'all', value: 100 }))] });
    expect(down).toMatchObject({ bad: true, badFrom: 100, reason: 'every canary pod is down or crashing: every (crash-loop)' });
    // Without a rollout there is no canary to judge.
    expect(groundTruth({ ...GATED, flagger: GATED.flagger ? { ...GATED.flagger, rollout: null } : undefined })).toMatchObject({ bad: false, canary: null, reason: 'no canary revision is rolled out in this run' });
  });
});

describe('scoring an exercise', () => {
  const canarySeries = (actions: RunAction[], scenario = GATED) => {
    const sim = new Simulation(scenario, { actions });
    sim.runToEnd();
    const k = sim.seriesKeys.findIndex((x) => x.app === 'checkout' && x.version === 'canary');
    const points = sim.readSeries(0).points;
    return { at: (t: number) => cumulativeAt(points, k, t, 'requests'), errorsAt: (t: number) => cumulativeAt(points, k, t, 'errors'), points, k };
  };

  it('a healthy canary approved: the decision is correct, nothing to detect, no blast radius', () => {
    const s = scoreExercise(GATED, { actions: [decide(270, 'promotion-approval', 'approve')] });
    expect(s.truth.bad).toBe(false);
    expect(s.decisions).toHaveLength(1);
    expect(s.decisions[0]).toMatchObject({ t: 270, hookType: 'confirm-promotion', canaryBad: false, correct: true, kind: 'approved-healthy', afterOutcome: false });
    expect([s.correctDecisions, s.incorrectDecisions]).toEqual([1, 0]);
    for (const run of [s.exercise, s.automatic]) {
      expect(run.verdict).toMatchObject({ outcome: 'promoted', correct: true });
      expect(run.detection).toMatchObject({ at: null, timeToDetect: null, by: null });
      expect(run.mitigation).toMatchObject({ at: null, timeToMitigate: null });
      expect(run.blastRadius).toEqual({ requests: 0, errors: 0, from: null, to: null });
      expect(run.failedChecks.whileGood).toBe(0);
    }
    // The gate waited for the team: approved at 270, the promotion starts at Flagger's next tick, 300; alone, at 270.
    expect(s.exercise.verdict.decidedAt).toBe(300);
    expect(s.automatic.verdict.decidedAt).toBe(270);
    expect(s.comparison.summary).toContain("the team's gates delayed the promotion by 30s against Flagger alone");
    expect(s.exercise.budget.map((b) => b.slo)).toEqual(['checkout-availability']);
  });

  it('rolling back a healthy canary is a false alarm', () => {
    const s = scoreExercise(GATED, { actions: [decide(200, 'promotion-approval', 'rollback', 'operator')] });
    expect(s.decisions[0]).toMatchObject({ correct: false, kind: 'false-alarm' });
    expect(s.decisions[0].reason).toMatch(/^rolled back a healthy canary \(false alarm\): the canary revision stays within tolerance/);
    expect(s.exercise.verdict).toMatchObject({ outcome: 'rolled-back', decidedAt: 210, correct: false });
    expect(s.automatic.verdict).toMatchObject({ outcome: 'promoted', correct: true });
    expect(s.comparison.summary).toContain('the exercise rolled back a healthy canary at 3m30s (false alarm); Flagger alone would have promoted a healthy canary at 4m30s');
  });

  it('a live http-abort at 2m30s, held at 2m45s and rolled back at 3m15s: detection and mitigation at the team\'s times', () => {
    const actions = [inject(150, abort30), decide(165, 'promotion-approval', 'hold', 'operator'), decide(195, 'promotion-approval', 'rollback', 'operator')];
    const s = scoreExercise(GATED, { actions });
    expect(s.truth).toMatchObject({ bad: true, badFrom: 150 });
    // Detected by the hold: 165 − 150. Flagger's first failed check comes at its tick at 180.
    expect(s.exercise.detection).toMatchObject({ at: 165, timeToDetect: 15, by: 'team', team: { at: 165, decision: 'hold', hook: 'promotion-approval' } });
    expect(s.exercise.detection.flagger?.at).toBe(180);
    // The rollback decision at 195 opens the rollback hook; Flagger rolls back at its next tick, 210: 210 − 150.
    expect(s.exercise.outcome).toMatchObject({ phase: 'Failed', decidedAt: 210, reason: 'Rolling back checkout.shop manual webhook invoked' });
    expect(s.exercise.mitigation).toMatchObject({ at: 210, timeToMitigate: 60, by: 'team' });
    expect(s.exercise.mitigation.what).toBe("rolled back at 3m30s by the team's rollback decision (operator at 3m15s)");
    // Blast radius: the (checkout, canary) series between 150 and 210, both on recorded points (every 15 s).
    const series = canarySeries(actions);
    expect(series.points.some((p) => p.t === 150) && series.points.some((p) => p.t === 210)).toBe(true);
    const served = series.at(210) - series.at(150);
    expect(served).toBeGreaterThan(300);
    expect(s.exercise.blastRadius).toEqual({ requests: served, errors: series.errorsAt(210) - series.errorsAt(150), from: 150, to: 210 });
    expect(s.exercise.blastRadius.errors / served).toBeGreaterThan(0.2);
    // Both decisions caught a bad canary.
    expect(s.decisions.map((d) => [d.kind, d.correct])).toEqual([
      ['caught', true],
      ['caught', true],
    ]);
    expect(s.decisions[0].reason).toMatch(/^held a bad canary \(bad since 2m30s: the canary answers 5xx to 30\.28%/);
    // Error budget: straight from the run's SLO result.
    const result = new Simulation(GATED, { actions }).runToEnd();
    expect(s.exercise.budget).toEqual([{ slo: 'checkout-availability', consumed: result.slo[0].budget.consumed, consumedByRollout: result.slo[0].budget.consumedByRollout }]);
    expect(s.exercise.budget[0].consumedByRollout).toBeGreaterThan(0);
  });

  it('compares with Flagger alone: same faults, every gate approved at t = 0, no decision of the team', () => {
    const actions = [inject(150, abort30), decide(165, 'promotion-approval', 'hold', 'operator'), decide(195, 'promotion-approval', 'rollback', 'operator')];
    const auto = automaticActions(GATED, actions);
    expect(auto.map((a) => `${a.t} ${a.action} ${a.action === 'decide' ? `${a.hook} ${a.decision}` : ''}`.trim())).toEqual(['0 decide promotion-approval approve', '0 decide pull-the-plug approve', '150 inject']);
    // Flagger alone: the success-rate checks fail at 180, 210, 240; the third reaches the threshold and rolls back at 240.
    const alone = new Simulation(GATED, { actions: auto }).runToEnd();
    const rollback = alone.timeline.find((k) => k.phase === 'Failed');
    expect(rollback?.t).toBe(240);
    const s = scoreExercise(GATED, { actions });
    expect(s.automatic.detection).toMatchObject({ at: 180, timeToDetect: 30, by: 'flagger' });
    expect(s.automatic.mitigation).toMatchObject({ at: 240, timeToMitigate: 90, by: 'flagger' });
    const series = canarySeries(auto);
    expect(s.automatic.blastRadius.requests).toBe(series.at(240) - series.at(150));
    expect(s.comparison).toMatchObject({ detectedSooner: 15, mitigatedSooner: 30, extraRequests: s.exercise.blastRadius.requests - s.automatic.blastRadius.requests });
    expect(s.comparison.extraRequests).toBeLessThan(0);
    expect(s.comparison.summary.slice(0, 3)).toEqual([
      'the team detected the bad canary 15s before Flagger alone would have (15s after it turned bad)',
      'the team rolled back 30s before Flagger alone would have',
      `the bad canary served ${fmtCount(-s.comparison.extraRequests)} fewer requests (${fmtCount(-s.comparison.extraErrors)} fewer 5xx) than under Flagger alone: ${fmtCount(s.exercise.blastRadius.requests)} requests against ${fmtCount(s.automatic.blastRadius.requests)}`,
    ]);
    expect(s.comparison.summary[3]).toMatch(/^the exercise burned [\d.]+% less of the checkout-availability error budget than Flagger alone would have/);
  });

  it('without humans, the comparison reports Flagger\'s own rollback for both runs', () => {
    const actions = [inject(150, abort30)];
    const r = new Simulation(PLAIN, { actions }).runToEnd();
    const rollbackAt = r.timeline.find((k) => k.phase === 'Failed')?.t;
    expect(rollbackAt).toBe(240);
    const s = scoreExercise(PLAIN, { actions });
    expect(s.automaticActions).toEqual(actions);
    expect(s.decisions).toEqual([]);
    for (const run of [s.exercise, s.automatic]) {
      expect(run.mitigation).toMatchObject({ at: rollbackAt, timeToMitigate: 90, by: 'flagger' });
      expect(run.mitigation.what).toBe("rolled back at 4m by Flagger's analysis (Rolling back checkout.shop failed checks threshold reached 3)");
      expect(run.verdict).toMatchObject({ outcome: 'rolled-back', correct: true });
    }
    expect(s.exercise).toEqual(s.automatic);
    expect(s.comparison).toMatchObject({ detectedSooner: 0, mitigatedSooner: 0, extraRequests: 0, extraErrors: 0 });
    expect(s.comparison.summary).toEqual([
      "Flagger's analysis in the exercise detected the bad canary at the same time as Flagger alone would have (30s after it turned bad)",
      "Flagger's analysis in the exercise rolled back at the same time as Flagger alone would have",
      `the bad canary served as many requests as under Flagger alone (${fmtCount(s.exercise.blastRadius.requests)})`,
    ]);
  });

  it('approving a bad canary is incorrect; it serves until the end of the run', () => {
    const s = scoreExercise(SLOW, { actions: [decide(120, 'promotion-approval', 'approve')] });
    expect(s.truth).toMatchObject({ bad: true, badFrom: 60 });
    expect(s.decisions[0]).toMatchObject({ correct: false, kind: 'missed', canaryBad: true });
    expect(s.decisions[0].reason).toBe('approved a bad canary (bad since 1m: the canary has a p99 service time of 300ms against 120ms for the primary (tolerance +50%) as configured)');
    expect(s.incorrectDecisions).toBe(1);
    expect(s.exercise.verdict).toMatchObject({ outcome: 'promoted', correct: false });
    expect(s.exercise.mitigation).toMatchObject({ at: null, timeToMitigate: null });
    expect(s.exercise.mitigation.what).toMatch(/^never rolled back: promoted at /);
    // Every request the canary revision served from its deployment to the end (after the promotion, on the primary's pods).
    const series = canarySeries([decide(120, 'promotion-approval', 'approve')], SLOW);
    expect(s.exercise.blastRadius).toMatchObject({ requests: series.at(480) - series.at(60), from: 60, to: 480 });
    expect(s.exercise.blastRadius.requests).toBeGreaterThan(10_000);
  });

  it('is deterministic: the same record scores identically', () => {
    const actions = [inject(150, abort30), decide(165, 'promotion-approval', 'hold', 'operator'), decide(195, 'promotion-approval', 'rollback', 'operator')];
    const a = scoreExercise(GATED, { seed: 7, mode: 'exact', duration: 420, actions });
    const b = scoreExercise(GATED, { seed: 7, mode: 'exact', duration: 420, actions: JSON.parse(JSON.stringify(actions, (_k, v) => (v === Infinity ? 'Infinity' : v)), (_k, v) => (v === 'Infinity' ? Infinity : v)) });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.truth.horizon).toBe(420);
  });
});
