import { z } from 'zod';
import { aggregate, type PlanOutline, type SweepResult } from './aggregate';
import type { RunOutcome, RunRecord, ShadowOutcome } from './run';
import { runCount } from './spec';

/**
 * Shards: a very large sweep runs as N independent jobs (`gameday sweep
 * --shard i/N`, e.g. a Kubernetes Indexed Job), each writing its block of
 * run records with the plan's outline; `gameday sweep-merge` checks that the
 * shards come from the same sweep and files and cover every run exactly
 * once, and aggregates them — the same bytes a single process gives.
 */

export const SHARD_KIND = 'gameday-sweep-shard';

export interface ShardFile {
  kind: typeof SHARD_KIND;
  version: 1;
  shard: { index: number; count: number };
  /** The block of run indices [from, to). */
  from: number;
  to: number;
  sweep: PlanOutline;
  /**
   * [u, outcome, decidedAfter, detection, badRequests, budget] per run, outcome p(romoted) r(olled back) u(ndecided);
   * with shadow judges a seventh element, [outcome, decidedAfter, detection] per judge (i: inconclusive).
   */
  records: Array<[number, 'p' | 'r' | 'u', number | null, number | null, number, number | null] | [number, 'p' | 'r' | 'u', number | null, number | null, number, number | null, ShadowCells[]]>;
}

type ShadowCells = ['p' | 'r' | 'i' | 'u', number | null, number | null];

const CODE: Record<RunOutcome, 'p' | 'r' | 'u'> = { promoted: 'p', 'rolled-back': 'r', undecided: 'u' };
const OUTCOME: Record<'p' | 'r' | 'u', RunOutcome> = { p: 'promoted', r: 'rolled-back', u: 'undecided' };
const SHADOW_CODE: Record<ShadowOutcome, ShadowCells[0]> = { promoted: 'p', 'rolled-back': 'r', inconclusive: 'i', undecided: 'u' };
const SHADOW_OUTCOME: Record<ShadowCells[0], ShadowOutcome> = { p: 'promoted', r: 'rolled-back', i: 'inconclusive', u: 'undecided' };

/** Parses "i/N" (0 ≤ i < N). */
export function parseShard(text: string): { index: number; count: number } | { error: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return { error: `expected the shard as i/N (e.g. 0/4: the first of four), found ${JSON.stringify(text)}` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return { error: 'the number of shards must be at least 1' };
  if (index >= count) return { error: `shard ${index}/${count}: shards are numbered 0 to ${count - 1}` };
  return { index, count };
}

/** The block of run indices shard `index` of `count` runs: contiguous, configuration-major, as even as whole runs allow. */
export function shardBlock(total: number, index: number, count: number): { from: number; to: number } {
  return { from: Math.floor((total * index) / count), to: Math.floor((total * (index + 1)) / count) };
}

export function toShard(outline: PlanOutline, shard: { index: number; count: number }, from: number, to: number, records: readonly RunRecord[]): ShardFile {
  return {
    kind: SHARD_KIND,
    version: 1,
    shard,
    from,
    to,
    sweep: outline,
    records: records.map((r) =>
      r.shadow ? [r.u, CODE[r.outcome], r.decidedAfter, r.detection, r.badRequests, r.budget, r.shadow.map((x): ShadowCells => [SHADOW_CODE[x.outcome], x.decidedAfter, x.detection])] : [r.u, CODE[r.outcome], r.decidedAfter, r.detection, r.badRequests, r.budget],
    ),
  };
}

const num = z.number();
const shardSchema = z.object({
  kind: z.literal(SHARD_KIND, { error: `expected kind ${SHARD_KIND}: a file written by gameday sweep --shard` }),
  version: z.literal(1, { error: 'expected version 1' }),
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  from: z.number().int().min(0),
  to: z.number().int().min(0),
  sweep: z.looseObject({ fingerprint: z.string(), name: z.string(), seeds: z.number().int().min(1), configurations: z.array(z.unknown()), situations: z.array(z.unknown()) }),
  records: z.array(
    z.union([
      z.tuple([z.number().int().min(0), z.enum(['p', 'r', 'u']), num.nullable(), num.nullable(), num, num.nullable()]),
      z.tuple([z.number().int().min(0), z.enum(['p', 'r', 'u']), num.nullable(), num.nullable(), num, num.nullable(), z.array(z.tuple([z.enum(['p', 'r', 'i', 'u']), num.nullable(), num.nullable()]))]),
    ]),
  ),
});

/** Reads a shard file's JSON text; errors name the file and the field. */
export function readShard(file: string, text: string): { ok: true; shard: ShardFile } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${file}: not JSON: ${(e as Error).message}` };
  }
  const r = shardSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, error: `${file}: ${i.path.join('.') || 'the file'}: ${i.message}` };
  }
  return { ok: true, shard: r.data as unknown as ShardFile };
}

/** Merges shards of one sweep into its result; refuses shards of different sweeps or files, overlaps and gaps. */
export function mergeShards(shards: ReadonlyArray<{ file: string; shard: ShardFile }>): { ok: true; result: SweepResult } | { ok: false; error: string } {
  if (shards.length === 0) return { ok: false, error: 'no shard files given' };
  const first = shards[0];
  for (const s of shards.slice(1)) {
    if (s.shard.sweep.fingerprint !== first.shard.sweep.fingerprint) {
      return { ok: false, error: `${s.file} comes from a different sweep or different files than ${first.file} (${s.shard.sweep.name} ${s.shard.sweep.fingerprint.slice(0, 12)} vs ${first.shard.sweep.name} ${first.shard.sweep.fingerprint.slice(0, 12)}): every shard must run the same sweep, scenario and manifests` };
    }
  }
  const outline = first.shard.sweep;
  const total = runCount(outline);
  const owner: Array<string | undefined> = new Array(total);
  const records: RunRecord[] = [];
  for (const { file, shard } of shards) {
    if (shard.records.length !== shard.to - shard.from) return { ok: false, error: `${file}: shard ${shard.shard.index}/${shard.shard.count} holds ${shard.records.length} records for ${shard.to - shard.from} runs: it did not finish` };
    for (const [u, o, decidedAfter, detection, badRequests, budget, shadow] of shard.records) {
      if (u < shard.from || u >= shard.to || u >= total) return { ok: false, error: `${file}: run ${u} is outside its shard's block ${shard.from}–${shard.to - 1}` };
      if (owner[u] !== undefined) return { ok: false, error: `run ${u} is in both ${owner[u]} and ${file}: the same shard given twice, or shards of different splits` };
      owner[u] = file;
      records.push({ u, outcome: OUTCOME[o], decidedAfter, detection, badRequests, budget, ...(shadow ? { shadow: shadow.map(([c, after, det]) => ({ outcome: SHADOW_OUTCOME[c], decidedAfter: after, detection: det })) } : {}) });
    }
  }
  const missing: number[] = [];
  for (let u = 0; u < total && missing.length < 2; u++) if (owner[u] === undefined) missing.push(u);
  if (missing.length > 0) {
    const counts = [...new Set(shards.map((s) => s.shard.shard.count))];
    const have = new Set(shards.map((s) => s.shard.shard.index));
    const absent = counts.length === 1 ? Array.from({ length: counts[0] }, (_, i) => i).filter((i) => !have.has(i)) : [];
    return { ok: false, error: `runs are missing (first: ${missing[0]})${absent.length > 0 ? `: shard${absent.length === 1 ? '' : 's'} ${absent.map((i) => `${i}/${counts[0]}`).join(', ')} not given` : ''}` };
  }
  return { ok: true, result: aggregate(outline, records) };
}
