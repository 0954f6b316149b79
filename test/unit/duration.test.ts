import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../simulation/util/duration';

describe('Go durations', () => {
  it.each([
    ['90s', 90],
    ['5m', 300],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['300ms', 0.3],
    ['2h45m30.5s', 9930.5],
    ['0', 0],
    ['-1m', -60],
    ['+2s', 2],
    ['.5s', 0.5],
    ['1us', 1e-6],
    ['1µs', 1e-6],
    ['10ns', 1e-8],
  ])('parses %s', (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds, 12);
  });

  it.each([
    ['', /empty/],
    ['10', /missing unit/],
    ['1d', /unknown unit "d"/],
    ['5 m', /unknown unit|invalid/],
    ['m', /invalid/],
    ['1h-5m', /invalid|unknown/],
  ])('rejects %j', (text, message) => {
    const r = parseDuration(text);
    expect(typeof r).toBe('object');
    expect((r as { error: string }).error).toMatch(message);
  });

  it('formats like Go', () => {
    expect(formatDuration(5400)).toBe('1h30m0s');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(1.5)).toBe('1.5s');
    expect(formatDuration(0.3)).toBe('300ms');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-60)).toBe('-1m0s');
  });
});
