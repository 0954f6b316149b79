import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { shot, watch } from './support';
import type { ExerciseRecord } from '../../simulation/gameday/record';

/**
 * A game day in the browser build (docs/gameday.md): the facilitator opens
 * the game-day scenario, plays it at 100×, injects a planned fault from the
 * palette; Flagger's checks pass and it waits at the confirm-promotion gate,
 * where the incident commander rolls the canary back with a justification;
 * the team writes its remediation notes and exports the exercise, whose
 * action log holds the injection and the decision. Screenshot:
 * test-results/screenshots/gameday.png (and docs/screenshots/ with
 * UPDATE_SCREENSHOTS=1).
 */


test('a game day: inject a planned fault live, roll the canary back at the promotion gate, export the exercise', async ({ page }) => {
  const w = watch(page);
  await page.goto('./?scenario=scenarios/gameday-checkout.yaml');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('scenario-title')).toHaveText('gameday-checkout');
  await page.getByTestId('nav-gameday').click();
  const view = page.getByTestId('gameday-view');
  await expect(view).toBeVisible();

  // The plan; its faults are hidden from the participants until the facilitator's view is on.
  await expect(page.getByTestId('plan-objective')).toHaveText('Can the on-call team stop a bad checkout canary at the promotion gate before it burns the error budget?');
  await expect(page.getByTestId('plan-roles')).toContainText('Bo');
  await expect(page.getByTestId('plan-roles')).toContainText('incident commander');
  await expect(page.getByTestId('plan-abort-trigger')).toContainText('page alert');
  await expect(page.getByTestId('faults-hidden')).toHaveText('2 planned, hidden from the participants');
  await expect(page.getByTestId('fault-palette')).toHaveCount(0);
  await page.getByTestId('facilitator-toggle').check();
  await expect(page.getByTestId('plan-faults')).toContainText('latency-shift');
  const palette = page.getByTestId('fault-palette');
  await expect(palette).toBeVisible();
  await expect(palette.getByTestId('inject-http-abort')).toBeVisible();

  // The gates before anything happened: nobody has decided, Flagger is not waiting yet.
  const gate = page.getByTestId('gate-promotion-approval');
  await expect(gate).toHaveAttribute('data-waiting', 'false');
  await expect(page.getByTestId('gate-decision-promotion-approval')).toContainText('No decision yet');
  await expect(page.getByTestId('gate-pull-the-plug')).toContainText('rollback');

  // A refused fault says why, inline, and injects nothing.
  await palette.getByTestId('fault-latency-shift-factor').fill('-1');
  await palette.getByTestId('inject-latency-shift').click();
  await expect(palette.getByTestId('refusal-latency-shift')).toContainText('the fault cannot be injected: factor');
  await expect(palette.getByTestId('no-active-faults')).toBeVisible();

  // Live: 100× real time; the canary becomes twice as slow, which Flagger's checks (p99 ≤ 500 ms) let through.
  await page.getByTestId('speed').selectOption('100');
  await page.getByTestId('play').click();
  await palette.getByTestId('fault-latency-shift-factor').fill('2');
  await palette.getByTestId('inject-latency-shift').click();
  await expect(palette.getByTestId('injected-latency-shift')).toContainText('Injected latency-shift-live at');
  await expect(palette.getByTestId('cancel-fault-latency-shift-live')).toBeVisible();

  // Flagger reaches the promotion gate and waits for the team.
  await expect(gate).toHaveAttribute('data-waiting', 'true', { timeout: 20_000 });
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('gate-status-promotion-approval')).toContainText('Flagger is waiting at this gate (since 4:30)');
  await expect(page.getByTestId('outcome-phase')).toContainText('WaitingPromotion');

  // A decision needs a justification.
  await page.getByTestId('decide-promotion-approval-rollback').click();
  await expect(page.getByTestId('refusal-promotion-approval')).toHaveText('A decision needs a justification: say in a few words why.');
  await expect(page.getByTestId('team-decision')).toHaveCount(0);

  // The incident commander pulls the plug.
  await page.getByTestId('by-promotion-approval').selectOption('Bo');
  await page.getByTestId('justification-promotion-approval').fill('canary p99 doubled since the injection');
  await page.getByTestId('decide-promotion-approval-rollback').click();
  await expect(page.getByTestId('refusal-promotion-approval')).toHaveCount(0);
  await expect(page.getByTestId('gate-decision-promotion-approval')).toContainText('roll back by Bo');
  await expect(page.getByTestId('team-decision')).toHaveCount(1);
  await expect(page.getByTestId('team-decision')).toContainText('Bo: roll back at promotion-approval — canary p99 doubled since the injection');

  // Flagger rolls back at its next analysis.
  await page.getByTestId('step').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Failed');
  await expect(page.getByTestId('outcome-reason')).toHaveText('Rolling back checkout.shop manual webhook invoked');
  await expect(gate).toHaveAttribute('data-waiting', 'false');
  await expect(page.getByTestId('gate-status-pull-the-plug')).toContainText('The rollback was signalled at');

  // The exercise timeline: Flagger's wait and rollback, the team's decision, the fault, on one axis and in the list.
  const timeline = page.getByTestId('exercise-timeline');
  await expect(timeline.getByTestId('lane-team').locator('.gd-mark')).toHaveCount(1);
  await expect(timeline.getByTestId('lane-faults').locator('.gd-span')).toHaveCount(1);
  const items = timeline.getByTestId('exercise-item');
  await expect(items.filter({ hasText: 'Halt checkout.shop advancement waiting for promotion approval promotion-approval' })).toHaveCount(1);
  await expect(items.filter({ hasText: 'Rolling back checkout.shop manual webhook invoked' })).toHaveCount(1);
  await expect(items.filter({ hasText: 'latency-shift-live injected' })).toContainText('latency-shift on checkout canary (factor 2)');
  await expect(timeline.locator('[data-testid=exercise-item][data-lane=team]')).toContainText('canary p99 doubled since the injection');
  // Hovering the team's decision explains it.
  const mark = timeline.getByTestId('lane-team').locator('.gd-mark');
  await mark.hover();
  await expect(timeline.locator('.chart-tip')).toContainText('Bo: roll back at promotion-approval');

  // The score against ground truth: the doubled p99 made the canary bad while the fault lasted (the 50%
  // tolerance); the team's rollback is judged against that (right or a false alarm, depending on when it came).
  await page.getByTestId('score-run').click();
  await expect(page.getByTestId('score-truth')).toContainText('was bad from');
  await expect(page.getByTestId('score-decision')).toContainText('Bo: rollback at promotion-approval');
  // The verdict and its sentence agree, whichever it is.
  const correct = (await page.getByTestId('score-decision').getAttribute('data-correct')) === 'true';
  await expect(page.getByTestId('score-decision')).toContainText(correct ? '— correct:' : '— incorrect:');
  await expect(page.getByTestId('score-detect')).not.toBeEmpty();

  // Remediation notes, then the export.
  await page.getByTestId('remediation').fill('Add a p99 latency check on the canary; page the IC when the promotion gate opens.');
  const time = (await page.getByTestId('time').innerText()).split(' / ')[0];
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-exercise').click()]);
  expect(download.suggestedFilename()).toBe('gameday-checkout.exercise.json');
  const record = JSON.parse(readFileSync(await download.path(), 'utf8')) as ExerciseRecord;
  expect(record.format).toBe('gameday-exercise/v1');
  expect(record.scenario.file).toBe('scenarios/gameday-checkout.yaml');
  expect(record.scenario.files['scenarios/gameday-checkout.yaml']).toContain('name: promotion-approval');
  expect(record.seed).toBe(3);
  expect(record.mode).toBe('exact');
  const [m, s] = time.split(':').map(Number);
  expect(Math.floor(record.duration)).toBe(m * 60 + s);
  expect(record.actions.map((a) => a.action)).toEqual(['inject', 'decide']);
  const [inject, decide] = record.actions;
  if (inject.action !== 'inject' || decide.action !== 'decide') throw new Error('unexpected actions');
  expect(inject.fault.name).toBe('latency-shift-live');
  expect(inject.fault.params).toEqual({ type: 'latency-shift', factor: 2 });
  expect(inject.fault.schedule.for).toBe(300);
  expect(decide).toMatchObject({ hook: 'promotion-approval', decision: 'rollback', by: 'Bo', justification: 'canary p99 doubled since the injection' });
  expect(decide.t).toBeGreaterThan(inject.t);
  expect(record.plan?.participants.map((p) => p.name)).toEqual(['Ana', 'Bo', 'Cy']);
  expect(record.notes.remediation).toBe('Add a p99 latency check on the canary; page the IC when the promotion gate opens.');
  expect(Date.parse(record.exportedAt ?? '')).toBeGreaterThan(0);
  await expect(page.getByTestId('export-status')).toContainText('Exported the exercise up to');

  // The go/no-go evidence package, rendered in the worker as `gameday report` renders it.
  const [evidence] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-evidence-html').click()]);
  expect(evidence.suggestedFilename()).toBe('gameday-checkout.evidence.html');
  const html = readFileSync(await evidence.path(), 'utf8');
  expect(html).toContain('canary p99 doubled since the injection');
  expect(html).toContain('Add a p99 latency check on the canary');
  expect(html).toContain('Rolling back checkout.shop manual webhook invoked');
  expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
  expect(html).not.toMatch(/<script|(?:src|href)=["']https?:/);
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-evidence-md').click()]);
  expect(readFileSync(await md.path(), 'utf8')).toContain('canary p99 doubled since the injection');

  await page.mouse.move(0, 0);
  await page.setViewportSize({ width: 1280, height: 1400 });
  await shot(page, 'gameday');
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
