import { expect, test } from '@playwright/test';
import { openTuningLab, shot, watch } from './support';

/**
 * The tuning lab's power panel in the browser build (docs/power.md, "In the
 * tuning lab"): on the bundled checkout-thresholds sweep, the scenario
 * Canary's analytic figures at the scenario's 60 requests/s (false aborts
 * 1.89 %, above the 1 % target) and the least trustworthy rate (67/s); a
 * higher rate typed in changes them and meets both targets; a Monte Carlo of
 * 200 seeds puts the simulator's figures beside the model's; a long one is
 * cancelled; a configuration selected in the results shows its own Canary's
 * figures (threshold 1: every canary rolled back, no rate helps), and the
 * scenario's Canary as written is a choice away.
 * Screenshot: test-results/screenshots/power.png.
 */

test("the power panel: the scenario Canary's figures and least trustworthy rate, another rate, a Monte Carlo beside the model", async ({ page }) => {
  const w = watch(page);
  await openTuningLab(page);
  const panel = page.getByTestId('power-panel');
  await expect(panel.getByTestId('power-canary')).toContainText('shop/checkout as the scenario writes it');
  // The scenario's inputs, and the default regression: twice what the 99 % floor allows.
  await expect(page.getByTestId('power-rate')).toHaveValue('60');
  await expect(page.getByTestId('power-healthy')).toHaveValue('0.4');
  await expect(page.getByTestId('power-regression')).toHaveValue('2');
  await expect(panel).toContainText('twice what the 99 % floor allows (1 %)');
  await expect(page.getByTestId('power-maxFalseAbort')).toHaveValue('1');
  await expect(page.getByTestId('power-minDetection')).toHaveValue('95');
  // The model's figures (docs/power.md: 1.9 % false aborts, the 2 % regression caught with 1 − 3·10⁻⁸, 67/s).
  await expect(page.getByTestId('power-false-abort')).toHaveText('1.89 %');
  await expect(page.getByTestId('power-detection')).toHaveText('> 99.99 %');
  await expect(page.getByTestId('power-verdict')).toHaveText('At 60 req/s: not trustworthy: false aborts 1.89 % > 1 %.');
  await expect(page.getByTestId('power-minimum-rate')).toHaveText('67 req/s');
  await expect(page.getByTestId('power-minimum')).toContainText('60 req/s is below it');
  await expect(page.getByTestId('power-scope')).toContainText('request-duration is left out');
  // The chart marks the scenario's rate and the minimum; the steps show the first check at 10 % finding no values.
  await expect(page.getByTestId('power-mark-scenario')).toContainText('scenario 60 req/s');
  await expect(page.getByTestId('power-mark-minimum')).toContainText('minimum 67 req/s');
  await expect(page.getByTestId('power-steps-healthy').getByTestId('power-step')).toHaveCount(5);
  await expect(page.getByTestId('power-steps-healthy').getByTestId('power-step').first()).toContainText('no values');
  await expect(page.getByTestId('power-note')).toHaveCount(4);
  await expect(page.getByTestId('power-notes')).toContainText('correlated');
  await expect(page.getByTestId('power-notes')).toContainText('the healthy canary: the canary\'s first 5xx on a Traefik replica creates its 5xx series');

  // Three times the traffic: fewer false aborts, both targets met, the chosen rate marked.
  await page.getByTestId('power-rate').fill('180');
  await expect(page.getByTestId('power-verdict')).toHaveText('At 180 req/s: both targets hold.');
  await expect(page.getByTestId('power-false-abort')).toHaveText('< 0.01 %');
  await expect(page.getByTestId('power-minimum')).toContainText('180 req/s is at or above it');
  await expect(page.getByTestId('power-mark-chosen')).toContainText('chosen 180 req/s');

  // The Monte Carlo at 180/s, 200 seeds: progress, then the simulator's figures beside the model's.
  await expect(page.getByTestId('power-mc-seeds')).toHaveValue('200');
  await page.getByTestId('power-mc-run').click();
  await expect(page.getByTestId('power-mc-status')).toContainText('Simulated 200 seeds at 180 req/s', { timeout: 30_000 });
  await expect(page.getByTestId('power-mc-false-abort')).toHaveText(/^[\d.<> ]+ % \[[\d.]+–[\d.]+ %\]$/);
  await expect(page.getByTestId('power-mc-detection')).toHaveText(/^100 % \[98\.\d+–100 %\]$/);
  await expect(page.getByTestId('power-steps-healthy').locator('.sim').first()).toBeVisible();
  await page.getByTestId('power-panel').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await shot(page, 'power');

  // Back to the scenario's: the figures of 60/s again, the Monte Carlo's gone with the inputs it was for.
  await page.getByTestId('power-reset').click();
  await expect(page.getByTestId('power-false-abort')).toHaveText('1.89 %');
  await expect(page.getByTestId('power-mc-false-abort')).toHaveCount(0);

  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});

test('a long Monte Carlo is cancelled; a bad rate says so; a selected configuration shows its own Canary', async ({ page }) => {
  const w = watch(page);
  await openTuningLab(page);
  await expect(page.getByTestId('power-false-abort')).toHaveText('1.89 %');
  await page.getByTestId('power-mc-seeds').fill('20000');
  await page.getByTestId('power-mc-run').click();
  await expect(page.getByTestId('power-mc-progress')).toContainText('/20000 seeds');
  await page.getByTestId('power-mc-cancel').click();
  await expect(page.getByTestId('power-mc-status')).toContainText('Cancelled after');
  await expect(page.getByTestId('power-mc-run')).toBeEnabled();

  // A rate of 0 is refused before anything is computed.
  await page.getByTestId('power-rate').fill('0');
  await expect(page.getByTestId('power-input-error')).toHaveText('Request rate: enter a number of requests per second above 0');
  await page.getByTestId('power-rate').fill('60');
  await expect(page.getByTestId('power-input-error')).toHaveCount(0);

  // A sweep with 2 seeds, then its strictest configuration: threshold 1 rolls back every canary at any rate.
  await page.getByTestId('sweep-edit').click();
  const text = page.getByTestId('sweep-text');
  await text.fill((await text.inputValue()).replace('seeds: 100', 'seeds: 2'));
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('result-row')).toHaveCount(12, { timeout: 60_000 });
  await page.getByTestId('result-row').filter({ hasText: 'threshold=1 request-success-rate.min=98' }).click();
  await expect(page.getByTestId('power-canary')).toContainText('configuration threshold=1 request-success-rate.min=98');
  await expect(page.getByTestId('power-false-abort')).toHaveText('100 %');
  await expect(page.getByTestId('power-regression')).toHaveValue('4');
  await expect(page.getByTestId('power-minimum')).toContainText('No request rate makes these thresholds trustworthy');
  await expect(page.getByTestId('power-minimum')).toContainText('checks that can never find values');
  // The scenario's Canary as written again, the configuration still selected in the results.
  await page.getByTestId('power-which').selectOption('written');
  await expect(page.getByTestId('power-canary')).toContainText('shop/checkout as the scenario writes it');
  await expect(page.getByTestId('power-false-abort')).toHaveText('1.89 %');
  await expect(page.getByTestId('result-row').filter({ hasText: 'threshold=1 request-success-rate.min=98' })).toHaveAttribute('aria-selected', 'true');

  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
