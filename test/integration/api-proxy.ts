// A plain-HTTP proxy in front of the test API server: berth talks to it through a kubeconfig of its
// own, and the test sees every request berth makes (to count them) and can cut open streams (to
// prove that watches and log streams resume). It forwards with the harness kubeconfig's
// credentials, so the API server, its answers and its streams are the real ones.
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ApiProxy {
  kubeconfigPath: string;
  /** Every request since the last reset: `GET /api/v1/namespaces/x/pods?…`. */
  requests: string[];
  reset(): void;
  /** Responses still streaming (watches, followed logs). */
  openStreams(): number;
  /** Drops every open long-running response (watches, followed logs) as a failing network would. */
  cutStreams(): number;
  close(): Promise<void>;
}

/** `kubeconfigPath`: the real cluster's kubeconfig (the harness's). */
export async function startApiProxy(kubeconfigPath: string): Promise<ApiProxy> {
  const upstream = new KubeConfig();
  upstream.loadFromFile(kubeconfigPath);
  const target = new URL(upstream.getCurrentCluster()!.server);
  const tls: RequestOptions = {};
  await upstream.applyToHTTPSOptions(tls);
  const requests: string[] = [];
  const open = new Set<{ res: ServerResponse; upstream: IncomingMessage }>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const headers = { ...req.headers, host: target.host };
    const forward = httpsRequest(
      { ...tls, host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, ...(tls.headers ?? {}) } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const entry = { res, upstream: answer };
        open.add(entry);
        answer.pipe(res);
        answer.on('close', () => open.delete(entry));
        res.on('close', () => {
          open.delete(entry);
          answer.destroy();
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxyKubeconfig = join(mkdtempSync(join(tmpdir(), 'berth-proxy-')), 'kubeconfig');
  writeFileSync(
    proxyKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses a plain-HTTP server unless told TLS verification is off on purpose.
      clusters: [{ name: 'proxy', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
      'current-context': 'proxy',
    }),
  );
  return {
    kubeconfigPath: proxyKubeconfig,
    requests,
    reset() {
      requests.length = 0;
    },
    openStreams() {
      return open.size;
    },
    cutStreams() {
      const count = open.size;
      for (const entry of open) {
        entry.upstream.destroy();
        entry.res.socket?.destroy();
      }
      open.clear();
      return count;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
