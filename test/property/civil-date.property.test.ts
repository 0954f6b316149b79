import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil } from '../../simulation/util/time';

/**
 * The calendar arithmetic shared by PromQL's date functions, RFC 3339 parsing
 * and the replay's time formatting, against the host's own UTC calendar
 * (Date.UTC: proleptic Gregorian), which the simulation layer may not use.
 */
describe('civil dates (property)', () => {
  it('civilFromDays is the inverse of daysFromCivil and agrees with Date.UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (days) => {
        const { y, m, d } = civilFromDays(days);
        expect(daysFromCivil(y, m, d)).toBe(days);
        const utc = new Date(days * 86_400_000);
        expect([y, m, d]).toEqual([utc.getUTCFullYear(), utc.getUTCMonth() + 1, utc.getUTCDate()]);
      }),
      { numRuns: 2000 },
    );
  });

  it('knows the leap days', () => {
    expect(civilFromDays(daysFromCivil(2000, 2, 29))).toEqual({ y: 2000, m: 2, d: 29 });
    expect(civilFromDays(daysFromCivil(1900, 3, 1) - 1)).toEqual({ y: 1900, m: 2, d: 28 });
    expect(civilFromDays(0)).toEqual({ y: 1970, m: 1, d: 1 });
  });
});
