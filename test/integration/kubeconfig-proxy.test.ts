// A kubeconfig whose cluster sits behind an HTTP proxy (`proxy-url`), as kubectl supports it:
// berth's requests, its watches included, go through the proxy's CONNECT tunnel to the real API
// server; a proxy scheme berth cannot tunnel through is named in the error.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/connect.ts';
import { closeTransport } from '../../src/cluster/http.ts';
import { watchObjects } from '../../src/cluster/watch.ts';
import { ExitCode } from '../../src/errors.ts';
import { describeCluster, requireEnv } from './helpers.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

describeCluster('a kubeconfig with proxy-url', () => {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  let dir: string;
  const kubeconfigWith = (proxyUrl: string) => {
    const config = load(readFileSync(requireEnv().kubeconfigPath, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const entry of config.clusters) entry.cluster['proxy-url'] = proxyUrl;
    const path = join(dir, `kubeconfig-${tunnels.length}-${proxyUrl.split(':')[0]}`);
    writeFileSync(path, dump(config), { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-proxy-'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('reads, writes and watches through the tunnel', async () => {
    const { port } = proxy.address() as AddressInfo;
    const cluster = connectCluster({ kubeconfig: kubeconfigWith(`http://127.0.0.1:${port}`) });
    const server = new URL(cluster.server);
    const namespace = await cluster.objects.getRaw<{ metadata: { name: string } }>('/api/v1/namespaces/default');
    expect(namespace.metadata.name).toBe('default');
    const stop = new AbortController();
    const seen = new Promise<number>((resolve) => {
      void watchObjects(
        cluster,
        { apiVersion: 'v1', kind: 'Namespace', namespace: '' },
        {
          signal: stop.signal,
          onChange: (change, _object, store) => {
            if (change === 'synced') resolve(store.size);
          },
        },
      );
    });
    expect(await seen).toBeGreaterThan(0);
    stop.abort();
    await closeTransport(cluster);
    // One HTTP/2 connection carried both: one tunnel.
    expect(tunnels).toEqual([`${server.hostname}:${server.port}`]);
  });

  it('names a proxy scheme it cannot tunnel through, before sending anything', () => {
    expect(() => connectCluster({ kubeconfig: kubeconfigWith('socks5://127.0.0.1:1080') })).toThrow(
      expect.objectContaining({
        message: "The kubeconfig's proxy-url socks5:// is not supported: berth tunnels through http:// proxies only",
        exitCode: ExitCode.unreachable,
      }),
    );
  });
});
