import { expect, type Page, test } from '@playwright/test';
import { CHECKOUT_SWEEP, openTuningLab, shot, watch } from './support';

/**
 * The tuning lab in the browser build (docs/app.md): the bundled
 * checkout-thresholds sweep with 5 seeds instead of 100 (12 configurations ×
 * 4 situations × 5 seeds = 240 runs, seconds on the sweep workers), its
 * progress, the scatter and the table; sorting, selecting, opening an
 * example run in the run view, and applying a configuration to the Canary
 * with a diff. A cancelled sweep leaves the app usable. Screenshot:
 * test-results/screenshots/tuning.png (docs/screenshots/ with UPDATE_SCREENSHOTS=1).
 */

const SWEEP = CHECKOUT_SWEEP;

/** Opens the tuning lab on checkout-canary (the sweep's scenario) with the bundled sweep's YAML shown. */
async function openLab(page: Page): Promise<void> {
  await openTuningLab(page);
  await expect(page.getByTestId('sweep-info')).toContainText('checkout-thresholds');
  await page.getByTestId('sweep-edit').click();
}

/** The sweep's text with `seeds` seeds. */
async function setSeeds(page: Page, seeds: number): Promise<void> {
  const text = page.getByTestId('sweep-text');
  const yaml = await text.inputValue();
  expect(yaml).toContain('seeds: 100');
  await text.fill(yaml.replace('seeds: 100', `seeds: ${seeds}`));
}

/** The numbers of a column, in the table's order (the estimate before the interval). */
async function column(page: Page, key: string): Promise<number[]> {
  const cells = await page.locator(`[data-testid=result-row] td[data-col=${key}]`).allInnerTexts();
  return cells.map((c) => (c.startsWith('n/a') ? NaN : parseFloat(c)));
}

test('runs a sweep with progress, shows the trade-off, drills into a run and applies a configuration with a diff', async ({ page }) => {
  const w = watch(page);
  await openLab(page);
  await setSeeds(page, 5);
  await page.getByTestId('sweep-run').click();
  // Progress with the runs done and an ETA, and a Cancel button while it runs.
  await expect(page.getByTestId('sweep-progress-text')).toContainText('/240 runs');
  await expect(page.getByTestId('sweep-cancel')).toBeVisible();
  await expect(page.getByTestId('sweep-progress-text')).toContainText('left');
  await expect(page.getByTestId('result-row')).toHaveCount(12, { timeout: 60_000 });
  await expect(page.getByTestId('sweep-progress')).toHaveCount(0);

  // The scatter: a point per configuration that has both rates, the frontier joined, one recommended.
  await expect(page.getByTestId('scatter-point')).toHaveCount(12);
  await expect(page.getByTestId('frontier-line')).toBeVisible();
  await expect(page.locator('[data-testid=scatter-point][data-kind=recommended]')).toHaveCount(1);
  await expect(page.getByTestId('recommendation-reason')).toContainText('threshold=2 request-success-rate.min=99: the least detectionP95');

  // Sorting: false aborts ascending, then descending; the table stays 12 rows.
  await page.getByTestId('sort-falseAborts').click();
  const up = await column(page, 'falseAborts');
  expect(up).toEqual([...up].sort((a, b) => a - b));
  expect(up[0]).toBeLessThan(up[11]);
  await page.getByTestId('sort-falseAborts').click();
  const down = await column(page, 'falseAborts');
  expect(down).toEqual([...up].reverse().sort((a, b) => b - a));
  await expect(page.locator('th[aria-sort=descending]')).toContainText('false aborts');

  // Select a configuration that aborts healthy canaries: the table and the scatter agree, the drill-down shows it.
  const strict = page.getByTestId('result-row').filter({ hasText: 'threshold=1 request-success-rate.min=98' });
  await strict.click();
  await expect(strict).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid=scatter-point].selected')).toHaveAttribute('data-index', '0');
  await expect(page.getByTestId('drill-title')).toContainText('threshold=1 request-success-rate.min=98');
  await expect(page.getByTestId('drill-situations')).toContainText('errors percent=10');
  await page.getByTestId('sweep-edit').click();
  await expect(page.getByTestId('sweep-text')).toHaveCount(0);
  await page.getByTestId('tuning-view').evaluate((e) => e.closest('.content')?.scrollTo(0, 0));
  await shot(page, 'tuning');

  // Its first false abort opens in the run view as the sweep ran it: the healthy canary, rolled back.
  const falseAbort = page.locator('[data-testid=example][data-kind=false-abort]');
  await expect(falseAbort).toContainText('healthy');
  await falseAbort.getByTestId('open-example').click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('sweep-run-banner')).toContainText('threshold=1 request-success-rate.min=98 · healthy · seed 1');
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Failed');

  // Back in the lab, apply the recommended configuration: the diff changes the threshold from 3 to 2.
  await page.getByTestId('back-to-tuning').click();
  await expect(page.getByTestId('result-row')).toHaveCount(12);
  await page.getByTestId('recommendation-reason').getByRole('button').click();
  await expect(page.getByTestId('drill-title')).toContainText('threshold=2 request-success-rate.min=99');
  await page.getByTestId('apply-preview').click();
  const diff = page.getByTestId('apply-diff');
  await expect(diff).toContainText('+++ b/scenarios/checkout-canary.yaml');
  await expect(diff.locator('.diff-del')).toContainText(['threshold: 3']);
  await expect(diff.locator('.diff-add')).toContainText(['threshold: 2']);
  // The Canary lives in the scenario open in the editor: applying there updates its text (unsaved).
  await page.getByTestId('apply-editor').click();
  await expect(page.getByTestId('scenario-title')).toContainText('●');
  await page.getByTestId('nav-editor').click();
  await expect(page.getByTestId('knob-threshold')).toHaveValue('2');

  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});

test('a cancelled sweep stops and leaves the app usable', async ({ page }) => {
  const w = watch(page);
  await openLab(page);
  await setSeeds(page, 400);
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-progress-text')).toContainText('/19200 runs');
  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-cancelled')).toContainText('of 19200 runs');
  await expect(page.getByTestId('sweep-run')).toBeEnabled();
  await expect(page.getByTestId('result-row')).toHaveCount(0);

  // A broken sweep's errors are shown with their place, not thrown.
  const text = page.getByTestId('sweep-text');
  const broken = (await text.inputValue()).replace('seeds: 400', 'seeds: many');
  await text.fill(broken);
  await page.getByTestId('sweep-run').click();
  const line = broken.split('\n').findIndex((l) => l.includes('seeds: many')) + 1;
  await expect(page.getByTestId('sweep-diagnostic').first()).toContainText(`${SWEEP}:${line}:10: spec.seeds: expected seeds`);

  // The rest of the app still works: the run view runs to the end.
  await page.getByTestId('nav-run').click();
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('time')).toHaveText('8:00 / 8:00');
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded');
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
