import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanarySpec } from '../../simulation/rollout/types';
import type { Diagnostic } from '../../simulation/scenario/diagnostics';
import { compileFlagger, compileWebhookBehaviours, type FlaggerOptions, reporters, statusText } from '../../simulation/scenario/flagger';
import { issuesToDiagnostics } from '../../simulation/scenario/issues';
import { type Manifest, readManifest } from '../../simulation/scenario/manifests';
import { scenarioDocumentSchema } from '../../simulation/scenario/schema';
import { parseYamlFile } from '../../simulation/scenario/yaml-source';
import { canarySpec } from '../support/canary';
import { repoRoot } from '../support/scenario';

/**
 * compileFlagger: the team's Canary and MetricTemplate manifests read as
 * Flagger v1.44 reads them (reference flagger.md §1, §8.5, §10.4, §12), with
 * located errors and warnings; compileWebhookBehaviours: the scenario's
 * spec.webhooks.
 */

const OPTS: FlaggerOptions = { meshProvider: 'traefik', scrapeIntervalMs: 15_000 };

/** "line:column: path: message" of a diagnostic. */
const fmt = (d: Diagnostic) => `${d.line}:${d.column}: ${d.path}: ${d.message}`;

/** Line and column ("L:C") of `part` within the first occurrence of `needle` in `text` (after `after`, when given). */
function loc(text: string, needle: string, part = needle, after = ''): string {
  const i = text.indexOf(needle, after ? text.indexOf(after) + after.length : 0);
  if (i < 0) throw new Error(`${needle} not in the text`);
  const j = i + needle.indexOf(part);
  const before = text.slice(0, j).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

interface Compiled {
  canaries: CanarySpec[];
  templates: ReturnType<typeof compileFlagger>['templates'];
  /** Schema problems (readManifest). */
  schema: string[];
  errors: string[];
  warnings: string[];
}

function compile(text: string, opts: FlaggerOptions = OPTS): Compiled {
  const { documents, diagnostics: yaml } = parseYamlFile('flagger.yaml', text);
  expect(yaml).toEqual([]);
  const schema: Diagnostic[] = [];
  const manifests = documents.map((d) => readManifest(d, schema)).filter((m): m is Manifest => m !== null);
  const diagnostics: Diagnostic[] = [];
  const { err, warn } = reporters(diagnostics);
  const out = compileFlagger(manifests, err, warn, opts);
  return {
    ...out,
    schema: schema.map(fmt),
    errors: diagnostics.filter((d) => d.severity === 'error').map(fmt),
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(fmt),
  };
}

const ANALYSIS = `    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10`;

/** A Canary podinfo in namespace test; `analysis` is the indented body of spec.analysis, `extra` more spec lines. */
const canaryYaml = (analysis = ANALYSIS, extra = '') => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: traefik
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 80
${extra}  analysis:
${analysis}
`;

const template = (name: string, query: string, provider = 'type: prometheus\n    address: http://prometheus:9090', ns = 'test') => `---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  provider:
    ${provider}
  query: ${query}
`;

/** A clean compile: no schema problems, no errors. */
function clean(text: string, opts: FlaggerOptions = OPTS): Compiled {
  const c = compile(text, opts);
  expect(c.schema).toEqual([]);
  expect(c.errors).toEqual([]);
  return c;
}

describe('compileFlagger: defaults and normalisations (§1)', () => {
  it("applies Flagger's defaults to a minimal Canary", () => {
    const c = clean(canaryYaml());
    expect(c.warnings).toEqual([]);
    // canarySpec holds Flagger's defaults for what the manifest leaves out (test/support/canary.ts).
    expect(c.canaries).toEqual([canarySpec({ threshold: 5, maxWeight: 50, stepWeight: 10 })]);
  });

  it('takes the provider from the Canary, else from the mesh provider', () => {
    expect(clean(canaryYaml()).canaries[0].provider).toBe('traefik');
    const noProvider = canaryYaml().replace('  provider: traefik\n', '');
    expect(clean(noProvider, { meshProvider: 'traefik' }).canaries[0].provider).toBe('traefik');
    expect(clean(noProvider, { meshProvider: 'kubernetes' }).canaries[0].provider).toBe('kubernetes');
  });

  it('reads service.name as the apex, ingressRef/routeRef for {{ ingress }}/{{ route }}, and the top-level switches', () => {
    const text = canaryYaml(
      ANALYSIS,
      `  ingressRef: { apiVersion: networking.k8s.io/v1, kind: Ingress, name: front }
  routeRef: { name: web-route }
  progressDeadlineSeconds: 60
  skipAnalysis: true
  suspend: true
`,
    ).replace('  service:\n    port: 80\n', '  service:\n    name: shop\n    port: 8080\n    targetPort: http\n    portDiscovery: true\n');
    const c = clean(text).canaries[0];
    expect(c).toMatchObject({ apex: 'shop', port: 8080, ingress: 'front', route: 'web-route', progressDeadlineSeconds: 60, skipAnalysis: true, suspend: true });
  });

  it.each([
    ['1m', 60_000, null],
    ['30s', 30_000, null],
    ['1m30s', 90_000, null],
    ['10s', 10_000, null],
    ['5s', 10_000, "interval 5s is below Flagger's minimum: Flagger runs the analysis every 10s"],
    ['500ms', 10_000, "interval 500ms is below Flagger's minimum: Flagger runs the analysis every 10s"],
    ['5mx', 60_000, 'interval "5mx" is not a Go duration (invalid duration "5mx"): Flagger falls back to 60s'],
  ])('normalises analysis.interval %s to %i ms (C36)', (interval, ms, warning) => {
    const text = canaryYaml(ANALYSIS.replace('interval: 1m', `interval: ${interval}`));
    const c = clean(text);
    expect(c.canaries[0].analysis.intervalMs).toBe(ms);
    expect(c.warnings).toEqual(warning ? [`${loc(text, `interval: ${interval}`, interval)}: spec.analysis.interval: ${warning}`] : []);
  });

  it.each([
    [0, 1],
    [-3, 1],
    [1, 1],
    [10, 10],
  ])('normalises threshold %i to %i', (threshold, expected) => {
    expect(clean(canaryYaml(ANALYSIS.replace('threshold: 5', `threshold: ${threshold}`))).canaries[0].analysis.threshold).toBe(expected);
  });

  it('keeps the step settings as written and defaults the readiness thresholds to 100', () => {
    const a = clean(
      canaryYaml(`    interval: 1m
    threshold: 2
    stepWeights: [1, 2, 10, 80]
    stepWeightPromotion: 50
    primaryReadyThreshold: 50
    canaryReadyThreshold: 0`),
    ).canaries[0].analysis;
    expect(a).toMatchObject({ maxWeight: 0, stepWeight: 0, stepWeights: [1, 2, 10, 80], stepWeightPromotion: 50, primaryReadyThreshold: 50, canaryReadyThreshold: 0, iterations: 0 });
  });

  it('normalises webhooks: type "" and absent are rollout, timeout 10s when absent', () => {
    const a = clean(
      canaryYaml(`${ANALYSIS}
    webhooks:
      - name: a
        url: http://a/
      - name: b
        type: ""
        url: http://b/
        timeout: 5s
        retries: 2
        muteAlert: true
        metadata: { cmd: "hey", logCmdOutput: "true" }
      - name: c
        type: confirm-promotion
        url: http://c/
        timeout: 2m`),
    ).canaries[0].analysis;
    expect(a.webhooks).toEqual([
      { name: 'a', type: 'rollout', url: 'http://a/', timeoutMs: 10_000, retries: 0, metadata: {}, muteAlert: false },
      { name: 'b', type: 'rollout', url: 'http://b/', timeoutMs: 5_000, retries: 2, metadata: { cmd: 'hey', logCmdOutput: 'true' }, muteAlert: true },
      { name: 'c', type: 'confirm-promotion', url: 'http://c/', timeoutMs: 120_000, retries: 0, metadata: {}, muteAlert: false },
    ]);
  });

  it("normalises metrics: interval as written, thresholds, templateRef namespace defaulting to the Canary's", () => {
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - name: request-success-rate
        interval: 1m
        thresholdRange: { min: 99 }
      - name: request-duration
        threshold: 500
      - name: errors
        interval: 2m
        templateRef: { name: errors }
        templateVariables: { code: "5.." }
        thresholdRange: { max: 1 }
      - name: shared
        interval: 1m
        templateRef: { name: latency, namespace: flagger }
        thresholdRange: { min: 0, max: 100 }
      - name: inline
        query: sum(up)
        thresholdRange: { max: 5 }`) +
      template('errors', 'sum(rate(x{code=~"{{ variables.code }}"}[{{ interval }}]))') +
      template('latency', 'sum(rate(y[{{ interval }}]))', undefined, 'flagger');
    const c = compile(text);
    expect(c.errors).toEqual([]);
    expect(c.canaries[0].analysis.metrics).toEqual([
      { name: 'request-success-rate', interval: '1m', thresholdRange: { min: 99, max: null }, threshold: 0, templateRef: null, templateVariables: {}, query: '' },
      { name: 'request-duration', interval: '', thresholdRange: null, threshold: 500, templateRef: null, templateVariables: {}, query: '' },
      { name: 'errors', interval: '2m', thresholdRange: { min: null, max: 1 }, threshold: 0, templateRef: { name: 'errors', namespace: 'test' }, templateVariables: { code: '5..' }, query: '' },
      { name: 'shared', interval: '1m', thresholdRange: { min: 0, max: 100 }, threshold: 0, templateRef: { name: 'latency', namespace: 'flagger' }, templateVariables: {}, query: '' },
      { name: 'inline', interval: '', thresholdRange: { min: null, max: 5 }, threshold: 0, templateRef: null, templateVariables: {}, query: 'sum(up)' },
    ]);
    expect(c.canaries[0].analysis.metrics[1].thresholdRange).toBeNull();
    expect(c.templates).toEqual([
      { name: 'errors', namespace: 'test', providerType: 'prometheus', providerAddress: 'http://prometheus:9090', query: 'sum(rate(x{code=~"{{ variables.code }}"}[{{ interval }}]))' },
      { name: 'latency', namespace: 'flagger', providerType: 'prometheus', providerAddress: 'http://prometheus:9090', query: 'sum(rate(y[{{ interval }}]))' },
    ]);
  });

  it('reads the deprecated canaryAnalysis as analysis, and prefers analysis when both are set', () => {
    const only = canaryYaml().replace('  analysis:\n', '  canaryAnalysis:\n');
    const c = clean(only);
    expect(c.canaries[0].analysis.stepWeight).toBe(10);
    expect(c.warnings).toEqual([
      `${loc(only, 'canaryAnalysis:')}: spec.canaryAnalysis: canaryAnalysis is deprecated and read as analysis, as Flagger does; rename it to analysis (the v1beta1 CRD requires analysis)`,
    ]);
    const both = `${canaryYaml()}  canaryAnalysis:\n    interval: 1m\n    threshold: 5\n    stepWeight: 30\n`;
    const b = clean(both);
    expect(b.canaries[0].analysis.stepWeight).toBe(10);
    expect(b.warnings).toEqual([`${loc(both, 'canaryAnalysis:')}: spec.canaryAnalysis: canaryAnalysis is ignored: analysis is set, and Flagger reads analysis when both are`]);
  });
});

describe('canarySchema: field types and CRD patterns', () => {
  it.each([
    ['interval: 1h', 'spec.analysis.interval', "expected analysis.interval as a Go duration such as 1m or 30s (the Canary CRD's pattern ^[0-9]+(m|s)), found string \"1h\""],
    ['interval: 60', 'spec.analysis.interval', 'expected analysis.interval as a Go duration such as 1m or 30s, found number 60'],
    ['threshold: five', 'spec.analysis.threshold', 'expected analysis.threshold as a whole number, found string "five"'],
    ['stepWeight: 2.5', 'spec.analysis.stepWeight', 'expected analysis.stepWeight as a whole number'],
    ['mirror: yes', 'spec.analysis.mirror', 'expected analysis.mirror as true or false, found string "yes"'],
  ])('rejects %s', (line, path, message) => {
    const field = line.split(':')[0];
    const body = ANALYSIS.split('\n').filter((l) => !l.trim().startsWith(`${field}:`));
    const text = canaryYaml([...body, `    ${line}`].join('\n'));
    expect(compile(text).schema).toEqual([`${loc(text, line, line.split(': ')[1])}: ${path}: ${message}`]);
  });

  it('checks webhooks: type enum, timeout pattern, required url, string metadata', () => {
    const text = canaryYaml(`${ANALYSIS}
    webhooks:
      - name: a
        type: pre-deploy
        url: http://a/
      - name: b
        url: http://b/
        timeout: 1h
      - name: c
      - name: d
        url: http://d/
        metadata: { logCmdOutput: true }`);
    expect(compile(text).schema).toEqual([
      `${loc(text, 'type: pre-deploy', 'pre-deploy')}: spec.analysis.webhooks[0].type: expected the webhook type to be one of confirm-rollout, pre-rollout, rollout, confirm-promotion, post-rollout, event, rollback, confirm-traffic-increase (or empty for rollout), found string "pre-deploy"`,
      `${loc(text, 'timeout: 1h', '1h')}: spec.analysis.webhooks[1].timeout: expected the webhook timeout as a Go duration such as 1m or 30s (the Canary CRD's pattern ^[0-9]+(m|s)), found string "1h"`,
      `${loc(text, 'name: c', 'name')}: spec.analysis.webhooks[2].url: missing required field "url": expected the webhook url`,
      `${loc(text, 'true }', 'true')}: spec.analysis.webhooks[3].metadata.logCmdOutput: expected the webhook metadata values as strings (quote numbers and booleans), found boolean true`,
    ]);
  });

  it('accepts what the CRD pattern accepts though it is not end-anchored (500ms, 10sx)', () => {
    const text = canaryYaml(`${ANALYSIS}
    metrics:
      - name: request-success-rate
        interval: 500ms
        thresholdRange: { min: 99 }`);
    expect(compile(text).schema).toEqual([]);
  });

  it('checks metric intervals against the CRD pattern and alert severities against the enum', () => {
    const text = canaryYaml(`${ANALYSIS}
    metrics:
      - name: request-success-rate
        interval: 1h
        thresholdRange: { min: 99 }
    alerts:
      - name: on-call
        severity: critical
        providerRef: { name: slack }`);
    expect(compile(text).schema).toEqual([
      `${loc(text, 'interval: 1h', '1h')}: spec.analysis.metrics[0].interval: expected the metric interval as a Go duration such as 1m or 30s (the Canary CRD's pattern ^[0-9]+(m|s)), found string "1h"`,
      `${loc(text, 'severity: critical', 'critical')}: spec.analysis.alerts[0].severity: expected the alert severity to be info, warn or error, found string "critical"`,
    ]);
  });

  it('checks MetricTemplates: provider type enum, the Prometheus address, the query', () => {
    const text = `${template('a', 'sum(up)', 'type: victoria')}${template('b', 'sum(up)', 'type: prometheus')}---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: { name: c, namespace: test }
spec:
  provider: { type: prometheus, address: http://p:9090 }
`;
    expect(compile(text).schema).toEqual([
      `${loc(text, 'type: victoria', 'victoria')}: spec.provider.type: expected provider.type to be one of prometheus, influxdb, datadog, externalmetrics, stackdriver, cloudwatch, newrelic, graphite, dynatrace, keptn, splunk, found string "victoria"`,
      `${loc(text, 'type: prometheus', 'type', 'name: b')}: spec.provider.address: missing required field "address": expected the Prometheus URL, e.g. http://prometheus:9090 (Flagger needs it for type prometheus)`,
      `${loc(text, 'provider: { type: prometheus, address: http://p:9090 }', 'provider')}: spec.query: missing required field "query": expected query, the Go-templated query text`,
    ]);
  });
});

describe('compileFlagger: CRD rules (analysis required, oneOf)', () => {
  it('rejects a Canary without analysis, as the API server does', () => {
    const text = canaryYaml().replace(/ {2}analysis:\n[\s\S]*$/, '');
    const c = compile(text);
    expect(c.schema).toEqual([]);
    expect(c.errors).toEqual([
      `${loc(text, 'spec:')}: spec: missing required field "analysis": the Canary CRD requires spec.analysis with interval, threshold and one of iterations, stepWeight or stepWeights; the API server rejects this Canary`,
    ]);
  });

  it.each([
    ['    interval: 1m\n    threshold: 5\n    iterations: 10', null],
    ['    interval: 1m\n    threshold: 5\n    stepWeight: 10', null],
    ['    interval: 1m\n    threshold: 5\n    stepWeights: [10, 50]', null],
    ['    interval: 1m\n    threshold: 5\n    maxWeight: 50', "expected one of analysis.iterations (Blue/Green or A/B testing), analysis.stepWeight or analysis.stepWeights (canary): the Canary CRD's oneOf rule makes the API server reject an analysis with none of them"],
    [
      '    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    stepWeights: [10, 50]',
      "expected exactly one of analysis.iterations, stepWeight and stepWeights, found stepWeight and stepWeights: the Canary CRD's oneOf rule makes the API server reject an analysis with more than one",
    ],
    [
      '    interval: 1m\n    threshold: 5\n    iterations: 10\n    stepWeight: 10',
      "expected exactly one of analysis.iterations, stepWeight and stepWeights, found iterations and stepWeight: the Canary CRD's oneOf rule makes the API server reject an analysis with more than one",
    ],
    ['    threshold: 5\n    stepWeight: 10', 'missing analysis.interval: the Canary CRD requires interval and threshold with one of iterations, stepWeight or stepWeights, so the API server rejects this Canary'],
    ['    interval: 1m\n    iterations: 10', 'missing analysis.threshold: the Canary CRD requires interval and threshold with one of iterations, stepWeight or stepWeights, so the API server rejects this Canary'],
    ['    metrics: []', 'missing analysis.interval and analysis.threshold: the Canary CRD requires interval and threshold with one of iterations, stepWeight or stepWeights, so the API server rejects this Canary'],
  ])('oneOf: %j', (analysis, message) => {
    const text = canaryYaml(analysis);
    const c = compile(text);
    expect(c.schema).toEqual([]);
    if (message === null) {
      expect(c.errors).toEqual([]);
      return;
    }
    // Located at the last conflicting field's key, or at analysis.
    const conflict = message.startsWith('expected exactly') ? /found \w+ and (\w+)/.exec(message)?.[1] : undefined;
    const where = conflict ? `${loc(text, `    ${conflict}:`, conflict)}: spec.analysis.${conflict}` : `${loc(text, '  analysis:', 'analysis')}: spec.analysis`;
    expect(c.errors).toEqual([`${where}: ${message}`]);
  });
});

describe('compileFlagger: errors', () => {
  it('accepts only Deployment targets', () => {
    const text = canaryYaml().replace('kind: Deployment', 'kind: DaemonSet');
    expect(compile(text).errors).toEqual([
      `${loc(text, 'kind: DaemonSet', 'DaemonSet')}: spec.targetRef.kind: targetRef.kind DaemonSet is not simulated: only Deployment targets are (Flagger also takes DaemonSets and Services)`,
    ]);
  });

  it('accepts only the traefik and kubernetes providers', () => {
    const text = canaryYaml().replace('provider: traefik', 'provider: istio');
    expect(compile(text).errors).toEqual([`${loc(text, 'provider: istio', 'istio')}: spec.provider: provider istio is not simulated: only the Traefik router (provider traefik) and the kubernetes provider are`]);
    const noProvider = canaryYaml().replace('  provider: traefik\n', '');
    expect(compile(noProvider, { meshProvider: 'istio' }).errors).toEqual([
      `${loc(noProvider, 'targetRef:')}: spec.provider: provider istio (Flagger's mesh provider, as the Canary sets no spec.provider) is not simulated: only the Traefik router (provider traefik) and the kubernetes provider are`,
    ]);
  });

  it('reports a metric whose MetricTemplate does not exist, with the known ones and a did-you-mean', () => {
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - name: not-found
        interval: 1m
        templateRef:
          name: not-found-percentag
        thresholdRange: { max: 5 }
      - name: elsewhere
        interval: 1m
        templateRef: { name: not-found-percentage, namespace: flagger }
        thresholdRange: { max: 5 }`) + template('not-found-percentage', 'sum(up)') + template('latency', 'sum(up)');
    expect(compile(text).errors).toEqual([
      `${loc(text, 'name: not-found-percentag', 'not-found-percentag')}: spec.analysis.metrics[0].templateRef.name: no MetricTemplate not-found-percentag in namespace test (did you mean not-found-percentage?); MetricTemplates there: not-found-percentage, latency (Flagger would fail this check every tick with "Metric template not-found-percentag.test error: …")`,
      `${loc(text, 'name: not-found-percentage, namespace', 'not-found-percentage')}: spec.analysis.metrics[1].templateRef.name: no MetricTemplate not-found-percentage in namespace flagger; MetricTemplates there: none (Flagger would fail this check every tick with "Metric template not-found-percentage.flagger error: …")`,
    ]);
  });

  it('refuses MetricTemplates of other providers when a Canary uses them, and warns about unused ones', () => {
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - name: dd
        interval: 1m
        templateRef: { name: dd }
        thresholdRange: { max: 5 }`) +
      template('dd', 'avg:requests{*}', 'type: datadog\n    address: https://api.datadoghq.com') +
      template('nr', 'SELECT 1', 'type: newrelic');
    const c = compile(text);
    expect(c.schema).toEqual([]);
    expect(c.errors).toEqual([`${loc(text, 'type: datadog', 'datadog')}: spec.provider.type: provider type datadog is not simulated: only Prometheus is (used by Canary podinfo metric dd)`]);
    expect(c.warnings).toContain(`${loc(text, 'type: newrelic', 'newrelic')}: spec.provider.type: provider type newrelic is not simulated (only Prometheus is); no Canary uses this MetricTemplate, so it is ignored`);
  });

  it('reports {{ variables.X }} that templateVariables does not define, naming the variable', () => {
    const q = '\'sum(rate(x{code=~"{{ variables.code }}", route="{{ variables.route }}"}[{{ interval }}]))\'';
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - name: errors
        interval: 1m
        templateRef: { name: errors }
        templateVariables:
          code: "5.."
          rout: api
        thresholdRange: { max: 1 }
      - name: errors-too
        interval: 1m
        templateRef: { name: errors }
        thresholdRange: { max: 1 }`) + template('errors', q);
    const c = compile(text);
    expect(c.errors).toHaveLength(2);
    expect(c.errors[0]).toMatch(
      new RegExp(
        `^${loc(text, 'templateVariables:')}: spec\\.analysis\\.metrics\\[0\\]\\.templateVariables: templateVariables has no route, which MetricTemplate errors uses as \\{\\{ variables\\.route \\}\\} \\(did you mean rout\\?\\): Flagger fails this check every tick with "Metric template errors\\.test query render error: template excution failed: .*map has no entry for key \\\\?"route\\\\?""$`,
      ),
    );
    expect(c.errors[1]).toContain(`${loc(text, "templateRef: { name: errors }\n        thresholdRange: { max: 1 }", 'templateRef')}: spec.analysis.metrics[1].templateRef: templateVariables has no code`);
  });

  it('reports a template query that does not parse, once, at the template', () => {
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - { name: a, interval: 1m, templateRef: { name: broken }, thresholdRange: { max: 1 } }
      - { name: b, interval: 1m, templateRef: { name: broken }, thresholdRange: { max: 1 } }`) + template('broken', '"sum(rate(x[{{ interval }]))"');
    const c = compile(text);
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toMatch(new RegExp(`^${loc(text, 'query: "sum', '"sum')}: spec\\.query: the query does not parse as a Go template \\(line 1 of the query\\): template parsing failed: `));
    expect(c.errors[0]).toContain('Flagger fails every check using it with "Metric template broken.test query render error: …"');
  });

  it('reports a webhook timeout that passes the CRD pattern but is not a Go duration', () => {
    const text = canaryYaml(`${ANALYSIS}
    webhooks:
      - name: gate
        type: confirm-rollout
        url: http://gate/
        timeout: 10sx`);
    expect(compile(text).errors).toEqual([
      `${loc(text, 'timeout: 10sx', '10sx')}: spec.analysis.webhooks[0].timeout: timeout "10sx" matches the CRD's pattern but is not a Go duration (invalid duration "10sx"): Flagger fails every call of webhook gate; write e.g. 30s`,
    ]);
  });
});

describe('compileFlagger: warnings (what is ignored, and what Flagger does)', () => {
  /** Warnings of a Canary that must compile without errors. */
  const warnings = (text: string, opts: FlaggerOptions = OPTS) => clean(text, opts).warnings;

  it('analysis.match with Traefik: A/B iterations send all traffic to the canary', () => {
    const text = canaryYaml(`    interval: 1m
    threshold: 5
    iterations: 10
    match:
      - headers: { x-canary: { exact: insider } }`);
    expect(warnings(text)).toEqual([
      `${loc(text, 'match:')}: spec.analysis.match: match is ignored by Flagger's Traefik router: this A/B analysis sends ALL traffic to the canary on every iteration (routes 0/100), not only the matching requests (§6.3, §12.9)`,
    ]);
    const canary = canaryYaml(`${ANALYSIS}\n    match:\n      - headers: { x-canary: { exact: insider } }`);
    expect(warnings(canary)).toEqual([`${loc(canary, 'match:')}: spec.analysis.match: match is ignored: it only selects A/B testing together with iterations, and Flagger's Traefik router ignores it anyway (§12.9)`]);
  });

  it('mirror: true with Traefik: the canary strategy never leaves weight 0; Blue/Green runs unmirrored', () => {
    const text = canaryYaml(`${ANALYSIS}\n    mirror: true\n    mirrorWeight: 50`);
    expect(warnings(text)).toEqual([
      `${loc(text, 'mirror: true', 'true')}: spec.analysis.mirror: mirror: true with the Traefik router, which cannot mirror: Flagger never leaves weight 0 — every tick repeats "Starting canary analysis", the pre-rollout hooks and "Advance … canary weight 0", without progressing or failing (§10.4)`,
      `${loc(text, 'mirrorWeight: 50', '50')}: spec.analysis.mirrorWeight: mirrorWeight is ignored: only Flagger's Istio router reads it (§10.4)`,
    ]);
    const bg = canaryYaml('    interval: 1m\n    threshold: 5\n    iterations: 5\n    mirror: true');
    expect(warnings(bg)).toEqual([
      `${loc(bg, 'mirror: true', 'true')}: spec.analysis.mirror: mirror: true is ignored by the Traefik router, which cannot mirror: Flagger runs a plain Blue/Green analysis, with no mirrored traffic (§10.4)`,
    ]);
  });

  it('sessionAffinity, revertOnDeletion, autoscalerRef, metricsServer, upstreamRef', () => {
    const text = canaryYaml(
      `${ANALYSIS}\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 21600`,
      `  autoscalerRef:
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    name: podinfo
  metricsServer: http://prometheus.monitoring:9090
  revertOnDeletion: true
  upstreamRef: { name: podinfo }
`,
    );
    expect(warnings(text)).toEqual([
      `${loc(text, 'autoscalerRef:')}: spec.autoscalerRef: autoscalerRef is ignored: HorizontalPodAutoscalers are not simulated, so the replica count stays the Deployment's spec.replicas (Flagger would create podinfo-primary's autoscaler and pause the canary's at scale-down)`,
      `${loc(text, 'metricsServer: http', 'http')}: spec.metricsServer: metricsServer http://prometheus.monitoring:9090 is not contacted: every Prometheus query goes to the simulated Prometheus (Flagger sends builtin and inline-query metrics there)`,
      `${loc(text, 'revertOnDeletion: true', 'true')}: spec.revertOnDeletion: revertOnDeletion is ignored: the simulated Canary is never deleted (Flagger would restore the target and the Services when it is)`,
      `${loc(text, 'upstreamRef:')}: spec.upstreamRef: upstreamRef is ignored: only Flagger's Gloo router uses it`,
      `${loc(text, 'sessionAffinity:')}: spec.analysis.sessionAffinity: sessionAffinity is ignored: only Flagger's Istio and Gateway API routers use it`,
    ]);
  });

  it('alerts are recorded, not delivered; empty severity and missing providers are explained', () => {
    const text = `${canaryYaml(`${ANALYSIS}
    alerts:
      - name: on-call
        severity: error
        providerRef: { name: on-call }
      - name: dev
        providerRef: { name: slack, namespace: flagger }`)}---
apiVersion: flagger.app/v1beta1
kind: AlertProvider
metadata: { name: on-call, namespace: test }
spec: { type: pagerduty }
`;
    expect(warnings(text)).toEqual([
      `${loc(text, '- name: on-call', 'name')}: spec.analysis.alerts[0]: alert on-call is recorded in the run's alerts, not delivered to AlertProvider on-call (severity error)`,
      `${loc(text, '- name: dev', 'name')}: spec.analysis.alerts[1]: alert dev is recorded in the run's alerts, not delivered to AlertProvider slack; its severity is empty, so Flagger sends this entry nothing (the docs say the default is info, the code filters every alert out, §9.3); there is no AlertProvider slack in namespace flagger in this scenario (Flagger would log an error instead of sending)`,
    ]);
  });

  it('MetricTemplate address, secretRef and headers: every query goes to the simulated Prometheus', () => {
    const text = template('t', 'sum(up)', 'type: prometheus\n    address: https://prom.example.com\n    secretRef: { name: prom-auth }\n    headers: { X-Scope-OrgID: [team-a] }\n    insecureSkipVerify: true');
    expect(warnings(text)).toEqual([
      `${loc(text, 'address: https', 'https')}: spec.provider.address: provider.address https://prom.example.com is not contacted: every query of this template goes to the simulated Prometheus`,
      `${loc(text, 'secretRef:')}: spec.provider.secretRef: provider.secretRef is ignored: the simulated Prometheus needs no credentials (every query goes to it)`,
      `${loc(text, 'headers:')}: spec.provider.headers: provider.headers is ignored: the simulated Prometheus reads no headers (every query goes to it)`,
      `${loc(text, 'insecureSkipVerify:')}: spec.provider.insecureSkipVerify: provider.insecureSkipVerify is ignored: the simulated Prometheus is not reached over TLS (every query goes to it)`,
    ]);
  });

  it('spec.service fields that only meshes use', () => {
    const text = canaryYaml().replace(
      '  service:\n    port: 80\n',
      `  service:
    port: 80
    gateways: [public-gateway.istio-system.svc.cluster.local]
    hosts: [app.example.com]
    trafficPolicy: { tls: { mode: DISABLE } }
    retries: { attempts: 3 }
    apex:
      annotations: { test: "annotations-test" }
    prot: 81
`,
    );
    expect(warnings(text)).toEqual([
      `${loc(text, 'prot:')}: spec.service.prot: unknown field prot of service (did you mean port?): the Canary CRD does not declare it, so the API server drops it and Flagger never sees it`,
      `${loc(text, 'gateways:')}: spec.service.gateways: service.gateways is ignored: Flagger's Traefik router does not use it (it configures service meshes and other routers)`,
      `${loc(text, 'hosts:')}: spec.service.hosts: service.hosts is ignored: Flagger's Traefik router does not use it (it configures service meshes and other routers)`,
      `${loc(text, 'trafficPolicy:')}: spec.service.trafficPolicy: service.trafficPolicy is ignored: Flagger's Traefik router does not use it (it configures service meshes and other routers)`,
      `${loc(text, 'retries:')}: spec.service.retries: service.retries is ignored: Flagger's Traefik router does not use it (it configures service meshes and other routers)`,
      `${loc(text, 'apex:')}: spec.service.apex: service.apex is ignored: it only adds labels and annotations to the objects Flagger generates, which nothing simulated reads`,
    ]);
  });

  it('fields the CRD does not declare, with a did-you-mean', () => {
    const text = canaryYaml(`${ANALYSIS}\n    maxweight: 60\n    metrics:\n      - name: request-success-rate\n        thresholdrange: { min: 99 }\n        thresholdRange: { min: 99 }`, '  skipanalysis: true\n');
    expect(warnings(text)).toEqual([
      `${loc(text, 'skipanalysis:')}: spec.skipanalysis: unknown field skipanalysis of spec (did you mean skipAnalysis?): the Canary CRD does not declare it, so the API server drops it and Flagger never sees it`,
      `${loc(text, 'maxweight:')}: spec.analysis.maxweight: unknown field maxweight of analysis (did you mean maxWeight?): the Canary CRD does not declare it, so the API server drops it and Flagger never sees it`,
      `${loc(text, 'thresholdrange:')}: spec.analysis.metrics[0].thresholdrange: unknown field thresholdrange of the metric (did you mean thresholdRange?): the Canary CRD does not declare it, so the API server drops it and Flagger never sees it`,
    ]);
  });

  it('a metric with neither templateRef nor query nor a builtin name fails every tick', () => {
    const text = canaryYaml(`${ANALYSIS}\n    metrics:\n      - name: error-rate\n        interval: 1m\n        thresholdRange: { max: 1 }`);
    expect(warnings(text)).toEqual([
      `${loc(text, 'name: error-rate', 'error-rate')}: spec.analysis.metrics[0].name: metric error-rate has neither templateRef nor query and is not a builtin (request-success-rate, request-duration): Flagger fails this check every tick with "Metric query failed for no usable metrics template and query were configured"`,
    ]);
  });

  it('builtin metrics without thresholds (§12.12), and a templated builtin evaluated twice (§12.11)', () => {
    const text =
      canaryYaml(`${ANALYSIS}
    metrics:
      - name: request-duration
        interval: 1m
      - name: request-success-rate
        interval: 1m
      - name: custom
        interval: 1m
        query: sum(up)
      - name: request-success-rate
        interval: 1m
        templateRef: { name: sr }
        thresholdRange: { min: 99 }`) + template('sr', 'sum(up)');
    const w = warnings(text).filter((x) => !x.includes('provider.address'));
    expect(w).toEqual([
      `${loc(text, 'name: request-duration', 'request-duration')}: spec.analysis.metrics[0].name: request-duration has no thresholdRange: Flagger compares the P99 with 0 and fails the check whenever it is above 0ms, i.e. always (§12.12); set thresholdRange.max in milliseconds`,
      `${loc(text, 'name: request-success-rate', 'request-success-rate')}: spec.analysis.metrics[1].name: request-success-rate has no thresholdRange: Flagger compares with 0 and the check never fails (§8.4); set thresholdRange.min, e.g. 99`,
      `${loc(text, 'name: custom', 'custom')}: spec.analysis.metrics[2].name: metric custom has no thresholdRange: Flagger fails the check whenever the value is above 0 (§12.12); set thresholdRange`,
      `${loc(text, 'templateRef: { name: sr }', 'templateRef')}: spec.analysis.metrics[3].templateRef: metric request-success-rate is evaluated twice: Flagger runs its builtin query and then the template (§4.A, §12.11)`,
    ]);
  });

  it('stepWeight 0 with no stepWeights and no iterations never advances (§12.14)', () => {
    const text = canaryYaml(ANALYSIS.replace('stepWeight: 10', 'stepWeight: 0'));
    expect(warnings(text)).toEqual([
      `${loc(text, 'stepWeight: 0', '0')}: spec.analysis.stepWeight: the canary never advances: with stepWeight 0, no stepWeights and no iterations, Flagger repeats "Starting canary analysis" every tick and never shifts traffic (§12.14)`,
    ]);
  });

  it('metric windows shorter than twice the scrape interval', () => {
    const text = canaryYaml(`${ANALYSIS}
    metrics:
      - name: request-success-rate
        interval: 20s
        thresholdRange: { min: 99 }
      - name: request-duration
        thresholdRange: { max: 500 }`);
    expect(warnings(text)).toEqual([
      `${loc(text, 'interval: 20s', '20s')}: spec.analysis.metrics[0].interval: the metric interval 20s is shorter than twice the scrape interval (15s): rate() over it often has fewer than two samples, and Flagger then halts with "no values found"`,
    ]);
    expect(warnings(text, { meshProvider: 'traefik', scrapeIntervalMs: 45_000 })).toEqual([
      `${loc(text, 'interval: 20s', '20s')}: spec.analysis.metrics[0].interval: the metric interval 20s is shorter than twice the scrape interval (45s): rate() over it often has fewer than two samples, and Flagger then halts with "no values found"`,
      `${loc(text, 'name: request-duration', 'request-duration')}: spec.analysis.metrics[1].name: the metric interval 1m (Flagger's default) is shorter than twice the scrape interval (45s): rate() over it often has fewer than two samples, and Flagger then halts with "no values found"`,
    ]);
    // Longer than the analysis interval is fine.
    expect(warnings(canaryYaml(`${ANALYSIS}\n    metrics:\n      - name: request-success-rate\n        interval: 5m\n        thresholdRange: { min: 99 }`))).toEqual([]);
  });

  it('a templateRef metric without interval renders {{ interval }} empty (§12.10)', () => {
    const text =
      canaryYaml(`${ANALYSIS}\n    metrics:\n      - name: nf\n        templateRef: { name: nf }\n        thresholdRange: { max: 5 }`) +
      template('nf', '"sum(rate(x[{{ interval }}]))"', 'type: prometheus\n    address: http://p:9090');
    expect(warnings(text).filter((x) => !x.includes('provider.address'))).toEqual([
      `${loc(text, 'name: nf', 'nf')}: spec.analysis.metrics[0].name: metric nf sets no interval but MetricTemplate nf uses {{ interval }}: Flagger renders it as an empty string for templateRef metrics (only builtin and query metrics default to 1m), so the query is likely invalid; set interval, e.g. 1m`,
    ]);
  });

  it('the kubernetes provider: no traffic shifting, match dropped', () => {
    const text = canaryYaml(`${ANALYSIS}\n    match:\n      - headers: { x-canary: { exact: insider } }`).replace('provider: traefik', 'provider: kubernetes');
    expect(warnings(text)).toEqual([
      `${loc(text, 'match:')}: spec.analysis.match: match is ignored: with the kubernetes provider Flagger drops it, warning "A/B testing is not supported when using the kubernetes provider" every tick`,
      `${loc(text, '  analysis:', 'analysis')}: spec.analysis: the kubernetes provider does not shift traffic: Flagger warns "Progressive traffic is not supported when using the kubernetes provider" on every analysed tick and runs 10 iterations (Blue/Green) without changing routes`,
    ]);
  });
});

describe('shared examples and the default scenario', () => {
  it('compiles the Flagger Traefik tutorial without errors, with the warnings it deserves', () => {
    const file = resolve(repoRoot, 'test/fixtures/examples/01-flagger-docs-traefik-tutorial.yaml');
    const text = readFileSync(file, 'utf8');
    const c = clean(text);
    // MetricTemplates are compiled before Canaries (the loader sorts diagnostics by position).
    expect(c.warnings).toEqual([
      `${loc(text, 'address: http://flagger-prometheus', 'http')}: spec.provider.address: provider.address http://flagger-prometheus.traefik:9090 is not contacted: every query of this template goes to the simulated Prometheus`,
      `${loc(text, 'autoscalerRef:')}: spec.autoscalerRef: autoscalerRef is ignored: HorizontalPodAutoscalers are not simulated, so the replica count stays the Deployment's spec.replicas (Flagger would create podinfo-primary's autoscaler and pause the canary's at scale-down)`,
    ]);
    const [canary] = c.canaries;
    expect(canary).toMatchObject({ name: 'podinfo', namespace: 'test', target: 'podinfo', apex: 'podinfo', port: 80, provider: 'traefik', progressDeadlineSeconds: 60 });
    expect(canary.analysis).toMatchObject({ intervalMs: 10_000, threshold: 10, maxWeight: 50, stepWeight: 5 });
    expect(canary.analysis.webhooks.map((w) => [w.name, w.type, w.timeoutMs])).toEqual([
      ['acceptance-test', 'pre-rollout', 10_000],
      ['load-test', 'rollout', 5_000],
    ]);
    expect(c.templates.map((t) => [t.name, t.namespace, t.providerType])).toEqual([['not-found-percentage', 'test', 'prometheus']]);
  });

  it("compiles the default scenario's Canary without any diagnostic", () => {
    const text = readFileSync(resolve(repoRoot, 'scenarios/manifests/shop/canary.yaml'), 'utf8');
    const c = clean(text);
    expect(c.warnings).toEqual([]);
    expect(c.canaries[0]).toMatchObject({ name: 'backend', namespace: 'shop', apex: 'backend', analysis: { intervalMs: 60_000, threshold: 5, stepWeight: 10, maxWeight: 50 } });
  });
});

// ---- webhook behaviour --------------------------------------------------------

const SCENARIO = (webhooks: string) => `apiVersion: gameday.dev/v1alpha1
kind: Scenario
metadata: { name: t }
spec:
  duration: 30m
  traffic: [{ name: t, target: podinfo, rate: 1 }]
  services: {}
  webhooks:
${webhooks}
`;

/** Canaries podinfo (test) with webhooks load-test and gate, and api (shop) with load-test and notify (event). */
const CANARIES = (() => {
  const hooks = (names: string[][]) => names.map(([n, t]) => `      - { name: ${n}, type: ${t}, url: http://x/ }`).join('\n');
  const a = canaryYaml(`${ANALYSIS}\n    webhooks:\n${hooks([['load-test', 'rollout'], ['gate', 'confirm-rollout']])}`);
  const b = canaryYaml(`${ANALYSIS}\n    webhooks:\n${hooks([['load-test', 'rollout'], ['notify', 'event']])}`)
    .replace('name: podinfo\n  namespace: test', 'name: api\n  namespace: shop')
    .replace('    name: podinfo', '    name: api');
  return clean(`${a}---\n${b}`).canaries;
})();

function behaviours(webhooks: string) {
  const text = SCENARIO(webhooks);
  const { documents } = parseYamlFile('scenario.yaml', text);
  const doc = documents[0];
  const parsed = scenarioDocumentSchema.safeParse(doc.value);
  if (!parsed.success) return { text, schema: issuesToDiagnostics(parsed.error.issues, doc, scenarioDocumentSchema).map(fmt), errors: [], warnings: [], out: [] };
  const diagnostics: Diagnostic[] = [];
  const { err, warn } = reporters(diagnostics);
  const out = compileWebhookBehaviours(parsed.data, doc, CANARIES, err, warn);
  return {
    text,
    schema: [] as string[],
    errors: diagnostics.filter((d) => d.severity === 'error').map(fmt),
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(fmt),
    out,
  };
}

describe('compileWebhookBehaviours: spec.webhooks', () => {
  it('compiles the documented example', () => {
    const r = behaviours(`    - name: gate
      canary: podinfo
      latency: 50ms
      responses:
        - status: 403
          times: 2
        - hang: true
          until: 10m
        - status: 200`);
    expect(r.schema).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.out).toEqual([
      {
        name: 'gate',
        canary: 'test/podinfo',
        latencyMs: 50,
        responses: [
          { status: 403, body: 'Forbidden', times: 2, untilMs: null },
          { status: null, body: '', times: null, untilMs: 600_000 },
          { status: 200, body: 'OK', times: null, untilMs: null },
        ],
        errorBudget: null,
        human: false,
      },
    ]);
  });

  it('defaults: latency 0, one 200 answer for ever; times 1 for all but the last entry; a name without canary covers every Canary', () => {
    const r = behaviours(`    - name: load-test
    - name: gate
      responses:
        - { status: 500, body: boom }
        - { status: 202 }`);
    expect(r.errors).toEqual([]);
    expect(r.out).toEqual([
      { name: 'load-test', canary: null, latencyMs: 0, responses: [{ status: 200, body: 'OK', times: null, untilMs: null }], errorBudget: null, human: false },
      {
        name: 'gate',
        canary: null,
        latencyMs: 0,
        responses: [
          { status: 500, body: 'boom', times: 1, untilMs: null },
          { status: 202, body: 'Accepted', times: null, untilMs: null },
        ],
        errorBudget: null,
        human: false,
      },
    ]);
  });

  it('reports a webhook no Canary has, with a did-you-mean', () => {
    const r = behaviours('    - name: load-tst\n    - name: gate\n      canary: api');
    expect(r.errors).toEqual([
      `${loc(r.text, 'load-tst')}: spec.webhooks[0].name: no webhook named load-tst in any Canary of this scenario (did you mean load-test?); webhooks: load-test, gate, notify`,
      `${loc(r.text, 'name: gate', 'gate')}: spec.webhooks[1].name: no webhook named gate in Canary api; webhooks: load-test, notify`,
    ]);
  });

  it('reports an unknown Canary, with a did-you-mean, and accepts namespace/name', () => {
    const r = behaviours('    - name: gate\n      canary: podinf\n    - name: load-test\n      canary: shop/api');
    expect(r.errors).toEqual([`${loc(r.text, 'canary: podinf', 'podinf')}: spec.webhooks[0].canary: no Canary named podinf (did you mean podinfo?); Canaries in this scenario: podinfo, api`]);
    expect(r.out).toEqual([{ name: 'load-test', canary: 'shop/api', latencyMs: 0, responses: [{ status: 200, body: 'OK', times: null, untilMs: null }], errorBudget: null, human: false }]);
  });

  it('refuses times and until together, and two behaviours for one webhook', () => {
    const r = behaviours(`    - name: gate
      responses:
        - { status: 403, times: 2, until: 5m }
        - { status: 200 }
    - name: load-test
      canary: api
    - name: load-test`);
    expect(r.errors).toEqual([
      `${loc(r.text, 'until: 5m', '5m')}: spec.webhooks[0].responses[0].until: expected times or until, not both: a response answers a number of calls or the calls made before a time`,
      `${loc(r.text, 'load-test', 'load-test', 'canary: api')}: spec.webhooks[2].name: webhook load-test of Canary api already has its behaviour in spec.webhooks[1]; give each webhook one entry (narrow with canary)`,
    ]);
  });

  it('warns about times/until on the last response, unreachable responses and event hooks', () => {
    const r = behaviours(`    - name: gate
      responses:
        - { status: 403, until: 10m }
        - { status: 500, until: 5m }
        - { status: 200, times: 3 }
    - name: notify`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      `${loc(r.text, 'until: 5m', '5m')}: spec.webhooks[0].responses[1].until: this response is never used: an earlier response already answers every call before this time`,
      `${loc(r.text, 'times: 3', 'times')}: spec.webhooks[0].responses[2].times: times is ignored: the last response answers every later call`,
      `${loc(r.text, 'name: notify', 'notify')}: spec.webhooks[1].name: webhook notify of Canary api is an event hook: Flagger only logs its answers, so they change nothing`,
    ]);
  });

  it('validates the entries: a status or hang, not both; statuses 100–599; unknown fields', () => {
    const r = behaviours(`    - name: gate
      responses:
        - { body: nope }
        - { status: 200, hang: true }
        - { status: 700 }
        - { hang: true, body: x }
      latncy: 1s`);
    expect(r.schema).toEqual([
      `${loc(r.text, '{ body: nope }')}: spec.webhooks[0].responses[0].status: missing required field "status": expected an HTTP status (e.g. 200, 403, 500) or hang: true for no answer (a timeout)`,
      `${loc(r.text, 'hang: true }', 'true')}: spec.webhooks[0].responses[1].hang: expected status or hang: true, not both: a call that hangs gets no status`,
      `${loc(r.text, '700')}: spec.webhooks[0].responses[2].status: expected an HTTP status from 100 to 599`,
      `${loc(r.text, 'body: x', 'x')}: spec.webhooks[0].responses[3].body: a call that hangs gets no body: remove body or hang`,
      `${loc(r.text, 'latncy')}: spec.webhooks[0].latncy: unknown field "latncy" (did you mean "latency"?)`,
    ]);
  });

  it("uses Go's http.StatusText for default bodies", () => {
    expect([200, 202, 403, 429, 500, 501, 503, 299].map(statusText)).toEqual(['OK', 'Accepted', 'Forbidden', 'Too Many Requests', 'Internal Server Error', 'Not Implemented', 'Service Unavailable', '']);
  });

  it('defaults spec.webhooks to an empty list', () => {
    const text = SCENARIO('').replace('  webhooks:\n', '');
    const parsed = scenarioDocumentSchema.parse(parseYamlFile('s.yaml', text).documents[0].value);
    expect(parsed.spec.webhooks).toEqual([]);
  });
});
