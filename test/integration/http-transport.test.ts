// berth's requests share one HTTP/2 connection. Node emits a stream's 'response' event a tick
// after its headers arrive, so the first body bytes can come before it: every answer must still
// arrive whole, however many requests are in flight at once (a 20-app deploy's dry run sends 32).
import { expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/connect.ts';
import { closeTransport } from '../../src/cluster/http.ts';
import { describeCluster, requireEnv } from './helpers.ts';

const configMap = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `transport-${i}`, namespace: 'default' }, data: { i: String(i) } });

describeCluster('the HTTP/2 transport', () => {
  it('delivers every answer whole with 200 requests in flight, reads and dry-run applies alike', async () => {
    const cluster = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    try {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            i % 2
              ? cluster.objects.getRaw<{ metadata?: { name?: string } }>('/api/v1/namespaces/default')
              : cluster.objects.applyRaw<{ metadata?: { name?: string } }>(configMap(i), { fieldManager: 'berth-test', dryRun: true }),
          ),
        );
        const whole = answers.filter((a, i) => a.metadata?.name === (i % 2 ? 'default' : `transport-${i}`));
        expect(whole.length, `round ${round}`).toBe(200);
      }
    } finally {
      await closeTransport(cluster);
    }
  });
});
