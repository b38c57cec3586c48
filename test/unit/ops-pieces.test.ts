import { describe, expect, it } from 'vitest';
import { runningBuild } from '../../src/ops/promote.ts';
import type { EnvironmentSnapshot } from '../../src/ops/status.ts';
import type { Pod } from '../../src/model/workloads.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function snapshot(imageIDs: string[]): EnvironmentSnapshot {
  const labels = { 'berth.dev/app': 'web', 'app.kubernetes.io/component': 'web', 'app.kubernetes.io/name': 'web' };
  const pods: Pod[] = imageIDs.map((imageID, i) => ({
    metadata: { name: `web-abc-${i}`, labels },
    spec: { containers: [{ name: 'web', image: 'registry.test/shop:v2' }] },
    status: { containerStatuses: [{ name: 'web', image: 'registry.test/shop:v2', imageID }] },
  }));
  return {
    environment: 'staging',
    namespace: 'shop-staging',
    deployments: [
      {
        metadata: { name: 'web', labels, annotations: { 'berth.dev/image-tag': 'v2' } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
          template: { spec: { containers: [{ name: 'web', image: 'registry.test/shop:v2' }] } },
        },
      },
    ],
    replicaSets: [],
    pods,
    cronJobs: [],
    jobs: [],
    releasesByApp: new Map(),
    lock: undefined,
  };
}

describe('promote: the build that runs', () => {
  it('pins the digest every pod reports', () => {
    expect(runningBuild(snapshot([`docker.io/x@${digest('a')}`, `docker.io/x@${digest('a')}`]), 'web')).toEqual({
      tag: 'v2',
      image: 'registry.test/shop:v2',
      digest: digest('a'),
    });
  });

  it('pins nothing when pods disagree or report no digest', () => {
    expect(runningBuild(snapshot([`x@${digest('a')}`, `x@${digest('b')}`]), 'web')?.digest).toBeUndefined();
    expect(runningBuild(snapshot(['']), 'web')?.digest).toBeUndefined();
    expect(runningBuild(snapshot(['']), 'api')).toBeUndefined();
  });
});
