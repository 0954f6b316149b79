import { describe, expect, it } from 'vitest';
import { RunSession } from '../../simulation/run/session';
import { buildEvidence, scoreOf, toMarkdown } from '../../simulation/gameday/report';
import { repoHost } from '../support/scenario';
import { checkoutExercise, ROLLBACK_JUSTIFICATION } from '../support/exercise';

/** The score and the evidence package through a run session: what the app's Game Day view asks its worker for. */
describe('game day through a run session', () => {
  const record = checkoutExercise();
  const asJson = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;

  it('scores an exercise record exactly as the report does', () => {
    const r = new RunSession(repoHost).handle({ kind: 'score', record: asJson });
    if (r.kind !== 'score') throw new Error(JSON.stringify(r));
    expect(r.score).toEqual(scoreOf(record));
    expect(r.score.bad).toBe(true);
    expect(r.score.decisions.map((d) => [d.decision, d.correct])).toEqual([
      ['hold', true],
      ['rollback', true],
    ]);
  });

  it('renders the evidence package exactly as gameday report does', () => {
    const r = new RunSession(repoHost).handle({ kind: 'evidence', record: asJson, format: 'md' });
    if (r.kind !== 'evidence') throw new Error(JSON.stringify(r));
    expect(r.text).toBe(toMarkdown(buildEvidence(record, scoreOf(record))));
    expect(r.text).toContain(ROLLBACK_JUSTIFICATION);
  });

  it('refuses a record that is not one, saying what is wrong', () => {
    const r = new RunSession(repoHost).handle({ kind: 'score', record: { format: 'nope' } });
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' ? r.message : '').toMatch(/format/);
  });
});
