import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, formatViolation } from '../../scripts/check-layers.mjs';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
const lines = (files: Record<string, string>) => checkLayers(tree(files)).violations.map(formatViolation);

describe('the layering check', () => {
  it('rejects Node, UI and upper-layer imports in simulation/, with their position', () => {
    const got = lines({
      'simulation/a.ts': "import { readFileSync } from 'node:fs';\nimport path from 'path';\n  import React from 'react';\nimport { main } from '../cli/main';\nconst w = await import('worker_threads');\nconst c = require('crypto');\n",
      'cli/main.ts': 'export const main = 1;\n',
    });
    expect(got).toEqual([
      'simulation/a.ts:1:30: layer simulation may not import "node:fs" (Node APIs are not available in the simulation layer)',
      'simulation/a.ts:2:18: layer simulation may not import "path" (Node APIs are not available in the simulation layer)',
      'simulation/a.ts:3:21: layer simulation may not import "react" (package react is not allowed in simulation/ (allowed: seedrandom, yaml, zod, @prometheus-io/lezer-promql, @lezer/common, @lezer/lr))',
      'simulation/a.ts:4:22: layer simulation may not import "../cli/main" (cli/ is not a layer below simulation/)',
      'simulation/a.ts:5:24: layer simulation may not import "worker_threads" (Node APIs are not available in the simulation layer)',
      'simulation/a.ts:6:19: layer simulation may not import "crypto" (Node APIs are not available in the simulation layer)',
    ]);
  });

  it('allows what the simulation layer may use', () => {
    expect(lines({ 'simulation/a.ts': "import seedrandom from 'seedrandom';\nimport { z } from 'zod';\nimport { K } from './kernel/k';\nexport * from '../simulation/b';\n", 'simulation/kernel/k.ts': 'export const K = 1;\n' })).toEqual([]);
  });

  it('lets the renderer use types (import type only), not values, from electron/, and no Node or Electron', () => {
    const got = lines({
      'renderer/app.ts': "import type { HostApi } from '../electron/api';\nimport { type Other } from '../electron/api';\nimport { openFile } from '../electron/api';\nimport { ipcRenderer } from 'electron';\nimport { join } from 'node:path';\nimport { run } from '../cli/main';\nexport type { HostApi as H } from '../electron/api';\ntype Api = typeof import('../electron/api');\n",
      'electron/api.ts': 'export interface HostApi {}\nexport type Other = 1;\nexport const openFile = 1;\n',
    });
    expect(got).toEqual([
      'renderer/app.ts:2:28: layer renderer may not import "../electron/api" (the renderer may use only types from electron/, with `import type`)',
      'renderer/app.ts:3:26: layer renderer may not import "../electron/api" (the renderer may use only types from electron/, with `import type`)',
      'renderer/app.ts:4:29: layer renderer may not import "electron" (the renderer reaches the host only through the typed host API)',
      'renderer/app.ts:5:22: layer renderer may not import "node:path" (Node APIs are not available in the browser)',
      'renderer/app.ts:6:21: layer renderer may not import "../cli/main" (cli/ is not a layer below renderer/)',
    ]);
  });

  it('keeps the CLI free of the UI and tests', () => {
    expect(lines({ 'cli/a.ts': "import { x } from '../renderer/x';\nimport { y } from '../test/y';\nimport { readFileSync } from 'node:fs';\n" })).toEqual([
      'cli/a.ts:1:19: layer cli may not import "../renderer/x" (renderer/ is not a layer below cli/)',
      'cli/a.ts:2:19: layer cli may not import "../test/y" (outside the layered folders)',
    ]);
  });

  it('finds no violation in this repository', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const { files, violations } = checkLayers(root);
    expect(violations.map(formatViolation)).toEqual([]);
    expect(files).toBeGreaterThan(15);
  });
});
