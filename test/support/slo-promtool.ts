import { execFile, spawnSync } from 'node:child_process';

/**
 * promtool (Prometheus 2.42, Debian's `prometheus` package) for the SLO rule
 * tests: `promtool check rules` on generated rule files and `promtool test
 * rules` on rule unit tests, plus the input series notation of those unit
 * tests (docs/configuration/unit_testing_rules.md, "series"), so the same
 * samples can be loaded into our SeriesStore.
 */

/** promtool is on PATH. */
export const hasPromtool: boolean = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs promtool with `args`; exit code and everything it printed (stdout then stderr). */
export function promtool(args: string[], cwd?: string): { code: number; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`could not run promtool (Debian/Ubuntu: apt-get install prometheus): ${String(r.error)}`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** promtool with `args`, without blocking: several can run at once. */
export function promtoolAsync(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`could not run promtool (Debian/Ubuntu: apt-get install prometheus): ${String(err)}`));
      else resolve({ code: err ? (err.code as number) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** One point of an input series: a value, a staleness marker, or none (`_`). */
export type SeriesPoint = number | 'stale' | null;

const UNSIGNED = String.raw`(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)`;
const ITEM = new RegExp(String.raw`^([+-]?${UNSIGNED})(?:([+-])(${UNSIGNED}))?x([0-9]+)$`);
const NUMBER = new RegExp(String.raw`^[+-]?${UNSIGNED}$`);

/**
 * Expands promtool's series notation as Prometheus 2.42's parser does
 * (promql/parser/generated_parser.y, series_item): `a` one value; `axn` n+1
 * times a; `a+bxn` / `a-bxn` n+1 values from a, adding b each time (by
 * repeated addition, as the parser does); `_` no sample; `_xn` n points
 * without a sample; `stale` a staleness marker. Only decimal numbers are
 * accepted (no exponents, Inf or NaN): anything else throws.
 */
export function expandSeriesValues(text: string): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const item of text.trim().split(/\s+/)) {
    if (item === '_') out.push(null);
    else if (item === 'stale') out.push('stale');
    else if (/^_x[0-9]+$/.test(item)) for (let i = 0; i < Number(item.slice(2)); i++) out.push(null);
    else if (NUMBER.test(item)) out.push(Number(item));
    else {
      const m = ITEM.exec(item);
      if (!m) throw new Error(`unsupported series item ${JSON.stringify(item)} in ${JSON.stringify(text)}`);
      let v = Number(m[1]);
      const step = m[2] === undefined ? 0 : Number(`${m[2]}${m[3]}`);
      for (let i = 0; i <= Number(m[4]); i++) {
        out.push(v);
        v += step;
      }
    }
  }
  return out;
}

/**
 * A short notation of whole-number points (null: no sample) in arithmetic
 * runs: `0+600x59 36000x4 _x3 stale …`. expandSeriesValues reads it back.
 */
export function compactSeriesValues(points: readonly SeriesPoint[]): string {
  const items: string[] = [];
  const isNumber = (p: SeriesPoint | undefined): p is number => typeof p === 'number';
  for (let i = 0; i < points.length; ) {
    const v = points[i];
    if (v === 'stale') {
      items.push('stale');
      i++;
      continue;
    }
    if (v === null) {
      let j = i;
      while (j < points.length && points[j] === null) j++;
      items.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
      continue;
    }
    if (!Number.isSafeInteger(v)) throw new Error(`compactSeriesValues takes whole numbers, got ${v}`);
    const next = points[i + 1];
    if (!isNumber(next)) {
      items.push(String(v));
      i++;
      continue;
    }
    const d = next - v;
    let j = i + 1;
    for (let k = points[j + 1]; isNumber(k) && k - (points[j] as number) === d; k = points[j + 1]) j++;
    items.push(d === 0 ? `${v}x${j - i}` : `${v}${d > 0 ? '+' : '-'}${Math.abs(d)}x${j - i}`);
    i = j + 1;
  }
  return items.join(' ');
}

/** A series as PromQL writes it (and promtool's `series:` and `labels:` read it): `name{a="x", b="y"}`, labels sorted. */
export function seriesText(labels: Readonly<Record<string, string>>): string {
  const name = labels.__name__ ?? '';
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${rest.join(', ')}}`;
}
