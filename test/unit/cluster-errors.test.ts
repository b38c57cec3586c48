// Kubernetes failures in words a user can act on: a missing operator, a field conflict.
import { describe, expect, it } from 'vitest';
import { parseConflicts } from '../../src/cluster/apply-set.ts';
import { kubeError } from '../../src/cluster/errors.ts';

describe('Kubernetes errors', () => {
  it('names the operator to install when the cluster does not know a kind', () => {
    const error = kubeError(new Error('Unrecognized API version and kind: cert-manager.io/v1 Certificate'), 'apply Certificate shop/tls-shop-dev');
    expect(error.message).toBe('Could not apply Certificate shop/tls-shop-dev: the cluster does not know Certificate (cert-manager.io/v1)');
    expect(error.hint).toMatch(/Install cert-manager in the cluster/);
    expect(kubeError(new Error('Unrecognized API version and kind: example.com/v1 Widget'), 'apply Widget x').hint).toMatch(
      /Install the CRD that defines Widget/,
    );
  });

  it('reads which manager set which field from a server-side apply conflict', () => {
    const message =
      'Apply failed with 2 conflicts: conflict with "kubectl-edit" using apps/v1: .spec.replicas\nconflict with "kubectl-set": .spec.template.spec.containers[name="web"].image';
    expect(parseConflicts(message)).toEqual([
      { manager: 'kubectl-edit', field: '.spec.replicas' },
      { manager: 'kubectl-set', field: '.spec.template.spec.containers[name="web"].image' },
    ]);
    // `kubectl scale` writes through the scale subresource.
    expect(parseConflicts('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas')).toEqual([
      { manager: 'kubectl scale', field: '.spec.replicas' },
    ]);
  });
});
