import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MirrorSelector } from '../../simulation/routing/mirroring';
import { kubernetesServiceLabel, normalizeName, routeLabel, routeName, traefikServiceLabel } from '../../simulation/routing/names';
import { sha256Hex } from '../../simulation/util/sha256';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/examples');
const docs = (file: string) => parseAllDocuments(readFileSync(resolve(examples, file), 'utf8')).map((d) => d.toJS());

describe('SHA-256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['a'.repeat(1000), '41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3'],
  ])('hashes %j', (text, hex) => {
    expect(sha256Hex(text)).toBe(hex);
  });

  it('hashes the UTF-8 bytes of non-ASCII text like node:crypto', async () => {
    const { createHash } = await import('node:crypto');
    for (const t of ['µs', 'Höst(`ü.example`)', '日本語', '😀 emoji', 'a'.repeat(55), 'b'.repeat(64)]) {
      expect(sha256Hex(t)).toBe(createHash('sha256').update(t, 'utf8').digest('hex'));
    }
  });
});

describe("Traefik's CRD names and metric labels (reference §4.3)", () => {
  it('normalizes runs of other characters to one dash', () => {
    expect(normalizeName('default-test.route--x_y')).toBe('default-test-route-x-y');
    expect(normalizeName('.a..b.')).toBe('a-b');
  });

  it('labels Kubernetes Services with the port as written, and TraefikServices without one', () => {
    expect(kubernetesServiceLabel('test', 'podinfo-canary', 80)).toBe('test-podinfo-canary-80@kubernetescrd');
    expect(kubernetesServiceLabel('default', 'whoami5', 8080)).toBe('default-whoami5-8080@kubernetescrd');
    expect(kubernetesServiceLabel('shop', 'backend', 'http')).toBe('shop-backend-http@kubernetescrd');
    expect(traefikServiceLabel('test', 'podinfo')).toBe('test-podinfo@kubernetescrd');
  });

  it("names routes from the first 20 hex characters of the rule's SHA-256", () => {
    expect(routeName('default', 'test.route', 'Host(`foo.com`) && PathPrefix(`/foo`)')).toBe('default-test-route-77c62dfe9517144aeeaa');
    expect(routeLabel('test', 'podinfo', 'Host(`app.example.com`)')).toBe('test-podinfo-ead48400e2fed159e4c5@kubernetescrd');
  });

  it('gives the labels of the example manifests', () => {
    const flagger = docs('01-flagger-docs-traefik-tutorial.yaml').find((d) => d.kind === 'IngressRoute');
    const route = flagger.spec.routes[0];
    expect(routeLabel(flagger.metadata.namespace, flagger.metadata.name, route.match)).toBe('test-podinfo-ead48400e2fed159e4c5@kubernetescrd');
    expect(traefikServiceLabel(flagger.metadata.namespace, route.services[0].name)).toBe('test-podinfo@kubernetescrd');

    const weighted = docs('03a-traefik-fixture-weighted-traefikservice.yaml').filter((d) => d.kind === 'TraefikService');
    const children = weighted.flatMap((ts) => ts.spec.weighted.services.map((s: { name: string; port: number }) => kubernetesServiceLabel(ts.metadata.namespace, s.name, s.port)));
    expect(children).toEqual(['default-whoami4-80@kubernetescrd', 'default-whoami5-8080@kubernetescrd', 'default-whoami6-80@kubernetescrd', 'default-whoami7-8080@kubernetescrd']);
    expect(weighted.map((ts) => traefikServiceLabel(ts.metadata.namespace, ts.metadata.name))).toEqual(['default-wrr1@kubernetescrd', 'default-wrr2@kubernetescrd']);

    const ir = docs('03c-traefik-fixture-ingressroute-weighted-services.yaml')[0];
    expect(routeName(ir.metadata.namespace, ir.metadata.name, ir.spec.routes[0].match)).toBe('default-test-route-77c62dfe9517144aeeaa');
    expect(ir.spec.routes[0].services.map((s: { name: string; port: number }) => kubernetesServiceLabel(ir.metadata.namespace, s.name, s.port))).toEqual([
      'default-whoami-80@kubernetescrd',
      'default-whoami2-8080@kubernetescrd',
    ]);
  });
});

describe("Traefik's mirroring selection (reference §3)", () => {
  const mirrored = (percent: number, n: number) => {
    const m = new MirrorSelector([percent]);
    const out = new Uint8Array(1);
    return Array.from({ length: n }, (_, i) => (m.select(out), out[0] ? i + 1 : 0)).filter((x) => x > 0);
  };

  it.each([
    [10, [1, 11, 21, 31]],
    [25, [1, 5, 9, 13, 17, 21, 25, 29, 33, 37]],
    [33, [1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40]],
    [50, Array.from({ length: 20 }, (_, i) => 2 * i + 1)],
    [0, []],
    [100, Array.from({ length: 40 }, (_, i) => i + 1)],
  ])('percent %i mirrors requests %j (first 40)', (percent, expected) => {
    expect(mirrored(percent, 40)).toEqual(expected);
  });

  it('keeps each mirror at its percent over many requests, independently', () => {
    const m = new MirrorSelector([10, 50, 7]);
    const out = new Uint8Array(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      m.select(out);
      out.forEach((v, j) => (counts[j] += v));
    }
    expect(counts).toEqual([1000, 5000, 700]);
  });

  it('rejects a percent outside 0..100 as Traefik does', () => {
    expect(() => new MirrorSelector([101])).toThrow('percent must be between 0 and 100');
  });
});
