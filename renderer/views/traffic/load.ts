import type { HostApi } from '../../../electron/host-api';
import { loadScenario } from '../../../simulation/scenario/loader';
import { buildTopology, type Topology } from './topology';

/**
 * The traffic graph of the open scenario, compiled here from the editor's
 * text: the loader reads included files synchronously, so the files it asks
 * for are fetched from the host and the load repeated until it has them all.
 * Null when the scenario does not load.
 */
export async function loadTopology(host: Pick<HostApi, 'readScenario'>, file: string, text: string): Promise<Topology | null> {
  const files = new Map<string, string | null>([[file, text]]);
  for (let round = 0; round < 16; round++) {
    const missing = new Set<string>();
    const r = loadScenario(file, {
      readFile: (path) => {
        if (files.has(path)) return files.get(path) ?? null;
        missing.add(path);
        return null;
      },
    });
    if (missing.size === 0) return r.ok ? buildTopology(r.scenario) : null;
    await Promise.all(
      [...missing].map(async (path) => {
        try {
          files.set(path, (await host.readScenario(path)).text);
        } catch {
          files.set(path, null);
        }
      }),
    );
  }
  return null;
}
