/** POSIX-style path helpers for the simulation layer, which may not use node:path. */

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return p.slice(0, i);
}

export function normalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

/** Resolves `p` relative to the directory `base` (absolute `p` wins). */
export function resolveRelative(base: string, p: string): string {
  return p.startsWith('/') ? normalize(p) : normalize(`${base}/${p}`);
}
