import { parentPort } from 'node:worker_threads';
import { SweepBlocks, type SweepWorkerRequest } from '../simulation/sweep/workers';
import { fsHost } from './host';

/**
 * A `gameday sweep` worker thread (dist/cli/sweep-worker.js): loads the sweep
 * it is sent over the file system, then runs the blocks of runs it is sent
 * (simulation/sweep/workers.ts). Errors come back as replies.
 */

const port = parentPort;
if (!port) throw new Error('sweep-worker runs as a worker thread (node:worker_threads)');
const blocks = new SweepBlocks(fsHost);
port.on('message', (m: SweepWorkerRequest) => port.postMessage(blocks.handle(m)));
