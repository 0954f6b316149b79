import type { WorldSpec } from '../../simulation/model/spec';
import type { RunnableScenario } from '../../simulation/run/simulation';

/** Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = λ/μ. */
export function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = (term * a) / c;
  const rho = a / c;
  const top = last / (1 - rho);
  return top / (sum + top);
}

/** Mean queueing delay Wq of M/M/c. */
export function mmcMeanWait(lambda: number, mu: number, c: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda);
}

/** An M/M/c system as a world: Poisson arrivals, one pod with c workers, exponential service. */
export function mmcScenario(lambda: number, mu: number, c: number, duration: number): RunnableScenario {
  const behaviour = { latency: { distribution: 'exponential' as const, mean: 1 / mu }, statusCodes: [], dependencies: [] };
  const world: WorldSpec = {
    apps: [
      {
        name: 'server',
        namespace: 'default',
        concurrency: c,
        queueTimeout: Infinity,
        startupTime: 0,
        terminationGracePeriod: 30,
        restartDelay: 10,
        primary: behaviour,
        canary: behaviour,
        metrics: null,
      },
    ],
    workloads: [{ name: 'server', namespace: 'default', app: 'server', version: 'primary', replicas: 1, labels: { app: 'server' } }],
    services: [{ name: 'server', namespace: 'default', selector: { app: 'server' }, origin: 'manifest' }],
    streams: [
      {
        name: 'load',
        target: 'default/server',
        ingress: null,
        rate: { base: { profile: 'constant', rate: lambda }, bursts: [] },
        overdispersion: null,
        timeout: Infinity,
      },
    ],
    scaleEvents: [],
    recordInterval: 15,
    traefik: null,
    scrape: { interval: 15, jitter: 0, failureProbability: 0, startMs: 0 },
  };
  return { name: 'mmc', seed: 1, duration, world };
}
