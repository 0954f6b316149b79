import { copyFileSync, mkdirSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';

/**
 * The app's main flows in the browser build: what a user does first. Each
 * test starts from a fresh page (the default scenario opens at start).
 * Screenshots of the main views go to test-results/screenshots/ (and, with
 * UPDATE_SCREENSHOTS=1, to docs/screenshots/ where docs/app.md shows them).
 */

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await page.screenshot({ path });
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync('docs/screenshots', { recursive: true });
    copyFileSync(path, `docs/screenshots/${name}.png`);
  }
}

/** Console errors and failed requests: the app must produce none, and must request nothing outside itself. */
function watch(page: Page): { errors: string[]; external: string[] } {
  const w = { errors: [] as string[], external: [] as string[] };
  page.on('pageerror', (e) => w.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) w.external.push(r.url());
  });
  return w;
}

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
  await page.getByTestId('speed').selectOption('1000');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('pause')).toBeVisible();
  await expect.poll(async () => page.getByTestId('time').innerText(), { timeout: 10_000 }).not.toBe('1:00 / 30:00');
  await page.getByTestId('pause').click();
  const paused = await page.getByTestId('time').innerText();
  await page.waitForTimeout(300);
  await expect(page.getByTestId('time')).toHaveText(paused);
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
