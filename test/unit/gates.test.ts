import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { type LoadedScenario, loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { gatedCheckoutHost } from '../support/exercise';

/**
 * Human gates (game-day mode, simulation/run/gates.ts): the checkout canary
 * with a confirm-promotion gate and a rollback hook the participants answer.
 */

const GATED = (extra = ''): ScenarioHost => gatedCheckoutHost(extra);

function load(host: ScenarioHost): LoadedScenario {
  const r = loadScenario('scenarios/checkout-canary.yaml', host);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n'));
  return r.scenario;
}

describe('human gates', () => {
  const s = load(GATED());

  it('without a decision the canary waits at the confirm-promotion gate', () => {
    const r = new Simulation(s).runToEnd();
    expect(r.outcome?.phase).toBe('WaitingPromotion');
    expect(r.events.some((e) => e.message === 'Halt checkout.shop advancement waiting for promotion approval promotion-approval')).toBe(true);
  });

  it('an approval promotes; the decision is in the action log and replaying it gives the same run', () => {
    const sim = new Simulation(s);
    sim.advanceTo(300);
    expect(sim.humanHooks()).toEqual(['promotion-approval', 'pull-the-plug']);
    sim.decide('promotion-approval', 'approve', 'incident commander', 'success rate 99.6% and p99 well under 500 ms');
    const r = sim.runToEnd();
    expect(r.outcome?.promoted).toBe(true);
    expect(r.outcome?.decidedAt).toBeGreaterThanOrEqual(300);
    expect(sim.actionLog).toEqual([{ t: 300, action: 'decide', hook: 'promotion-approval', decision: 'approve', by: 'incident commander', justification: 'success rate 99.6% and p99 well under 500 ms' }]);
    const replay = new Simulation(s, { actions: sim.actionLog }).runToEnd();
    expect(JSON.stringify(replay)).toBe(JSON.stringify(r));
    // Seeking back and forward keeps the decision where it was taken.
    sim.seek(100);
    expect(JSON.stringify(sim.runToEnd())).toBe(JSON.stringify(r));
  });

  it('"roll back" opens the rollback hook: Flagger rolls the canary back at its next tick', () => {
    const sim = new Simulation(s);
    sim.advanceTo(270);
    sim.decide('promotion-approval', 'rollback', 'operator', 'p99 creeping up on the canary');
    const r = sim.runToEnd();
    expect(r.outcome?.phase).toBe('Failed');
    const rollback = r.events.find((e) => e.message === 'Rolling back checkout.shop manual webhook invoked');
    expect(rollback?.t).toBeGreaterThanOrEqual(270);
    expect(rollback?.t).toBeLessThanOrEqual(300);
  });

  it('a hold keeps the gate closed; a decision needs a known gate, a known decision, who and why', () => {
    const sim = new Simulation(s);
    sim.advanceTo(240);
    sim.decide('promotion-approval', 'hold', 'facilitator', 'wait for the next check');
    expect(sim.decisionOn('promotion-approval')?.decision).toBe('hold');
    expect(() => sim.decide('promotion-approval', 'approve', 'ic', '  ')).toThrow(/needs a justification/);
    expect(() => sim.decide('promotion-approval', 'approve', '', 'fine')).toThrow(/needs who took it/);
    expect(() => sim.decide('promotion-aproval', 'approve', 'ic', 'fine')).toThrow(/no human gate named promotion-aproval; human gates: promotion-approval, pull-the-plug/);
    expect(() => sim.decide('promotion-approval', 'ship-it' as 'approve', 'ic', 'fine')).toThrow(/decision must be one of approve, hold, rollback/);
    expect(sim.actionLog).toHaveLength(1);
    expect(sim.runToEnd().outcome?.phase).toBe('WaitingPromotion');
  });

  it('a human gate cannot also have scripted answers', () => {
    const r = loadScenario('scenarios/checkout-canary.yaml', GATED('    - { name: other, human: true, responses: [{ status: 200 }] }\n'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/no webhook named other/);
    const both = loadScenario(
      'scenarios/checkout-canary.yaml',
      (() => {
        const h = GATED();
        return { readFile: (p: string) => h.readFile(p)?.replace('{ name: pull-the-plug, human: true }', '{ name: pull-the-plug, human: true, responses: [{ status: 200 }] }') ?? null };
      })(),
    );
    expect(both.ok).toBe(false);
    expect(both.diagnostics.map((d) => d.message)).toContain('expected human: true or responses, not both: the participants answer a human gate');
  });
});

describe('human gates through a run session', () => {
  it('decide is a session command; the snapshot carries the gates, their decisions and the action log', async () => {
    const { RunSession } = await import('../../simulation/run/session');
    const session = new RunSession(GATED());
    session.handle({ kind: 'open', file: 'scenarios/checkout-canary.yaml' });
    session.handle({ kind: 'start' });
    session.handle({ kind: 'advance', to: 300 });
    const r = session.handle({ kind: 'decide', hook: 'promotion-approval', decision: 'approve', by: 'IC', justification: 'all checks green' });
    if (r.kind !== 'snapshot') throw new Error(JSON.stringify(r));
    expect(r.snapshot.humanGates.map((g) => [g.hook, g.decision?.decision ?? null])).toEqual([
      ['promotion-approval', 'approve'],
      ['pull-the-plug', null],
    ]);
    expect(r.snapshot.actions).toHaveLength(1);
    const bad = session.handle({ kind: 'decide', hook: 'promotion-approval', decision: 'approve', by: 'IC', justification: '' });
    expect(bad).toEqual({ kind: 'error', message: 'a decision needs a justification: say in a few words why' });
  });
});
