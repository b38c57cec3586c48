import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../../src/manifests/yaml-emit.ts';

describe('YAML emitter', () => {
  const tricky = [
    '',
    ' ',
    'true',
    'False',
    'yes',
    'no',
    'on',
    'OFF',
    'y',
    'null',
    '~',
    'NaN',
    '.inf',
    '123',
    '0.5',
    '1e3',
    '0x1F',
    '0o17',
    '1_000',
    '12:30:00',
    '2026-03-01',
    '-x',
    '- x',
    '*alias',
    '&anchor',
    '!tag',
    '#comment',
    'a #b',
    'a: b',
    'a:b',
    'a:',
    'a: ',
    'http://x',
    'a :b',
    '@daily',
    '%x',
    '`x',
    '{x}',
    '[x]',
    '"quoted"',
    "'single'",
    '|',
    '>',
    '?',
    'multi\nline',
    'tab\there',
    'trailing ',
    ' leading',
    'ünïcode',
    '0 3 * * *',
    '^(https?)://www\\.(.+)',
    '${1}://${2}',
    'x\\y',
    '100m',
    '256Mi',
    '2.5Gi',
    '1e',
    '10E',
    'shop-web-www-redirect@kubernetescrd',
    'app.kubernetes.io/name',
    'ghcr.io/acme/shop:v1.2.3',
    '/play/lextris/',
  ];

  it.each(tricky)('round-trips the string %j', (value) => {
    expect(parse(emitYaml({ value }))).toEqual({ value });
  });

  it('writes Kubernetes quantities and plain names unquoted, like kubectl', () => {
    expect(emitYaml({ cpu: '100m', memory: '256Mi', image: 'ghcr.io/acme/shop:1.0' })).toBe('cpu: 100m\nimage: ghcr.io/acme/shop:1.0\nmemory: 256Mi\n');
  });

  it('writes keys in canonical order: apiVersion, kind, metadata first; name first below', () => {
    const yaml = emitYaml({ spec: { b: 1, name: 'x', a: 2 }, metadata: { namespace: 'ns', name: 'm' }, kind: 'K', apiVersion: 'v1' });
    expect(yaml).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: m\n  namespace: ns\nspec:\n  name: x\n  a: 2\n  b: 1\n');
  });

  it('round-trips nested structures, empty collections and non-string scalars', () => {
    const value = {
      a: [{ name: 'x', ports: [{ port: 80 }, { port: 443 }] }, 'plain', 3, [1, [2]], {}],
      b: { c: { d: [] }, e: {}, f: null, g: false, h: 0, i: -1.5 },
      'key with: colon': 'v',
      '': 'empty key',
    };
    expect(parse(emitYaml(value))).toEqual(value);
  });

  it('drops undefined fields as JSON would, at any depth', () => {
    expect(parse(emitYaml({ a: 1, b: undefined }))).toEqual({ a: 1 });
    const nested = { a: [{ b: undefined }, { c: { d: undefined } }], e: { f: undefined } };
    expect(parse(emitYaml(nested))).toEqual(JSON.parse(JSON.stringify(nested)));
  });
});
