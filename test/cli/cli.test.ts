import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(root, 'test/fixtures/examples');

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/gameday.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const noTiming = (json: string) => {
  const o = JSON.parse(json);
  delete o.stats.wallMs;
  return JSON.stringify(o);
};
const noStackTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('gameday CLI', () => {
  it('explains every command', () => {
    const help = gameday('--help');
    expect(help.code).toBe(0);
    for (const c of ['run', 'validate', 'schema', 'help']) expect(help.stdout).toContain(`  ${c}`);
    for (const c of ['run', 'validate', 'schema']) {
      const h = gameday('help', c);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: gameday ${c}`));
      expect(gameday(c, '--help').stdout).toBe(h.stdout);
    }
    expect(gameday('--version').stdout).toBe(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  });

  it('exits 2 on bad usage, with a message and no stack trace', () => {
    for (const args of [[], ['frobnicate'], ['run'], ['run', 'a.yaml', 'b.yaml'], ['run', 'scenarios/default.yaml', '--seed', 'abc'], ['run', 'scenarios/default.yaml', '--duration', '1d'], ['run', 'scenarios/default.yaml', '--bogus'], ['validate']]) {
      const r = gameday(...args);
      expect(r.code, args.join(' ')).toBe(2);
      noStackTrace(r.stderr);
    }
    expect(gameday('run', 'scenarios/default.yaml', '--duration', '1d').stderr).toContain('unknown unit "d"');
  });

  it('runs the default scenario and prints the documented JSON', () => {
    const r = gameday('run', 'scenarios/default.yaml', '--json', '--duration', '10m');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ scenario: 'default', seed: 42, mode: 'exact' });
    expect(o.stats.simSeconds).toBe(600);
    for (const k of ['requests', 'calls', 'events', 'wallMs']) expect(typeof o.stats[k]).toBe('number');
    expect(o.stats.requests).toBeGreaterThan(30_000);
    for (const [app, version] of [
      ['frontend', 'primary'],
      ['backend', 'primary'],
      ['backend', 'canary'],
    ]) {
      const v = o.services[app][version];
      expect(v.requests).toBeGreaterThan(0);
      expect(v.latency.p50).toBeLessThan(v.latency.p99);
      expect(typeof v.errors).toBe('number');
    }
    expect(Object.keys(o.streams)).toEqual(['storefront', 'mobile-api', 'load-test shop/backend load-test']);
  });

  it("reports Flagger's decisions in the documented shape, and judges them against spec.expect with --check", () => {
    const r = gameday('run', 'scenarios/default.yaml', '--json', '--check');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.canary).toBe('shop/backend');
    expect(o.outcome).toEqual({ phase: 'Succeeded', promoted: true, decidedAt: 720, reason: 'Promotion completed! Scaling down backend.shop' });
    expect(o.timeline[0]).toEqual({ t: 0, phase: 'Initialized', canaryWeight: 0, primaryWeight: 100, failedChecks: 0, iterations: 0 });
    expect(o.timeline).toHaveLength(31); // a tick every minute from 0 to 30m
    expect(o.events[0]).toMatchObject({ t: 300, type: 'Normal', reason: 'Synced', message: 'New revision detected! Scaling up backend.shop', explanation: { decision: 'detect' } });
    expect(o.checks[0]).toMatchObject({ t: 420, metric: 'request-success-rate', kind: 'builtin', min: 99, max: null, ok: true });
    expect(o.expectation).toEqual({ expected: { outcome: 'promoted', seedsAgreeing: 0.95, seeds: 100 }, met: true, mismatches: [] });

    // The same scenario expected to roll back: --check exits 4 and says why.
    const dir = mkdtempSync(join(tmpdir(), 'gameday-expect-'));
    const text = readFileSync(join(root, 'scenarios/default.yaml'), 'utf8').replace('outcome: promoted', 'outcome: rolled-back').replaceAll('manifests/', `${join(root, 'scenarios/manifests')}/`);
    writeFileSync(join(dir, 'expect.yaml'), text);
    const miss = gameday('run', join(dir, 'expect.yaml'), '--check', '--duration', '15m');
    expect(miss.code).toBe(4);
    expect(miss.stderr).toContain('expected the canary to be rolled-back, but it was promoted: Promotion completed! Scaling down backend.shop');
    expect(miss.stdout).toContain('Expected rolled-back: NOT met');
    expect(gameday('run', join(dir, 'expect.yaml'), '--duration', '15m').code).toBe(0);
  });

  it('is deterministic: same seed, same bytes (but wallMs); another seed differs', () => {
    const a = gameday('run', 'scenarios/default.yaml', '--json', '--seed', '7', '--duration', '5m');
    const b = gameday('run', 'scenarios/default.yaml', '--json', '--seed', '7', '--duration', '5m');
    const c = gameday('run', 'scenarios/default.yaml', '--json', '--seed', '8', '--duration', '5m');
    expect(noTiming(a.stdout)).toBe(noTiming(b.stdout));
    expect(noTiming(a.stdout)).not.toBe(noTiming(c.stdout));
  });

  it('prints a readable summary and writes --out atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gameday-cli-'));
    const out = join(dir, 'run.json');
    const r = gameday('run', 'scenarios/default.yaml', '--duration', '3m', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Scenario default \(scenarios\/default\.yaml\), seed 42, 3m0s simulated/);
    expect(r.stdout).toMatch(/backend\s+primary\s+\d+/);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.stats.simSeconds).toBe(180);
    expect(readdirSync(dir)).toEqual(['run.json']);
    const bad = gameday('run', 'scenarios/default.yaml', '--duration', '1m', '--out', join(dir, 'missing/run.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gameday: cannot write .*missing\/run\.json: ENOENT/m);
    noStackTrace(bad.stderr);
  });

  it('reports an invalid scenario with file:line:column and exits 1', () => {
    const r = gameday('run', 'test/fixtures/broken/unknown-target.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test/fixtures/broken/unknown-target.yaml:10:15: spec.traffic[0].target: no Service named apii');
    noStackTrace(r.stderr);
    const missing = gameday('run', 'no/such/file.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no/such/file.yaml: cannot read the file');
  });

  it('validates scenarios and plain manifest files', () => {
    const ok = gameday('validate', 'scenarios/default.yaml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('scenarios/default.yaml: valid scenario default\n');
    const examples = readdirSync(shared).filter((f) => f.endsWith('.yaml')).map((f) => join(shared, f));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const ex = gameday('validate', ...examples);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/01-flagger-docs-traefik-tutorial\.yaml: valid 3 manifests/);
    expect(ex.stderr).toMatch(/03a-traefik-fixture-weighted-traefikservice\.yaml:\d+:\d+: warning: kind: EndpointSlice \(discovery\.k8s\.io\/v1\) is not simulated/);
    // The power warning (docs/power.md): lesson 4's floor at its 6 requests/s, advice that does not fail validation.
    const low = gameday('validate', 'scenarios/low-traffic-noise.yaml', 'scenarios/checkout-canary.yaml');
    expect(low.code).toBe(0);
    expect(low.stdout).toBe('scenarios/low-traffic-noise.yaml: valid scenario low-traffic-noise (1 warning)\nscenarios/checkout-canary.yaml: valid scenario checkout-canary\n');
    expect(low.stderr).toMatch(/^scenarios\/low-traffic-noise\.yaml:\d+:\d+: warning: spec\.analysis\.metrics\[0\]\.thresholdRange\.min: the success-rate floor is unreliable at this traffic: .* is rolled back 45\.5 % of the time by chance .*; the floor becomes trustworthy .* from [\d.]+ requests\/s/);
    const bad = gameday('validate', 'scenarios/default.yaml', 'test/fixtures/broken/cycle.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('test/fixtures/broken/cycle.yaml: invalid, 1 error');
    // A Canary file on its own: Flagger's CRD rules and what the simulator cannot honour.
    const dir = mkdtempSync(join(tmpdir(), 'gameday-validate-'));
    const canaryFile = join(dir, 'canary.yaml');
    writeFileSync(
      canaryFile,
      readFileSync(join(root, 'scenarios/manifests/shop/canary.yaml'), 'utf8').replace('    stepWeight: 10', '    stepWeight: 10\n    stepWeights: [5, 10]\n    mirror: true'),
    );
    const canary = gameday('validate', canaryFile);
    expect(canary.code).toBe(1);
    expect(canary.stderr).toMatch(/canary\.yaml:\d+:\d+: spec\.analysis\.stepWeights: expected exactly one of analysis\.iterations, stepWeight and stepWeights, found stepWeight and stepWeights/);
    expect(canary.stderr).toMatch(/canary\.yaml:\d+:\d+: warning: spec\.analysis\.mirror: /);
  });

  it('prints the JSON Schema that docs/ publishes', () => {
    const r = gameday('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(root, 'docs/scenario.schema.json'), 'utf8')));
  });
});
