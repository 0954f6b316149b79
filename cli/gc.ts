import { setFlagsFromString } from 'node:v8';

/**
 * V8's garbage collector tuned for many short simulations in a row (a sweep's
 * runs, each about a millisecond): allocation-site pretenuring off.
 *
 * V8 allocates objects from sites whose objects often survive a scavenge
 * directly in the old generation. A run builds its world at the start and
 * drops all of it at the end; a scavenge that falls inside a run sees the
 * world alive, so V8 soon pretenures the world's objects. Those old objects
 * then keep every young object they point to alive at each scavenge, dead or
 * not, until a full collection: each run's whole world is copied and promoted
 * (a third of all it allocates), and GC becomes a fifth of the work. Without
 * pretenuring, a finished run dies young. docs/performance.md has the figures.
 *
 * Process-wide, read at each collection, so setting it at start-up is enough;
 * worker threads started afterwards share it. Results are unaffected.
 */
export function tuneGcForShortRuns(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
