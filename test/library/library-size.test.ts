import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../simulation/scenario/loader';
import { libraryScenarios } from '../support/library';
import { repoHost } from '../support/scenario';

describe('scenario library', () => {
  it('has at least 15 lessons on the guided path, one per level, starting at 1', () => {
    const levels = libraryScenarios().flatMap((f) => {
      const r = loadScenario(f, repoHost);
      return r.ok && r.scenario.lesson?.level != null ? [r.scenario.lesson.level] : [];
    });
    expect(levels.length).toBeGreaterThanOrEqual(15);
    expect(new Set(levels).size).toBe(levels.length);
    expect(Math.min(...levels)).toBe(1);
  });
});
