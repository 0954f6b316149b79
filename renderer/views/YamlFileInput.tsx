import type { RefObject } from 'react';

/** A hidden picker for YAML files (the browser build's "Open…"): hands over the chosen file's name and text. */
export function YamlFileInput({ inputRef, testId, onFile }: { inputRef: RefObject<HTMLInputElement | null>; testId: string; onFile: (name: string, text: string) => unknown }) {
  return (
    <input
      ref={inputRef}
      type="file"
      accept=".yaml,.yml"
      hidden
      data-testid={testId}
      onChange={async (e) => {
        const f = e.target.files?.[0];
        if (f) await onFile(f.name, await f.text());
      }}
    />
  );
}
