import { describe, expect, it } from 'vitest';
import { clock } from '../../simulation/util/time';
import { clock as runningClock } from '../../renderer/format';

describe('clock (simulated seconds for people)', () => {
  it('writes m:ss, h:mm:ss from an hour, and tenths when not whole', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(65)).toBe('1:05');
    expect(clock(119.6)).toBe('1:59.6');
    expect(clock(3725)).toBe('1:02:05');
    expect(clock(-5)).toBe('-0:05');
  });
  it('as a running clock: whole seconds elapsed, never negative (the app)', () => {
    expect(clock(119.6, { tenths: false })).toBe('1:59');
    expect(runningClock(3725.9)).toBe('1:02:05');
    expect(runningClock(-3)).toBe('0:00');
  });
});
