import { expect, type Page, test } from '@playwright/test';
import { shot, watch } from './support';

/**
 * The app's main flows in the browser build: what a user does first. Each
 * test starts from a fresh page (the default scenario opens at start).
 * Screenshots of the main views go to test-results/screenshots/ (and, with
 * UPDATE_SCREENSHOTS=1, to docs/screenshots/ where docs/app.md shows them).
 */

async function decisions(page: Page): Promise<string[]> {
  return page.getByTestId('decision').allInnerTexts();
}

test('opens the default scenario, runs it to the end, shows the outcome and the decisions with their reasons', async ({ page }) => {
  const w = watch(page);
  await page.goto('./');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('scenario-title')).toHaveText('default');
  await expect(page.getByTestId('time')).toHaveText('0:00 / 30:00');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('30:00 / 30:00');
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded, promoted at 12:00');
  await expect(page.getByTestId('outcome-reason')).toHaveText('Promotion completed! Scaling down backend.shop');
  await expect(page.getByTestId('expectation')).toHaveText('Expected promoted: met');
  // The halt and why, in plain language.
  const halt = page.locator('[data-testid=decision-log] li').filter({ hasText: 'Halt backend.shop advancement request duration' });
  await expect(halt).toContainText('8:00');
  await expect(halt.locator('.why')).toContainText('outside the accepted range (at most 500 ms); failed checks 1 of 5');
  await shot(page, 'run');
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});

test('plays, pauses and steps one analysis interval', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('step').click();
  await expect(page.getByTestId('time')).toHaveText('1:00 / 30:00');
  await page.getByTestId('speed').selectOption('100');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('pause')).toBeVisible();
  await expect.poll(async () => page.getByTestId('time').innerText(), { timeout: 10_000 }).not.toBe('1:00 / 30:00');
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('play')).toBeVisible();
  // The advance in flight when pause was pressed lands; after that the time stands still.
  await page.waitForTimeout(300);
  const paused = await page.getByTestId('time').innerText();
  await page.waitForTimeout(500);
  await expect(page.getByTestId('time')).toHaveText(paused);
  expect(paused).not.toBe('30:00 / 30:00');
});

test('seeking back and forth re-simulates to identical results', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('30:00 / 30:00');
  const atEnd = await decisions(page);
  expect(atEnd.length).toBeGreaterThan(8);
  // Clicking a decision moves the run there: the log then ends at it.
  await page.getByTestId('decision').filter({ hasText: 'Halt backend.shop' }).click();
  await expect(page.getByTestId('time')).toHaveText('8:00 / 30:00');
  const atHalt = await decisions(page);
  expect(atHalt.at(-1)).toContain('Halt backend.shop advancement request duration');
  expect(atEnd.slice(0, atHalt.length)).toEqual(atHalt);
  // The scrubber seeks anywhere; forward again gives the same record.
  await page.getByTestId('scrubber').fill('300');
  await expect(page.getByTestId('time')).toHaveText('5:00 / 30:00');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('30:00 / 30:00');
  expect(await decisions(page)).toEqual(atEnd);
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded, promoted at 12:00');
});

test('switches theme (button and keyboard) and keeps it', async ({ page }) => {
  await page.goto('./');
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const first = await theme();
  await page.getByTestId('theme-toggle').click();
  const second = await theme();
  expect(second).not.toBe(first);
  await page.keyboard.press('t');
  expect(await theme()).toBe(first);
  await page.keyboard.press('t');
  await page.reload();
  await expect(page.getByTestId('run-view')).toBeVisible();
  expect(await theme()).toBe(second);
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded');
  await shot(page, `run-${second}`);
});

test('the library lists the bundled scenarios with what they hold, and opens one', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('nav-library').click();
  const card = page.getByTestId('card-budget-freeze');
  await expect(card).toContainText('backend');
  await expect(card).toContainText('orders-availability 99.9%');
  await expect(card).toContainText('held');
  await shot(page, 'library');
  await page.getByTestId('open-budget-freeze').click();
  await expect(page.getByTestId('scenario-title')).toHaveText('budget-freeze');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Waiting');
  await expect(page.getByTestId('expectation')).toHaveText('Expected held: met');
});

test('a threshold changed in the editor reruns to a different outcome; invalid input gets an inline error, never a run', async ({ page }) => {
  const w = watch(page);
  await page.goto('./?scenario=scenarios/checkout-canary.yaml');
  await expect(page.getByTestId('scenario-title')).toHaveText('checkout-canary');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded, promoted');

  await page.getByTestId('nav-editor').click();
  await expect(page.getByTestId('editor')).toBeVisible();
  // An invalid value for a knob is refused where it was typed, and the text is not changed.
  await page.getByTestId('knob-threshold').fill('0');
  await expect(page.getByTestId('knob-threshold-error')).toBeVisible();
  await expect(page.getByTestId('editor-dirty')).toHaveAttribute('data-dirty', 'false');
  await page.getByTestId('knob-threshold').press('Escape');
  // Text typed into the YAML that breaks the scenario: an inline error at its line, and Run does not run it.
  const content = page.locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('spec: [');
  await expect(page.getByTestId('diagnostic').first()).toBeVisible();
  await expect(page.locator('.cm-lintRange-error').first()).toBeVisible();
  await page.getByTestId('editor-run').click();
  await expect(page.getByTestId('editor-notice')).toContainText('Not run');
  await shot(page, 'editor-error');
  await content.click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 'spec: ['.length; i++) await page.keyboard.press('Delete');
  await expect(page.getByTestId('diagnostic')).toHaveCount(0);

  // The success-rate floor raised from 99% to 99.8%: the same canary is rolled back.
  await page.getByTestId('knob-metric-request-success-rate-min').fill('99.8');
  await expect(page.getByTestId('editor-dirty')).toHaveAttribute('data-dirty', 'true');
  // (CodeMirror renders only the lines in view: the rerun below proves the text changed.)
  await shot(page, 'editor');
  await page.getByTestId('editor-run').click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Failed');
  await expect(page.getByTestId('outcome-reason')).toContainText('success rate');
  await expect(page.getByTestId('outcome-reason')).toContainText('< 99.8%');
  await expect(page.getByTestId('expectation')).toContainText('not met');
  expect(w.errors).toEqual([]);
});

test('compares the run with another seed on one time axis', async ({ page }) => {
  await page.goto('./?scenario=scenarios/budget-halt.yaml');
  await expect(page.getByTestId('scenario-title')).toHaveText('budget-halt');
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  // Opening the view runs this run to the end and a second one: both outcomes, and what differs.
  await expect(page.getByTestId('compare-outcome')).toHaveCount(2);
  await expect(page.getByTestId('compare-outcome').first()).toContainText('WaitingPromotion');
  await expect(page.getByTestId('compare-table')).toBeVisible();
  await page.getByTestId('compare-seed').fill('5');
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-view')).toContainText('seed 5');
  await expect(page.getByTestId('compare-outcome').nth(1)).toContainText('WaitingPromotion');
  await shot(page, 'compare');
});

test('the error budget view shows each SLO, its policy tier and the alerts that fired', async ({ page }) => {
  await page.goto('./?scenario=scenarios/budget-halt.yaml');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.getByTestId('to-end').click();
  const slo = page.getByTestId('slo-orders-availability');
  await expect(slo).toBeVisible();
  await expect(slo).toContainText('feature-freeze');
  await expect(slo).toContainText('12.00%');
  await slo.scrollIntoViewIfNeeded();
  await shot(page, 'error-budget');
});
