import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExerciseRecord } from '../../simulation/gameday/record';
import { formatPercent } from '../../simulation/gameday/report';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { checkoutExercise, EXERCISE_SCENARIO, HOLD_JUSTIFICATION, ROLLBACK_JUSTIFICATION } from '../support/exercise';

// `gameday report` as built by `node scripts/build.mjs` (dist/), spawned as users run it, on an exercise of the
// checkout canary with human gates: a live fault, a hold and a rollback decision (test/support/exercise.ts).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/cli/gameday.js');

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const noStackTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gameday-report-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes a record (or any JSON value, or raw text) to a fresh file; its path. */
function recordFile(value: unknown, raw = false): string {
  const file = join(tempDir(), 'run.json');
  writeFileSync(file, raw ? (value as string) : JSON.stringify(value, null, 2));
  return file;
}

/** The exercise replayed here, directly: what the package must report. */
function replay(record: ExerciseRecord) {
  const loaded = loadScenario(record.scenario.file, { readFile: (p) => record.scenario.files[p] ?? null });
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
  return new Simulation(loaded.scenario, { seed: record.seed, mode: record.mode, duration: record.duration, actions: record.actions }).runToEnd();
}

beforeAll(() => {
  if (!existsSync(cli) || !readFileSync(cli, 'utf8').includes('gameday report')) throw new Error('dist/cli/gameday.js is missing or predates `gameday report`: run node scripts/build.mjs first');
});

describe('gameday report', () => {
  const record = checkoutExercise();
  const expected = replay(record);

  it('is explained by help', () => {
    const h = gameday('help', 'report');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: gameday report <run.json> \[--format md\|html\|json\] \[--out FILE\]/);
    expect(gameday('report', '--help').stdout).toBe(h.stdout);
    expect(gameday('--help').stdout).toContain('  report <run.json>');
  });

  it('writes the Markdown package: the decision timeline with the human decisions and their justification, the outcome, the rollback conditions, the SLO impact', () => {
    // The exercise as expected: the team pulled the plug before Flagger's own threshold.
    expect(expected.outcome).toMatchObject({ phase: 'Failed', decidedAt: 210, reason: 'Rolling back checkout.shop manual webhook invoked' });
    const r = gameday('report', recordFile(record));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md).toMatch(/^# Game-day evidence: checkout-canary\n/);
    expect(md).toContain('Scenario **checkout-canary** (`scenarios/checkout-canary.yaml`), seed 3, exact mode, 8:00 simulated; Canary **shop/checkout**. Exercise exported 2026-01-15T10:30:00Z.');

    // Outcome, and who decided it.
    const outcome = section(md, 'Outcome');
    expect(outcome).toContain('**Rolled back** (phase Failed) at 3:30.');
    expect(outcome).toContain('- Reason: Rolling back checkout.shop manual webhook invoked');
    expect(outcome).toContain(`- Decided by: the participants: Ada (incident commander) decided to roll back at 3:15 (“${ROLLBACK_JUSTIFICATION}”); Flagger rolled back at its next tick`);

    // The timeline: Flagger's events in order, with the decisions and their evidence.
    const timeline = section(md, 'Decision timeline');
    const rows = timeline.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| time'));
    expect(rows.length).toBeGreaterThanOrEqual(expected.events.length + 3);
    const times = rows.map((l) => l.split(' | ')[0].slice(2));
    expect(times).toEqual([...times].sort((a, b) => seconds(a) - seconds(b)));
    const hold = rows.find((l) => l.includes('hold on promotion-approval'));
    expect(hold).toContain(`| 2:45 | Ada (incident commander) (participant) | **hold on promotion-approval (confirm-promotion): “${HOLD_JUSTIFICATION}”** | The confirm-promotion gate promotion-approval stays closed (403)`);
    const pull = rows.find((l) => l.includes('rollback on promotion-approval'));
    expect(pull).toContain(`| 3:15 | Ada (incident commander) (participant) | **rollback on promotion-approval (confirm-promotion): “${ROLLBACK_JUSTIFICATION}”** |`);
    // The evidence the incident commander had: the 3:00 check that failed, the weight, the fault in force.
    expect(pull).toContain('canary 20% (Progressing, 2 failed); checks at 3:00: request-success-rate 96.35% (FAILED: at least 99%)');
    expect(pull).toContain('faults: canary-errors');
    expect(rows.find((l) => l.includes('Halt checkout.shop advancement success rate 96.35% < 99%'))).toContain('failed checks 2 of 3: 1 more rolls the canary back.');
    expect(rows.find((l) => l.includes('Injected fault canary-errors'))).toContain('| 2:30 | facilitator | Injected fault canary-errors: http-abort (code 500, percent 5) on checkout (canary), for 2m0s |');
    for (const e of expected.events) expect(timeline).toContain(e.message);
    expect(rows.findIndex((l) => l.includes('Rolling back checkout.shop manual webhook invoked'))).toBeGreaterThan(rows.indexOf(pull as string));

    // The rollback conditions, from the Canary and the SLO.
    const conditions = section(md, 'Rollback conditions');
    for (const s of [
      '- Flagger analyses shop/checkout every 30s (steps of 10% up to 50%)',
      '- request-success-rate over 1m must be at least 99%; a value outside, or no value, is a failed check.',
      '- request-duration over 1m must be at most 500 ms',
      '- 3 failed checks (threshold) roll the canary back at the next tick',
      '- A canary whose pods are not ready within progressDeadlineSeconds (120 s) is rolled back.',
      '- Webhook pull-the-plug (rollback, answered by the participants): answering 200 rolls the canary back at the next tick.',
      '- SLO checkout-availability: ErrorBudgetBurn alerts (evaluated every 1m0s): page at 14.4× over 1h and 5m; page at 6× over 6h and 30m',
      '| page | 14.4× | 1h | 5m | 0s |',
    ]) expect(conditions).toContain(s);

    // The SLO impact, as the replay computed it.
    const slo = section(md, 'SLO impact');
    const b = expected.slo[0].budget;
    expect(slo).toContain('### checkout-availability');
    expect(slo).toContain(`- Budget remaining: 100% at the start, ${formatPercent(b.end)} at the end`);
    expect(slo).toContain(`- Consumed by the exercise: ${formatPercent(b.consumed)} of the budget`);
    expect(slo).toContain(`by the rollout (the canary): ${formatPercent(b.consumedByRollout)}`);
    expect(slo).toContain(`while faults were active: canary-errors ${formatPercent(b.byCause.whileFaultActive['canary-errors'])}`);
    expect(slo).toContain('No burn-rate alert became active.');

    // The score: the exercise against ground truth and against Flagger alone on the same faults.
    const score = section(md, 'Score');
    expect(score).toContain('The change was **bad** from 2:30.');
    expect(score).toMatch(/\| time to detect \| 15s \| \S+ \|/);
    expect(score).toContain('| outcome | Rolled back at 3:30 |');
    expect(score).toContain(`| 3:15 | Ada (incident commander) | rollback on promotion-approval | ${ROLLBACK_JUSTIFICATION} | right call |`);
    expect(gameday('report', recordFile(record), '--no-score').stdout).toBe(md.replace(/\n## Score\n[\s\S]*?(?=\n## Decision timeline\n)/, ''));

    // The Canary as written, the plan, the notes, and the action log that replays.
    expect(section(md, 'Canary and MetricTemplates in force')).toContain('Canary **shop/checkout** (as written in `scenarios/checkout-canary.yaml`):\n\n```yaml\napiVersion: flagger.app/v1beta1\nkind: Canary\n');
    expect(section(md, 'Plan')).toContain('- Participants: Ada (incident-commander), Grace (operator), Linus (facilitator)');
    expect(section(md, 'Remediation notes')).toContain('Follow-up: alert on canary <errors> before the gate (owner: Grace).');
    const log = /```json\n([\s\S]*?)\n```/.exec(section(md, 'Action log'))?.[1] ?? '';
    expect(JSON.parse(log)).toEqual(record.actions);
  });

  it('writes JSON with sorted keys that replays: its action log gives the same outcome, and reading it back gives the same bytes', () => {
    const r = gameday('report', recordFile(record), '--format', 'json');
    expect(r.code).toBe(0);
    const pkg = JSON.parse(r.stdout);
    expect(pkg.format).toBe('gameday-evidence/v1');
    expect(pkg.outcome).toMatchObject({ result: 'rolled-back', phase: 'Failed', decidedAt: 210, reason: 'Rolling back checkout.shop manual webhook invoked' });
    expect(pkg.timeline.filter((e: { source: string }) => e.source === 'participant').map((e: { decision: { justification: string } }) => e.decision.justification)).toEqual([HOLD_JUSTIFICATION, ROLLBACK_JUSTIFICATION]);
    expect(pkg.conditions.canary).toMatchObject({ name: 'shop/checkout', interval: 30, threshold: 3, metrics: [{ name: 'request-success-rate', min: 99, max: null }, { name: 'request-duration', min: null, max: 500 }] });
    expect(pkg.slo[0].budget.end).toBe(expected.slo[0].budget.end);
    expect(pkg.score).toMatchObject({ bad: true, badFrom: 150, decisions: [{ t: 165, correct: true }, { t: 195, correct: true }] });
    expect(pkg.charts.weight).toHaveLength(expected.timeline.length);
    const sorted = (v: unknown): boolean => (Array.isArray(v) ? v.every(sorted) : v && typeof v === 'object' ? Object.keys(v).join('\n') === Object.keys(v).sort().join('\n') && Object.values(v).every(sorted) : true);
    expect(sorted(pkg)).toBe(true);

    // Replaying the package's own scenario files, seed and action log gives the same outcome.
    const again = replay(pkg.exercise);
    expect(pkg.actions).toEqual(pkg.exercise.actions);
    expect(again.outcome).toEqual(expected.outcome);
    expect({ phase: again.outcome?.phase, decidedAt: again.outcome?.decidedAt, reason: again.outcome?.reason }).toEqual({ phase: pkg.outcome.phase, decidedAt: pkg.outcome.decidedAt, reason: pkg.outcome.reason });
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(expected.events));

    // gameday report reads the package itself and replays it to the same bytes; the output is deterministic.
    const file = recordFile(r.stdout, true);
    const round = gameday('report', file, '--format', 'json');
    expect(round.code).toBe(0);
    expect(round.stdout).toBe(r.stdout);
  });

  it('writes one self-contained HTML file atomically with --out (format from the extension)', () => {
    const dir = tempDir();
    const out = join(dir, 'evidence.html');
    const r = gameday('report', recordFile(record), '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['evidence.html']);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    // Nothing that runs or loads: no scripts, no stylesheets, images, fonts or frames from anywhere.
    for (const bad of [/<script/i, /<link/i, /<img/i, /<iframe/i, /@import/i, /url\(/i, /\ssrc=/i, /href="(?!#)/i, /@font-face/i]) expect(html).not.toMatch(bad);
    expect(count(html, /<svg [^>]*data-chart="weight"/g)).toBe(1);
    expect(count(html, /<svg [^>]*data-chart="metric"/g)).toBe(2);
    expect(count(html, /<svg [^>]*data-chart="budget"/g)).toBe(1);
    expect(html).toContain('data-metric="request-success-rate"');
    // Text is escaped: the notes' <errors> and the justification's & are text, not markup.
    expect(html).toContain('alert on canary &lt;errors&gt; before the gate');
    expect(html).toContain('hold at the gate &amp; watch the next check');
    expect(html).toContain('<div class="verdict">Rolled back at 3:30</div>');
    expect(html).toContain('@media print');

    // Markdown to a file: the same text as on standard output.
    const md = join(dir, 'evidence.md');
    expect(gameday('report', recordFile(record), '--out', md).code).toBe(0);
    expect(readFileSync(md, 'utf8')).toBe(gameday('report', recordFile(record), '--format', 'md').stdout);
  });

  it('says what is wrong with a file that is not a replayable exercise record (exit 1)', () => {
    const bad = (value: unknown, ...messages: string[]) => {
      const file = typeof value === 'string' ? recordFile(value, true) : recordFile(value);
      const r = gameday('report', file);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      noStackTrace(r.stderr);
      for (const m of messages) expect(r.stderr).toContain(m);
      return r.stderr;
    };
    expect(gameday('report', join(tempDir(), 'nope.json')).stderr).toMatch(/^gameday: cannot read .*nope\.json\n$/);
    bad('{"format": ', 'is not JSON (', 'expected an exercise record exported by the app');
    bad([1, 2], 'expected an exercise record (a JSON object with format "gameday-exercise/v1"), found a list');
    bad({ ...record, format: 'gameday-exercise/v0' }, ': format: expected "gameday-exercise/v1" (an exercise record exported by the app) or "gameday-evidence/v1" (an evidence package), found "gameday-exercise/v0"', 'is not a valid exercise record (1 problem)');
    // Every problem at once, each by its field.
    const many = bad(
      { ...record, seed: 'abc', mode: 'slow', actions: [record.actions[0], { ...record.actions[1], decision: 'ship-it' }, { t: 300, action: 'decide', hook: 'x', decision: 'approve', by: ' ', justification: 'fine' }] },
      'seed: expected the seed (a whole number), found "abc"',
      'mode: expected the mode exact or fast, found "slow"',
      'actions[1].decision: expected the decision approve, hold or rollback, found "ship-it"',
      'actions[2].by: a decision needs who took it',
      'is not a valid exercise record (4 problems)',
    );
    expect(many.split('\n').filter((l) => l.includes('run.json: '))).toHaveLength(4);
    bad({ ...record, actions: [record.actions[1], record.actions[0]] }, 'actions[1].t: the action log must be in time order: 2:30 comes after 2:45');
    bad({ ...record, actions: [{ ...record.actions[2], t: 600 }] }, 'actions[0].t: 10:00 is after the end of the exercise (8:00)');

    // Missing files: the scenario's own, an included one.
    bad({ ...record, scenario: { file: EXERCISE_SCENARIO, files: { 'other.yaml': 'x' } } }, 'scenario.files: no text for the scenario file scenarios/checkout-canary.yaml (files: other.yaml)');
    const text = record.scenario.files[EXERCISE_SCENARIO];
    bad(
      { ...record, scenario: { file: EXERCISE_SCENARIO, files: { [EXERCISE_SCENARIO]: text.replace('spec:\n  seed: 3\n', 'spec:\n  seed: 3\n  include:\n    - manifests/extra.yaml\n') } } },
      "scenarios/checkout-canary.yaml:17:7: spec.include[0]: cannot read included file \"manifests/extra.yaml\" (resolved to scenarios/manifests/extra.yaml): the record's scenario.files has no scenarios/manifests/extra.yaml",
      "the exercise's scenario scenarios/checkout-canary.yaml no longer loads (1 error)",
    );
    // A scenario that no longer loads: its diagnostics, located.
    bad(
      { ...record, scenario: { file: EXERCISE_SCENARIO, files: { [EXERCISE_SCENARIO]: text.replace('  duration: 8m\n', '  duration: 8 minutes\n') } } },
      'scenarios/checkout-canary.yaml:',
      'spec.duration: expected',
      'no longer loads',
      'cannot be replayed',
    );
    // An action log that does not fit the scenario.
    bad({ ...record, actions: [{ ...record.actions[1], hook: 'promotion-aproval' }] }, 'actions[0].hook: no human gate named promotion-aproval in the scenario (did you mean promotion-approval?); human gates: promotion-approval, pull-the-plug');
    bad({ ...record, actions: [{ t: 100, action: 'cancel', name: 'canary-erors' }, record.actions[0]] }, 'actions[0].name: no fault named canary-erors to cancel');
  });

  it('exits 2 on bad usage and 1 when --out cannot be written', () => {
    const file = recordFile(record);
    for (const args of [['report'], ['report', file, file], ['report', file, '--format', 'pdf'], ['report', file, '--bogus']]) {
      const r = gameday(...args);
      expect(r.code, args.join(' ')).toBe(2);
      noStackTrace(r.stderr);
    }
    expect(gameday('report', file, '--format', 'pdf').stderr).toContain('--format expects md, html or json, got "pdf"');
    const r = gameday('report', file, '--out', join(tempDir(), 'missing-dir', 'x.html'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gameday: cannot write .*x\.html: /);
  });
});

/** The text of a `## title` section of the Markdown, up to the next one. */
function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = md.indexOf('\n## ', start + 4);
  return md.slice(start, end < 0 ? undefined : end);
}

function seconds(clock: string): number {
  return clock.split(':').reduce((a, x) => a * 60 + Number(x), 0);
}

function count(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}
