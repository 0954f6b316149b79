import { aggregate, type PlanOutline } from '../../simulation/sweep/aggregate';
import { executeSweep, type SweepWorker } from '../../simulation/sweep/execute';
import type { SweepRunner } from '../../simulation/sweep/run';
import { readShard, type ShardFile, shardBlock, toShard } from '../../simulation/sweep/shard';

/**
 * What the sweep determinism tests share: in-process workers that finish
 * their chunks out of order, and a sweep split into shard files (through
 * their JSON, as the files carry them).
 */

/** `n` workers, each over its own runner (`runnerOf(w)`), answering after a pseudo-random number of turns, so chunks finish out of order. */
export function shuffledWorkers(n: number, runnerOf: (w: number) => SweepRunner): SweepWorker[] {
  return Array.from({ length: n }, (_, w) => {
    const runner = runnerOf(w);
    let k = w;
    return {
      run: async (from, to) => {
        k = (k * 7 + 3) % 11;
        for (let i = 0; i < k; i++) await Promise.resolve();
        return Array.from({ length: to - from }, (_, i) => runner.run(from + i));
      },
    };
  });
}

/** The sweep's runs as `count` shard files, each run on `workers()`, read back from their JSON. */
export async function shardFiles(outline: PlanOutline, total: number, count: number, workers: () => SweepWorker[]): Promise<Array<{ file: string; shard: ShardFile }>> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const { from, to } = shardBlock(total, i, count);
      const records = await executeSweep(from, to, workers(), { now: () => 0 });
      const file = `shard-${i}.json`;
      const read = readShard(file, JSON.stringify(toShard(outline, { index: i, count }, from, to, records)));
      if (!read.ok) throw new Error(read.error);
      return { file, shard: read.shard };
    }),
  );
}

/** The result's JSON of the whole sweep run on these workers in chunks of `chunk` runs. */
export async function resultOn(outline: PlanOutline, total: number, workers: SweepWorker[], chunk: number): Promise<string> {
  return JSON.stringify(aggregate(outline, await executeSweep(0, total, workers, { chunk, now: () => 0 })));
}
