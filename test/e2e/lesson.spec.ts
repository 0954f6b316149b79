import { expect, type Page, test } from '@playwright/test';
import { shot, watch } from './support';

/**
 * Lesson 1 in the browser build, as a newcomer meets it: the welcome card on
 * a first start, the lesson panel, the run stopping at each of its three
 * checkpoints (one answered wrong first), the lesson completed at the end, in
 * the library, and still after a reload. At 1280×720, the smallest window the
 * app is made for.
 */

test.use({ viewport: { width: 1280, height: 720 } });

/** Waits for checkpoint `id` to stop the run; returns the time shown then. */
async function reach(page: Page, id: string): Promise<string> {
  const card = page.getByTestId('checkpoint');
  await expect(card).toHaveAttribute('data-checkpoint', id, { timeout: 30_000 });
  await expect(page.getByTestId('play')).toBeVisible();
  await expect(page.getByTestId('play')).toBeDisabled();
  return page.getByTestId('time').innerText();
}

test('lesson 1: welcome card, three checkpoints (one wrong answer), completed, kept after a reload', async ({ page }) => {
  const w = watch(page);
  await page.goto('./');
  const welcome = page.getByTestId('welcome');
  await expect(welcome).toContainText('New to progressive delivery? Start with Lesson 1: Your first canary');
  // The card does not block the view under it.
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('welcome-start').click();

  await expect(page.getByTestId('scenario-title')).toHaveText('first-canary');
  await expect(welcome).toHaveCount(0);
  const panel = page.getByTestId('lesson-panel');
  await expect(panel.getByRole('heading', { level: 2 })).toContainText('Lesson 1 · level 1');
  await expect(page.getByTestId('lesson-title')).toHaveText('Your first canary');
  await expect(page.getByTestId('lesson-hook')).toContainText('The checkout team ships 2.4.0');
  await expect(panel).toContainText('What the team sees first');
  await expect(panel).toContainText('New revision detected!');
  await expect(panel).toContainText('A release that fails as rarely');
  await expect(panel).toContainText('Read a metric check against its threshold range.');
  const items = page.getByTestId('lesson-checkpoint');
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toContainText('when the canary reaches 10 %');
  await expect(items.nth(1)).toContainText('when Flagger halts the advancement');
  await expect(items.nth(2)).toContainText('when the canary is promoted');
  for (let i = 0; i < 3; i++) await expect(items.nth(i)).toHaveAttribute('data-state', 'pending');
  await expect(page.getByTestId('lesson-progress')).toHaveText('0 of 3 checkpoints answered');
  // The details fold away and come back.
  const toggle = page.getByTestId('lesson-toggle');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await toggle.click();
  await expect(page.getByTestId('lesson-body')).toHaveCount(0);
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(page.getByTestId('lesson-body')).toBeVisible();

  await page.getByTestId('speed').selectOption('30');
  await page.getByTestId('play').click();

  // Checkpoint 1, answered wrong: marked wrong, the right answer and the explanation shown.
  expect(await reach(page, 'first-step')).toBe('1:30 / 7:00');
  await expect(items.nth(0)).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('checkpoint-question')).toBeFocused();
  await expect(page.getByTestId('checkpoint-question')).toContainText('What happens next if the next checks pass?');
  // The run waits: pressing the keys that move it does nothing.
  await page.keyboard.press('End');
  await expect(page.getByTestId('time')).toHaveText('1:30 / 7:00');
  await page.getByTestId('choice').nth(0).click();
  const result = page.getByTestId('checkpoint-result');
  await expect(result).toHaveAttribute('data-correct', 'false');
  await expect(result).toContainText('Not quite: the answer is B.');
  await expect(page.getByTestId('checkpoint-explanation')).toContainText('Each analysis interval (30 s here) Flagger runs the metric checks');
  await expect(page.getByTestId('choice').nth(0)).toContainText('✗ your answer');
  await expect(page.getByTestId('choice').nth(1)).toContainText('✓ right answer');
  await expect(page.getByTestId('choice').nth(1)).toBeDisabled();
  await expect(items.nth(0)).toHaveAttribute('data-state', 'done');
  await expect(items.nth(0)).toContainText('answered, wrong');
  await expect(page.getByTestId('lesson-progress')).toHaveText('1 of 3 checkpoints answered');
  await expect(page.getByTestId('checkpoint-continue')).toBeFocused();
  await shot(page, 'lesson');
  await page.getByTestId('checkpoint-continue').click();

  // Checkpoint 2: the harmless halt, answered right (with the keyboard).
  await reach(page, 'no-data');
  await expect(page.locator('[data-testid=decision-log] li').last()).toContainText('Halt');
  await page.getByTestId('choice').nth(1).focus();
  await page.keyboard.press('Enter');
  await expect(result).toHaveAttribute('data-correct', 'true');
  await expect(result).toContainText('Right.');
  await expect(items.nth(1)).toContainText('answered, right');
  await page.keyboard.press('Enter'); // Continue has the focus

  // Checkpoint 3: the promotion.
  await reach(page, 'promoted');
  await page.getByTestId('choice').nth(1).click();
  await expect(result).toHaveAttribute('data-correct', 'true');
  await expect(page.getByTestId('lesson-progress')).toHaveText('3 of 3 checkpoints answered');
  await page.getByTestId('checkpoint-continue').click();

  // The end: completed.
  await expect(page.getByTestId('time')).toHaveText('7:00 / 7:00', { timeout: 30_000 });
  await expect(page.getByTestId('checkpoint')).toHaveCount(0);
  await expect(page.getByTestId('lesson-progress')).toHaveText('Completed ✓');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson completed ✓');
  await expect(page.getByTestId('outcome-phase')).toContainText('promoted');
  // The dark theme.
  await page.getByTestId('theme-toggle').click();
  await page.locator('main.content').evaluate((el) => el.scrollTo(0, 0));
  await shot(page, 'lesson-dark');
  await page.getByTestId('theme-toggle').click();

  // Seeking back and playing again asks nothing again.
  await page.getByTestId('scrubber').fill('60');
  await expect(page.getByTestId('time')).toHaveText('1:00 / 7:00');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('7:00 / 7:00');
  await expect(page.getByTestId('checkpoint')).toHaveCount(0);

  // The library shows it completed.
  await page.getByTestId('nav-library').click();
  const card = page.getByTestId('lesson-first-canary');
  await expect(card).toContainText('Lesson 1');
  await expect(card).toContainText('Your first canary');
  await expect(card.getByTestId('lesson-status')).toHaveText('completed ✓');
  await expect(page.getByTestId('next-lesson')).not.toContainText('Your first canary');

  // A reload keeps the progress (and the welcome card stays away).
  await page.reload();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('welcome')).toHaveCount(0);
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('lesson-first-canary').getByTestId('lesson-status')).toHaveText('completed ✓');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('gameday.lessons.v1') ?? 'null'));
  expect(stored).toMatchObject({ version: 1, welcomeDismissed: true, lessons: { 'first-canary': { completed: true, answers: { 'first-step': { choice: 0, correct: false }, 'no-data': { choice: 1, correct: true }, promoted: { choice: 1, correct: true } } } } });

  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});

test('"Not now" puts the welcome card away for good; a lesson opened as a scenario asks nothing until taken; Reset progress forgets the answers', async ({ page }) => {
  const w = watch(page);
  await page.goto('./');
  await expect(page.getByTestId('welcome')).toBeVisible();
  await page.getByTestId('welcome-dismiss').click();
  await expect(page.getByTestId('welcome')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('lesson-path')).toBeVisible();
  await expect(page.getByTestId('welcome')).toHaveCount(0);
  await expect(page.getByTestId('next-lesson')).toContainText('Lesson 1: Your first canary');
  await expect(page.getByTestId('reset-progress')).toBeDisabled();

  // Opened as a scenario, a lesson asks nothing: its panel is folded and offers to take it.
  await page.getByTestId('open-first-canary').click();
  await expect(page.getByTestId('scenario-title')).toHaveText('first-canary');
  await expect(page.getByTestId('lesson-take')).toBeVisible();
  await expect(page.getByTestId('lesson-body')).toHaveCount(0);
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('7:00 / 7:00');
  await expect(page.getByTestId('checkpoint')).toHaveCount(0);
  // Taken, it runs again from the start and its questions stop the run; an answer puts lesson 1 in progress.
  await page.getByTestId('lesson-take').click();
  await expect(page.getByTestId('time')).toHaveText('0:00 / 7:00');
  await expect(page.getByTestId('lesson-body')).toBeVisible();
  await expect(page.getByTestId('lesson-retry')).toBeVisible();
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('checkpoint')).toHaveAttribute('data-checkpoint', 'first-step');
  await expect(page.getByTestId('time')).toHaveText('1:30 / 7:00');
  await page.getByTestId('choice').nth(1).click();
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('lesson-first-canary').getByTestId('lesson-status')).toHaveText('in progress, 1 of 3');
  await page.getByTestId('reset-progress').click();
  await page.getByTestId('reset-progress-confirm').click();
  await expect(page.getByTestId('lesson-first-canary').getByTestId('lesson-status')).toHaveText('not started');
  await page.reload();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('lesson-first-canary').getByTestId('lesson-status')).toHaveText('not started');
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
