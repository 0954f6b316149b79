// `npm run typecheck`: every layer's TypeScript project (tsconfig.<layer>.json) checked once, in dependency order, by one
// `tsc --build` of the solution (tsconfig.json). A project checks its own files with its own types and sees the layers it
// references through their declarations, which the build writes, with its build info, under node_modules/.cache/tsbuild/:
// an unchanged project is skipped, a changed one rechecks what changed, and the projects depending on it are rechecked only
// when its declarations change. Extra arguments go to tsc (`npm run typecheck -- --verbose`, `-- --force`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const projects = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).references.map((r) => r.path.replace(/^\.\/tsconfig\.|\.json$/g, ''));

// tsc --build goes by the time stamps of each project's own files and configs, not of the packages in node_modules.
// When an install has changed them (npm rewrites node_modules/.package-lock.json), everything is rechecked once.
const stampFile = join(root, 'node_modules/.cache/tsbuild/installed-packages.sha256');
const installed = ['node_modules/.package-lock.json', 'package-lock.json'].map((f) => join(root, f)).find(existsSync);
const stamp = installed ? createHash('sha256').update(readFileSync(installed)).digest('hex') : '';
const packagesChanged = !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp;

const args = [tsc, '--build', 'tsconfig.json', ...(packagesChanged ? ['--force'] : []), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.error) throw r.error;
if (r.status === 0 || r.status === 2) {
  // Checked with these packages (2: there were errors, but every project was built; 1 is a build that did not run).
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, stamp);
}
if (r.status !== 0) {
  console.error(`typecheck failed (tsc --build exited with ${r.status ?? r.signal})`);
  process.exit(1);
}
console.log(`typecheck: ${projects.length} projects (${projects.join(', ')}), no errors`);
