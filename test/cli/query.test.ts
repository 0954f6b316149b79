import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `gameday query` as built by `npm run build` (dist/), spawned as users run it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/gameday.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const START_S = Date.UTC(2026, 0, 1) / 1000;

describe('gameday query', () => {
  it('answers an instant query in the shape of /api/v1/query', () => {
    const r = gameday('query', 'scenarios/default.yaml', '--duration', '10m', '--at', '5m', 'sum by (service) (rate(traefik_service_requests_total[1m]))');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    expect(body.data.result.map((x: { metric: { service: string } }) => x.metric.service).sort()).toEqual(['shop-backend-primary-80@kubernetescrd', 'shop-frontend-80@kubernetescrd']);
    for (const x of body.data.result) {
      expect(x.value[0]).toBe(START_S + 300);
      expect(Number(x.value[1])).toBeGreaterThan(10);
    }
  });

  it('answers a range query in the shape of /api/v1/query_range (times in seconds or Go durations)', () => {
    const r = gameday('query', 'scenarios/default.yaml', '--duration', '10m', '--from', '120', '--to', '4m', '--step', '1m', 'sum(up)');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: {}, values: [[START_S + 120, '2'], [START_S + 180, '2'], [START_S + 240, '2']] }] },
    });
  });

  it('reports a bad query as Prometheus does, with its position, and exits 1', () => {
    const r = gameday('query', 'scenarios/default.yaml', '--duration', '1m', '--at', '30', 'rate(up[5m]');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:12: parse error: unclosed left parenthesis' });
  });

  it('rejects mixed or missing time options with exit 2', () => {
    expect(gameday('query', 'scenarios/default.yaml', 'up').code).toBe(2);
    const both = gameday('query', 'scenarios/default.yaml', '--at', '1m', '--from', '1m', 'up');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --at (instant query) or --from, --to and --step (range query)');
  });
});
