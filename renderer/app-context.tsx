import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { AppState } from './store';

/** The app's store, provided at the root (tests provide their own). */
export const StoreContext = createContext<StoreApi<AppState> | null>(null);

/** Subscribes a component to a slice of the app state. */
export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside the StoreContext provider');
  return useStore(store, selector);
}
