import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

/**
 * The same main flows against the desktop app, when an Electron binary is
 * available: ELECTRON_OVERRIDE_DIST_PATH (a directory holding the electron
 * executable), or an installed `electron` package (a normal install on a
 * user's machine downloads it). Otherwise every test skips and says why.
 */

function electronBinary(): { path: string | null; why: string } {
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (dist) {
    const exe = ['electron', 'Electron.app/Contents/MacOS/Electron', 'electron.exe'].map((f) => join(dist, f)).find((p) => existsSync(p));
    return exe ? { path: exe, why: '' } : { path: null, why: `ELECTRON_OVERRIDE_DIST_PATH=${dist} holds no electron executable` };
  }
  try {
    const pkg = createRequire(import.meta.url).resolve('electron/package.json');
    const dir = join(pkg, '..');
    const rel = existsSync(join(dir, 'path.txt')) ? readFileSync(join(dir, 'path.txt'), 'utf8') : '';
    if (rel && existsSync(join(dir, 'dist', rel))) return { path: join(dir, 'dist', rel), why: '' };
    return { path: null, why: 'the electron package is installed but its binary was not downloaded' };
  } catch {
    return { path: null, why: 'no Electron binary: the electron package is not installed (its download fails offline; npm removes the optional dependency) and ELECTRON_OVERRIDE_DIST_PATH is not set' };
  }
}

const binary = electronBinary();
if (!binary.path) console.log(`Electron e2e skipped: ${binary.why}. The same flows ran against the web build (test/e2e/app.spec.ts).`);

test.describe('desktop app (Electron)', () => {
  test.skip(!binary.path, binary.why);

  test('opens on the default scenario, runs it to the end, shows the outcome and the reasons; theme switches', async () => {
    const app = await electron.launch({ executablePath: binary.path as string, args: ['dist/electron/main.cjs'], env: { ...process.env, NODE_ENV: 'test' } });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('run-view')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('scenario-title')).toHaveText('default');
      await page.getByTestId('to-end').click();
      await expect(page.getByTestId('outcome-phase')).toContainText('Succeeded, promoted at 12:00');
      const halt = page.locator('[data-testid=decision-log] li').filter({ hasText: 'Halt backend.shop advancement request duration' });
      await expect(halt.locator('.why')).toContainText('failed checks 1 of 5');
      // The renderer has no Node: the host API is all it sees.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (window as unknown as { gamedayHost?: unknown }).gamedayHost)).toBe('object');
      const before = await page.evaluate(() => document.documentElement.dataset.theme);
      await page.getByTestId('theme-toggle').click();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).not.toBe(before);
    } finally {
      await app.close();
    }
  });
});
