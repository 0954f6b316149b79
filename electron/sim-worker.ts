import { parentPort, workerData } from 'node:worker_threads';
import { SimService, type WorkerInit, type WorkerRequest } from './sim-service';

/**
 * A simulation worker thread (bundled to dist/electron/sim-worker.cjs and
 * started by the worker pool): answers the pool's requests in order with
 * the SimService. Errors inside a request come back as replies; only a
 * crash of the thread itself reaches the pool as an 'error' event.
 */

const port = parentPort;
if (!port) throw new Error('sim-worker runs as a worker thread (node:worker_threads)');
const init = workerData as Partial<WorkerInit> | undefined;
if (!init || typeof init.appDir !== 'string') throw new Error('sim-worker needs workerData.appDir');
const service = new SimService({ appDir: init.appDir });
port.on('message', (req: WorkerRequest) => port.postMessage(service.handle(req)));
