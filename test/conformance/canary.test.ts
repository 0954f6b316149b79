/**
 * Conformance: the canary strategy's weight arithmetic and the metric checks (flagger.md §6.1, §6.4, §8, §11
 * C1–C8, C10–C12, C14, C15). Defaults (§11): Canary/target/apex `podinfo` in `test`, provider traefik, metrics
 * request-success-rate (min 99) and request-duration (max 500), "pass" = SR 100 and P99 100 ms.
 */

import { describe, expect, it } from 'vitest';
import { COPY, DETECT, DONE, FAILED, Harness, P99, SR, START, advance, canary, expectTicks, metric, perTick, template, type MetricValue } from './support';

describe('C1 — linear happy path', () => {
  const h = Harness.fromT0(canary({ stepWeight: 10, maxWeight: 50, threshold: 5 })).run(10);

  it('follows the reference table tick by tick', () => {
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 10, '90/10', 0, 0, [START, advance(10)]],
      ['Progressing', 20, '80/20', 0, 0, [advance(20)]],
      ['Progressing', 30, '70/30', 0, 0, [advance(30)]],
      ['Progressing', 40, '60/40', 0, 0, [advance(40)]],
      ['Progressing', 50, '50/50', 0, 0, [advance(50)]],
      ['Promoting', 50, '50/50', 0, 0, [COPY]],
      ['Finalising', 0, '100/0', 0, 0, ['Routing all traffic to primary']],
      ['Succeeded', 0, '100/0', 0, 0, [DONE]],
      ['Succeeded', 0, '100/0', 0, 0, []],
    ]);
  });

  it('runs the metrics 5 times (T2–T6), never at weight 0, builtins in list order', () => {
    expect(h.metricTicks()).toEqual([2, 3, 4, 5, 6]);
    expect(h.checks.filter((c) => c.tick === 2).map((c) => [c.metric, c.value, c.ok])).toEqual([
      ['request-success-rate', 100, true],
      ['request-duration', 100, true],
    ]);
  });

  it('sends the collapsed Traefik builtin queries (§8.1)', () => {
    const sent = h.queries.filter((q) => q.tick === 2).map((q) => q.query);
    expect(sent).toEqual([
      ' sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf" }[1m] ) ) * 100',
      ' histogram_quantile( 0.99, sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd" }[1m] ) ) by (le) ) * 1000',
    ]);
  });

  it('scales the canary up on detection, promotes on T6 and scales it down on T8', () => {
    expect(h.scaling).toEqual([
      { tick: 0, op: 'up' },
      { tick: 6, op: 'promote' },
      { tick: 8, op: 'zero' },
    ]);
    expect(h.status.lastPromotedSpec).toBe('rev-2');
    expect(h.alerts.map((a) => [a.severity, a.message])).toEqual([
      ['info', 'New revision detected, progressing canary analysis.'],
      ['info', 'Canary analysis completed successfully, promotion finished.'],
    ]);
  });
});

describe('C2 — overshoot past maxWeight', () => {
  it('steps 20, 40, 60 (no clamping at maxWeight 50), then promotes', () => {
    const h = Harness.fromT0(canary({ stepWeight: 20, maxWeight: 50 })).run(7);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0],
      ['Progressing', 20, '80/20', 0, 0, [START, advance(20)]],
      ['Progressing', 40, '60/40', 0, 0, [advance(40)]],
      ['Progressing', 60, '40/60', 0, 0, [advance(60)]],
      ['Promoting', 60, '40/60', 0, 0, [COPY]],
      ['Finalising', 0, '100/0', 0, 0],
      ['Succeeded', 0, '100/0', 0, 0],
    ]);
  });
});

describe('C3 — stepWeights ladder', () => {
  it('walks 1, 2, 10, 80 and ignores maxWeight', () => {
    const h = Harness.fromT0(canary({ stepWeights: [1, 2, 10, 80], maxWeight: 50 })).run(8);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0],
      ['Progressing', 1, '99/1', 0, 0, [START, advance(1)]],
      ['Progressing', 2, '98/2', 0, 0, [advance(2)]],
      ['Progressing', 10, '90/10', 0, 0, [advance(10)]],
      ['Progressing', 80, '20/80', 0, 0, [advance(80)]],
      ['Promoting', 80, '20/80', 0, 0, [COPY]],
      ['Finalising', 0, '100/0', 0, 0],
      ['Succeeded', 0, '100/0', 0, 0],
    ]);
  });
});

describe('C4 — ladder overflow', () => {
  it('caps the last step at 100 − current (primary 100, 99, 98, 90, 0)', () => {
    const h = Harness.fromT0(canary({ stepWeights: [1, 2, 10, 200] })).run(8);
    expect(h.records.slice(0, 5).map((r) => r.primaryWeight)).toEqual([100, 99, 98, 90, 0]);
    expectTicks(h, [
      ['Progressing', 100, '0/100', 0, 0, [advance(100)]],
      ['Promoting', 100, '0/100', 0, 0, [COPY]],
      ['Finalising', 0, '100/0', 0, 0],
      ['Succeeded', 0, '100/0', 0, 0],
    ], 4);
  });
});

describe('C5 — big steps', () => {
  it('stepWeight 50, maxWeight 100: 50, 100, Promoting, Finalising, Succeeded', () => {
    const h = Harness.fromT0(canary({ stepWeight: 50, maxWeight: 100 })).run(6);
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0],
      ['Progressing', 50, '50/50', 0, 0],
      ['Progressing', 100, '0/100', 0, 0],
      ['Promoting', 100, '0/100', 0, 0],
      ['Finalising', 0, '100/0', 0, 0],
      ['Succeeded', 0, '100/0', 0, 0],
    ]);
  });

  it('stepWeight 20, maxWeight 50: primary 100, 80, 60, 40, then Promoting', () => {
    const h = Harness.fromT0(canary({ stepWeight: 20, maxWeight: 50 })).run(5);
    expect(h.records.map((r) => r.primaryWeight)).toEqual([100, 80, 60, 40, 40]);
    expect(h.records[4].phase).toBe('Promoting');
  });
});

describe('C6 — staged promotion', () => {
  for (const maxWeight of [50, 0]) {
    it(`stepWeight 100, stepWeightPromotion 50, maxWeight ${maxWeight || 'unset'}`, () => {
      const h = Harness.fromT0(canary({ stepWeight: 100, maxWeight, stepWeightPromotion: 50 })).run(6);
      expectTicks(h, [
        ['Progressing', 0, '100/0', 0, 0],
        ['Progressing', 100, '0/100', 0, 0, [START, advance(100)]],
        ['Promoting', 100, '0/100', 0, 0, [COPY]],
        ['Promoting', 50, '50/50', 0, 0, ['Advance podinfo.test primary weight 50']],
        ['Finalising', 0, '100/0', 0, 0, ['Advance podinfo.test primary weight 100']],
        ['Succeeded', 0, '100/0', 0, 0, [DONE]],
      ]);
    });
  }
});

describe('C7 — staged promotion with clamp', () => {
  it('stepWeight 10, maxWeight 30, stepWeightPromotion 20: 70/30 → 90/10 → 100/0', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, maxWeight: 30, stepWeightPromotion: 20 })).run(8);
    expectTicks(h, [
      ['Progressing', 10, '90/10', 0, 0],
      ['Progressing', 20, '80/20', 0, 0],
      ['Progressing', 30, '70/30', 0, 0],
      ['Promoting', 30, '70/30', 0, 0, [COPY]],
      ['Promoting', 10, '90/10', 0, 0, ['Advance podinfo.test primary weight 90']],
      ['Finalising', 0, '100/0', 0, 0, ['Advance podinfo.test primary weight 100']],
      ['Succeeded', 0, '100/0', 0, 0, [DONE]],
    ], 1);
  });
});

describe('C8 — threshold rollback', () => {
  const h = Harness.fromT0(canary({ stepWeight: 10, maxWeight: 50, threshold: 2 }), { sr: perTick<MetricValue>(100, 100, 100, 95, 95, 100) }).run(6);
  const halt = 'Halt podinfo.test advancement success rate 95.00% < 99%';

  it('rolls back on the tick after the second failure (threshold + 1 ticks)', () => {
    expectTicks(h, [
      ['Progressing', 0, '100/0', 0, 0, [DETECT]],
      ['Progressing', 10, '90/10', 0, 0, [START, advance(10)]],
      ['Progressing', 20, '80/20', 0, 0, [advance(20)]],
      ['Progressing', 20, '80/20', 1, 0, [halt]],
      ['Progressing', 20, '80/20', 2, 0, [halt]],
      ['Failed', 0, '100/0', 0, 0, ['Rolling back podinfo.test failed checks threshold reached 2', FAILED]],
    ]);
  });

  it('does not query metrics on the rollback tick and alerts at error severity', () => {
    expect(h.metricTicks()).toEqual([2, 3, 4]);
    expect(h.alerts.filter((a) => a.tick === 5).map((a) => [a.severity, a.message])).toEqual([['error', 'Failed checks threshold reached 2']]);
    expect(h.scaling.at(-1)).toEqual({ tick: 5, op: 'zero' });
  });

  it('stays Failed without a new revision', () => {
    h.run(2);
    expect(h.records.slice(6).map((r) => r.phase)).toEqual(['Failed', 'Failed']);
    expect(h.eventsAt(6)).toEqual([]);
  });
});

describe('C10 — default threshold', () => {
  it('threshold 1: fail on T2, rollback on T3 with "threshold reached 1"', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 1 }), { sr: perTick<MetricValue>(100, 100, 90) }).run(4);
    expectTicks(h, [
      ['Progressing', 10, '90/10', 0, 0],
      ['Progressing', 10, '90/10', 1, 0, ['Halt podinfo.test advancement success rate 90.00% < 99%']],
      ['Failed', 0, '100/0', 0, 0, ['Rolling back podinfo.test failed checks threshold reached 1', FAILED]],
    ], 1);
  });
});

describe('C11 — no traffic / NaN', () => {
  it('no success-rate values: warning with the wrapped error, fc+1, weight unchanged', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5 }), { sr: perTick<MetricValue>(100, 100, 'nodata', 100) }).run(4);
    expectTicks(h, [
      ['Progressing', 10, '90/10', 1, 0, [
        'Halt advancement no values found for traefik metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found',
      ]],
      ['Progressing', 20, '80/20', 1, 0, [advance(20)]],
    ], 2);
    // The duration check is not reached on the failing tick.
    expect(h.checks.filter((c) => c.tick === 2).map((c) => c.metric)).toEqual(['request-success-rate']);
  });

  it('no duration values while the success rate has data: no ": {err}" suffix', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5 }), { p99: perTick<MetricValue>(100, 100, 'nodata') }).run(3);
    expect(h.eventsAt(2)).toEqual([
      'Halt advancement no values found for traefik metric request-duration probably podinfo.test is not receiving traffic',
    ]);
    expect(h.status.failedChecks).toBe(1);
  });

  it('other provider errors are error-level "Prometheus query failed" events', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5 }), { sr: perTick<MetricValue>(100, 100, { error: 'request failed: connection refused' }) }).run(3);
    expect(h.events.filter((e) => e.tick === 2).map((e) => [e.type, e.error, e.message])).toEqual([
      ['Warning', true, 'Prometheus query failed: running query failed: request failed: connection refused'],
    ]);
  });
});

describe('C12 — duration truncation and boundary', () => {
  const cases: Array<[string, number, { min?: number; max?: number }, string | null]> = [
    ['500.9 ms truncates to 500 ms and passes max 500', 500.9, { max: 500 }, null],
    ['501.0 ms fails max 500', 501.0, { max: 500 }, 'Halt podinfo.test advancement request duration 501ms > 500ms'],
    ['1500 ms prints as 1.5s', 1500, { max: 500 }, 'Halt podinfo.test advancement request duration 1.5s > 500ms'],
    ['9.99 ms truncates to 9 ms and fails min 10', 9.99, { min: 10 }, 'Halt podinfo.test advancement request duration 9ms < 10ms'],
    ['a fractional threshold is truncated (max 500.7 ⇒ 500 ms)', 500.9, { max: 500.7 }, null],
  ];
  for (const [name, value, range, message] of cases) {
    it(name, () => {
      const spec = canary({ stepWeight: 10, threshold: 5, metrics: [SR(), P99(range.max ?? null, range.min ?? null)] });
      const h = Harness.fromT0(spec, { p99: perTick<MetricValue>(100, 100, value) }).run(3);
      expect(h.eventsAt(2)).toEqual(message === null ? [advance(20)] : [message]);
      const check = h.checks.find((c) => c.tick === 2 && c.metric === 'request-duration');
      expect(check?.value).toBe(Math.trunc(value));
      expect(check?.ok).toBe(message === null);
    });
  }
});

describe('C14 — metric evaluation order', () => {
  const tpl = template('not-found-percentage', 'sum(rate(requests{code="404"}[{{ interval }}]))');
  const notFound = metric('404s percentage', { templateRef: { name: 'not-found-percentage', namespace: 'test' }, thresholdRange: { min: null, max: 5 } });
  const run = (sr: number, metrics = [notFound, SR()]): Harness =>
    Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics }), {
      metricTemplates: [tpl],
      sr: perTick<MetricValue>(100, 100, sr),
      templates: { 'not-found-percentage': 6.2 },
    }).run(3);

  it('evaluates builtins before templates regardless of list order; one message, fc+1 once', () => {
    const h = run(90);
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement success rate 90.00% < 99%']);
    expect(h.status.failedChecks).toBe(1);
    expect(h.checks.filter((c) => c.tick === 2).map((c) => c.metric)).toEqual(['request-success-rate']);
  });

  it('with the success rate passing the template fails', () => {
    const h = run(100);
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement 404s percentage 6.20 > 5']);
    // The template's interval is not defaulted: `{{ interval }}` renders empty (§12.10).
    expect(h.checks.find((c) => c.tick === 2 && c.kind === 'template')?.query).toBe('sum(rate(requests{code="404"}[]))');
  });

  it('a builtin-named metric with a templateRef is evaluated twice (§12.11)', () => {
    const dup = metric('request-success-rate', { interval: '1m', templateRef: { name: 'not-found-percentage', namespace: 'test' }, thresholdRange: { min: 99, max: null } });
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [dup] }), { metricTemplates: [tpl], templates: { 'not-found-percentage': 100 } }).run(3);
    expect(h.checks.filter((c) => c.tick === 2).map((c) => [c.metric, c.kind, c.ok])).toEqual([
      ['request-success-rate', 'builtin', true],
      ['request-success-rate', 'template', true],
    ]);
  });

  it('a metric with neither template, query nor builtin name fails every analysis', () => {
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [SR(), metric('custom')] })).run(3);
    expect(h.events.filter((e) => e.tick === 2).map((e) => [e.error, e.message])).toEqual([
      [true, 'Metric query failed for no usable metrics template and query were configured'],
    ]);
  });

  it('a missing template, a render error and a provider error use Flagger\'s texts', () => {
    const missing = metric('latency', { templateRef: { name: 'nope', namespace: 'test' } });
    let h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [missing] })).run(3);
    expect(h.eventsAt(2)).toEqual(['Metric template nope.test error: metrictemplates.flagger.app "nope" not found']);

    const bad = metric('latency', { templateRef: { name: 'vars', namespace: 'test' } });
    h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [bad] }), { metricTemplates: [template('vars', 'x{a="{{ variables.missing }}"}')] }).run(3);
    expect(h.eventsAt(2)).toHaveLength(1);
    expect(h.eventsAt(2)[0]).toMatch(/^Metric template vars\.test query render error: template excution failed: /);

    const failing = metric('latency', { templateRef: { name: 'lat', namespace: 'test' }, thresholdRange: { min: null, max: 1 } });
    h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [failing] }), {
      metricTemplates: [template('lat', 'latency')],
      templates: { lat: perTick<MetricValue>(0, 0, 'nodata', { error: 'error response: Status 503 Service Unavailable: down' }) },
    }).run(4);
    expect(h.eventsAt(2)).toEqual(['Halt advancement no values found for custom metric: latency: no values found']);
    expect(h.eventsAt(3)).toEqual(['Metric query failed for latency: error response: Status 503 Service Unavailable: down']);
  });

  it('inline queries: defaulted interval, "no values found for metric", "Prometheus query failed for"', () => {
    const inline = metric('errors', { query: 'sum(rate(errors[1m]))', thresholdRange: { min: null, max: 1 } });
    const h = Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics: [inline] }), {
      inline: { errors: perTick<MetricValue>(0, 0, 'nodata', { error: 'bad_data' }, 2, 0.5) },
    }).run(6);
    expect(h.eventsAt(2)).toEqual(['Halt advancement no values found for metric: errors']);
    expect(h.eventsAt(3)).toEqual(['Prometheus query failed for errors: bad_data']);
    expect(h.eventsAt(4)).toEqual(['Halt podinfo.test advancement errors 2.00 > 1']);
    expect(h.eventsAt(5)).toEqual([advance(20)]);
  });
});

describe('C15 — deprecated threshold fields', () => {
  const run = (metrics: ReturnType<typeof metric>[], opts: Parameters<typeof Harness.fromT0>[1] = {}): Harness =>
    Harness.fromT0(canary({ stepWeight: 10, threshold: 5, metrics }), opts).run(3);

  it('request-success-rate threshold 99, value 98 ⇒ "< 99%"', () => {
    const h = run([metric('request-success-rate', { threshold: 99 })], { sr: perTick<MetricValue>(100, 100, 98) });
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement success rate 98.00% < 99%']);
  });

  it('request-duration threshold 500, value 600 ms ⇒ "600ms > 500ms"', () => {
    const h = run([metric('request-duration', { threshold: 500 })], { p99: perTick<MetricValue>(100, 100, 600) });
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement request duration 600ms > 500ms']);
  });

  it('template threshold 50, value 100 ⇒ "100.00 > 50"', () => {
    const h = run([metric('error-rate', { threshold: 50, templateRef: { name: 'err', namespace: 'test' } })], {
      metricTemplates: [template('err', 'errors')],
      templates: { err: 100 },
    });
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement error-rate 100.00 > 50']);
  });

  it('request-duration with neither threshold nor range fails on any latency ("100ms > 0s")', () => {
    const h = run([metric('request-duration')]);
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement request duration 100ms > 0s']);
  });

  it('request-success-rate with neither never fails; a template with neither fails on any positive value', () => {
    let h = run([metric('request-success-rate')], { sr: perTick<MetricValue>(100, 100, 3) });
    expect(h.eventsAt(2)).toEqual([advance(20)]);
    h = run([metric('x', { templateRef: { name: 'err', namespace: 'test' } })], { metricTemplates: [template('err', 'errors')], templates: { err: 0.001 } });
    expect(h.eventsAt(2)).toEqual(['Halt podinfo.test advancement x 0.00 > 0']);
  });
});
