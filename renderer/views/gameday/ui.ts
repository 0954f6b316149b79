import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';

/**
 * The game-day view's own state, kept while the user switches views: whether
 * the facilitator's view is on (null: not chosen yet, follow the plan's
 * hideFaults), and the remediation notes per scenario file. Not part of the
 * app's store: nothing else reads it, and the notes go out only with an
 * exported exercise.
 */
export interface GameDayUi {
  facilitator: boolean | null;
  notes: Record<string, string>;
  setFacilitator(on: boolean): void;
  setNotes(file: string, text: string): void;
}

export const gameDayUi = createStore<GameDayUi>()((set) => ({
  facilitator: null,
  notes: {},
  setFacilitator: (on) => set({ facilitator: on }),
  setNotes: (file, text) => set((s) => ({ notes: { ...s.notes, [file]: text } })),
}));

export function useGameDayUi<T>(selector: (s: GameDayUi) => T): T {
  return useStore(gameDayUi, selector);
}
