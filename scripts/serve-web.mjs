// `npm run start:web`: serves the browser build (dist/renderer) on localhost and prints the address.
// Usage: node scripts/serve-web.mjs [--port N] [--host H]; port 0 picks a free one.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const root = new URL('../dist/renderer/', import.meta.url).pathname;
const port = Number(opt('--port', process.env.PORT ?? '5173'));
const host = opt('--host', '127.0.0.1');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };

if (!existsSync(join(root, 'index.html'))) {
  console.error('gameday: dist/renderer is not built; run `npm run build` first');
  process.exit(1);
}

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  createReadStream(file).pipe(res);
});
server.listen(port, host, () => {
  const a = server.address();
  console.log(`GameDay Simulator (web build): http://${host}:${typeof a === 'object' && a ? a.port : port}/`);
});
