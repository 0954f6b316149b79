import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { checkoutExercise, ROLLBACK_JUSTIFICATION } from '../support/exercise';

/**
 * The game-day evidence package (`gameday report --format html`) in Chromium:
 * one file that opens from disk, shows every chart, and requests nothing but
 * itself. Built with the bundled CLI (dist/cli/gameday.js, `npm run build`)
 * from the checkout-canary exercise of test/support/exercise.ts. The
 * screenshot goes to test-results/screenshots/report.png (and, with
 * UPDATE_SCREENSHOTS=1, to docs/screenshots/report.png).
 */

const dir = resolve('test-results/report');

test('the evidence package opens from disk with every chart and requests nothing', async ({ page }) => {
  mkdirSync(dir, { recursive: true });
  const run = resolve(dir, 'run.json');
  const html = resolve(dir, 'report.html');
  writeFileSync(run, JSON.stringify(checkoutExercise(), null, 2));
  const built = spawnSync(process.execPath, ['dist/cli/gameday.js', 'report', run, '--format', 'html', '--out', html], { encoding: 'utf8' });
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);

  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const url = pathToFileURL(html).href;
  await page.goto(url);

  await expect(page.locator('h1')).toHaveText('Game-day evidence: checkout-canary');
  await expect(page.getByTestId('outcome')).toContainText('Rolled back at 3:30');
  await expect(page.getByTestId('outcome')).toContainText('Rolling back checkout.shop manual webhook invoked');
  // Every chart: the weight as a step chart, one per Canary metric with its range, one per SLO's budget.
  await expect(page.locator('svg[data-chart=weight]')).toHaveCount(1);
  await expect(page.locator('svg[data-chart=metric]')).toHaveCount(2);
  await expect(page.locator('svg[data-chart=metric][data-metric=request-success-rate] rect.range')).toHaveCount(1);
  await expect(page.locator('svg[data-chart=metric][data-metric=request-duration] line.threshold')).toHaveCount(1);
  await expect(page.locator('svg[data-chart=budget]')).toHaveCount(1);
  await expect(page.locator('svg.chart')).toHaveCount(4);
  for (const chart of await page.locator('svg.chart').all()) {
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
  }
  // The participants' decisions are marked on the charts and in the timeline, with their justification.
  await expect(page.locator('svg[data-chart=weight] line.marker.decision')).toHaveCount(2);
  const decisions = page.locator('[data-testid=timeline] tr.participant');
  await expect(decisions).toHaveCount(2);
  await expect(decisions.nth(1)).toContainText(ROLLBACK_JUSTIFICATION);
  await expect(decisions.nth(1)).toContainText('request-success-rate 96.35% (FAILED: at least 99%)');
  await expect(page.locator('#score')).toContainText('The change was bad from 2:30.');
  // Nothing runs and nothing loads: no scripts, no external resources.
  await expect(page.locator('script, link, img, iframe, object, embed')).toHaveCount(0);

  mkdirSync('test-results/screenshots', { recursive: true });
  const shot = 'test-results/screenshots/report.png';
  const height = await page.evaluate(() => (document.querySelector('#charts svg[data-chart=metric]') as Element).getBoundingClientRect().bottom + window.scrollY + 40);
  await page.screenshot({ path: shot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(height) } });
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync('docs/screenshots', { recursive: true });
    copyFileSync(shot, 'docs/screenshots/report.png');
  }

  // It prints: the navigation is left out and the document lays out as pages.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('nav.toc')).toBeHidden();
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

  expect(requests).toEqual([url]);
  expect(errors).toEqual([]);
});
