// Kubeconfigs berth reads itself, against the real API server: a cluster behind an HTTP proxy
// (`proxy-url`: requests and watches go through its CONNECT tunnel; a scheme berth cannot tunnel
// through is named), and a user whose credentials an exec plugin makes.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestToken } from '../../src/cluster/access.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { whoAmI } from '../../src/cluster/whoami.ts';
import { closeTransport } from '../../src/cluster/http.ts';
import { watchObjects } from '../../src/cluster/watch.ts';
import { ExitCode } from '../../src/errors.ts';
import { describeCluster, requireEnv } from './helpers.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

describeCluster('kubeconfigs as kubectl reads them', () => {
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
  it('runs an exec credential plugin (client-node runs it) and is who its token says', async () => {
    const admin = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    const { token } = await requestToken(admin, 'default', 'default', 600);
    writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
    const plugin = join(dir, 'credential-plugin.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\necho ran >> '${join(dir, 'ran')}'\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat '${join(dir, 'token')}')"\n`,
      { mode: 0o700 },
    );
    const config = load(readFileSync(requireEnv().kubeconfigPath, 'utf8')) as { users: { user: Record<string, unknown> }[] };
    for (const entry of config.users) entry.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } };
    const path = join(dir, 'kubeconfig-exec');
    writeFileSync(path, dump(config), { mode: 0o600 });
    const cluster = connectCluster({ kubeconfig: path });
    expect(await whoAmI(cluster)).toBe('system:serviceaccount:default:default');
    await closeTransport(cluster);
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toMatch(/ran/);
  });
});
