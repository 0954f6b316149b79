import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExerciseRecord } from '../../simulation/gameday/record';
import type { ScenarioHost } from '../../simulation/scenario/loader';
import { repoHost } from './scenario';

/**
 * A game-day exercise on the checkout canary (scenarios/checkout-canary.yaml)
 * as the app exports it, for the evidence package's tests: the Canary gets a
 * confirm-promotion gate and a rollback hook the participants answer (as in
 * test/unit/gates.test.ts); the facilitator injects 500s on 5% of the
 * canary's requests at 2:30; the incident commander holds the gate at 2:45 and
 * pulls the plug at 3:15, before Flagger's own threshold would have (3
 * failed checks: 4:00 without the team). Flagger rolls back at its 3:30 tick.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const EXERCISE_SCENARIO = 'scenarios/checkout-canary.yaml';

/** The checkout canary with the two human-bound webhooks (and `extra` spec.webhooks entries, as YAML lines). */
export function gatedCheckoutText(extra = ''): string {
  return readFileSync(resolve(root, EXERCISE_SCENARIO), 'utf8')
    .replace(
      '  expect:\n    outcome: promoted\n',
      `  webhooks:
    - { name: promotion-approval, human: true }
    - { name: pull-the-plug, human: true }
${extra}`,
    )
    .replace(
      '          max: 500\n',
      `          max: 500
    webhooks:
      - name: promotion-approval
        type: confirm-promotion
        url: http://gameday/gate/promotion
      - name: pull-the-plug
        type: rollback
        url: http://gameday/gate/rollback
`,
    );
}

export const HOLD_JUSTIFICATION = 'success rate dipping on the canary; hold at the gate & watch the next check';
export const ROLLBACK_JUSTIFICATION = 'canary success rate 96.35% < 99% while the fault is on: pull the plug';

export function checkoutExercise(): ExerciseRecord {
  return {
    format: 'gameday-exercise/v1',
    scenario: { file: EXERCISE_SCENARIO, files: { [EXERCISE_SCENARIO]: gatedCheckoutText() } },
    seed: 3,
    mode: 'exact',
    duration: 480,
    actions: [
      {
        t: 150,
        action: 'inject',
        fault: {
          name: 'canary-errors',
          target: { kind: 'version', app: 'checkout', version: 'canary' },
          schedule: { at: 0, for: 120, rampIn: 0, rampOut: 0, repeat: null },
          params: { type: 'http-abort', code: 500, percent: 5 },
          origin: 'live',
        },
      },
      { t: 165, action: 'decide', hook: 'promotion-approval', decision: 'hold', by: 'Ada (incident commander)', justification: HOLD_JUSTIFICATION },
      { t: 195, action: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'Ada (incident commander)', justification: ROLLBACK_JUSTIFICATION },
    ],
    plan: {
      objective: 'The team catches a bad checkout canary before Flagger rolls it back on its own',
      participants: [
        { name: 'Ada', role: 'incident-commander' },
        { name: 'Grace', role: 'operator' },
        { name: 'Linus', role: 'facilitator' },
      ],
      hypothesis: 'With the promotion gate held, a 5% error canary never reaches more than 30% of checkout traffic',
      faults: ['http-abort'],
      hideFaults: true,
      blastRadius: 'checkout canary only; at most 50% of checkout traffic',
      abortTrigger: 'checkout success rate under 95% for two checks',
      observe: ['request-success-rate of the canary', 'error budget burn of checkout-availability'],
    },
    notes: { remediation: 'Raise the success-rate floor to 99.5 %.\nFollow-up: alert on canary <errors> before the gate (owner: Grace).' },
    exportedAt: '2026-01-15T10:30:00Z',
  };
}

/** The repository's files, with the checkout canary gated (its text passed through `edit`). */
export function gatedCheckoutHost(extra = '', edit: (text: string) => string = (t) => t): ScenarioHost {
  return { readFile: (p) => (p === EXERCISE_SCENARIO ? edit(gatedCheckoutText(extra)) : repoHost.readFile(p)) };
}
