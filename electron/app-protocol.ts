import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, SECURITY_HEADERS } from './security';

/**
 * The `app://gameday/…` protocol handler (protocol.handle): serves the built
 * renderer (dist/renderer) and nothing else, with the security headers on
 * every response. Written over the Fetch API's Request/Response so Node runs
 * it in tests.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The file under `root` that `url` names, or null (another host or scheme, outside root, a hidden file). */
export function resolveAppFile(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  const rel = parts.length === 0 ? 'index.html' : parts.join('/');
  const base = normalize(root);
  const file = normalize(join(base, rel));
  return file.startsWith(base.endsWith(sep) ? base : base + sep) ? file : null;
}

export type AppRequest = Pick<Request, 'url' | 'method'>;

/** A protocol.handle handler serving `root`; `read` is injectable for tests. */
export function createAppHandler(root: string, read: (file: string) => Promise<Uint8Array> = (f) => readFile(f)) {
  const respond = (status: number, body: Uint8Array | string | null, type: string): Response =>
    new Response(body as BodyInit | null, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' } });
  return async (request: AppRequest): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'method not allowed', 'text/plain; charset=utf-8');
    const file = resolveAppFile(request.url, root);
    if (file === null) return respond(404, 'not found', 'text/plain; charset=utf-8');
    let data: Uint8Array;
    try {
      data = await read(file);
    } catch {
      return respond(404, 'not found', 'text/plain; charset=utf-8');
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, request.method === 'HEAD' ? null : data, type);
  };
}
