import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShadowJudgeSpec } from '../../simulation/run/shadow';
import { type Diagnostic, formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { scenarioJsonSchema } from '../../simulation/scenario/json-schema';
import { loadScenario } from '../../simulation/scenario/loader';
import { isInlineSource, looksLikeAnalysisTemplate, looksLikeKayentaConfig, shadowJudgeFiles, validateJudgeFile } from '../../simulation/scenario/shadow';
import { repoHost, repoRoot } from '../support/scenario';
import { CHECKOUT_TEXT } from '../support/sweep';

/**
 * spec.shadowJudges as the loader reads it (docs/scenario-format.md, "Shadow
 * judges"): judges from files, inline text and inline documents, and every
 * mistake located where it is written — in the template's or config's own
 * file, or at its line and column inside the scenario — with what was
 * expected and, where a name is close, what was meant.
 */

const TEMPLATE = readFileSync(resolve(repoRoot, 'test/fixtures/argo/success-rate.yaml'), 'utf8');
const CONFIG = readFileSync(resolve(repoRoot, 'test/fixtures/kayenta/checkout.json'), 'utf8');

/** The bundled checkout scenario with a spec.shadowJudges block (entries indented by four spaces). */
function withJudges(block: string, base = CHECKOUT_TEXT): string {
  const anchor = '  expect:\n    outcome: promoted\n';
  if (!base.includes(anchor)) throw new Error('checkout-canary.yaml no longer has its expect block');
  return base.replace(anchor, `  shadowJudges:\n${block}${anchor}`);
}

function load(files: Record<string, string>) {
  return loadScenario('scenario.yaml', { readFile: (p) => files[p] ?? null });
}

/** Line and column (1-based) of `needle` (its `nth` occurrence) in `text`, plus `offset` characters. */
function where(text: string, needle: string, offset = 0, nth = 0): { line: number; column: number } {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  }
  i += offset;
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

const at = (d: Diagnostic) => ({ file: d.file, line: d.line, column: d.column, path: d.path, severity: d.severity });
const indent = (text: string, n: number) =>
  text
    .split('\n')
    .map((l) => (l ? `${' '.repeat(n)}${l}` : l))
    .join('\n');

describe('spec.shadowJudges', () => {
  it('compiles judges from files, inline text and inline documents, with Kayenta\'s defaults', () => {
    const inlineTemplate = TEMPLATE.replace(/^#.*\n/gm, '');
    const scenario = withJudges(
      [
        '    - name: argo-file',
        '      argo:',
        '        template: judges/success-rate.yaml',
        '        args: { service: "shop-checkout-canary-80@kubernetescrd", floor: 0.995 }',
        '    - name: argo-inline',
        '      canary: shop/checkout',
        '      argo:',
        '        args: { service: x }',
        '        template:',
        indent(inlineTemplate, 10),
        '    - name: kayenta-json',
        '      canary: checkout',
        '      kayenta:',
        '        config: judges/checkout.json',
        '        lifetime: 2m',
        '    - name: kayenta-inline',
        '      kayenta:',
        '        lifetime: 4m',
        '        interval: 1m',
        '        beginAfter: 30s',
        '        lookback: 2m',
        '        step: 15s',
        '        scoreThresholds: { pass: 90, marginal: 60 }',
        '        config: |',
        indent(CONFIG, 10),
        '    - name: consecutive',
        '      consecutive:',
        '    - name: consecutive-2',
        '      consecutive: { threshold: 2 }',
        '',
      ].join('\n'),
    );
    const r = load({ 'scenario.yaml': scenario, 'judges/success-rate.yaml': TEMPLATE, 'judges/checkout.json': CONFIG });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    // The fixture's 8 measurements, a single 2-minute window at a 1-minute step and a 4m30s analysis are too long or
    // too thin for this Canary, and the loader says so (below, "warns when a judge cannot decide …").
    expect(r.diagnostics.map((d) => d.path)).toEqual(['spec.shadowJudges[0].argo.template', 'spec.shadowJudges[1].argo.template', 'spec.shadowJudges[2].kayenta.step', 'spec.shadowJudges[3].kayenta.lifetime']);
    if (!r.ok) return;
    const judges = r.scenario.shadowJudges as ShadowJudgeSpec[];
    expect(judges.map((j) => [j.name, j.judge, j.canary])).toEqual([
      ['argo-file', 'argo', 'shop/checkout'],
      ['argo-inline', 'argo', 'shop/checkout'],
      ['kayenta-json', 'kayenta', 'shop/checkout'],
      ['kayenta-inline', 'kayenta', 'shop/checkout'],
      ['consecutive', 'consecutive', 'shop/checkout'],
      ['consecutive-2', 'consecutive', 'shop/checkout'],
    ]);
    const [a, b, k1, k2, c1, c2] = judges;
    // Numbers are Argo argument strings; the templates keep where they were read.
    expect(a.judge === 'argo' && a.args).toEqual({ service: 'shop-checkout-canary-80@kubernetescrd', floor: '0.995' });
    expect(a.judge === 'argo' && a.templates.map((t) => [t.name, t.file])).toEqual([['success-rate', 'judges/success-rate.yaml']]);
    expect(b.judge === 'argo' && b.templates.map((t) => [t.name, t.file, t.at.line])).toEqual([['success-rate', 'scenario.yaml', where(scenario, 'apiVersion: argoproj.io/v1alpha1').line]]);
    // Kayenta's defaults: no warm-up, growing windows, one judgement over the lifetime, a 1-minute step, the config's thresholds.
    expect(k1).toMatchObject({ lifetimeMs: 120_000, intervalMs: null, beginAfterMs: 0, lookbackMs: 0, stepMs: 60_000, thresholds: null });
    expect(k1.judge === 'kayenta' && k1.config.name).toBe('checkout-golden-signals');
    expect(k2).toMatchObject({ lifetimeMs: 240_000, intervalMs: 60_000, beginAfterMs: 30_000, lookbackMs: 120_000, stepMs: 15_000, thresholds: { pass: 90, marginal: 60 } });
    // The consecutive rule takes the Canary's threshold unless given one (`consecutive:` alone is an empty mapping).
    expect([c1, c2].map((c) => c.judge === 'consecutive' && c.threshold)).toEqual([null, 2]);
    // The files a host carries with the scenario (an exercise export): only those named by path.
    const doc = r.scenario.document.spec.shadowJudges;
    expect(shadowJudgeFiles(doc)).toEqual(['judges/success-rate.yaml', 'judges/checkout.json']);
    expect([isInlineSource('judges/x.yaml'), isInlineSource('{"name": "x"}'), isInlineSource('a: 1\nb: 2')]).toEqual([false, true, true]);
  });

  it('locates mistakes in a template file at their line and column in that file', () => {
    const broken = TEMPLATE.replace('interval: 30s', 'interval: 30 seconds').replace('"result[0] >= {{args.floor}}"', '"result[0] >= {{args.floor}} &&"');
    const r = load({ 'scenario.yaml': withJudges('    - name: a\n      argo:\n        template: judges/sr.yaml\n        args: { service: x }\n'), 'judges/sr.yaml': broken });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(at)).toEqual([
      { file: 'judges/sr.yaml', ...where(broken, '30 seconds'), path: 'spec.metrics[0].interval', severity: 'error' },
      // The end of the condition, where a value was expected.
      { file: 'judges/sr.yaml', ...where(broken, '&&"', 2), path: 'spec.metrics[0].successCondition', severity: 'error' },
    ]);
    expect(r.diagnostics[0].message).toContain('invalid duration "30 seconds"');
    expect(r.diagnostics[1].message).toMatch(/^unexpected end of the expression: expected a value/);
  });

  it('locates mistakes in an inline template at their line and column in the scenario, as text or as a mapping', () => {
    const broken = TEMPLATE.replace(/^#.*\n/gm, '').replace('"result[0] >= {{args.floor}}"', '"result[0] >= {{args.floor}} &&"');
    const asText = withJudges(`    - name: a\n      argo:\n        args: { service: x }\n        template: |\n${indent(broken, 10)}`);
    const asMapping = withJudges(`    - name: a\n      argo:\n        args: { service: x }\n        template:\n${indent(broken, 10)}`);
    for (const scenario of [asText, asMapping]) {
      const r = load({ 'scenario.yaml': scenario });
      expect(r.diagnostics.map(at)).toEqual([{ file: 'scenario.yaml', ...where(scenario, '&&"', 2), path: 'spec.shadowJudges[0].argo.template.spec.metrics[0].successCondition', severity: 'error' }]);
    }
    // A list of documents: each located on its own.
    const list = withJudges(`    - name: a\n      argo:\n        args: { service: x }\n        template:\n          - ${indent(broken, 12).trimStart()}`);
    const r = load({ 'scenario.yaml': list });
    expect(r.diagnostics.map(at)).toEqual([{ file: 'scenario.yaml', ...where(list, '&&"', 2), path: 'spec.shadowJudges[0].argo.template[0].spec.metrics[0].successCondition', severity: 'error' }]);
  });

  it('checks each entry: one judge, a unique name, a Canary that exists, files that can be read', () => {
    const scenario = withJudges(
      [
        '    - name: a',
        '      consecutive: {}',
        '    - name: a',
        '      consecutive: {}',
        '    - name: b',
        '      argo: { template: x.yaml }',
        '      kayenta: { config: y.json, lifetime: 2m }',
        '    - name: c',
        '    - name: d',
        '      canary: shop/chekout',
        '      consecutive: {}',
        '    - name: e',
        '      kayenta: { config: missing.json, lifetime: 2m }',
        '',
      ].join('\n'),
    );
    const r = load({ 'scenario.yaml': scenario });
    expect(r.diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [where(scenario, '- name: a\n', 0, 1).line, where(scenario, '- name: a\n', 8, 1).column, 'spec.shadowJudges[1].name', 'a shadow judge named a is already defined at spec.shadowJudges[0]; give each judge its own name'],
      [where(scenario, 'kayenta: { config: y').line, 7, 'spec.shadowJudges[2].kayenta', 'expected one judge per entry, found argo and kayenta: give each its own entry (and name)'],
      [where(scenario, '- name: c\n').line, 7, 'spec.shadowJudges[3]', expect.stringMatching(/^expected one judge: argo \(an AnalysisTemplate and its args\), kayenta \(a canary config/)],
      [where(scenario, 'shop/chekout').line, where(scenario, 'shop/chekout').column, 'spec.shadowJudges[4].canary', 'no Canary shop/chekout (did you mean shop/checkout?); Canaries in this scenario: shop/checkout'],
      [where(scenario, 'missing.json').line, where(scenario, 'missing.json').column, 'spec.shadowJudges[5].kayenta.config', 'cannot read the canary config file "missing.json" (resolved to missing.json)'],
    ]);
    expect(r.diagnostics.every((d) => d.file === 'scenario.yaml' && d.severity === 'error')).toBe(true);
  });

  it('checks the fields with the schema: unknown names with what was meant, durations, thresholds', () => {
    const scenario = withJudges('    - name: k\n      kayenta: { config: c.json, lifetme: 2m }\n    - name: l\n      kayenta: { config: c.json, lifetime: 2 minutes }\n    - name: Bad_Name\n      consecutive: { threshold: 0 }\n');
    const r = load({ 'scenario.yaml': scenario, 'c.json': CONFIG });
    expect(r.diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [where(scenario, 'kayenta: { config: c.json, lifetme').line, 16, 'spec.shadowJudges[0].kayenta.lifetime', expect.stringMatching(/^missing required field "lifetime": expected the analysis lifetime \(Kayenta lifetimeDurationMins\) in Go syntax/)],
      [where(scenario, 'lifetme').line, where(scenario, 'lifetme').column, 'spec.shadowJudges[0].kayenta.lifetme', 'unknown field "lifetme" (did you mean "lifetime"?)'],
      [where(scenario, '2 minutes').line, where(scenario, '2 minutes').column, 'spec.shadowJudges[1].kayenta.lifetime', expect.stringMatching(/found string "2 minutes"$/)],
      [where(scenario, 'Bad_Name').line, where(scenario, 'Bad_Name').column, 'spec.shadowJudges[2].name', 'expected the judge\'s name in lowercase letters, digits and \'-\', found string "Bad_Name"'],
      [where(scenario, 'threshold: 0').line, where(scenario, 'threshold: 0', 11).column, 'spec.shadowJudges[2].consecutive.threshold', 'expected the threshold (failed checks in a row) of at least 1'],
    ]);
    const marginal = withJudges('    - name: k\n      kayenta:\n        config: c.json\n        lifetime: 2m\n        scoreThresholds: { pass: 70, marginal: 80 }\n');
    const m = load({ 'scenario.yaml': marginal, 'c.json': CONFIG });
    expect(m.diagnostics.map(formatDiagnostic)).toEqual([`scenario.yaml:${where(marginal, '80').line}:${where(marginal, '80').column}: spec.shadowJudges[0].kayenta.scoreThresholds.marginal: expected the marginal threshold (80) at most the pass threshold (70)`]);
  });

  it("reports the run's arguments at the scenario, and what the template needs in the template", () => {
    const scenario = withJudges('    - name: a\n      argo:\n        template: judges/sr.yaml\n        args: { servce: x }\n');
    const r = load({ 'scenario.yaml': scenario, 'judges/sr.yaml': TEMPLATE });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `judges/sr.yaml:${where(TEMPLATE, '- name: service', 2).line}:${where(TEMPLATE, '- name: service', 2).column}: spec.args[0]: args.service was not resolved: the template gives it no value, so the run must`,
      `judges/sr.yaml:${where(TEMPLATE, 'query: |').line}:${where(TEMPLATE, 'query: |', 7).column}: spec.metrics[0].provider.prometheus.query: args.service was not resolved: give it a value`,
      `scenario.yaml:${where(scenario, 'args:').line}:${where(scenario, 'args:').column}: spec.shadowJudges[0].argo.args: the AnalysisTemplate's argument service has no value: give it in args (e.g. args: { service: … })`,
      `scenario.yaml:${where(scenario, 'servce').line}:${where(scenario, 'servce').column}: warning: spec.shadowJudges[0].argo.args.servce: argument servce is not declared by the template (did you mean service?); it declares service, floor: ignored`,
    ]);
  });

  it('locates mistakes of a Kayenta config in its JSON file', () => {
    const broken = CONFIG.replace('"direction": "decrease"', '"direction": "down"').replace('"nanStrategy": "remove",\n          "effectSize"', '"nanStrategy": "remove",\n          "efectSize"');
    const r = load({ 'scenario.yaml': withJudges('    - name: k\n      kayenta:\n        config: judges/c.json\n        lifetime: 2m\n'), 'judges/c.json': broken });
    expect(r.ok).toBe(false);
    const direction = r.diagnostics.find((d) => d.path.endsWith('direction'));
    expect(direction && formatDiagnostic(direction)).toBe(`judges/c.json:${where(broken, '"down"').line}:${where(broken, '"down"').column}: metrics[0].analysisConfigurations.canary.direction: expected the direction, one of increase, decrease, either, found string "down"`);
    const typo = r.diagnostics.find((d) => d.path.endsWith('efectSize'));
    expect(typo && formatDiagnostic(typo)).toBe(`judges/c.json:${where(broken, '"efectSize"').line}:${where(broken, '"efectSize"').column}: warning: metrics[1].analysisConfigurations.canary.efectSize: unknown field "efectSize" is ignored (did you mean "effectSize"?)`);
  });

  it('warns when a judge cannot decide before Flagger promotes a healthy canary, or cannot roll back at all', () => {
    const scenario = withJudges(
      [
        '    - name: k',
        '      kayenta: { config: c.json, lifetime: 10m }',
        '    - name: few',
        '      kayenta: { config: c.json, lifetime: 2m, interval: 1m }',
        '    - name: a',
        '      argo: { template: sr.yaml, args: { service: x } }',
        '    - name: c',
        '      consecutive: { threshold: 4 }',
        '',
      ].join('\n'),
    );
    const r = load({ 'scenario.yaml': scenario, 'c.json': CONFIG, 'sr.yaml': TEMPLATE });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => [d.path, d.message])).toEqual([
      ['spec.shadowJudges[0].kayenta.lifetime', 'the last judgement comes 10m0s after the analysis starts, but Flagger promotes a healthy shop/checkout about 2m30s after it: the judge would be undecided (a shorter warm-up or lifetime)'],
      ['spec.shadowJudges[1].kayenta.step', "the first judgement's window (1m0s) at a 1m0s step holds 2 samples per metric and side: too few for the Mann-Whitney test to find a difference (Kayenta's guidance is about 50); use a smaller step, e.g. the scrape interval"],
      ['spec.shadowJudges[2].argo.template', 'metric success-rate takes its last measurement 4m30s after the analysis starts, but Flagger promotes a healthy shop/checkout about 2m30s after it: the judge would be undecided (fewer measurements, a shorter interval or initial delay)'],
      ['spec.shadowJudges[3].consecutive.threshold', "a run of 4 failed checks in a row cannot happen before Flagger's cumulative count reaches its threshold of 3 and rolls back: this judge never rolls back on failed checks"],
    ]);
  });

  it('asks which Canary when there are several, and warns about one the rollout does not deploy', () => {
    const two = withJudges('    - name: a\n      consecutive: {}\n    - name: b\n      canary: shop/cart\n      consecutive: {}\n')
      .replace('  rollout:\n    at: 1m\n', '  rollout:\n    at: 1m\n    canary: checkout\n')
      .replace('  slos:\n', '    cart:\n      latency: { p50: 10ms, p99: 50ms }\n  slos:\n')
      .concat(
        '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: cart\n  template:\n    metadata:\n      labels:\n        app: cart\n',
        '---\napiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  provider: traefik\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: cart\n  service:\n    port: 80\n  analysis:\n    interval: 30s\n    threshold: 2\n    maxWeight: 50\n    stepWeight: 10\n',
      );
    const r = load({ 'scenario.yaml': two });
    expect(r.diagnostics.map((d) => [d.severity, d.path, d.message])).toEqual([
      ['error', 'spec.shadowJudges[0].name', 'several Canaries (shop/checkout, shop/cart): say which one this judge shadows with canary: <namespace>/<name>'],
      ['warning', 'spec.shadowJudges[1].canary', "the rollout deploys shop/checkout, so shop/cart's analysis never starts in this scenario and the judge stays undecided"],
    ]);
  });

  it('is in the published JSON Schema', () => {
    const schema = scenarioJsonSchema() as { properties: { spec: { properties: Record<string, { items?: { properties?: Record<string, unknown> } }> } } };
    const judge = schema.properties.spec.properties.shadowJudges.items?.properties ?? {};
    expect(Object.keys(judge)).toEqual(['name', 'canary', 'argo', 'kayenta', 'consecutive']);
    const published = JSON.parse(readFileSync(resolve(repoRoot, 'docs/scenario.schema.json'), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });
});

describe('gameday validate on a judge file', () => {
  it('recognises AnalysisTemplates and Kayenta configs and checks them as their judges read them', () => {
    expect(looksLikeAnalysisTemplate(TEMPLATE)).toBe(true);
    expect(looksLikeKayentaConfig(CONFIG)).toBe(true);
    expect(looksLikeKayentaConfig(CHECKOUT_TEXT)).toBe(false);
    expect(looksLikeAnalysisTemplate(CHECKOUT_TEXT)).toBe(false);
    expect(validateJudgeFile('sr.yaml', TEMPLATE)).toEqual({ diagnostics: [], what: 'Argo analysis template success-rate' });
    expect(validateJudgeFile('c.json', CONFIG)).toEqual({ diagnostics: [], what: 'Kayenta canary config checkout-golden-signals (3 metrics)' });
    const yaml = readFileSync(resolve(repoRoot, 'scenarios/examples/shadow-judges/canary-config.yaml'), 'utf8');
    expect(validateJudgeFile('canary-config.yaml', yaml)?.what).toBe('Kayenta canary config checkout-golden-signals (3 metrics)');
    const broken = validateJudgeFile('c.json', CONFIG.replace('"direction": "decrease"', '"direction": "down"'));
    expect(broken?.diagnostics.map(formatDiagnostic)).toContain(`c.json:${where(CONFIG, '"decrease"').line}:${where(CONFIG, '"decrease"').column}: metrics[0].analysisConfigurations.canary.direction: expected the direction, one of increase, decrease, either, found string "down"`);
    expect(validateJudgeFile('x.yaml', CHECKOUT_TEXT)).toBeNull();
  });

  it('loads the bundled example without a problem', () => {
    const r = loadScenario('scenarios/examples/shadow-judges.gameday.yaml', repoHost);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.ok && r.scenario.shadowJudges?.map((j) => j.name)).toEqual(['argo-golden-signals', 'kayenta', 'consecutive']);
  });
});
