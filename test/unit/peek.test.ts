// Commands start their read-only requests from the config as read, before it is validated: the
// target they peek must be the one the validated config names, or nothing at all.
import { describe, expect, it } from 'vitest';
import { peekTarget, sameTarget } from '../../src/config/peek.ts';

const raw = { cluster: { context: 'office' }, environments: { staging: { namespace: 'shop-staging' }, production: { namespace: 'shop' } }, apps: {} };

describe('peekTarget', () => {
  it('takes --env, else the first environment, with its namespace and the kube context (--context first)', () => {
    expect(peekTarget(raw, undefined, undefined)).toEqual({ environment: 'staging', namespace: 'shop-staging', context: 'office' });
    expect(peekTarget(raw, 'production', 'home')).toEqual({ environment: 'production', namespace: 'shop', context: 'home' });
  });

  it('peeks nothing from a config it cannot read that far (validation will say why)', () => {
    for (const bad of [
      undefined,
      null,
      [],
      'x',
      {},
      { environments: [] },
      { environments: { staging: {} } },
      { environments: { staging: { namespace: 3 } } },
    ]) {
      expect(peekTarget(bad, undefined, undefined)).toBeUndefined();
    }
    expect(peekTarget(raw, 'qa', undefined)).toBeUndefined();
  });

  it('counts only when environment, namespace and context all match the validated config', () => {
    const peeked = peekTarget(raw, undefined, undefined)!;
    expect(sameTarget(peeked, 'staging', 'shop-staging', 'office')).toBe(true);
    expect(sameTarget(peeked, 'staging', 'shop-staging', undefined)).toBe(false);
    expect(sameTarget(peeked, 'staging', 'other', 'office')).toBe(false);
    expect(sameTarget(peeked, 'production', 'shop-staging', 'office')).toBe(false);
  });
});
