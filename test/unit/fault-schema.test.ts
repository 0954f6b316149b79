import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario } from '../../simulation/scenario/loader';
import { FAULT_TYPES } from '../../simulation/scenario/schema';
import { deployment, ingressToTraefikService, loadFromFiles, repoHost, traefikCanary } from '../support/scenario';

const header = `apiVersion: gameday.dev/v1alpha1
kind: Scenario
metadata:
  name: faults
spec:
  duration: 30m
  traffic:
    - name: storefront
      entryPoint: web
      host: app.example.com
      rate: 20
    - name: batch
      target: backend
      rate: 5
  services:
    frontend:
      latency: { p50: 10ms, p99: 50ms }
      metrics: {}
      dependencies:
        - service: backend
    backend:
      latency: { p50: 20ms, p99: 100ms }
    worker:
      latency: { p50: 20ms, p99: 100ms }
`;

const manifests = [
  deployment('frontend', 2),
  deployment('backend', 3),
  deployment('worker', 1, 'jobs'),
  traefikCanary('backend', '    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 10'),
  ingressToTraefikService('shop', 'app.example.com', 'backend'),
];

/** The scenario with `faults` (YAML list items, unindented) under spec. */
function file(faults: string): string {
  const body = faults
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return [`${header}  faults:\n${body}\n`, ...manifests].join('\n---\n');
}

function load(faults: string) {
  const text = file(faults);
  return { text, result: loadFromFiles({ 'scenario.yaml': text }) };
}

function compiled(faults: string) {
  const { result } = load(faults);
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.scenario;
}

/** Line and column (1-based) of the `nth` occurrence of `needle` in the text's faults (at its `|` when it has one). */
function at(text: string, needle: string, nth = 1): string {
  const offset = Math.max(0, needle.indexOf('|'));
  const plain = needle.replace('|', '');
  let i = text.indexOf('  faults:\n');
  for (let k = 0; k < nth; k++) {
    i = text.indexOf(plain, i + 1);
    if (i < 0) throw new Error(`${plain} not in the scenario`);
  }
  const before = text.slice(0, i + offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Asserts one error (or warning) at the position of `needle` whose message contains `message`. */
function expectDiagnostic(faults: string, needle: string, message: string, opts: { nth?: number; severity?: 'error' | 'warning'; path?: string } = {}) {
  const { text, result } = load(faults);
  const severity = opts.severity ?? 'error';
  if (severity === 'error') expect(result.ok).toBe(false);
  const where = at(text, needle, opts.nth);
  const got = result.diagnostics.map((d) => ({ ...d, s: formatDiagnostic(d) }));
  const hit = got.find((d) => d.severity === severity && `${d.line}:${d.column}` === where && d.message.includes(message) && (opts.path === undefined || d.path === opts.path));
  expect(hit, `expected ${severity} at ${where} containing\n  ${message}\ngot\n  ${got.map((d) => d.s).join('\n  ')}`).toBeDefined();
}

describe('spec.faults', () => {
  it('the default scenario still loads with no diagnostics', () => {
    const r = loadScenario('scenarios/default.yaml', repoHost);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok && r.scenario.faults).toEqual([]);
  });

  it('the test scenario loads clean without faults', () => {
    const r = loadFromFiles({ 'scenario.yaml': [header, ...manifests].join('\n---\n') });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('compiles every type with its defaults', () => {
    const s = compiled(`
- type: http-abort
  target: { service: backend, version: canary }
- type: http-delay
  target: { service: backend }
  delay: 200ms
- type: latency-shift
  target: { pods: backend-primary }
  factor: 1.5
- type: cpu-stress
  target: { service: frontend, version: primary }
- type: pod-kill
  target: { pods: backend-primary, mode: one }
- type: pod-failure
  target: { pods: frontend, mode: fixed, value: 1 }
- type: crash-loop
  target: { pods: backend, mode: fixed-percent, value: 50 }
- type: oom-leak
  target: { service: worker }
- type: scale-down
  target: { service: backend, version: primary }
  replicas: 1
- type: network-latency
  target: { from: frontend, to: backend }
  latency: 200ms
- type: network-bandwidth
  target: { to: backend }
  rate: 100
- type: network-timeout
  target: { to: backend-canary }
- type: network-reset-peer
  target: { to: default/backend }
- type: network-slow-close
  target: { to: backend }
  delay: 1s
- type: network-loss
  target: { to: backend }
  loss: 5
- type: network-partition
  target: { from: frontend, to: backend }
- type: dependency-failure
  target: { to: backend }
- type: quota
  target: { to: backend }
  rate: 50
- type: dns-failure
  target: { to: jobs/worker }
- type: traffic-spike
  target: { stream: storefront }
  multiplier: 3
- type: metrics-outage
  target: provider
- type: scrape-failure
  target: { job: traefik }
- type: scrape-delay
  target: scrape
  delay: 30s
- type: counter-reset
  target: { job: traefik }
- type: router-reject
  target: router
- type: reload-storm
  target: router
`);
    const f = s.faults ?? [];
    expect(f.map((x) => x.params.type)).toEqual([...FAULT_TYPES]);
    expect(f.map((x) => x.name)).toEqual(FAULT_TYPES.map((t, i) => `${t}-${i}`));
    const byType = Object.fromEntries(f.map((x) => [x.params.type, x]));
    expect(f.map((x) => x.params)).toEqual([
      { type: 'http-abort', code: 500, percent: 100 },
      { type: 'http-delay', delay: 0.2, jitter: 0, percent: 100, tailOnly: false, tailQuantile: 0.95 },
      { type: 'latency-shift', factor: 1.5 },
      { type: 'cpu-stress', slowdown: 2 },
      { type: 'pod-kill', gracePeriod: 0 },
      { type: 'pod-failure' },
      { type: 'crash-loop', runFor: 30 },
      { type: 'oom-leak', timeToOom: 600, maxSlowdown: 3 },
      { type: 'scale-down', replicas: 1 },
      { type: 'network-latency', latency: 0.2, jitter: 0, toxicity: 100 },
      { type: 'network-bandwidth', rate: 100, responseBytes: 10240, toxicity: 100 },
      { type: 'network-timeout', timeout: 0, toxicity: 100 },
      { type: 'network-reset-peer', timeout: 0, toxicity: 100 },
      { type: 'network-slow-close', delay: 1, toxicity: 100 },
      { type: 'network-loss', loss: 5, rto: 0.2 },
      { type: 'network-partition' },
      { type: 'dependency-failure', code: 503, percent: 100, hang: false },
      { type: 'quota', rate: 50, code: 429 },
      { type: 'dns-failure' },
      { type: 'traffic-spike', multiplier: 3 },
      { type: 'metrics-outage', mode: 'error' },
      { type: 'scrape-failure', percent: 100 },
      { type: 'scrape-delay', delay: 30 },
      { type: 'counter-reset' },
      { type: 'router-reject', message: 'the server is currently unable to handle the request' },
      { type: 'reload-storm', interval: 5 },
    ]);
    // Schedules: from the start, until the end of the run, no ramps or repeats.
    for (const x of f) expect(x.schedule).toEqual({ at: 0, for: Infinity, rampIn: 0, rampOut: 0, repeat: null });
    // Targets resolved against the system.
    expect(byType['http-abort'].target).toEqual({ kind: 'version', app: 'backend', version: 'canary' });
    expect(byType['http-delay'].target).toEqual({ kind: 'version', app: 'backend', version: 'all' });
    // A request-level fault on all of a Deployment's pods is a fault on its revision.
    expect(byType['latency-shift'].target).toEqual({ kind: 'version', app: 'backend', version: 'primary' });
    expect(byType['pod-kill'].target).toEqual({ kind: 'pods', workload: 'backend-primary', mode: 'one', value: 1 });
    expect(byType['pod-failure'].target).toEqual({ kind: 'pods', workload: 'frontend', mode: 'fixed', value: 1 });
    expect(byType['crash-loop'].target).toEqual({ kind: 'pods', workload: 'backend', mode: 'fixed-percent', value: 50 });
    expect(byType['oom-leak'].target).toEqual({ kind: 'version', app: 'worker', version: 'all' });
    // scale-down acts on one Deployment.
    expect(byType['scale-down'].target).toEqual({ kind: 'pods', workload: 'backend-primary', mode: 'all', value: 100 });
    expect(byType['network-latency'].target).toEqual({ kind: 'edge', from: 'frontend', to: 'default/backend' });
    expect(byType['network-bandwidth'].target).toEqual({ kind: 'edge', from: null, to: 'default/backend' });
    expect(byType['network-timeout'].target).toEqual({ kind: 'edge', from: null, to: 'default/backend-canary' });
    expect(byType['dns-failure'].target).toEqual({ kind: 'edge', from: null, to: 'jobs/worker' });
    expect(byType['traffic-spike'].target).toEqual({ kind: 'stream', stream: 'storefront' });
    expect(byType['metrics-outage'].target).toEqual({ kind: 'provider' });
    expect(byType['scrape-failure'].target).toEqual({ kind: 'scrape', job: 'traefik' });
    expect(byType['scrape-delay'].target).toEqual({ kind: 'scrape', job: null });
    expect(byType['router-reject'].target).toEqual({ kind: 'router' });
    expect(f[0].origin).toBe('scenario.yaml:26');
  });

  it('reads names, schedules, ramps, repeats and parameters', () => {
    const s = compiled(`
- name: canary-500s
  type: http-abort
  target: { service: backend, version: canary }
  at: 8m
  for: 5m
  rampIn: 30s
  rampOut: 1m
  repeat: { every: 10m, times: 2 }
  code: 502
  percent: 12.5
- type: http-delay
  target: { service: backend, version: primary }
  at: 1h30s
  delay: 1.5s
  jitter: 250ms
  percent: 50
  tailOnly: true
  tailQuantile: 0.99
`);
    const [a, d] = s.faults ?? [];
    expect(a).toMatchObject({ name: 'canary-500s', schedule: { at: 480, for: 300, rampIn: 30, rampOut: 60, repeat: { every: 600, times: 2 } }, params: { code: 502, percent: 12.5 } });
    expect(d.params).toEqual({ type: 'http-delay', delay: 1.5, jitter: 0.25, percent: 50, tailOnly: true, tailQuantile: 0.99 });
    expect(d.name).toBe('http-delay-1');
    expect(s.warnings.map((w) => w.message)).toEqual([expect.stringContaining('after the end of the run')]);
  });

  describe('errors, each where it is', () => {
    it('an unknown type, with a suggestion and the known types', () => {
      expectDiagnostic('- type: http-abrot\n  target: router', 'http-abrot', 'unknown fault type string "http-abrot" (did you mean http-abort?); known types: http-abort, http-delay');
    });
    it('a missing type', () => {
      expectDiagnostic('- target: router', 'target', 'missing required field "type"');
    });
    it('a missing target', () => {
      expectDiagnostic('- type: router-reject\n  at: 1m', 'type', 'missing required field "target"');
    });
    it('an unknown parameter, with a suggestion', () => {
      expectDiagnostic('- type: http-abort\n  target: { service: backend }\n  percnt: 5', 'percnt', 'unknown field "percnt" (did you mean "percent"?)');
    });
    it('a parameter of another type', () => {
      expectDiagnostic('- type: http-delay\n  target: { service: backend }\n  delay: 1s\n  code: 500', 'code', 'unknown field "code"');
    });
    it('a missing required parameter', () => {
      expectDiagnostic('- type: http-delay\n  target: { service: backend }', 'type: http-delay', 'missing required field "delay"');
    });
    it.each([
      ['- type: http-abort\n  target: { service: backend }\n  percent: 120', '120', 'expected the share of requests aborted from 0 to 100'],
      ['- type: http-abort\n  target: { service: backend }\n  code: 600', '600', 'expected the status answered from 100 to 599'],
      ['- type: http-delay\n  target: { service: backend }\n  delay: 1s\n  tailQuantile: 1', 'tailQuantile: |1', 'expected tailQuantile strictly between 0 and 1'],
      ['- type: http-delay\n  target: { service: backend }\n  delay: soon', 'soon', 'expected the added delay in Go syntax'],
      ['- type: cpu-stress\n  target: { service: backend }\n  slowdown: 0.5', '0.5', 'expected the slowdown of at least 1'],
      ['- type: latency-shift\n  target: { service: backend }\n  factor: 0', 'factor: |0', 'expected the latency factor greater than 0'],
      ['- type: scale-down\n  target: { pods: frontend }\n  replicas: -1', '-1', 'expected the replicas of at least 0'],
      ['- type: network-loss\n  target: { to: backend }\n  loss: 101', '101', 'expected the packet loss from 0 to 100'],
      ['- type: network-latency\n  target: { to: backend }\n  latency: 100ms\n  toxicity: -5', '-5', 'from 0 to 100'],
      ['- type: metrics-outage\n  target: provider\n  mode: empty', 'empty', 'expected mode error or no-data, found string "empty"'],
      ['- type: reload-storm\n  target: router\n  interval: 0s', '0s', 'expected the reload interval greater than zero'],
      ['- type: router-reject\n  target: router\n  at: -1m', '-1m', 'expected the time the fault starts of zero or more'],
      ['- type: router-reject\n  target: router\n  repeat: { every: 1m, times: 0 }', '0 }', 'expected the number of occurrences of at least 1'],
    ])('out of range: %s', (faults, needle, message) => {
      expectDiagnostic(faults, needle, message);
    });

    it('a wrong target kind, naming the kinds the type takes', () => {
      expectDiagnostic('- type: http-abort\n  target: { from: frontend, to: backend }', '{ from', 'http-abort takes a revision { service, version } or pods { pods, mode, value } as its target, found calls to a Service { from, to }');
      expectDiagnostic('- type: network-latency\n  target: { service: backend }\n  latency: 1s', '{ service', 'network-latency takes calls to a Service { from, to } as its target, found a revision');
      expectDiagnostic('- type: traffic-spike\n  target: router\n  multiplier: 2', 'router\n', 'traffic-spike takes a traffic stream { stream } as its target');
      expectDiagnostic('- type: metrics-outage\n  target: { job: traefik }', '{ job', 'metrics-outage takes provider (the metrics provider) as its target, found scrapes');
    });
    it('an unrecognisable target', () => {
      expectDiagnostic('- type: router-reject\n  target: routr', 'routr', 'expected the target of router-reject as router (Flagger\'s router), found string "routr" (did you mean router?)');
      expectDiagnostic('- type: pod-kill\n  target: { deployment: backend }', '{ deployment', 'expected the target of pod-kill as a revision { service, version } or pods { pods, mode, value }, found a mapping');
    });
    it('an unknown field in a target', () => {
      expectDiagnostic('- type: pod-kill\n  target: { pods: backend, mod: one }', 'mod:', 'unknown field "mod" in pods { pods, mode, value } target (did you mean "mode"?)');
    });
    it('an unknown app, with a suggestion', () => {
      expectDiagnostic('- type: http-abort\n  target: { service: backnd }', 'backnd', 'no app named backnd (did you mean backend?); apps: frontend, backend, worker');
    });
    it('a workload named where an app is expected', () => {
      expectDiagnostic('- type: http-abort\n  target: { service: backend-primary }', 'backend-primary', 'backend-primary is a Deployment of app backend: write { service: backend, version: primary }');
    });
    it('a bad version', () => {
      expectDiagnostic('- type: http-abort\n  target: { service: backend, version: cannary }', 'cannary', 'expected version primary, canary or all, found string "cannary"');
    });
    it('the canary of an app without a Canary', () => {
      expectDiagnostic('- type: http-abort\n  target: { service: frontend, version: canary }', 'canary }', 'frontend has no canary revision: no Canary targets Deployment frontend');
    });
    it('unknown pods, naming the running Deployments', () => {
      expectDiagnostic('- type: pod-kill\n  target: { pods: backend-primry }', 'backend-primry', 'no Deployment named backend-primry runs in this scenario (did you mean backend-primary?); Deployments: frontend, backend-primary, backend, worker');
    });
    it('pod selector values', () => {
      expectDiagnostic('- type: pod-kill\n  target: { pods: frontend, mode: fixed }', 'fixed', 'mode fixed needs a value: how many pods');
      expectDiagnostic('- type: pod-kill\n  target: { pods: frontend, mode: fixed, value: 1.5 }', '1.5', 'expected value (how many pods) as a whole number of at least 1');
      expectDiagnostic('- type: pod-kill\n  target: { pods: frontend, mode: fixed-percent, value: 150 }', '150', 'expected value (a percentage of the pods) above 0 and at most 100');
      expectDiagnostic('- type: pod-kill\n  target: { pods: frontend, mode: one, value: 2 }', '2 }', 'value applies to modes fixed, fixed-percent and random-max-percent');
      expectDiagnostic('- type: pod-kill\n  target: { pods: frontend, mode: some }', 'some', 'expected mode one, all, fixed, fixed-percent, random-max-percent, found string "some"');
    });
    it('a request-level fault on some pods', () => {
      expectDiagnostic('- type: http-abort\n  target: { pods: backend-primary, mode: one }', 'one', 'selecting some pods (mode one) is not simulated: use mode: all, or { service: backend, version: primary }');
    });
    it('a scale-down of both revisions', () => {
      expectDiagnostic('- type: scale-down\n  target: { service: backend }\n  replicas: 1', '{ service', 'scale-down scales one Deployment: expected version primary or canary (backend-primary or backend)');
    });
    it('unknown edges', () => {
      expectDiagnostic('- type: network-partition\n  target: { from: frontnd, to: backend }', 'frontnd', 'no app named frontnd (did you mean frontend?)');
      expectDiagnostic('- type: network-partition\n  target: { from: frontend, to: worker }', 'worker', "no Service named worker in namespace default (the caller's)");
      expectDiagnostic('- type: network-partition\n  target: { to: backnd }', 'backnd', 'no Service named backnd (did you mean backend?); Services: backend, backend-primary, backend-canary, frontend, jobs/worker');
      expectDiagnostic('- type: network-partition\n  target: { from: frontend }', '{ from', 'missing required field "to": expected the called Kubernetes Service');
    });
    it('an unknown stream', () => {
      expectDiagnostic('- type: traffic-spike\n  target: { stream: storfront }\n  multiplier: 2', 'storfront', 'no traffic stream named storfront (did you mean storefront?); streams: storefront, batch');
    });
    it('bad scrape jobs', () => {
      expectDiagnostic('- type: scrape-failure\n  target: { job: prometheus }', 'prometheus', 'expected job traefik or kubernetes-pods, found string "prometheus"');
      expectDiagnostic('- type: counter-reset\n  target: { job: kubernetes-pods }', 'kubernetes-pods', 'counter-reset on a job restarts Traefik: expected job traefik');
      expectDiagnostic('- type: counter-reset\n  target: scrape', 'scrape\n', "counter-reset resets one job's counters");
    });
    it('a missing Prometheus job', () => {
      const text = file('- type: scrape-failure\n  target: { job: kubernetes-pods }').replace('      metrics: {}\n', '');
      const r = loadFromFiles({ 'scenario.yaml': text });
      expect(r.ok).toBe(false);
      expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toContain(`${at(text, 'kubernetes-pods')} no Prometheus job kubernetes-pods in this scenario: no app exports metrics (services.<app>.metrics); jobs: traefik`);
    });
    it('a duplicate name, explicit or generated', () => {
      expectDiagnostic('- name: boom\n  type: router-reject\n  target: router\n- name: boom\n  type: reload-storm\n  target: router', 'boom', 'a fault named boom already exists (spec.faults[0], line', { nth: 2 });
      expectDiagnostic('- name: reload-storm-1\n  type: router-reject\n  target: router\n- type: reload-storm\n  target: router', 'type: |reload-storm\n', "a fault named reload-storm-1 already exists (spec.faults[0], line 26); fault names must be unique (reload-storm-1 is this fault's default name: give it a name)");
    });
    it('a bad name', () => {
      expectDiagnostic('- name: Canary 500s\n  type: router-reject\n  target: router', 'Canary 500s', "expected a lowercase name (a-z, 0-9, '-', '.')");
    });
    it('schedules that cannot be', () => {
      expectDiagnostic('- type: router-reject\n  target: router\n  repeat: { every: 5m, times: 3 }', 'repeat: |{', 'a repeated fault needs for');
      expectDiagnostic('- type: router-reject\n  target: router\n  for: 10m\n  repeat: { every: 5m, times: 3 }', '5m', 'expected every of at least for (10m0s): occurrences would overlap');
      expectDiagnostic('- type: router-reject\n  target: router\n  for: 1m\n  rampIn: 40s\n  rampOut: 40s', '40s', 'expected rampIn + rampOut (1m20s) of at most for (1m0s)');
    });
  });

  describe('overlapping faults that cannot combine', () => {
    it('two scale-downs of one Deployment', () => {
      expectDiagnostic(
        '- type: scale-down\n  target: { pods: backend-primary }\n  replicas: 1\n  at: 5m\n  for: 10m\n- type: scale-down\n  target: { service: backend, version: primary }\n  replicas: 2\n  at: 14m',
        '14m',
        'overlaps fault scale-down-0 (spec.faults[0], line 26) from 14m0s to 15m0s: two scale-downs of Deployment backend-primary cannot combine',
      );
    });
    it('two scale-downs of different Deployments combine, and so do ones that do not overlap', () => {
      const s = compiled('- type: scale-down\n  target: { pods: backend-primary }\n  replicas: 1\n  for: 10m\n- type: scale-down\n  target: { pods: frontend }\n  replicas: 1\n- type: scale-down\n  target: { pods: backend-primary }\n  replicas: 0\n  at: 10m');
      expect(s.faults).toHaveLength(3);
    });
    it('pod-failure and crash-loop on one Deployment', () => {
      expectDiagnostic(
        '- type: pod-failure\n  target: { pods: backend-primary, mode: one }\n  at: 2m\n  for: 1m\n- type: crash-loop\n  target: { service: backend }\n  at: 2m30s',
        '2m30s',
        'pod-failure and crash-loop on Deployment backend-primary cannot combine: each decides when its containers stop and restart',
      );
    });
    it('two crash-loops, or a crash-loop and a leak, on one Deployment', () => {
      expectDiagnostic('- type: crash-loop\n  target: { pods: frontend }\n- type: oom-leak\n  target: { service: frontend }', 'type: oom-leak', 'crash-loop and oom-leak on Deployment frontend cannot combine');
    });
    it('a repeated fault overlapping another only on a later occurrence', () => {
      expectDiagnostic(
        '- type: pod-failure\n  target: { pods: frontend }\n  at: 1m\n  for: 1m\n  repeat: { every: 10m, times: 3 }\n- type: pod-failure\n  target: { pods: frontend }\n  at: 21m30s\n  for: 1m',
        '21m30s',
        'overlaps fault pod-failure-0 (spec.faults[0], line 26) from 21m30s to 22m0s',
      );
      // Between its occurrences, it combines.
      expect(compiled('- type: pod-failure\n  target: { pods: frontend }\n  at: 1m\n  for: 1m\n  repeat: { every: 10m, times: 3 }\n- type: pod-failure\n  target: { pods: frontend }\n  at: 15m\n  for: 1m').faults).toHaveLength(2);
    });
    it('two metrics outages with different modes', () => {
      expectDiagnostic('- type: metrics-outage\n  target: provider\n  mode: error\n  for: 2m\n- type: metrics-outage\n  target: provider\n  mode: no-data\n  at: 1m', '1m', 'metrics outages with modes error and no-data cannot combine', { nth: 1 });
    });
    it('two scrape delays of one job', () => {
      expectDiagnostic('- type: scrape-delay\n  target: { job: traefik }\n  delay: 10s\n- type: scrape-delay\n  target: scrape\n  delay: 20s\n  at: 5m', '5m', 'two scrape delays of job traefik cannot combine');
    });
    it('faults that combine: same-mode outages, router rejections, reload storms, pod kills', () => {
      const s = compiled(`
- type: metrics-outage
  target: provider
- type: metrics-outage
  target: provider
  at: 1m
- type: router-reject
  target: router
- type: router-reject
  target: router
  message: conflict
- type: reload-storm
  target: router
- type: reload-storm
  target: router
  interval: 1s
- type: pod-kill
  target: { pods: frontend }
- type: pod-failure
  target: { pods: frontend }
- type: http-abort
  target: { service: backend }
- type: http-abort
  target: { service: backend }
  code: 503
`);
      expect(s.faults).toHaveLength(10);
    });
  });

  describe('warnings', () => {
    it('a fault starting after the run', () => {
      expectDiagnostic('- type: router-reject\n  target: router\n  at: 40m', '40m', 'the fault starts at or after the end of the run (duration 30m0s): it never acts', { severity: 'warning' });
    });
    it('an edge the caller does not have', () => {
      expectDiagnostic('- type: network-partition\n  target: { from: frontend, to: backend-canary }', '{ from', 'frontend does not call Service default/backend-canary', { severity: 'warning' });
    });
  });
});
