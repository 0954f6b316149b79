import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The built `gameday` command with shadow judges: `run` prints their verdicts
 * under Flagger's decision (and `--json` carries them), `validate` reports
 * their templates' and configs' problems located in those files, and checks
 * such a file on its own.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = 'scenarios/examples/shadow-judges.gameday.yaml';

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/gameday.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gameday with shadow judges', () => {
  it('run prints each verdict under Flagger\'s decision, marked shadow, and --json carries them', () => {
    const r = gameday('run', EXAMPLE);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const flagger = lines.indexOf('Canary shop/checkout: Succeeded, promoted (decided at 4m30s)');
    const shadow = lines.indexOf('  Shadow judges (dry run: they judged the same run and did not act on the rollout):');
    expect(flagger).toBeGreaterThan(0);
    expect(shadow).toBeGreaterThan(flagger);
    expect(lines.filter((l) => l.startsWith('  shadow '))).toEqual([
      '  shadow argo-golden-signals (Argo AnalysisRun): would promote at 4m0s',
      '  shadow kayenta (Kayenta): would roll back at 3m0s',
      '  shadow consecutive (consecutive failed checks): would promote at 4m30s',
    ]);
    const json = JSON.parse(gameday('run', EXAMPLE, '--json').stdout);
    expect(json.shadow.map((v: { name: string; verdict: string; at: number }) => [v.name, v.verdict, v.at])).toEqual([
      ['argo-golden-signals', 'promote', 240],
      ['kayenta', 'rollback', 180],
      ['consecutive', 'promote', 270],
    ]);
    // A scenario without judges has no shadow key at all.
    expect('shadow' in JSON.parse(gameday('run', 'scenarios/checkout-canary.yaml', '--json').stdout)).toBe(false);
  });

  it('validate reports a template\'s mistakes in the template, and checks templates and configs on their own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gameday-shadow-'));
    const template = readFileSync(join(root, 'scenarios/examples/shadow-judges/analysis-template.yaml'), 'utf8').replace('successCondition: "result[0] < 0.5"', 'successCondition: "result[0] <"');
    writeFileSync(join(dir, 'template.yaml'), template);
    writeFileSync(join(dir, 'config.yaml'), readFileSync(join(root, 'scenarios/examples/shadow-judges/canary-config.yaml'), 'utf8'));
    writeFileSync(join(dir, 'scenario.yaml'), readFileSync(join(root, EXAMPLE), 'utf8').replaceAll('shadow-judges/analysis-template.yaml', 'template.yaml').replaceAll('shadow-judges/canary-config.yaml', 'config.yaml'));
    const line = template.split('\n').findIndex((l) => l.includes('"result[0] <"')) + 1;
    const r = gameday('validate', join(dir, 'scenario.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'template.yaml')}:${line}:`);
    expect(r.stderr).toContain('spec.metrics[1].successCondition: unexpected end of the expression');
    expect(r.stdout).toBe(`${join(dir, 'scenario.yaml')}: invalid, 1 error\n`);
    const own = gameday('validate', join(dir, 'template.yaml'), join(dir, 'config.yaml'), 'test/fixtures/kayenta/checkout.json');
    expect(own.code).toBe(1);
    expect(own.stdout.split('\n')).toEqual([`${join(dir, 'template.yaml')}: invalid, 1 error`, `${join(dir, 'config.yaml')}: valid Kayenta canary config checkout-golden-signals (3 metrics)`, 'test/fixtures/kayenta/checkout.json: valid Kayenta canary config checkout-golden-signals (3 metrics)', '']);
    expect(gameday('validate', EXAMPLE, 'scenarios/examples/shadow-judges/analysis-template.yaml').stdout).toBe(`${EXAMPLE}: valid scenario shadow-judges\nscenarios/examples/shadow-judges/analysis-template.yaml: valid Argo analysis template checkout-golden-signals\n`);
  });
});
