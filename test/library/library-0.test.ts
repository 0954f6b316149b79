import { describe, it } from 'vitest';
import { checkLibraryScenario, libraryHalf } from '../support/library';

// Half 0 of the scenario library (the other half runs in parallel in library-1.test.ts): each scenario's
// lesson is complete and its checkpoints come, its own seed meets spec.expect and enough of 100 seeds agree.
describe('scenario library', () => {
  for (const file of libraryHalf(0)) it(file, () => checkLibraryScenario(file), 300_000);
});
