import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundledScenarioPath, isYamlFile, nodeSaveFs, readTextFile, type SaveFs, saveAtomic, scenarioFilters, toPortablePath } from '../../electron/files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gameday-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** The real file system with one step failing. */
function failing(step: 'open' | 'write' | 'sync' | 'close' | 'rename', error = Object.assign(new Error(`${step} failed: ENOSPC`), { code: 'ENOSPC' })): SaveFs {
  return {
    ...nodeSaveFs,
    async open(p, flags, mode) {
      if (step === 'open') throw error;
      const h = await nodeSaveFs.open(p, flags, mode);
      return {
        writeFile: async (data, enc) => {
          // A write that fails half-way: part of the data reached the temporary file.
          if (step === 'write') {
            await h.writeFile(data.slice(0, 3), enc);
            throw error;
          }
          return h.writeFile(data, enc);
        },
        chmod: (m) => h.chmod(m),
        sync: async () => {
          if (step === 'sync') throw error;
          return h.sync();
        },
        close: async () => {
          await h.close();
          if (step === 'close') throw error;
        },
      };
    },
    async rename(a, b) {
      if (step === 'rename') throw error;
      return nodeSaveFs.rename(a, b);
    },
  };
}

describe('atomic save', () => {
  it('replaces the content and leaves no temporary file', async () => {
    const f = join(dir, 'a.gameday.yaml');
    writeFileSync(f, 'old: 1\n');
    await saveAtomic(f, 'new: 2\n');
    expect(readFileSync(f, 'utf8')).toBe('new: 2\n');
    expect(readdirSync(dir)).toEqual(['a.gameday.yaml']);
  });

  it('creates a new file', async () => {
    const f = join(dir, 'new.yaml');
    await saveAtomic(f, 'x: 1\n');
    expect(readFileSync(f, 'utf8')).toBe('x: 1\n');
    expect(temps()).toEqual([]);
  });

  for (const step of ['open', 'write', 'sync', 'close', 'rename'] as const) {
    it(`keeps the original intact and cleans up when ${step} fails`, async () => {
      const f = join(dir, 'a.yaml');
      writeFileSync(f, 'original: true\n');
      await expect(saveAtomic(f, 'replacement: true\n', failing(step))).rejects.toThrow(new RegExp(`could not save .*a\\.yaml: ${step} failed: ENOSPC`));
      expect(readFileSync(f, 'utf8')).toBe('original: true\n');
      expect(temps()).toEqual([]);
    });
  }

  it('fails cleanly when the directory does not exist', async () => {
    await expect(saveAtomic(join(dir, 'missing', 'a.yaml'), 'x')).rejects.toThrow(/could not save/);
  });

  it('keeps the file mode and writes through a symbolic link', async () => {
    const real = join(dir, 'real.yaml');
    const link = join(dir, 'link.yaml');
    writeFileSync(real, 'v: 1\n');
    chmodSync(real, 0o640);
    symlinkSync(real, link);
    await saveAtomic(link, 'v: 2\n');
    expect(readFileSync(real, 'utf8')).toBe('v: 2\n');
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(readFileSync(link, 'utf8')).toBe('v: 2\n');
    expect(temps()).toEqual([]);
  });

  it('concurrent saves never tear the file', async () => {
    const f = join(dir, 'c.yaml');
    const texts = Array.from({ length: 8 }, (_, i) => `version: ${i}\n${'x'.repeat(10_000 * (i + 1))}\n`);
    await Promise.all(texts.map((t) => saveAtomic(f, t)));
    expect(texts).toContain(readFileSync(f, 'utf8'));
    expect(temps()).toEqual([]);
  });
});

describe('reading and naming files', () => {
  it('reads text and refuses directories and files over the limit', async () => {
    const f = join(dir, 'a.yaml');
    writeFileSync(f, 'hello');
    await expect(readTextFile(f)).resolves.toBe('hello');
    await expect(readTextFile(f, 4)).rejects.toThrow(/too large \(5 bytes; the limit is 4\)/);
    await expect(readTextFile(dir)).rejects.toThrow(/is not a file/);
    await expect(readTextFile(join(dir, 'none.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('recognises bundled scenario paths only inside scenarios/', () => {
    expect(bundledScenarioPath('scenarios/default.yaml')).toBe('scenarios/default.yaml');
    expect(bundledScenarioPath('scenarios/./examples/x.gameday.yaml')).toBe('scenarios/examples/x.gameday.yaml');
    expect(bundledScenarioPath('scenarios/../package.json')).toBeNull();
    expect(bundledScenarioPath('scenarios/../../etc/x.yaml')).toBeNull();
    expect(bundledScenarioPath('/scenarios/default.yaml')).toBeNull();
    expect(bundledScenarioPath('scenarios\\default.yaml')).toBeNull();
    expect(bundledScenarioPath('scenarios/notes.txt')).toBeNull();
  });

  it('filters dialogs by scenario extension, and uses forward slashes on Windows', () => {
    expect(scenarioFilters('linux')[0]).toEqual({ name: 'GameDay scenarios', extensions: ['gameday.yaml'] });
    expect(scenarioFilters('darwin').flatMap((f) => f.extensions)).not.toContain('gameday.yaml');
    expect(scenarioFilters('win32').map((f) => f.name)).toEqual(['GameDay scenarios', 'YAML files', 'All files']);
    expect(toPortablePath('C:\\Users\\me\\a.yaml', 'win32')).toBe('C:/Users/me/a.yaml');
    expect(toPortablePath('/home/me/a\\b.yaml', 'linux')).toBe('/home/me/a\\b.yaml');
    expect(isYamlFile('a.gameday.YAML')).toBe(true);
    expect(isYamlFile('a.json')).toBe(false);
  });
});
