import { expect, test } from '@playwright/test';
import { shot, watch } from './support';

/**
 * Shadow judges in the browser build (docs/app.md): the bundled example's
 * verdicts in the run view's decision log, marked shadow, each at the moment
 * it was reached; and the tuning lab's judge selector showing a judge's
 * measures on the same runs. Screenshot: test-results/screenshots/shadow-judges.png.
 */

const EXAMPLE = 'scenarios/examples/shadow-judges.gameday.yaml';

test("shows the shadow judges' verdicts in the decision log, marked and distinct from Flagger's decisions", async ({ page }) => {
  const w = watch(page);
  await page.goto(`./?scenario=${EXAMPLE}`);
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('scenario-title')).toHaveText('shadow-judges');
  // Before the analysis: every judge waits.
  await expect(page.getByTestId('shadow-verdict')).toHaveCount(0);
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded, promoted at 4:30');
  const verdicts = page.getByTestId('shadow-verdict');
  await expect(verdicts).toHaveCount(3);
  const kayenta = page.locator('[data-testid=shadow-verdict][data-judge=kayenta]');
  await expect(kayenta).toHaveAttribute('data-verdict', 'rollback');
  await expect(kayenta).toContainText('3:00');
  await expect(kayenta).toContainText('shadow kayenta (Kayenta): would roll back');
  await expect(kayenta.locator('.why')).toContainText('latency-p99 High, latency-mean High');
  await expect(page.locator('[data-testid=shadow-verdict][data-judge=argo-golden-signals]')).toHaveAttribute('data-verdict', 'promote');
  // Flagger's decisions are untouched: the shadow entries are not among them.
  await expect(page.getByTestId('decision').filter({ hasText: 'shadow' })).toHaveCount(0);
  await expect(page.getByTestId('decision').first()).toContainText('New revision detected! Scaling up checkout.shop');
  // Clicking a verdict moves the run to it: the later verdicts are not reached yet there.
  await kayenta.locator('button').click();
  await expect(page.getByTestId('time')).toHaveText('3:00 / 8:00');
  await expect(verdicts).toHaveCount(1);
  await expect(page.getByTestId('shadow-pending')).toContainText('shadow argo-golden-signals: judging since 1:30');
  await shot(page, 'shadow-judges');
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});

test("the tuning lab shows a shadow judge's measures on the same runs, Flagger's by default", async ({ page }) => {
  const w = watch(page);
  await page.goto(`./?scenario=${EXAMPLE}`);
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.keyboard.press('6');
  await expect(page.getByTestId('tuning-view')).toBeVisible();
  const sweep = `apiVersion: gameday.dev/v1alpha1
kind: Sweep
metadata:
  name: shadow-judges-sweep
spec:
  scenario: ${EXAMPLE}
  seeds: 3
  parameters:
    - field: analysis.threshold
      values: [2, 3]
  situations:
    - name: slow
      weight: 1
    - name: errors
      weight: 1
      fault: { type: http-abort, code: 500, percent: 50 }
`;
  await page.getByTestId('sweep-file-input').setInputFiles({ name: 'shadow-judges-sweep.yaml', mimeType: 'application/yaml', buffer: Buffer.from(sweep) });
  await expect(page.getByTestId('sweep-info')).toContainText('shadow-judges-sweep');
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('result-row')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId('scatter-point')).toHaveCount(2);
  const select = page.getByTestId('judge-select');
  await expect(select).toHaveValue('');
  await expect(page.getByTestId('tuning-table-caption')).toContainText('on the Pareto frontier');
  // The example's canary is twice as slow, and its own situation has no fault: a "healthy" one to the sweep. Flagger
  // promotes it; Kayenta rolls it back every time (a false abort, as the sweep counts it). Both catch the errors.
  await expect(page.locator('[data-testid=result-row] td[data-col=falseAborts]').first()).toContainText('0.00 %');
  await select.selectOption('kayenta');
  await expect(page.getByTestId('tuning-table-caption')).toContainText('Shadow judge kayenta (kayenta, dry run)');
  await expect(page.getByTestId('sort-inconclusive')).toBeVisible();
  await expect(page.locator('[data-testid=result-row] td[data-col=falseAborts]').first()).toContainText('100.0 %');
  await expect(page.locator('[data-testid=result-row] td[data-col=missedRegressions]').first()).toContainText('0.00 %');
  await expect(page.getByTestId('scatter-point')).toHaveCount(2);
  await expect(page.getByTestId('frontier-line')).toHaveCount(0);
  await select.selectOption('');
  await expect(page.getByTestId('sort-inconclusive')).toHaveCount(0);
  expect(w.errors).toEqual([]);
  expect(w.external).toEqual([]);
});
