import { parentPort, workerData } from 'node:worker_threads';
import type { SweepWorkerRequest } from '../simulation/sweep/workers';
import { sweepThreadHandler } from './sweep-service';

/**
 * A sweep worker thread (bundled to dist/electron/sweep-worker.cjs and
 * started by the SweepService, one per core): loads the sweep it is sent,
 * then answers blocks of runs in order. Errors come back as replies.
 */

const port = parentPort;
if (!port) throw new Error('sweep-worker runs as a worker thread (node:worker_threads)');
const init = workerData as { appDir?: unknown } | undefined;
if (!init || typeof init.appDir !== 'string') throw new Error('sweep-worker needs workerData.appDir');
const handle = sweepThreadHandler(init.appDir);
port.on('message', (req: SweepWorkerRequest) => port.postMessage(handle(req)));
