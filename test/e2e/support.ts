import { copyFileSync, mkdirSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

/**
 * What the e2e specs share. Screenshots go to test-results/screenshots/ (and,
 * with UPDATE_SCREENSHOTS=1, to docs/screenshots/ where the docs show them).
 */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await page.screenshot({ path });
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync('docs/screenshots', { recursive: true });
    copyFileSync(path, `docs/screenshots/${name}.png`);
  }
}

/** Console errors and requests leaving the app: the app must produce none, and request nothing outside itself. */
export function watch(page: Page): { errors: string[]; external: string[] } {
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

/** The bundled sweep the tuning lab opens on. */
export const CHECKOUT_SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';

/** Opens the tuning lab (key 6) on checkout-canary, the bundled sweep's scenario, with that sweep selected. */
export async function openTuningLab(page: Page): Promise<void> {
  await page.goto('./?scenario=scenarios/checkout-canary.yaml');
  await expect(page.getByTestId('run-view')).toBeVisible();
  await page.keyboard.press('6');
  await expect(page.getByTestId('tuning-view')).toBeVisible();
  await expect(page.getByTestId('sweep-select')).toHaveValue(CHECKOUT_SWEEP);
}
