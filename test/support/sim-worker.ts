import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import type { WorkerPool } from '../../electron/worker-pool';

const root = join(import.meta.dirname, '../..');

/**
 * The desktop app's simulation worker as scripts/build.mjs bundles it
 * (dist/electron/sim-worker.cjs), built from the current source into a
 * temporary directory before the file's tests; the pools a test registers are
 * closed and the directory removed after them.
 */
export function simWorkerFixture(prefix: string): { script(): string; pools: WorkerPool[]; dir(): string } {
  let tmp = '';
  let script = '';
  const pools: WorkerPool[] = [];
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), prefix));
    script = join(tmp, 'sim-worker.cjs');
    await build({ entryPoints: [join(root, 'electron/sim-worker.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', define: { __GAMEDAY_VERSION__: '"test"' } });
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    rmSync(tmp, { recursive: true, force: true });
  });
  return { script: () => script, pools, dir: () => tmp };
}
