// `npm run typecheck`: each layer's TypeScript project (tsconfig.<layer>.json), two at a time (this machine
// has two cores), incrementally (build info under node_modules/.cache/tsc: an unchanged project rechecks fast).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

// Largest first (the test project spans every layer), so the two lanes finish together.
const projects = ['test', 'renderer', 'electron', 'cli', 'simulation'];
const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
const parallel = Math.max(1, Math.min(projects.length, availableParallelism()));

function check(name) {
  return new Promise((resolve) => {
    const args = [tsc, '-p', `tsconfig.${name}.json`, '--incremental', '--tsBuildInfoFile', `node_modules/.cache/tsc/${name}.tsbuildinfo`];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ name, code, out }));
  });
}

const queue = [...projects];
const failed = [];
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (queue.length > 0) {
      const r = await check(queue.shift());
      if (r.out.trim() !== '') process.stdout.write(r.out);
      if (r.code !== 0) failed.push(r.name);
    }
  }),
);
if (failed.length > 0) {
  console.error(`typecheck failed: ${failed.map((n) => `tsconfig.${n}.json`).join(', ')}`);
  process.exit(1);
}
console.log(`typecheck: ${projects.length} projects, no errors`);
