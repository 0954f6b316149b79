import { expect, test } from '@playwright/test';
import { shot, watch } from './support';

/**
 * The editor's power warning (docs/power.md, "The editor warning"): lesson 4's
 * 99 % floor at its 6 requests/s rolls a healthy canary back 45.5 % of the
 * time; the editor says so at the floor, and the warning goes once the floor
 * is one the traffic can judge (97 %: 0.7 % false aborts).
 */
test('the editor warns where the traffic makes the success-rate floor unreliable, and stops when it no longer does', async ({ page }) => {
  const w = watch(page);
  await page.goto('./?scenario=scenarios/low-traffic-noise.yaml');
  await expect(page.getByTestId('scenario-title')).toHaveText('low-traffic-noise');
  await page.getByTestId('nav-editor').click();
  await expect(page.getByTestId('editor')).toBeVisible();
  const warning = page.getByTestId('diagnostic').filter({ hasText: 'unreliable at this traffic' });
  await expect(warning).toHaveCount(1);
  await expect(warning).toHaveAttribute('data-severity', 'warning');
  await expect(warning).toContainText('spec.analysis.metrics[0].thresholdRange.min');
  await expect(warning).toContainText('rolled back 45.5 % of the time by chance');
  await expect(warning).toContainText(/trustworthy .* from 131\.5 requests\/s/);
  // Underlined in the text, at the floor (a click on the problem scrolls there).
  await warning.click();
  await expect(page.locator('.cm-lintRange-warning').first()).toHaveText('99');
  // A warning is advice: the scenario still runs.
  await expect(page.getByTestId('diagnostics')).not.toContainText('✖');
  await shot(page, 'editor-power-warning');

  // 98 %: still 5 % false aborts.
  await page.getByTestId('knob-metric-request-success-rate-min').fill('98');
  await expect(warning).toContainText('rolled back 5 % of the time by chance');
  // 97 %: 0.7 %, quiet.
  await page.getByTestId('knob-metric-request-success-rate-min').fill('97');
  await expect(page.getByTestId('diagnostic').filter({ hasText: 'unreliable at this traffic' })).toHaveCount(0);
  expect(w.errors).toEqual([]);
});
