import { describe, expect, it } from 'vitest';
import { classify } from '../../simulation/rollout/explain';
import { Simulation } from '../../simulation/run/simulation';
import { deployment, ingressToTraefikService, mustLoad, scenarioFile, traefikCanary } from '../support/scenario';

/** api behind Traefik through Flagger's TraefikService; the Canary checks the built-in success rate. */
function scenario(opts: { serviceName?: string; metricInterval?: string; scrapeFailures?: number; traffic?: 'ingress' | 'in-cluster' } = {}) {
  const apex = opts.serviceName ?? 'api';
  const traffic =
    opts.traffic === 'in-cluster'
      ? `  - { name: t, target: ${apex}, rate: 20 }`
      : `  - { name: t, entryPoint: web, host: api.example.com, rate: 20 }`;
  return mustLoad(
    scenarioFile(
      `duration: 8m
rollout: { at: 1m }
telemetry: { scrapeInterval: 15s, scrapeFailureProbability: ${opts.scrapeFailures ?? 0} }
traffic:
${traffic}
services:
  api:
    startupTime: 10s
    latency: { distribution: fixed, value: 10ms }`,
      deployment('api', 2),
      traefikCanary(
        'api',
        `    interval: 1m
    threshold: 3
    maxWeight: 30
    stepWeight: 10
    metrics:
      - name: request-success-rate
        interval: ${opts.metricInterval ?? '1m'}
        thresholdRange: { min: 99 }`,
        opts.serviceName,
      ),
      ingressToTraefikService('api', 'api.example.com', apex),
    ),
  );
}

const firstHalt = (opts: Parameters<typeof scenario>[0]) => {
  const r = new Simulation(scenario(opts), { seed: 1 }).runToEnd();
  const halt = r.events.find((e) => e.explanation?.decision === 'halt');
  return { r, halt, x: halt?.explanation };
};

describe('explaining decisions', () => {
  it('classifies every kind of Flagger event', () => {
    expect(classify('New revision detected! Scaling up api.default')).toBe('detect');
    expect(classify('New revision detected! Restarting analysis for api.default')).toBe('restart');
    expect(classify('Advance api.default canary weight 10')).toBe('advance');
    expect(classify('Advance api.default primary weight 90')).toBe('shift');
    expect(classify('Halt api.default advancement waiting for promotion approval gate')).toBe('wait');
    expect(classify('Halt api.default advancement success rate 95.00% < 99%')).toBe('halt');
    expect(classify('Copying api.default template spec to api-primary.default')).toBe('promote');
    expect(classify('Rolling back api.default failed checks threshold reached 3')).toBe('rollback');
    expect(classify('canary deployment api.default not ready: waiting for rollout to finish: 0 of 2 (readyThreshold 100%) updated replicas are available')).toBe('not-ready');
  });

  it('a healthy rollout advances with every check passing, and says so', () => {
    const { r, halt } = firstHalt({});
    expect(halt).toBeUndefined();
    expect(r.outcome).toMatchObject({ phase: 'Succeeded', promoted: true });
    const advance = r.events.find((e) => e.message === 'Advance api.default canary weight 10');
    expect(advance?.explanation).toMatchObject({ decision: 'advance', canaryWeight: 10, failedChecks: 0, threshold: 3 });
  });

  it('names a window shorter than two scrapes', () => {
    const { x } = firstHalt({ metricInterval: '20s' });
    expect(x?.cause?.kind).toBe('window-shorter-than-scrape');
    expect(x?.check).toMatchObject({ metric: 'request-success-rate', value: null });
    expect(x?.summary).toMatch(/^request-success-rate found no data: the metric's interval 20s holds fewer than two scrapes/);
    expect(x?.failedChecks).toBe(1);
  });

  it('names a service name that differs from the target (the built-in query looks for the target)', () => {
    const { x, r } = firstHalt({ serviceName: 'api-svc' });
    expect(x?.cause?.kind).toBe('service-label-mismatch');
    expect(x?.cause?.detail).toContain('service="default-api-svc-canary-80@kubernetescrd"');
    expect(r.outcome).toMatchObject({ phase: 'Failed', promoted: false });
  });

  it('names traffic that never reaches the canary through Traefik', () => {
    const { x } = firstHalt({ traffic: 'in-cluster' });
    expect(x?.cause?.kind).toBe('no-canary-traffic');
    expect(x?.cause?.detail).toMatch(/received no requests through Traefik in the last 1m \(canary weight 10%\)/);
  });

  it('names Prometheus failing to scrape Traefik', () => {
    const { x } = firstHalt({ scrapeFailures: 1 });
    expect(x?.cause?.kind).toBe('provider-down');
  });

  it('counts down to the rollback in the summary of a failing check', () => {
    const { r } = firstHalt({ serviceName: 'api-svc' });
    const halts = r.events.filter((e) => e.explanation?.decision === 'halt').map((e) => e.explanation?.summary.split('; ').at(-1));
    expect(halts).toEqual(['failed checks 1 of 3: 2 more roll the canary back.', 'failed checks 2 of 3: 1 more rolls the canary back.', 'failed checks 3 of 3: the next analysis rolls the canary back.']);
    expect(r.outcome?.reason).toMatch(/^Rolling back api\.default failed checks threshold reached 3 \(last failed check: Halt advancement no values found for traefik metric request-success-rate/);
  });
});
