/**
 * A lean transport for what berth reads most — lists, single objects, log streams — with the
 * kubeconfig's credentials (client-node applies them). Against an HTTPS API server every request
 * of a command shares one HTTP/2 connection, as kubectl's do: client-node opens a new TLS
 * connection per request, which is most of the time of a short read such as `berth status`. A
 * plain-HTTP server (a local proxy) is spoken to over HTTP/1.1; a kubeconfig with a proxy-url
 * goes through client-node. Writes (apply, delete) and watches stay on client-node.
 */
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { Cluster } from './connect.ts';

export interface HttpRequest {
  path: string;
  query?: Record<string, string> | URLSearchParams;
  accept?: string;
}

/** How a stream stopped: the server ended it, the connection dropped, or we stopped it. */
export type StreamEnd = 'ended' | 'dropped' | 'aborted';

/** An answer that was not 2xx, shaped like client-node's ApiException so kubeError reads it. */
export class HttpFailure extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string) {
    super(`HTTP ${code}`);
    this.code = code;
    this.body = body;
  }
}

interface Transport {
  session: ClientHttp2Session | undefined;
  http1: HttpAgent | undefined;
  tls: RequestOptions;
  active: number;
  idle: NodeJS.Timeout | undefined;
  /** Why the last session failed (ECONNREFUSED, a TLS error). */
  failure?: Error;
}

/** An idle connection is closed after this long, so long-lived processes do not hoard them. */
const IDLE_MS = 10_000;

const transports = new WeakMap<Cluster, Promise<Transport>>();

async function transportFor(cluster: Cluster): Promise<Transport> {
  let found = transports.get(cluster);
  if (!found) {
    found = (async () => {
      const tls: RequestOptions = { headers: {} };
      await cluster.kubeConfig.applyToHTTPSOptions(tls);
      return { session: undefined, http1: undefined, tls, active: 0, idle: undefined };
    })();
    transports.set(cluster, found);
  }
  return found;
}

/** True when this transport can carry the cluster's requests (else use client-node). */
export function directTransport(cluster: Cluster): boolean {
  return !cluster.kubeConfig.getCurrentCluster()?.proxyUrl;
}

function session(cluster: Cluster, t: Transport): ClientHttp2Session {
  if (t.session && !t.session.closed && !t.session.destroyed) return t.session;
  const server = cluster.kubeConfig.getCurrentCluster();
  const created = connect(cluster.server, {
    ca: t.tls.ca,
    cert: t.tls.cert,
    key: t.tls.key,
    pfx: t.tls.pfx,
    passphrase: t.tls.passphrase,
    servername: t.tls.servername ?? server?.tlsServerName,
    rejectUnauthorized: t.tls.rejectUnauthorized,
  });
  // A failed connection fails its requests (with this error: theirs only says "cancelled"); the next request reconnects.
  created.on('error', (error) => {
    t.failure = error;
  });
  created.on('goaway', () => created.close());
  created.unref();
  t.session = created;
  return created;
}

/** Keeps the process alive while requests are in flight, not after (the session is unref'd). */
function track(t: Transport, change: 1 | -1): void {
  t.active += change;
  if (t.idle) clearTimeout(t.idle);
  t.idle = undefined;
  if (t.active === 1 && change === 1) t.session?.ref();
  if (t.active === 0) {
    t.session?.unref();
    const idle = t.session;
    t.idle = setTimeout(() => idle?.close(), IDLE_MS).unref();
  }
}

function url(request: HttpRequest, base: string): string {
  const query = request.query instanceof URLSearchParams ? request.query : new URLSearchParams(request.query ?? {});
  const text = query.toString();
  return `${base}${request.path}${text ? `?${text}` : ''}`;
}

/**
 * Sends a GET and calls `onData` with the body as it arrives. Resolves with how the body ended;
 * rejects with HttpFailure for a non-2xx answer and with the socket error when nothing answered.
 */
export async function streamGet(cluster: Cluster, request: HttpRequest, signal: AbortSignal | undefined, onData: (text: string) => void): Promise<StreamEnd> {
  if (signal?.aborted) return 'aborted';
  const t = await transportFor(cluster);
  const server = new URL(cluster.server);
  const base = server.pathname.replace(/\/$/, '');
  // Credentials per request: a token from an exec plugin or OIDC expires during a long `logs -f`.
  const auth: RequestOptions = { headers: {} };
  await cluster.kubeConfig.applyToHTTPSOptions(auth);
  const headers = { ...(auth.headers as Record<string, string>), accept: request.accept ?? 'application/json' };
  if (server.protocol === 'http:') return streamHttp1(t, server, url(request, base), headers, signal, onData);
  const h2 = session(cluster, t);
  track(t, 1);
  return new Promise<StreamEnd>((resolve, reject) => {
    let settled = false;
    let status = 0;
    let failureBody = '';
    const done = (end: StreamEnd | Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      track(t, -1);
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const stream = h2.request({ ...lowercase(headers), [constants.HTTP2_HEADER_PATH]: url(request, base), [constants.HTTP2_HEADER_METHOD]: 'GET' });
    const onAbort = () => {
      stream.close(constants.NGHTTP2_CANCEL);
      done('aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.setEncoding('utf8');
    stream.on('response', (answer) => {
      status = Number(answer[constants.HTTP2_HEADER_STATUS] ?? 0);
    });
    stream.on('data', (chunk: string) => {
      if (status >= 200 && status < 300) onData(chunk);
      else failureBody += chunk;
    });
    stream.on('end', () => {
      if (status && (status < 200 || status >= 300)) done(new HttpFailure(status, failureBody));
      else done(signal?.aborted ? 'aborted' : 'ended');
    });
    const cause = (error: Error) => (h2.destroyed && t.failure ? t.failure : error);
    stream.on('error', (error) => done(signal?.aborted ? 'aborted' : status ? 'dropped' : cause(error)));
    stream.on('close', () => done(signal?.aborted ? 'aborted' : status ? 'dropped' : cause(new Error('the API server closed the connection'))));
  });
}

function streamHttp1(
  t: Transport,
  server: URL,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  onData: (text: string) => void,
): Promise<StreamEnd> {
  t.http1 ??= new HttpAgent({ keepAlive: true });
  const agent = t.http1;
  return new Promise<StreamEnd>((resolve, reject) => {
    let settled = false;
    let responded = false;
    const done = (end: StreamEnd | Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const req = httpRequest({ agent, host: server.hostname, port: server.port || 80, method: 'GET', path, headers });
    const onAbort = () => {
      req.destroy();
      done('aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => done(signal?.aborted ? 'aborted' : responded ? 'dropped' : error));
    req.on('response', (response: IncomingMessage) => {
      responded = true;
      const code = response.statusCode ?? 0;
      let failureBody = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (code >= 200 && code < 300) onData(chunk);
        else failureBody += chunk;
      });
      response.on('end', () => done(code < 200 || code >= 300 ? new HttpFailure(code, failureBody) : signal?.aborted ? 'aborted' : 'ended'));
      response.on('close', () => done(signal?.aborted ? 'aborted' : response.complete ? 'ended' : 'dropped'));
    });
    req.end();
  });
}

/**
 * A GET whose answer is JSON. Tried once more on a new connection when the shared one failed
 * without an answer (the server closed an idle HTTP/2 connection): a read can be repeated.
 */
export async function getJson<T>(cluster: Cluster, request: HttpRequest): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let text = '';
    try {
      const end = await streamGet(cluster, request, undefined, (chunk) => {
        text += chunk;
      });
      if (end !== 'ended') throw new Error('the connection to the API server dropped');
      return JSON.parse(text) as T;
    } catch (error) {
      // A broken session is closed by now; the retry opens a new one (see session()).
      if (error instanceof HttpFailure || attempt > 0) throw error;
    }
  }
}

/** Closes the connections so the process can exit at once. */
export async function closeTransport(cluster: Cluster): Promise<void> {
  const found = transports.get(cluster);
  if (!found) return;
  transports.delete(cluster);
  const t = await found;
  t.session?.close();
  t.http1?.destroy();
}

function lowercase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
