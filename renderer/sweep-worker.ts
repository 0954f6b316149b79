import files from 'virtual:scenarios';
import { SweepBlocks, type SweepWorkerRequest } from '../simulation/sweep/workers';

/**
 * The browser build's sweep worker (dist/renderer/sweep-worker.js): one of
 * the N dedicated workers a sweep runs on. It loads the sweep itself over
 * the bundled files (with the request's texts over them), then runs the
 * blocks of runs the page hands out (renderer/host/web.ts).
 */

const bundled = files as Record<string, string>;
const blocks = new SweepBlocks({ readFile: (p) => bundled[p] ?? null });

const scope = self as unknown as { onmessage: ((e: MessageEvent<SweepWorkerRequest>) => void) | null; postMessage(m: unknown): void };

scope.onmessage = (e) => scope.postMessage(blocks.handle(e.data));
