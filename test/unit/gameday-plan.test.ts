import { describe, expect, it } from 'vitest';
import { RunSession } from '../../simulation/run/session';
import { loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { repoHost } from '../support/scenario';

/** The game-day plan in a scenario (`spec.gameDay`, docs/gameday.md). */

function withPlan(plan: string): ScenarioHost {
  return {
    readFile: (p) => {
      const text = repoHost.readFile(p);
      if (text === null || !p.endsWith('checkout-canary.yaml')) return text;
      return text.replace(
        '  expect:\n    outcome: promoted\n',
        `  faults:
    - name: checkout-500s
      type: http-abort
      target: { service: checkout, version: canary }
      at: 3m
      code: 500
      percent: 20
  gameDay:
${plan}
`,
      );
    },
  };
}

const PLAN = `    objective: Can the on-call team stop a bad checkout canary before it burns the budget?
    participants:
      - { name: Ana, role: facilitator }
      - { name: Bo, role: incident-commander }
      - { name: Cy, role: operator }
    hypothesis: Flagger's success-rate check halts the canary within two analysis intervals.
    faults: [checkout-500s, network-latency]
    hideFaults: true
    blastRadius: at most 50% of checkout traffic on the canary
    abortTrigger: a page on checkout-availability
    observe: [canary success rate, error budget, decision log]`;

describe('game-day plan', () => {
  it('compiles into the scenario and its summary', () => {
    const r = new RunSession(withPlan(PLAN)).handle({ kind: 'open', file: 'scenarios/checkout-canary.yaml' });
    if (r.kind !== 'opened' || !r.ok) throw new Error(JSON.stringify(r));
    expect(r.summary.gameDay).toEqual({
      objective: 'Can the on-call team stop a bad checkout canary before it burns the budget?',
      participants: [
        { name: 'Ana', role: 'facilitator' },
        { name: 'Bo', role: 'incident-commander' },
        { name: 'Cy', role: 'operator' },
      ],
      hypothesis: "Flagger's success-rate check halts the canary within two analysis intervals.",
      faults: ['checkout-500s', 'network-latency'],
      hideFaults: true,
      blastRadius: 'at most 50% of checkout traffic on the canary',
      abortTrigger: 'a page on checkout-availability',
      observe: ['canary success rate', 'error budget', 'decision log'],
    });
    expect(r.diagnostics).toEqual([]);
  });

  it('reports unknown faults (with a did-you-mean), duplicate participants, a missing facilitator and unknown roles at their fields', () => {
    const bad = PLAN.replace('checkout-500s, network-latency', 'checkout-5OOs, netwrk-latency').replace('{ name: Cy, role: operator }', '{ name: Bo, role: operator }').replace('{ name: Ana, role: facilitator }', '{ name: Ana, role: observer }');
    const r = loadScenario('scenarios/checkout-canary.yaml', withPlan(bad));
    expect(r.ok).toBe(false);
    const msgs = r.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`);
    expect(msgs).toContain('error spec.gameDay.faults[0]: no fault named checkout-5OOs in spec.faults and no fault type checkout-5OOs (did you mean checkout-500s?); faults: checkout-500s');
    expect(msgs).toContain('error spec.gameDay.faults[1]: no fault named netwrk-latency in spec.faults and no fault type netwrk-latency (did you mean network-latency?); faults: checkout-500s');
    expect(msgs).toContain('error spec.gameDay.participants[2].name: participant Bo is listed twice');
    expect(msgs).toContain('warning spec.gameDay.participants: no participant has the role facilitator: someone should run the exercise');
    const line = r.diagnostics.find((d) => d.path === 'spec.gameDay.faults[0]');
    expect(line?.line).toBeGreaterThan(40);
    const role = loadScenario('scenarios/checkout-canary.yaml', withPlan(PLAN.replace('role: operator', 'role: pilot')));
    expect(role.diagnostics.map((d) => d.message)).toContain('expected the role facilitator, incident-commander, operator or observer, found string "pilot"');
  });
});
