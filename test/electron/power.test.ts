import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { simWorkerFixture } from '../support/sim-worker';
import { CHANNELS } from '../../electron/channels';
import { parsePayload } from '../../electron/ipc';
import { WorkerPool } from '../../electron/worker-pool';
import { desktopScenarioHost } from '../../electron/sim-service';
import { RunSession } from '../../simulation/run/session';

/**
 * The tuning lab's power command on the desktop: its IPC payload validated
 * like every session command, and a Monte Carlo in a worker thread of the
 * pool cancelled at once (host.cancel('power')), the session answering again
 * afterwards, as in-process.
 */

const root = join(import.meta.dirname, '../..');
const SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';
const worker = simWorkerFixture('gameday-power-');
const pools = worker.pools;

describe('the power command over IPC', () => {
  const command = (c: unknown) => parsePayload(CHANNELS.session, [{ session: 'power', command: c }]);
  const message = (f: () => unknown) => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('accepts the query with the sweep request; refuses other fields and non-numbers', () => {
    const full = { kind: 'power', file: SWEEP, text: 'x', scenario: { file: 'scenarios/a.yaml', text: 'y' }, configuration: 2, rate: 30, healthy: 0.004, regression: 0.02, targets: { maxFalseAbort: 0.01, minDetection: 0.95 }, monteCarlo: { seeds: 200, seed: 1, upTo: 20 } };
    expect(command(full)).toEqual({ session: 'power', command: full });
    expect(command({ kind: 'power', file: SWEEP })).toEqual({ session: 'power', command: { kind: 'power', file: SWEEP } });
    expect(message(() => command({ kind: 'power', file: SWEEP, rate: '30' }))).toBe('invalid gameday:session request: command.rate: rate must be a finite number, got a string');
    expect(message(() => command({ kind: 'power', file: SWEEP, rate: Number.NaN }))).toContain('command.rate');
    expect(message(() => command({ kind: 'power', file: SWEEP, rate: Number.POSITIVE_INFINITY }))).toContain('rate must be a finite number, got Infinity');
    expect(message(() => command({ kind: 'power', file: SWEEP, monteCarlo: { upTo: 3 } }))).toContain('command.monteCarlo.seeds: monteCarlo.seeds must be a finite number, got nothing');
    expect(message(() => command({ kind: 'power', file: SWEEP, targets: { max: 1 } }))).toContain('command.targets');
    expect(message(() => command({ kind: 'power', file: SWEEP, extra: true }))).toContain('extra');
    expect(message(() => command({ kind: 'power', rate: 3 }))).toContain('command.file');
  });
});

describe('the power command in a worker thread', () => {
  it('a Monte Carlo is cancelled at once, and the session answers again after, as in-process', async () => {
    const pool = new WorkerPool({ size: 1, create: () => new Worker(worker.script(), { workerData: { appDir: root } }) });
    pools.push(pool);
    // 20 000 seeds: minutes of work. Cancelled after a moment, it answers at once.
    const long = pool.session('power', { kind: 'power', file: SWEEP, monteCarlo: { seeds: 20_000 } });
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    expect(pool.cancel('power')).toBe(true);
    expect(await long).toEqual({ kind: 'error', message: 'cancelled' });
    expect(performance.now() - t).toBeLessThan(1000);
    const query = { kind: 'power' as const, file: SWEEP, rate: 45, monteCarlo: { seeds: 4 } };
    const again = await pool.session('power', query);
    expect(again.kind).toBe('power');
    expect(JSON.stringify(again)).toBe(JSON.stringify(new RunSession(desktopScenarioHost(root)).handle(query)));
  });
});
