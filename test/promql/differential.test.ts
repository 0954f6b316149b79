import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { instantQuery, rangeQuery } from '../../simulation/promql/engine';
import { collapseWhitespace, type MetricTemplateModel, renderQuery, TRAEFIK_BUILTIN_QUERIES } from '../../simulation/rollout/template';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { compareResults, hasPrometheus, type PrometheusServer, startPrometheus } from '../support/prometheus';
import { catalogueFromStore, generateExpressions, isOrderedExpression } from '../support/promql-gen';
import { repoHost } from '../support/scenario';

/**
 * Differential test: the default scenario's scraped samples, backfilled into
 * Debian's Prometheus 2.42, queried through both. The export carries no
 * staleness markers, so our evaluator runs with staleness off here.
 */
const P = 'shop-backend-primary-[0-9a-zA-Z-]+@kubernetescrd';
const SVC = 'traefik_service_requests_total';
const BUCKET = 'traefik_service_request_duration_seconds_bucket';

export const EXPRESSIONS: string[] = [
  // Flagger's built-in Traefik checks (on the primary, which carries the traffic here).
  `sum(rate(${BUCKET}{service=~"${P}",code!~"5..",le="+Inf"}[1m])) / sum(rate(${BUCKET}{service=~"${P}",le="+Inf"}[1m])) * 100`,
  `histogram_quantile(0.99, sum(rate(${BUCKET}{service=~"${P}"}[1m])) by (le))`,
  `histogram_quantile(0.99, sum(rate(${BUCKET}{service=~"${P}"}[2m])) by (le)) * 1000`,
  `histogram_quantile(0.5, sum by (le, service) (rate(${BUCKET}[5m])))`,
  `histogram_quantile(0.9, rate(${BUCKET}{code="200"}[1m]))`,
  // Selectors.
  `up`, `up{instance="traefik-0:9100"}`, `up{instance!="traefik-0:9100"}`, `up{instance=~"traefik-.*"}`, `up{instance!~"traefik-1.*"}`, `up{job=~"traef"}`,
  `${SVC}`, `${SVC}{code=~"2..|4.."}`, `${SVC}{service="shop-frontend-80@kubernetescrd"}`, `{__name__=~"traefik_service_requests_total|up"}`,
  `${SVC}{nonexistent=""}`, `${SVC}{code=""}`, `${SVC} offset 1m`, `${SVC} offset 10m`, `${SVC}[1m]`, `up[2m] offset 30s`,
  // Range functions.
  `rate(${SVC}[1m])`, `rate(${SVC}[5m])`, `increase(${SVC}[2m])`, `irate(${SVC}[1m])`, `delta(traefik_config_last_reload_success[5m])`, `idelta(${SVC}[1m])`,
  `resets(${SVC}[10m])`, `changes(${SVC}[10m])`, `avg_over_time(up[5m])`, `min_over_time(${SVC}[3m])`, `max_over_time(${SVC}[3m])`, `sum_over_time(up[5m])`,
  `count_over_time(${SVC}[2m])`, `last_over_time(${SVC}[2m])`, `present_over_time(up[1m])`, `stddev_over_time(${SVC}[5m])`, `stdvar_over_time(${SVC}[5m])`,
  `quantile_over_time(0.9, ${SVC}[5m])`, `deriv(${SVC}[5m])`, `predict_linear(${SVC}[5m], 600)`, `absent_over_time(nope[5m])`, `absent_over_time(up[5m])`,
  // Aggregations.
  `sum(${SVC})`, `sum by (service) (${SVC})`, `sum without (instance, job) (${SVC})`, `avg(${SVC})`, `min by (code) (${SVC})`, `max by (code) (${SVC})`,
  `count(${SVC})`, `count by (service) (rate(${SVC}[1m]))`, `group by (service) (${SVC})`, `stddev(${SVC})`, `stdvar by (service) (${SVC})`,
  `quantile(0.5, ${SVC})`, `quantile by (code) (0.9, rate(${SVC}[1m]))`, `topk(3, ${SVC})`, `bottomk(2, rate(${SVC}[1m]))`, `count_values("value", up)`,
  `sum(rate(${SVC}[1m])) by (code)`, `sum by (service, code) (increase(${SVC}[5m]))`,
  // Binary operators.
  `${SVC} * 2`, `2 * ${SVC}`, `${SVC} > 1000`, `1000 < ${SVC}`, `${SVC} > bool 1000`, `${SVC} == bool 0`, `1 + 2 * 3`, `2 ^ 3 ^ 2`, `5 % 3`, `-${SVC}`, `1 / 0`, `-1 / 0`, `0 / 0`,
  `rate(${SVC}[1m]) / ignoring(code) group_left sum without (code) (rate(${SVC}[1m]))`,
  `sum by (service) (rate(${SVC}{code=~"5.."}[5m])) / sum by (service) (rate(${SVC}[5m]))`,
  `sum by (service) (rate(${SVC}{code=~"5.."}[5m])) / on(service) sum by (service) (rate(${SVC}[5m]))`,
  `${SVC} and on(code) ${SVC}{code="404"}`, `${SVC} or up`, `${SVC} unless ${SVC}{code="200"}`, `up * on(instance) group_left(job) up`,
  `${SVC} / ${SVC}`, `${SVC} + up`,
  `sum(${SVC}) by (instance) / on(instance) up`,
  `${SVC} / on() group_left sum(${SVC})`,
  // Errors Prometheus raises while evaluating.
  `${SVC} + on(code) ${SVC}`,
  `up + on() up`,
  // Functions over instant vectors.
  `abs(-${SVC})`, `ceil(rate(${SVC}[1m]))`, `floor(rate(${SVC}[1m]))`, `round(rate(${SVC}[1m]), 0.1)`, `round(rate(${SVC}[1m]))`, `sqrt(${SVC})`, `exp(up)`, `ln(${SVC})`, `log2(${SVC})`, `log10(${SVC})`,
  `clamp(rate(${SVC}[1m]), 1, 5)`, `clamp_min(rate(${SVC}[1m]), 2)`, `clamp_max(rate(${SVC}[1m]), 2)`, `clamp(up, 2, 1)`, `vector(1)`, `scalar(up)`, `scalar(sum(up))`, `time()`, `timestamp(up)`,
  `absent(nope)`, `absent(nope{a="b", c=~"d"})`, `absent(up)`, `label_replace(up, "port", "$1", "instance", ".*:(.*)")`, `label_replace(up, "x", "$2", "instance", "(.*)")`,
  `label_join(up, "both", "/", "job", "instance")`, `sort(${SVC})`, `sort_desc(rate(${SVC}[1m]))`,
  // Subqueries.
  `max_over_time(rate(${SVC}[1m])[5m:1m])`, `avg_over_time(sum(up)[10m:30s])`, `rate(${SVC}[5m:15s])`, `min_over_time(up[3m:])`,
  // Literals and strings.
  `Inf`, `-Inf`, `NaN`, `0x10`, `1e3`, `"hello"`,
];

/**
 * Flagger's queries exactly as it would send them for the default scenario's
 * Canary (shop/backend): its two built-in Traefik checks at several metric
 * intervals, every MetricTemplate in the shared examples and the bundled ones
 * (scenarios/templates), each rendered with Flagger's template functions
 * and whitespace-collapsed.
 */
function flaggerQueries(): string[] {
  const model = (interval: string): MetricTemplateModel => ({ name: 'backend', namespace: 'shop', target: 'backend', service: 'backend', ingress: 'backend', route: 'backend', interval, variables: {} });
  const render = (template: string, interval: string) => {
    const r = renderQuery(template, model(interval));
    if (!r.ok) throw new Error(r.error);
    return collapseWhitespace(r.query);
  };
  const out: string[] = [];
  for (const interval of ['30s', '1m', '2m', '5m']) for (const q of Object.values(TRAEFIK_BUILTIN_QUERIES)) out.push(render(q, interval));
  for (const dir of ['test/fixtures/examples', 'scenarios/templates']) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(`${dir}/${file}`, 'utf8'))) {
        const m = doc.toJS() as { kind?: string; spec?: { query?: string } } | null;
        // '' as well: the interval a templateRef metric without one renders.
        if (m?.kind === 'MetricTemplate' && m.spec?.query) for (const interval of ['', '1m', '2m']) if (interval || !/\[\{\{ interval \}\}\]/.test(m.spec.query)) out.push(render(m.spec.query, interval));
      }
    }
  }
  return out;
}
export const FLAGGER_QUERIES = flaggerQueries();

const ORDERED = (e: string) => /^(sort|sort_desc|topk|bottomk)\(/.test(e);

describe.skipIf(!hasPrometheus && !process.env.CI)('PromQL: our evaluator against Prometheus 2.42 (needs prometheus and promtool)', () => {
  let server: PrometheusServer;
  let sim: Simulation;
  beforeAll(async () => {
    if (!hasPrometheus) throw new Error('CI must run the Prometheus comparison: install prometheus (it brings promtool)');
    const loaded = loadScenario('scenarios/default.yaml', repoHost);
    if (!loaded.ok) throw new Error('default scenario does not load');
    // Flagger's analysis shifts traffic to the canary from minute 6 and
    // promotes it: queries on the canary's Traefik service have data from
    // then until the canary is scaled down.
    sim = new Simulation(loaded.scenario, { duration: 20 * 60 });
    sim.runToEnd();
    server = await startPrometheus(toOpenMetrics(sim.store));
  }, 60_000);
  afterAll(async () => server?.stop());

  const times = [30, 61, 300, 377.5, 600, 911, 1200, 1500];
  /** Instant queries at every time, and one range query (2–19 min, 1 m step); the differences found. */
  async function compareAll(exprs: string[], ordered: (e: string) => boolean): Promise<string[]> {
    const failures: string[] = [];
    for (const expr of exprs) {
      for (const s of times) {
        const tMs = sim.timestamp(s);
        const ours = instantQuery(sim.store, expr, tMs, { staleness: false });
        const theirs = await server.query(expr, tMs);
        const diff = compareResults(ours, theirs, { ordered: ordered(expr) });
        if (diff.length > 0) failures.push(`${expr} @${s}s: ${diff.slice(0, 3).join('; ')}`);
      }
      const from = sim.timestamp(120);
      const to = sim.timestamp(1140);
      const ours = rangeQuery(sim.store, expr, from, to, 60_000, { staleness: false });
      const theirs = await server.queryRange(expr, from, to, 60_000);
      const diff = compareResults(ours, theirs);
      if (diff.length > 0) failures.push(`${expr} [range]: ${diff.slice(0, 3).join('; ')}`);
    }
    return failures;
  }

  it(`answers ${EXPRESSIONS.length} hand-written expressions at ${times.length} times and over a range exactly as Prometheus does`, async () => {
    expect((await compareAll(EXPRESSIONS, ORDERED)).slice(0, 30)).toEqual([]);
  }, 120_000);

  it(`answers Flagger's ${FLAGGER_QUERIES.length} rendered queries (built-in checks and the shared examples' MetricTemplates) exactly as Prometheus does`, async () => {
    expect(FLAGGER_QUERIES.length).toBeGreaterThanOrEqual(10);
    // The canary carries traffic during the analysis: the checks must have data there.
    const at = sim.timestamp(600);
    for (const q of FLAGGER_QUERIES) {
      const r = instantQuery(sim.store, q, at);
      expect(r.status === 'success' && r.data.resultType === 'vector' && r.data.result.length === 1, q).toBe(true);
    }
    expect((await compareAll(FLAGGER_QUERIES, () => false)).slice(0, 30)).toEqual([]);
  }, 120_000);

  it('answers 400 randomly generated well-typed expressions exactly as Prometheus does', async () => {
    const generated = generateExpressions(catalogueFromStore(sim.store), { seed: 1, count: 400 });
    expect(generated).toHaveLength(400);
    expect((await compareAll(generated, isOrderedExpression)).slice(0, 30)).toEqual([]);
  }, 180_000);
});
