import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../simulation/kernel/event-queue';
import { Kernel } from '../../simulation/kernel/kernel';

describe('EventQueue', () => {
  it('pops in time order and breaks ties in insertion order', () => {
    const q = new EventQueue(16);
    q.push(2, 0, 1, 0);
    q.push(1, 0, 2, 0);
    q.push(2, 0, 3, 0);
    q.push(1, 0, 4, 0);
    q.push(0.5, 0, 5, 0);
    const order: number[] = [];
    while (q.pop()) order.push(q.a);
    expect(order).toEqual([5, 2, 4, 1, 3]);
  });

  it('grows beyond its initial capacity without losing events', () => {
    const q = new EventQueue(16);
    for (let i = 0; i < 1000; i++) q.push((i * 7919) % 1000, 1, i, i + 1000);
    expect(q.size).toBe(1000);
    expect(q.capacity).toBeGreaterThanOrEqual(1000);
    let last = -1;
    let n = 0;
    while (q.pop()) {
      expect(q.time).toBeGreaterThanOrEqual(last);
      expect(q.b).toBe(q.a + 1000);
      last = q.time;
      n++;
    }
    expect(n).toBe(1000);
    expect(q.peekTime()).toBe(Infinity);
  });
});

describe('Kernel', () => {
  it('runs simultaneous events in the order they were scheduled, including ones scheduled while running', () => {
    const k = new Kernel();
    const log: string[] = [];
    const kind = k.register('log', (a) => {
      log.push(`${k.now}:${a}`);
      if (a === 1) k.at(k.now, kind, 3); // same time, scheduled later: runs after 2
    });
    k.at(5, kind, 1);
    k.at(5, kind, 2);
    k.at(1, kind, 0);
    k.runUntil(10);
    expect(log).toEqual(['1:0', '5:1', '5:2', '5:3']);
    expect(k.now).toBe(10);
    expect(k.events).toBe(4);
  });

  it('stops at the requested time, includes events exactly at it, and resumes', () => {
    const k = new Kernel();
    const seen: number[] = [];
    const kind = k.register('t', () => seen.push(k.now));
    for (const t of [1, 2, 3, 4]) k.at(t, kind);
    expect(k.runUntil(2)).toBe(true);
    expect(seen).toEqual([1, 2]);
    expect(k.now).toBe(2);
    k.runUntil(Infinity);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(k.now).toBe(4);
  });

  it('honours an event budget and reports that it stopped early', () => {
    const k = new Kernel();
    const kind = k.register('t', () => undefined);
    for (let i = 0; i < 10; i++) k.at(i, kind);
    expect(k.runUntil(100, 3)).toBe(false);
    expect(k.events).toBe(3);
    expect(k.now).toBe(2);
    expect(k.runUntil(100)).toBe(true);
    expect(k.events).toBe(10);
  });

  it('refuses to schedule in the past', () => {
    const k = new Kernel();
    const kind = k.register('late', () => undefined);
    k.runUntil(10);
    expect(() => k.at(9, kind)).toThrow(/cannot schedule late at 9: the clock is already at 10/);
    expect(() => k.at(Number.NaN, kind)).toThrow();
  });
});
