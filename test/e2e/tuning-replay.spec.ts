import { expect, test } from '@playwright/test';
import { openTuningLab, shot, watch } from './support';

/**
 * A replayed rollout as a tuning-lab situation in the browser build
 * (docs/tuning.md, "Replayed rollouts as situations"): the bundled
 * checkout-with-recordings sweep, its two recordings bundled into the sweep
 * web workers, run with 4 seeds (9 configurations × 4 situations × 4 seeds =
 * 144 runs, half of them dry runs over the redrawn recordings). The table says
 * which situations are replays; the drill-down tags them, and their example
 * runs offer nothing to open (there is no simulation behind them), while a
 * simulated situation's example still opens in the run view.
 */
test('runs a sweep with replayed recordings among its situations and marks them as replays', async ({ page }) => {
  const w = watch(page);
  await openTuningLab(page);
  await page.getByTestId('sweep-select').selectOption('scenarios/sweeps/checkout-with-recordings.yaml');
  await expect(page.getByTestId('sweep-info')).toContainText('checkout-with-recordings');
  await page.getByTestId('sweep-edit').click();
  const text = page.getByTestId('sweep-text');
  const yaml = await text.inputValue();
  expect(yaml).toContain('seeds: 50');
  await text.fill(yaml.replace('seeds: 50', 'seeds: 4'));
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('result-row')).toHaveCount(9, { timeout: 60_000 });
  await expect(page.getByTestId('tuning-view')).toContainText('2 situations replayed from recordings, in dry run');

  // The drill-down of a configuration: the two replayed situations tagged, their examples not openable.
  await page.getByTestId('result-row').first().click();
  await expect(page.getByTestId('drill-down')).toBeVisible();
  await expect(page.getByTestId('drill-situations').getByTestId('replayed')).toHaveCount(2);
  const examples = page.getByTestId('example');
  await expect(examples.first()).toBeVisible();
  const replayed = await page.getByTestId('example-replayed').count();
  const openable = await page.getByTestId('open-example').count();
  expect(replayed).toBeGreaterThan(0);
  expect(openable).toBeGreaterThan(0);
  expect(replayed + openable).toBe(await examples.count());
  await shot(page, 'tuning-replay');
  // A simulated situation's run still opens in the run view.
  await page.getByTestId('open-example').first().click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
