#!/usr/bin/env node
// Entry point of the `gameday` command: loads the bundled CLI built by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli/gameday.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(`gameday: the CLI is not built yet: run 'npm install' (or 'npm run build') in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(3);
}
await import(bundle.href);
