import { describe, expect, it } from 'vitest';
import { runningBuild } from '../../src/ops/promote.ts';
import { summarise } from '../../src/ops/status.ts';
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

const at = (iso: string) => Date.parse(iso);

describe('status: a missed cron run', () => {
  const cronSnapshot = (lastScheduleTime: string | undefined): EnvironmentSnapshot => ({
    ...snapshot([]),
    deployments: [],
    pods: [],
    cronJobs: [
      {
        metadata: {
          name: 'web-nightly',
          uid: 'u1',
          creationTimestamp: '2026-01-01T00:00:00Z',
          labels: { 'berth.dev/app': 'web', 'app.kubernetes.io/component': 'cron-nightly' },
        },
        spec: { schedule: '0 3 * * *' },
        status: lastScheduleTime ? { lastScheduleTime } : {},
      },
    ],
  });
  const now = at('2026-03-10T09:00:00Z');

  it('is shown when no run started at the last fire time', () => {
    const status = summarise(cronSnapshot('2026-03-08T03:00:00Z'), [], now);
    expect(status.apps[0]!.cron[0]).toMatchObject({ task: 'nightly', missedAt: '2026-03-10T03:00:00.000Z' });
  });

  it('is not shown when the run started, or its starting deadline has not passed', () => {
    expect(summarise(cronSnapshot('2026-03-10T03:00:00Z'), [], now).apps[0]!.cron[0]!.missedAt).toBeUndefined();
    expect(summarise(cronSnapshot('2026-03-09T03:00:00Z'), [], at('2026-03-10T03:02:00Z')).apps[0]!.cron[0]!.missedAt).toBeUndefined();
  });
});

describe('status: the last good backup', () => {
  it("is the newest successful run of the app's backup CronJob, shown apart from cron tasks", () => {
    const labels = { 'berth.dev/app': 'web', 'app.kubernetes.io/component': 'backup' };
    const s: EnvironmentSnapshot = {
      ...snapshot([]),
      deployments: [],
      pods: [],
      cronJobs: [{ metadata: { name: 'web-backup', uid: 'b1', creationTimestamp: '2026-01-01T00:00:00Z', labels }, spec: { schedule: '0 2 * * *' } }],
      jobs: [
        {
          metadata: {
            name: 'web-backup-1',
            labels,
            ownerReferences: [{ kind: 'CronJob', name: 'web-backup', uid: 'b1' }],
            creationTimestamp: '2026-03-10T02:00:00Z',
          },
          status: { startTime: '2026-03-10T02:00:00Z', completionTime: '2026-03-10T02:03:00Z', conditions: [{ type: 'Complete', status: 'True' }] },
        },
      ],
    };
    const app = summarise(s, [], at('2026-03-10T09:00:00Z')).apps[0]!;
    expect(app.cron).toEqual([]);
    expect(app.backup).toMatchObject({ schedule: '0 2 * * *', lastGoodAt: '2026-03-10T02:03:00Z', lastRun: { result: 'succeeded' } });
    expect(app.backup?.missedAt).toBeUndefined();
  });
});
