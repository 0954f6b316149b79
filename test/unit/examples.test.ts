import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExpectation } from '../../simulation/run/expect';
import { type RunMode, type RunResult, Simulation } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { type LoadedScenario, loadScenario } from '../../simulation/scenario/loader';
import { repoHost, repoRoot } from '../support/scenario';

/**
 * The shared example manifests (test/fixtures/examples/, copied unchanged to
 * scenarios/examples/manifests/) run to completion with the outcomes
 * docs/examples.md documents: Flagger's Traefik tutorial promoted when the
 * new podinfo is healthy and rolled back when it fails 5% of requests; the
 * three Traefik fixtures split traffic as Traefik's weighted round robin and
 * mirroring do.
 */

const DIR = 'scenarios/examples';
const MANIFESTS = `${DIR}/manifests`;
const FIXTURES = 'test/fixtures/examples';

/** The warnings each scenario is documented to give (docs/examples.md), as message substrings with their counts. */
const TUTORIAL_WARNINGS = {
  'spec.autoscalerRef: autoscalerRef is ignored: HorizontalPodAutoscalers are not simulated': 1,
  "traefik.traefik is not a Service of this scenario: the load test is sent through Traefik's web entrypoint with Host app.example.com": 1,
  'provider.address http://flagger-prometheus.traefik:9090 is not contacted': 1,
};
const ENDPOINTSLICE = 'kind: EndpointSlice (discovery.k8s.io/v1) is not simulated and is ignored';

interface CanaryCase {
  kind: 'canary';
  warnings: Record<string, number>;
  /** Flagger's events that must appear, in this order. */
  events: string[];
}
interface SplitCase {
  kind: 'split';
  warnings: Record<string, number>;
  /** The stream whose requests are split. */
  stream: string;
  /** Each service's requests as a share of the stream's requests (mirrors receive copies, so shares may add up to more than 1). */
  shares: Record<string, number>;
  /** Other streams and the status codes all their answers have. */
  otherStreams?: Record<string, number>;
}

const weights = Array.from({ length: 10 }, (_, i) => `Advance podinfo.test canary weight ${5 * (i + 1)}`);

const CASES: Record<string, CanaryCase | SplitCase> = {
  'flagger-traefik-tutorial.gameday.yaml': {
    kind: 'canary',
    warnings: TUTORIAL_WARNINGS,
    events: [
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Pre-rollout check acceptance-test passed',
      ...weights,
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.test',
    ],
  },
  'flagger-traefik-tutorial-rollback.gameday.yaml': {
    kind: 'canary',
    warnings: TUTORIAL_WARNINGS,
    events: [
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Pre-rollout check acceptance-test passed',
      'Advance podinfo.test canary weight 5',
      'Rolling back podinfo.test failed checks threshold reached 10',
      'Canary failed! Scaling down podinfo.test',
    ],
  },
  // The shadow judges' example (docs/judges.md, "In a run"): Flagger promotes the slow canary; its judges are checked in
  // test/unit/shadow-run.test.ts.
  'shadow-judges.gameday.yaml': {
    kind: 'canary',
    warnings: {},
    events: [
      'New revision detected! Scaling up checkout.shop',
      'Starting canary analysis for checkout.shop',
      ...[10, 20, 30, 40, 50].map((w) => `Advance checkout.shop canary weight ${w}`),
      'Copying checkout.shop template spec to checkout-primary.shop',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down checkout.shop',
    ],
  },
  'traefik-weighted-traefikservice.gameday.yaml': {
    kind: 'split',
    warnings: { [ENDPOINTSLICE]: 4 },
    stream: 'foo',
    shares: { whoami4: 0.25, whoami5: 0.25, whoami6: 0.25, whoami7: 0.25 },
  },
  'traefik-mirroring-traefikservice.gameday.yaml': {
    kind: 'split',
    warnings: { [ENDPOINTSLICE]: 2 },
    stream: 'foo',
    shares: { whoami5: 1, whoami4: 0.5 },
  },
  'traefik-ingressroute-weighted-services.gameday.yaml': {
    kind: 'split',
    warnings: {},
    stream: 'foo',
    shares: { whoami: 1, whoami2: 0 },
    otherStreams: { bar: 404 },
  },
};

const scenarioFiles = readdirSync(resolve(repoRoot, DIR))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const loaded = new Map<string, LoadedScenario>();
function load(file: string): LoadedScenario {
  let s = loaded.get(file);
  if (!s) {
    const r = loadScenario(`${DIR}/${file}`, repoHost);
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    s = r.scenario;
    loaded.set(file, s);
  }
  return s;
}

const run = (file: string, mode: RunMode = 'exact', seed?: number): RunResult => new Simulation(load(file), { mode, seed }).runToEnd();

/** Leading lines that are YAML comments, removed. */
const withoutLeadingComments = (text: string) => text.replace(/^(#[^\n]*\n)+/, '');

describe('scenarios/examples', () => {
  it('has a documented case for every scenario, and a scenario for every case', () => {
    expect(scenarioFiles).toEqual(Object.keys(CASES).sort());
  });

  it.each(scenarioFiles)('%s loads without errors and with exactly its documented warnings', (file) => {
    const r = loadScenario(`${DIR}/${file}`, repoHost);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(r.ok).toBe(true);
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
    const expected = CASES[file].warnings;
    for (const [text, n] of Object.entries(expected)) expect(warnings.filter((w) => w.includes(text)), text).toHaveLength(n);
    expect(warnings).toHaveLength(Object.values(expected).reduce((a, b) => a + b, 0));
  });

  it('includes each copied manifest from the scenario that runs it', () => {
    const included = scenarioFiles.flatMap((f) => load(f).document.spec.include);
    for (const m of readdirSync(resolve(repoRoot, MANIFESTS))) expect(included).toContain(`manifests/${m}`);
  });
});

describe('copied manifests', () => {
  const fixtures = readdirSync(resolve(repoRoot, FIXTURES)).sort();

  it('are the fixtures, one for one', () => {
    expect(readdirSync(resolve(repoRoot, MANIFESTS)).sort()).toEqual(fixtures);
  });

  it.each(fixtures)('%s is byte-identical to the fixture below the leading comments', (name) => {
    const copy = readFileSync(resolve(repoRoot, MANIFESTS, name), 'utf8');
    const fixture = readFileSync(resolve(repoRoot, FIXTURES, name), 'utf8');
    expect(copy.startsWith('#')).toBe(true);
    expect(withoutLeadingComments(copy)).toBe(withoutLeadingComments(fixture));
    // The fixture's own source line is kept too.
    expect(copy).toContain(fixture.split('\n')[0]);
  });
});

const canaryFiles = scenarioFiles.filter((f) => CASES[f].kind === 'canary');
const splitFiles = scenarioFiles.filter((f) => CASES[f].kind === 'split');

describe('Flagger tutorial scenarios: the documented decision', () => {
  // Exact mode is what `gameday run` uses; fast mode must decide the same.
  describe.each(['exact', 'fast'] as const)('%s mode', (mode) => {
    it.each(canaryFiles)('%s meets its expectation with the key events in order', (file) => {
      const s = load(file);
      const r = run(file, mode);
      expect(s.expect).toBeDefined();
      const verdict = checkExpectation(s.expect as NonNullable<LoadedScenario['expect']>, r);
      expect(verdict.mismatches).toEqual([]);
      expect(verdict.met).toBe(true);
      const messages = r.events.map((e) => e.message);
      let from = 0;
      for (const text of (CASES[file] as CanaryCase).events) {
        const i = messages.indexOf(text, from);
        expect(i, `event "${text}" after event #${from}`).toBeGreaterThanOrEqual(from);
        from = i + 1;
      }
      if (s.expect?.outcome === 'rolled-back') {
        // The canary never got past 15 % before Flagger gave up on it.
        expect(messages.filter((m) => m.startsWith('Advance podinfo.test canary weight')).map((m) => Number(m.split(' ').at(-1)))).toSatisfy((ws: number[]) => ws.every((w) => w <= 15));
        // Ten failed checks (threshold 10): mostly the success rate, and "no values found" while the canary's first minute of metrics fills.
        expect(messages.filter((m) => m.startsWith('Halt ')).length).toBeGreaterThanOrEqual(10);
        expect(messages.filter((m) => m.startsWith('Halt podinfo.test advancement success rate')).length).toBeGreaterThanOrEqual(5);
      }
    });
  });

  // docs/examples.md: seeds 1-20 agree on the outcome (spec.expect.seedsAgreeing 0.95 means at least 19 of 20).
  it.each(canaryFiles)('%s: the outcome holds for at least 19 of seeds 1-20', (file) => {
    const s = load(file);
    const expected = s.expect as NonNullable<LoadedScenario['expect']>;
    let agree = 0;
    for (let seed = 1; seed <= 20; seed++) if (checkExpectation(expected, run(file, 'exact', seed)).met) agree++;
    expect(agree).toBeGreaterThanOrEqual(Math.ceil(20 * expected.seedsAgreeing));
  });
});

describe('Traefik fixture scenarios: the documented traffic split', () => {
  /*
   * Tolerance. Were each request routed independently with probability p,
   * a service's count over N requests would be binomial(N, p): standard
   * deviation sqrt(N p (1 - p)), about 48 requests (0.4 % of share) for
   * p = 1/4 and N ≈ 12 000, 55 for p = 1/2. The shares are asserted within
   * 4 standard deviations (a false alarm about once in 16 000 per check),
   * which is what any correct weighted balancer, random or not, satisfies.
   * Traefik's balancers are deterministic (EDF weighted round robin, the
   * mirroring percent counter): a schedule restarts only at a configuration
   * apply, so each count is also within 2 requests of N p per apply and
   * Traefik replica, which the second bound checks. p = 0 and p = 1 are exact.
   */
  it.each(splitFiles)('%s splits as documented', (file) => {
    const c = CASES[file] as SplitCase;
    const r = run(file);
    const stream = r.streams[c.stream];
    const n = stream.requests;
    expect(n).toBeGreaterThan(5000);
    expect(stream.errors).toBe(0);
    expect(stream.statusCodes).toEqual({ 200: n });
    const t = r.traefik;
    expect(t?.buildErrors).toEqual([]);
    const schedules = (t?.configApplies ?? 1) * (t?.replicas ?? 1);
    for (const [service, p] of Object.entries(c.shares)) {
      const got = r.services[service]?.primary?.requests ?? 0;
      if (p === 0 || p === 1) {
        expect(got, service).toBe(p * n);
        continue;
      }
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(got - n * p), `${service}: ${got} of ${n}, binomial sd ${sd.toFixed(1)}`).toBeLessThanOrEqual(4 * sd);
      expect(Math.abs(got - n * p), `${service}: deterministic schedule`).toBeLessThanOrEqual(2 * schedules);
      expect(r.services[service]?.primary?.errors, service).toBe(0);
    }
    for (const [name, code] of Object.entries(c.otherStreams ?? {})) {
      const o = r.streams[name];
      expect(o.requests).toBeGreaterThan(0);
      expect(o.statusCodes).toEqual({ [code]: o.requests });
    }
  });

  it('the weighted split holds for other seeds and in fast mode', () => {
    const file = 'traefik-weighted-traefikservice.gameday.yaml';
    for (const [mode, seed] of [
      ['exact', 7],
      ['fast', 1],
      ['fast', 7],
    ] as const) {
      const r = run(file, mode, seed);
      const n = r.streams.foo.requests;
      for (const svc of ['whoami4', 'whoami5', 'whoami6', 'whoami7']) expect(Math.abs((r.services[svc]?.primary?.requests ?? 0) - n / 4), `${mode} seed ${seed} ${svc}`).toBeLessThanOrEqual(2);
    }
  });
});
