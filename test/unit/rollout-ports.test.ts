import { describe, expect, it } from 'vitest';
import { queryPrometheus } from '../../simulation/rollout/prometheus';
import type { WebhookSpec } from '../../simulation/rollout/types';
import { ScriptedWebhook, type WebhookResponse } from '../../simulation/rollout/webhooks';
import { SeriesStore } from '../../simulation/telemetry/tsdb';

function store(): SeriesStore {
  const s = new SeriesStore();
  const a = s.seriesId({ __name__: 'reqs', pod: 'a' });
  const b = s.seriesId({ __name__: 'reqs', pod: 'b' });
  const n = s.seriesId({ __name__: 'nan_gauge' });
  for (let t = 0; t <= 600_000; t += 15_000) {
    s.append(a, t, t / 1000);
    s.append(b, t, 2 * (t / 1000));
    s.append(n, t, NaN);
  }
  return s;
}

describe("Flagger's Prometheus provider over the simulated store", () => {
  const s = store();
  it('reads the last element of the vector', () => {
    expect(queryPrometheus(s, 'sum(rate(reqs[1m]))', 300_000)).toEqual({ ok: true, value: 3 });
    expect(queryPrometheus(s, 'reqs', 300_000)).toEqual({ ok: true, value: 600 }); // pod b sorts last
    expect(queryPrometheus(s, 'vector(1)', 300_000)).toEqual({ ok: true, value: 1 });
  });
  it('answers no values found for an empty vector or NaN, but takes ±Inf as a value', () => {
    expect(queryPrometheus(s, 'sum(rate(nothing[1m]))', 300_000)).toEqual({ ok: false, noValues: true, error: 'no values found' });
    expect(queryPrometheus(s, 'sum(rate(reqs[1m])) / 0 * 0', 300_000)).toEqual({ ok: false, noValues: true, error: 'no values found' });
    expect(queryPrometheus(s, 'nan_gauge', 300_000)).toEqual({ ok: false, noValues: true, error: 'no values found' });
    expect(queryPrometheus(s, 'sum(reqs) / 0', 300_000)).toEqual({ ok: true, value: Infinity });
  });
  it('reports Prometheus errors as HTTP error responses, and range vectors as multiple values', () => {
    const bad = queryPrometheus(s, 'sum(rate(reqs[1m])', 300_000);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^error response: Status 400 Bad Request: \{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:19: parse error: unclosed left parenthesis"\}$/);
    const exec = queryPrometheus(s, 'reqs + on() reqs', 300_000);
    if (!exec.ok) expect(exec.error).toMatch(/^error response: Status 422 Unprocessable Entity: /);
    expect(exec.ok).toBe(false);
    expect(queryPrometheus(s, 'reqs[1m]', 300_000)).toEqual({ ok: false, noValues: false, error: 'query returned multiple values' });
    expect(queryPrometheus(s, '1', 300_000).ok).toBe(false);
  });
});

const hook = (over: Partial<WebhookSpec> = {}): WebhookSpec => ({ name: 'h', type: 'rollout', url: 'http://loadtester.test/', timeoutMs: 10_000, retries: 0, metadata: {}, muteAlert: false, ...over });
const r = (status: number | null, extra: Partial<WebhookResponse> = {}): WebhookResponse => ({ status, body: status === 403 ? 'Forbidden' : '', times: null, untilMs: null, ...extra });

describe('scripted webhooks answered as Flagger’s client sees them', () => {
  it('passes on 200–202 only; other statuses fail with the body', () => {
    for (const [status, ok] of [[200, true], [201, true], [202, true], [203, false], [204, false], [403, false], [404, false]] as const) {
      const w = new ScriptedWebhook({ latencyMs: 0, responses: [r(status, { body: 'Forbidden' })] });
      const out = w.call(hook(), 0);
      expect(out.result.ok, String(status)).toBe(ok);
      if (!out.result.ok) expect(out.result.error).toBe('Forbidden');
    }
  });
  it('words 5xx, 429 and timeouts as retryablehttp gives up, after retries+1 attempts', () => {
    expect(new ScriptedWebhook({ latencyMs: 0, responses: [r(500)] }).call(hook(), 0)).toEqual({
      result: { ok: false, error: 'POST http://loadtester.test/ giving up after 1 attempt(s): unexpected HTTP status 500 Internal Server Error' },
      attempts: 1,
      status: 500,
    });
    expect(new ScriptedWebhook({ latencyMs: 0, responses: [r(503)] }).call(hook({ retries: 2 }), 0).result).toEqual({ ok: false, error: 'POST http://loadtester.test/ giving up after 3 attempt(s): unexpected HTTP status 503 Service Unavailable' });
    expect(new ScriptedWebhook({ latencyMs: 0, responses: [r(429)] }).call(hook({ retries: 1 }), 0).result).toEqual({ ok: false, error: 'POST http://loadtester.test/ giving up after 2 attempt(s)' });
    expect(new ScriptedWebhook({ latencyMs: 0, responses: [r(501, { body: 'nope' })] }).call(hook({ retries: 3 }), 0)).toMatchObject({ result: { ok: false, error: 'nope' }, attempts: 1 });
    expect(new ScriptedWebhook({ latencyMs: 10_000, responses: [r(200)] }).call(hook(), 0).result).toEqual({
      ok: false,
      error: 'POST http://loadtester.test/ giving up after 1 attempt(s): Post "http://loadtester.test/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    });
    expect(new ScriptedWebhook({ latencyMs: 0, responses: [r(null)] }).call(hook(), 0).result.ok).toBe(false);
  });
  it('a retry can succeed: each attempt takes the next scripted answer', () => {
    const w = new ScriptedWebhook({ latencyMs: 0, responses: [r(500, { times: 2 }), r(200)] });
    expect(w.call(hook({ retries: 2 }), 0)).toEqual({ result: { ok: true }, attempts: 3, status: 200 });
  });
  it('scripts by count and by time; the last answer repeats', () => {
    const w = new ScriptedWebhook({ latencyMs: 0, responses: [r(403, { times: 2 }), r(500, { untilMs: 300_000 }), r(200)] });
    const at = (s: number) => w.call(hook(), s * 1000).result.ok;
    expect([at(0), at(60), at(120), at(180), at(300), at(360), at(420)]).toEqual([false, false, false, false, true, true, true]);
    const retried = new ScriptedWebhook({ latencyMs: 0, responses: [r(503, { untilMs: 2_500 }), r(200)] });
    // Attempts at 0 s, 1 s (back-off 1 s), 3 s (back-off 2 s): the third is past the scripted outage.
    expect(retried.call(hook({ retries: 2 }), 0)).toEqual({ result: { ok: true }, attempts: 3, status: 200 });
  });
  it('answers 200 at once when the scenario says nothing', () => {
    expect(new ScriptedWebhook().call(hook(), 0)).toEqual({ result: { ok: true }, attempts: 1, status: 200 });
  });
});
