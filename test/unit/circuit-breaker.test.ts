import { describe, expect, it } from 'vitest';
import {
  BreakerMetrics,
  CircuitBreaker,
  formatBreakerExpression,
  parseBreakerExpression,
  type BreakerExpression,
  type BreakerState,
} from '../../simulation/routing/middlewares/circuit-breaker';

function expr(src: string): BreakerExpression {
  const r = parseBreakerExpression(src);
  if (!r.ok) throw new Error(`${r.column}: ${r.message}`);
  return r.expr;
}
/** One request at t: forwarded (response recorded at t with `code`) or answered by the fallback. */
function send(cb: CircuitBreaker, t: number, code: number, latency = 0): number {
  if (!cb.allow(t)) return cb.responseCode;
  cb.record(t, code, latency);
  return code;
}
/** Times k/16 s (exact in binary floating point). */
const at = (base: number, k: number) => base + k / 16;

describe('circuit breaker expression parser (vulcand/predicate + oxy functions)', () => {
  it('parses the three functions, all comparisons, && / || with Go precedence and parentheses', () => {
    const e = expr('NetworkErrorRatio() > 0.5 || ResponseCodeRatio(500, 600, 0, 600) >= 0.25 && LatencyAtQuantileMS(50.0) != 100');
    expect(formatBreakerExpression(e)).toBe(
      '(NetworkErrorRatio() > 0.5 || (ResponseCodeRatio(500, 600, 0, 600) >= 0.25 && LatencyAtQuantileMS(50.0) != 100))',
    );
    const p = expr('(NetworkErrorRatio() < 0.5 || NetworkErrorRatio() <= 0.7) && LatencyAtQuantileMS(99.0) == 3');
    expect(formatBreakerExpression(p)).toBe(
      '((NetworkErrorRatio() < 0.5 || NetworkErrorRatio() <= 0.7) && LatencyAtQuantileMS(99.0) == 3)',
    );
  });

  it.each([
    ['RequestThreshold() > 100', 1, /RequestThreshold.*NetworkErrorRatio\(\)/],
    ['NetworkErrorRatio() > 0.5 && RequestThreshold() > 10', 30, /RequestThreshold\(\).*v3\.7\.9.*supported functions/],
    ['Foo(1) > 0.5', 1, /unsupported function: Foo/],
    ['NetworkErrorRatio() > 1', 23, /float64.*got int 1/],
    ['LatencyAtQuantileMS(50.0) > 50.5', 29, /returns int.*got float64 50\.5/],
    ['LatencyAtQuantileMS(50) > 50', 21, /argument 1 of LatencyAtQuantileMS must be a float/],
    ['ResponseCodeRatio(500, 600, 0) > 0.5', 1, /takes 4 argument/],
    ['0.5 < NetworkErrorRatio()', 1, /left side of </],
    ['NetworkErrorRatio() > 0.5 && NetworkErrorRatio()', 30, /operands of && must be comparisons/],
    ['NetworkErrorRatio()', 1, /expected a predicate/],
    ['!(NetworkErrorRatio() > 0.5)', 1, /! is not supported/],
    ['NetworkErrorRatio() > -0.5', 23, /- is not supported/],
    ['NetworkErrorRatio() * 2 > 0.5', 21, /\* is not supported/],
    ['NetworkErrorRatio() >', 22, /unexpected end/],
    ['(NetworkErrorRatio() > 0.5', 27, /expected '\)'/],
    ['NetworkErrorRatio() > 0.5)', 26, /unexpected '\)'/],
    ['', 1, /unexpected end/],
  ])('%j → error at column %i', (src, column, message) => {
    const r = parseBreakerExpression(src);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.column).toBe(column);
    expect(r.message).toMatch(message);
  });
});

describe('rolling metrics (oxy memmetrics)', () => {
  it('NetworkErrorRatio counts 502 and 504 over all; 0 with no requests', () => {
    const m = new BreakerMetrics();
    expect(m.networkErrorRatio(0)).toBe(0);
    for (const code of [200, 502, 504, 500]) m.record(0.5, code, 0);
    expect(m.networkErrorRatio(0.5)).toBe(0.5);
  });

  it('ResponseCodeRatio uses half-open ranges and is 0 when the denominator is 0', () => {
    const m = new BreakerMetrics();
    for (const code of [200, 200, 404, 500, 599, 600]) m.record(1.2, code, 0);
    expect(m.responseCodeRatio(1.2, 500, 600, 0, 600)).toBe(2 / 5); // 600 is in neither range
    expect(m.responseCodeRatio(1.2, 400, 500, 200, 201)).toBe(1 / 2);
    expect(m.responseCodeRatio(1.2, 500, 600, 300, 400)).toBe(0);
  });

  it('the window is the current whole second and the 9 before it', () => {
    const m = new BreakerMetrics();
    m.record(0.5, 502, 0);
    m.record(9.5, 200, 0);
    expect(m.networkErrorRatio(9.999)).toBe(0.5);
    expect(m.networkErrorRatio(10)).toBe(0); // second 0 has left the window
    expect(m.totalCount(10)).toBe(1);
    expect(m.totalCount(18.999)).toBe(1);
    expect(m.totalCount(19)).toBe(0);
  });

  it('LatencyAtQuantileMS: HDR buckets with 2 significant figures, result truncated to ms', () => {
    const m = new BreakerMetrics();
    for (const s of [0.01, 0.02, 0.03]) m.record(0, 200, s);
    // target count = floor(0.5·3 + 0.5) = 2 → 20 000 µs lies in [19 968, 20 095] → 20 ms.
    expect(m.latencyAtQuantileMS(50)).toBe(20);
    expect(m.latencyAtQuantileMS(100)).toBe(30);
    const q = new BreakerMetrics();
    q.record(0, 200, 0.05099); // 50 990 µs → bucket [50 944, 51 199] → 51 ms
    expect(q.latencyAtQuantileMS(50)).toBe(51);
    const r = new BreakerMetrics();
    r.record(0, 200, 0.0505); // 50 500 µs → [50 432, 50 687] → 50 ms
    expect(r.latencyAtQuantileMS(50)).toBe(50);
    expect(new BreakerMetrics().latencyAtQuantileMS(99)).toBe(0);
  });

  it('the latency histogram rotates one of 6 slots per record, only when ≥ 10 s passed since the last rotation', () => {
    const m = new BreakerMetrics();
    m.record(0, 200, 0.1);
    for (const t of [10, 20, 30, 40, 50]) m.record(t, 200, 0.001);
    expect(m.latencyAtQuantileMS(100)).toBe(100); // still there after 50 s
    m.record(60, 200, 0.001); // 6th rotation clears the slot holding the 100 ms sample
    expect(m.latencyAtQuantileMS(100)).toBe(1);

    const idle = new BreakerMetrics();
    idle.record(0, 200, 0.1);
    idle.record(100, 200, 0.001); // 100 s idle is one rotation only
    expect(idle.latencyAtQuantileMS(100)).toBe(100);
  });
});

describe('circuit breaker states (oxy cbreaker)', () => {
  it('NetworkErrorRatio() > 0.5: trips on the response that pushes the ratio over 0.5 at a check', () => {
    const changes: [BreakerState, BreakerState, number][] = [];
    const cb = new CircuitBreaker({ expression: expr('NetworkErrorRatio() > 0.5'), onTransition: (f, t, now) => changes.push([f, t, now]) });
    const codes = [200, 200, 200, 200, 502, 502, 502, 502, 502, 502];
    // Responses at k/16 s; checks at 0, 0.125, 0.25, 0.375, 0.5 (each > previous + 0.1).
    for (let k = 0; k < 8; k++) expect(send(cb, at(0, k), codes[k])).toBe(codes[k]);
    expect(cb.state).toBe('standby'); // 4/8 = 0.5 is not > 0.5
    expect(send(cb, at(0, 8), codes[8])).toBe(502); // 5/9 at t = 0.5, a check instant
    expect(cb.state).toBe('tripped');
    expect(cb.until).toBe(10.5);
    expect(cb.metrics.totalCount(0.5)).toBe(0); // metrics reset on trip
    expect(send(cb, at(0, 9), 502)).toBe(503); // fallback, not recorded
    expect(cb.metrics.totalCount(0.6)).toBe(0);
    expect(changes).toEqual([['standby', 'tripped', 0.5]]);
    expect(cb.transitions).toBe(1);
  });

  it('checkPeriod: a ratio over the threshold between checks is not seen', () => {
    const cb = new CircuitBreaker({ expression: expr('NetworkErrorRatio() > 0.45') });
    const codes = [200, 200, 200, 502, 502, 502, 200];
    for (let k = 0; k < 7; k++) send(cb, at(0, k), codes[k]);
    // After k=5 (t=0.3125) the ratio was 3/6 = 0.5 > 0.45, but checks ran only at k = 0, 2, 4, 6:
    // 0/1, 0/3, 1/5, 3/7 = 0.43.
    expect(cb.state).toBe('standby');
    const eager = new CircuitBreaker({ expression: expr('NetworkErrorRatio() > 0.45'), checkPeriod: 0 });
    for (let k = 0; k < 7; k++) send(eager, at(0, k), codes[k]);
    expect(eager.state).toBe('tripped');
  });

  /** Trips at 0.5 as above: until = 10.5. */
  function tripped(): CircuitBreaker {
    const cb = new CircuitBreaker({ expression: expr('NetworkErrorRatio() > 0.5') });
    for (let k = 0; k < 9; k++) send(cb, at(0, k), k < 4 ? 200 : 502);
    expect(cb.state).toBe('tripped');
    return cb;
  }

  it('fallback until exactly fallbackDuration later; the first request at until starts recovering and is denied', () => {
    const cb = tripped();
    expect(cb.allow(10.4999)).toBe(false);
    expect(cb.state).toBe('tripped');
    expect(cb.allow(10.5)).toBe(false); // target ratio 0 at the start of the ramp
    expect(cb.state).toBe('recovering');
    expect(cb.until).toBe(20.5);
  });

  it('recovering ramp with clean responses: first let-through at 11.625 s, ~target share, standby after 20.5 s', () => {
    const cb = tripped();
    const decisions: boolean[] = [];
    // 16 requests/s from 10.5 to 20.5 inclusive.
    for (let k = 0; k <= 160; k++) {
      const t = at(10.5, k);
      const ok = cb.allow(t);
      decisions.push(ok);
      if (ok) cb.record(t, 200, 0);
    }
    // First allow when 1/(d+1) < 0.05·x with d = 16x earlier denials: x = 18/16 → 1/19 < 0.05625.
    expect(decisions.indexOf(true)).toBe(18);
    const allowed = decisions.filter(Boolean).length;
    // a/(n) tracks 0.05·x: about 0.8·x² = 80 at x = 10.
    expect(allowed).toBeGreaterThanOrEqual(75);
    expect(allowed).toBeLessThanOrEqual(80);
    expect(cb.recoveryAllowed).toBe(allowed);
    for (let k = 1; k <= 160; k++) {
      const share = decisions.slice(0, k + 1).filter(Boolean).length / (k + 1);
      expect(share).toBeLessThan(0.05 * (k / 16) + 1e-12);
    }
    expect(cb.state).toBe('recovering'); // 20.5 is not after until
    expect(cb.allow(20.5001)).toBe(true);
    expect(cb.state).toBe('standby');
  });

  it('re-trips in recovering when errors continue (metrics only since the trip)', () => {
    const cb = tripped();
    let k = 0;
    while (!cb.allow(at(10.5, k))) k++;
    expect(at(10.5, k)).toBe(11.625);
    cb.record(11.625, 502, 0); // 1/1 > 0.5
    expect(cb.state).toBe('tripped');
    expect(cb.until).toBe(21.625);
    expect(cb.allow(21.6)).toBe(false);
    expect(cb.transitions).toBe(3); // trip, recover, trip
  });

  it('ResponseCodeRatio(500, 600, 0, 600) > 0.25', () => {
    const cb = new CircuitBreaker({ expression: expr('ResponseCodeRatio(500, 600, 0, 600) > 0.25') });
    for (const [k, code] of [[0, 200], [2, 200], [4, 200], [6, 500]]) send(cb, at(0, k), code);
    expect(cb.state).toBe('standby'); // 1/4 = 0.25
    send(cb, at(0, 8), 503);
    expect(cb.state).toBe('tripped'); // 2/5
    expect(cb.responseCode).toBe(503);
  });

  it('LatencyAtQuantileMS(50.0) > 50 with a custom fallback code', () => {
    const cb = new CircuitBreaker({ expression: expr('LatencyAtQuantileMS(50.0) > 50'), responseCode: 429 });
    send(cb, 0, 200, 0.0505); // 50 ms after HDR rounding
    send(cb, 0.25, 200, 0.0505);
    expect(cb.state).toBe('standby');
    send(cb, 0.5, 200, 0.052);
    send(cb, 0.75, 200, 0.052); // p50 of 4 = 2nd value… 50; needs the 3rd
    expect(cb.state).toBe('standby');
    send(cb, 1, 200, 0.052); // 5 values: target 3 → 52 ms
    expect(cb.state).toBe('tripped');
    expect(send(cb, 1.1, 200)).toBe(429);
  });

  it('errors older than the 10 s window do not count', () => {
    const run = (t: number) => {
      const cb = new CircuitBreaker({ expression: expr('NetworkErrorRatio() > 0.5') });
      for (const k of [0, 2, 4]) send(cb, at(0.5, k), 200);
      send(cb, t, 502);
      send(cb, t + 0.25, 502);
      return cb.state;
    };
    expect(run(9.5)).toBe('standby'); // 2/5
    expect(run(10.25)).toBe('tripped'); // second 0 expired: 2/2
  });

  it('state changes are driven by requests only', () => {
    const cb = tripped();
    expect(cb.state).toBe('tripped'); // long after until, nothing happened
    expect(cb.allow(100)).toBe(false); // becomes recovering with target 0
    expect(cb.allow(200)).toBe(true); // after the recovery window: standby
    expect(cb.state).toBe('standby');
  });
});
