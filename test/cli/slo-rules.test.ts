import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hasPromtool, promtool } from '../support/slo-promtool';

// `gameday slo-rules` as built by `npm run build` (dist/), spawned as users run it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/gameday.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const noStackTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gameday-slo-rules-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NOTE = `say "hi": it's a b\\c`;

/** The shop (Traefik, the backend's Canary) with `slos` (YAML lines, indented under spec.slos) and a start in February 2024. */
function scenario(slos: string, name = 'slo-rules-test'): string {
  const shop = join(root, 'scenarios/manifests/shop');
  return `apiVersion: gameday.dev/v1alpha1
kind: Scenario
metadata: { name: ${name} }
spec:
  duration: 10m
  include:
    - ${shop}/deployments.yaml
    - ${shop}/traefik.yaml
    - ${shop}/canary.yaml
  telemetry:
    startTime: 2024-02-10T08:00:00Z
  traffic:
    - { name: api, entryPoint: websecure, host: app.example.com, path: /api/orders, rate: 10 }
  services:
    frontend: { latency: { p50: 10ms, p99: 50ms } }
    backend: { latency: { p50: 10ms, p99: 50ms } }
${slos.length > 0 ? `  slos:\n${slos}` : ''}`;
}

const AVAILABILITY = `    # A ratio SLI of bad events (counter selectors), the workbook's windows, labels with odd characters.
    - name: orders-availability
      service: backend
      objective: 99.9
      indicator:
        ratio:
          bad: traefik_service_requests_total{service=~"shop-backend-.*",code=~"5.."}
          total: traefik_service_requests_total{service=~"shop-backend-.*"}
      alerting: { evaluationInterval: 30s }
      labels:
        team: shop ops
        note: '${NOTE.replace(/'/g, "''")}'
        tier: "1"
`;
const SUCCESS = `    # A ratio SLI of good events, Sloth-style queries; no service (sloth_service is the scenario's name).
    - name: orders-success
      objective: 99.5
      indicator:
        ratio:
          good: sum(rate(traefik_service_requests_total{service=~"shop-backend-.*",code!~"5.."}[{{ .window }}]))
          total: sum(rate(traefik_service_requests_total{service=~"shop-backend-.*"}[{{.window}}]))
`;
const LATENCY = `    # A latency SLI over the calendar month (February 2024: 29 days).
    - name: orders-latency
      service: backend
      objective: 99
      window: month
      indicator:
        latency:
          histogram: traefik_service_request_duration_seconds
          selector: service=~"shop-backend-.*"
          threshold: 300ms
`;
const FAST_BURN = `    # Custom windows with for, a 7-day window, its own alert name and evaluation interval.
    - name: orders-fast-burn
      service: backend
      objective: 99.9
      window: 7d
      indicator:
        ratio:
          bad: traefik_service_requests_total{service=~"shop-backend-.*",code=~"5.."}
          total: traefik_service_requests_total{service=~"shop-backend-.*"}
      alerting:
        name: OrdersFastBurn
        evaluationInterval: 1m
        windows:
          - { severity: page, long: 1h, short: 5m, burnRate: 14.4, for: 2m }
          - { severity: ticket, long: 6h, budgetConsumed: 5, for: 1h30m }
`;

let all: string | null = null;
/** A scenario file with the four SLOs (written once). */
const allFile = () => {
  if (all === null) {
    all = join(tempDir(), 'slos.yaml');
    writeFileSync(all, scenario(AVAILABILITY + SUCCESS + LATENCY + FAST_BURN));
  }
  return all;
};

interface RuleDoc {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface GroupDoc {
  name: string;
  interval: string;
  rules: RuleDoc[];
}
const groupsOf = (text: string) => (parse(text) as { groups: GroupDoc[] }).groups;
const WORKBOOK_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** Writes `text` to a file and runs promtool check rules on it. */
function checkRules(text: string) {
  const file = join(tempDir(), 'rules.yml');
  writeFileSync(file, text);
  return promtool(['check', 'rules', '--lint-fatal', file]);
}

describe('gameday slo-rules', () => {
  it('prints one rule file: a header naming the scenario, then three groups per SLO in scenario order', () => {
    const r = gameday('slo-rules', allFile());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `# Prometheus rules of the SLOs of scenario slo-rules-test (${allFile()}): orders-availability, orders-success, orders-latency, orders-fast-burn.`,
      '# Generated by gameday slo-rules; edit the scenario and generate again rather than editing this file.',
      '# SLO orders-latency has a calendar month window: its period is the 29 days of February 2024, the month the scenario starts in (spec.telemetry.startTime).',
    ]);
    expect(lines[3]).toBe('groups:');
    const ids = ['backend-orders-availability', 'slo-rules-test-orders-success', 'backend-orders-latency', 'backend-orders-fast-burn'];
    expect(groupsOf(r.stdout).map((g) => g.name)).toEqual(ids.flatMap((id) => [`sloth-slo-sli-recordings-${id}`, `sloth-slo-meta-recordings-${id}`, `sloth-slo-alerts-${id}`]));
  });

  it('writes the recording rules of every window, the metadata rules and one alert per window pair with its threshold', () => {
    const groups = groupsOf(gameday('slo-rules', allFile()).stdout);
    const [sli, meta, alerts] = groups.slice(0, 3);
    expect(sli.interval).toBe('30s');
    expect(sli.rules.map((x) => x.record)).toEqual([...WORKBOOK_WINDOWS, '30d'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(sli.rules.map((x) => x.labels?.sloth_window)).toEqual([...WORKBOOK_WINDOWS, '30d']);
    expect(sli.rules[0].expr).toBe('(sum(rate(traefik_service_requests_total{service=~"shop-backend-.*",code=~"5.."}[5m])))\n/\n(sum(rate(traefik_service_requests_total{service=~"shop-backend-.*"}[5m])))');
    expect(sli.rules[7].expr).toContain('sum_over_time(slo:sli_error:ratio_rate5m{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"}[30d])');
    expect(meta.rules.map((x) => [x.record, x.expr.split('\n')[0]])).toEqual([
      ['slo:objective:ratio', 'vector(0.9990000000000001)'],
      ['slo:error_budget:ratio', 'vector(0.001)'],
      ['slo:time_period:days', 'vector(30)'],
      ['slo:current_burn_rate:ratio', 'slo:sli_error:ratio_rate5m{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"}'],
      ['slo:period_burn_rate:ratio', 'slo:sli_error:ratio_rate30d{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"}'],
      ['slo:period_error_budget_remaining:ratio', '1 - slo:period_burn_rate:ratio{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"}'],
    ]);
    expect(alerts.rules.map((x) => x.alert)).toEqual(Array(4).fill('ErrorBudgetBurn'));
    const pairs = [
      ['14.4', '5m', '1h', 'page'],
      ['6', '30m', '6h', 'page'],
      ['3', '2h', '1d', 'ticket'],
      ['1', '6h', '3d', 'ticket'],
    ];
    alerts.rules.forEach((a, i) => {
      const [rate, short, long, severity] = pairs[i];
      expect(a.expr).toBe(
        `(slo:sli_error:ratio_rate${short}{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"} > (${rate} * 0.001))\n` +
          'and ignoring (sloth_window)\n' +
          `(slo:sli_error:ratio_rate${long}{sloth_id="backend-orders-availability", sloth_service="backend", sloth_slo="orders-availability"} > (${rate} * 0.001))`,
      );
      expect(a.for).toBeUndefined();
      expect(a.labels).toMatchObject({ burn_rate: rate, long_window: long, short_window: short, sloth_severity: severity, team: 'shop ops', note: NOTE, tier: '1' });
      expect(a.annotations?.title).toBe(`(${severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.`);
    });
    // The user's labels on every recording rule, read back exactly (quotes, colons, spaces, a backslash; "1" stays a string).
    for (const rule of [...sli.rules.slice(0, 7), ...meta.rules]) expect(rule.labels).toMatchObject({ team: 'shop ops', note: NOTE, tier: '1', sloth_id: 'backend-orders-availability' });
  });

  it('writes Sloth-style queries, a latency SLI, a calendar month and custom windows as the scenario says', () => {
    const groups = groupsOf(gameday('slo-rules', allFile()).stdout);
    const byName = (n: string) => groups.find((g) => g.name === n) as GroupDoc;
    // Good events: the error ratio is 1 − good/total, with the window filled in.
    const success = byName('sloth-slo-sli-recordings-slo-rules-test-orders-success');
    expect(success.rules[2].expr).toBe(
      '1 - (\n(sum(rate(traefik_service_requests_total{service=~"shop-backend-.*",code!~"5.."}[1h])))\n/\n(sum(rate(traefik_service_requests_total{service=~"shop-backend-.*"}[1h])))\n)',
    );
    expect(success.rules[0].labels).toMatchObject({ sloth_service: 'slo-rules-test', sloth_slo: 'orders-success' });
    expect(byName('sloth-slo-alerts-slo-rules-test-orders-success').rules.map((a) => a.expr.split('\n')[0].replace(/^.*> /, ''))).toEqual(['(14.4 * 0.005))', '(6 * 0.005))', '(3 * 0.005))', '(1 * 0.005))']);
    // Latency: the threshold's bucket over the count; the month of the start is 29 days.
    const latency = byName('sloth-slo-sli-recordings-backend-orders-latency');
    expect(latency.rules.map((x) => x.record)).toEqual([...WORKBOOK_WINDOWS, '29d'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(latency.rules[0].expr).toBe(
      '1 - (\n(sum(rate(traefik_service_request_duration_seconds_bucket{service=~"shop-backend-.*",le="0.3"}[5m])))\n/\n(sum(rate(traefik_service_request_duration_seconds_count{service=~"shop-backend-.*"}[5m])))\n)',
    );
    expect(byName('sloth-slo-meta-recordings-backend-orders-latency').rules[2].expr).toBe('vector(29)');
    expect(byName('sloth-slo-alerts-backend-orders-latency').rules.map((a) => a.labels?.burn_rate)).toEqual(['13.92', '5.8', '2.9', '0.966666666667']);
    // Custom windows: only their windows are recorded; for, interval and alert name as given; 5% of 7d in 6h is a 1.4 burn rate.
    const fast = byName('sloth-slo-sli-recordings-backend-orders-fast-burn');
    expect(fast.interval).toBe('1m');
    expect(fast.rules.map((x) => x.labels?.sloth_window)).toEqual(['5m', '30m', '1h', '6h', '7d']);
    const fastAlerts = byName('sloth-slo-alerts-backend-orders-fast-burn');
    expect(fastAlerts.rules.map((a) => [a.alert, a.for, a.labels?.burn_rate, a.labels?.short_window, a.labels?.long_window])).toEqual([
      ['OrdersFastBurn', '2m', '14.4', '5m', '1h'],
      ['OrdersFastBurn', '1h30m', '1.4', '30m', '6h'],
    ]);
    expect(fastAlerts.rules[1].expr).toContain('> (1.4 * 0.001))');
  });

  it('--slo keeps only the named SLOs (repeatable, in scenario order); --out writes the same bytes atomically', () => {
    const one = gameday('slo-rules', allFile(), '--slo', 'orders-latency');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^# Prometheus rules of the SLOs of scenario slo-rules-test \(.*\): orders-latency\.\n/);
    expect(groupsOf(one.stdout).map((g) => g.name)).toEqual(['sloth-slo-sli-recordings-backend-orders-latency', 'sloth-slo-meta-recordings-backend-orders-latency', 'sloth-slo-alerts-backend-orders-latency']);
    const two = gameday('slo-rules', allFile(), '--slo', 'orders-fast-burn', '--slo', 'orders-availability');
    expect(two.code).toBe(0);
    expect(groupsOf(two.stdout).map((g) => g.name.replace(/^sloth-slo-(sli-recordings|meta-recordings|alerts)-/, ''))).toEqual([...Array(3).fill('backend-orders-availability'), ...Array(3).fill('backend-orders-fast-burn')]);
    expect(two.stdout).not.toContain('calendar month');

    const dir = tempDir();
    const out = join(dir, 'slo.rules.yml');
    const written = gameday('slo-rules', allFile(), '--slo', 'orders-latency', '--out', out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(one.stdout);
    expect(readdirSync(dir)).toEqual(['slo.rules.yml']);
    const bad = gameday('slo-rules', allFile(), '--out', join(dir, 'missing/slo.rules.yml'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gameday: cannot write .*missing\/slo\.rules\.yml: ENOENT/m);
    noStackTrace(bad.stderr);
  });

  it('exits 1 with a clear message for a scenario without SLOs, an unknown --slo, or an invalid scenario or SLO', () => {
    const dir = tempDir();
    const none = join(dir, 'none.yaml');
    writeFileSync(none, scenario(''));
    const r = gameday('slo-rules', none);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`gameday: ${none} has no SLOs: add them under spec.slos (docs/slo.md) to generate their rules\n`);

    const unknown = gameday('slo-rules', allFile(), '--slo', 'orders-availabilty');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(`gameday: --slo: no SLO named "orders-availabilty" in ${allFile()} (did you mean orders-availability?); SLOs: orders-availability, orders-success, orders-latency, orders-fast-burn\n`);

    const broken = gameday('slo-rules', 'test/fixtures/broken/unknown-target.yaml');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('test/fixtures/broken/unknown-target.yaml:10:15: spec.traffic[0].target: no Service named apii');
    expect(broken.stderr).toMatch(/^gameday: test\/fixtures\/broken\/unknown-target\.yaml is not a valid scenario \(\d+ errors?\)$/m);

    const badSlo = join(dir, 'bad-slo.yaml');
    writeFileSync(badSlo, scenario(AVAILABILITY.replace('code=~"5.."}', 'code=~"5.."')));
    const invalid = gameday('slo-rules', badSlo);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(new RegExp(`^${badSlo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:24:16: spec\\.slos\\[0\\]\\.indicator\\.ratio\\.bad: not a valid PromQL query`, 'm'));
    for (const x of [r, unknown, broken, invalid]) noStackTrace(x.stderr);
  });

  it('exits 2 on bad usage, and is in the help', () => {
    for (const args of [['slo-rules'], ['slo-rules', 'a.yaml', 'b.yaml'], ['slo-rules', 'scenarios/default.yaml', '--seed', '1'], ['slo-rules', 'scenarios/default.yaml', '--slo']]) {
      const r = gameday(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      noStackTrace(r.stderr);
    }
    expect(gameday('slo-rules').stderr).toContain('slo-rules takes one scenario file, got 0');
    expect(gameday('--help').stdout).toMatch(/^ {2}slo-rules <scenario> {3}write the Prometheus rules of the scenario's SLOs/m);
    const help = gameday('help', 'slo-rules');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gameday slo-rules <scenario> \[--slo NAME\] \[--out FILE\]\n/);
    expect(gameday('slo-rules', '--help').stdout).toBe(help.stdout);
  });
});

// Fails (does not skip) in CI when promtool is missing.
describe.skipIf(!hasPromtool && !process.env.CI)('promtool check rules accepts what gameday slo-rules writes (needs promtool on PATH: Debian package prometheus)', () => {
  it.each([
    ['orders-availability', 'a ratio SLI of bad events, counter selectors, labels with quotes, colons and spaces', 18],
    ['orders-success', 'a ratio SLI of good events, Sloth-style queries with [{{ .window }}]', 18],
    ['orders-latency', 'a latency SLI over the calendar month', 18],
    ['orders-fast-burn', 'custom windows with for', 13],
  ])('%s: %s', (slo, _what, rules) => {
    const r = gameday('slo-rules', allFile(), '--slo', slo);
    expect(r.code).toBe(0);
    const check = checkRules(r.stdout);
    expect(check.out).toContain(`SUCCESS: ${rules} rules found`);
    expect(check.out).not.toMatch(/FAILED|lint/);
    expect(check.code).toBe(0);
  });

  it('the check can fail: a label name with a colon fails promtool', () => {
    const r = gameday('slo-rules', allFile(), '--slo', 'orders-availability');
    const check = checkRules(r.stdout.replace(/^( +)team: shop ops$/gm, '$1te:am: shop ops'));
    expect(check.code).not.toBe(0);
    expect(check.out).toContain('invalid label name: te:am');
  });

  // Every rule carries its SLO's sloth_id, sloth_service and sloth_slo (the period rule and the alerts too), so
  // several SLOs in one file are no "duplicate rules" to promtool's lint (Sloth's are: slok/sloth#211).
  it('the bundled scenarios with SLOs export rule files promtool accepts', () => {
    for (const file of ['scenarios/default.yaml', 'scenarios/budget-freeze.yaml', 'scenarios/budget-halt.yaml']) {
      const r = gameday('slo-rules', file);
      expect(r.code, file).toBe(0);
      const check = checkRules(r.stdout);
      expect(check.out, file).toMatch(/SUCCESS: \d+ rules found/);
      expect(check.code, file).toBe(0);
    }
  });

  it('the whole file of several SLOs passes promtool --lint-fatal, with every rule', () => {
    const r = gameday('slo-rules', allFile());
    expect(r.code).toBe(0);
    const check = checkRules(r.stdout);
    expect(check.out).not.toContain('duplicate rule');
    expect(check.out).toContain(`SUCCESS: ${18 + 18 + 18 + 13} rules found`);
    expect(check.code).toBe(0);
  });
});
