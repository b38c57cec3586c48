/**
 * berth's one transport to the Kubernetes API: reads, writes, watches and log streams. Against an
 * HTTPS API server every request of a process shares one HTTP/2 connection, as kubectl's do (a
 * new TLS handshake with a client certificate costs ~9 ms of CPU here, and as much again in the
 * API server). A plain-HTTP server (`kubectl proxy`) is spoken to over HTTP/1.1 with keep-alive.
 * A kubeconfig `proxy-url` of http:// is tunnelled with CONNECT, as client-go does.
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Cluster } from './connect.ts';
import { type Credentials, credentialsFor } from './credentials.ts';

export interface HttpRequest {
  path: string;
  query?: Record<string, string> | URLSearchParams;
  accept?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: string;
  contentType?: string;
}

/** How a stream stopped: the server ended it, the connection dropped, or we stopped it. */
export type StreamEnd = 'ended' | 'dropped' | 'aborted';

/** An answer that was not 2xx: its status and body (a Status object), which kubeError reads. */
export class HttpFailure extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string) {
    super(`HTTP ${code}`);
    this.code = code;
    this.body = body;
  }
}

/** No answer came: `code` is the socket's (ECONNREFUSED) or ECONNRESET; `sent` when the request may have reached the server. */
export class TransportFailure extends Error {
  readonly code: string;
  readonly sent: boolean;
  constructor(message: string, code: string, sent: boolean, cause?: unknown) {
    super(message, { cause });
    this.code = code;
    this.sent = sent;
  }
}

interface Transport {
  credentials: Credentials;
  session: ClientHttp2Session | undefined;
  opening?: Promise<ClientHttp2Session>;
  http1: HttpAgent | undefined;
  active: number;
  idle: NodeJS.Timeout | undefined;
  /** Why the last session failed (ECONNREFUSED, a TLS error). */
  failure?: Error;
}

/**
 * Node's modules as CommonJS: an ESM import of node:http builds its namespace, which reads the
 * lazy WebSocket export and loads Node's bundled undici (~60 ms at start for nothing).
 */
const http2 = process.getBuiltinModule('node:http2');
const { constants } = http2;
const http1 = () => process.getBuiltinModule('node:http');

/** Flow-control windows berth grants the API server, per stream and for the whole connection. */
const STREAM_WINDOW = 16 * 1024 * 1024;
const SESSION_WINDOW = 64 * 1024 * 1024;

/** An idle connection is closed after this long, so long-lived processes do not hoard them. */
const IDLE_MS = 10_000;

const transports = new WeakMap<Cluster, Promise<Transport>>();

function transportFor(cluster: Cluster): Promise<Transport> {
  let found = transports.get(cluster);
  if (!found) {
    found = credentialsFor(cluster.target).then((credentials) => ({ credentials, session: undefined, http1: undefined, active: 0, idle: undefined }));
    found.catch(() => transports.delete(cluster));
    transports.set(cluster, found);
  }
  return found;
}

/** The shared HTTP/2 session, opened (again) when there is none or it failed. */
async function session(cluster: Cluster, t: Transport): Promise<ClientHttp2Session> {
  if (t.session && !t.session.closed && !t.session.destroyed) return t.session;
  t.opening ??= open(cluster, t).finally(() => {
    t.opening = undefined;
  });
  return t.opening;
}

async function open(cluster: Cluster, t: Transport): Promise<ClientHttp2Session> {
  const { tls } = t.credentials;
  const proxy = cluster.target.cluster.proxyUrl;
  const socket = proxy ? await tunnel(proxy, cluster.server, tls) : undefined;
  const created = http2.connect(cluster.server, {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized,
    // HTTP/2's default windows are 64 KiB: a list of a megabyte (a namespace's ReplicaSets) then
    // arrives only as fast as this process, busy rendering or validating, hands credit back, one
    // window at a time. Wide windows let the API server send whole answers while berth works.
    settings: { initialWindowSize: STREAM_WINDOW },
    ...(socket ? { createConnection: () => socket } : {}),
  });
  created.once('connect', () => created.setLocalWindowSize(SESSION_WINDOW));
  // A failed connection fails its requests (with this error: theirs only says "cancelled"); the next request reconnects.
  created.on('error', (error) => {
    t.failure = error;
  });
  created.on('goaway', () => created.close());
  created.unref();
  t.session = created;
  return created;
}

/** A TLS connection to the API server through an HTTP proxy's CONNECT tunnel. */
function tunnel(proxyUrl: string, server: string, tls: Credentials['tls']): Promise<TLSSocket> {
  const proxy = new URL(proxyUrl);
  if (proxy.protocol !== 'http:') {
    return Promise.reject(
      new TransportFailure(`the kubeconfig's proxy-url ${proxy.protocol}// is not supported: berth tunnels through http:// proxies only`, 'EPROXY', false),
    );
  }
  const target = new URL(server);
  const authority = `${target.hostname}:${target.port || 443}`;
  const login = proxy.username ? `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}` : undefined;
  return new Promise((resolve, reject) => {
    const request = http1().request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(login ? { 'proxy-authorization': `Basic ${Buffer.from(login).toString('base64')}` } : {}) },
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(new TransportFailure(`proxy ${proxy.host}: ${error.message}`, error.code ?? 'EPROXY', false, error)),
    );
    request.on('connect', (answer: IncomingMessage, socket: Socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        reject(new TransportFailure(`proxy ${proxy.host} refused the tunnel to ${authority} (HTTP ${answer.statusCode})`, 'EPROXY', false));
        return;
      }
      const secure = tlsConnect({ ...tls, socket, servername: tls.servername ?? target.hostname, ALPNProtocols: ['h2'] });
      secure.once('secureConnect', () => resolve(secure));
      secure.once('error', (error: NodeJS.ErrnoException) => reject(new TransportFailure(error.message, error.code ?? 'ECONNRESET', false, error)));
    });
    request.end();
  });
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
 * Sends a request and calls `onData` with the answer's body as it arrives. Resolves with how the
 * body ended; rejects with HttpFailure for a non-2xx answer and TransportFailure when nothing answered.
 */
export async function streamGet(cluster: Cluster, request: HttpRequest, signal: AbortSignal | undefined, onData: (text: string) => void): Promise<StreamEnd> {
  if (signal?.aborted) return 'aborted';
  const t = await transportFor(cluster);
  const server = new URL(cluster.server);
  const base = server.pathname.replace(/\/$/, '');
  // Credentials per request: a token from a plugin or a token file changes during a long `logs -f`.
  const headers: Record<string, string> = { ...(await t.credentials.headers()), accept: request.accept ?? 'application/json' };
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const method = request.method ?? 'GET';
  // Stopped while the credentials were read: the abort listener below would never hear of it.
  if (signal?.aborted) return 'aborted';
  if (server.protocol === 'http:') return streamHttp1(t, server, method, url(request, base), headers, request.body, signal, onData);
  const h2 = await session(cluster, t);
  if (signal?.aborted) return 'aborted';
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
    const stream = h2.request(
      { ...headers, [constants.HTTP2_HEADER_PATH]: url(request, base), [constants.HTTP2_HEADER_METHOD]: method },
      // Node ends GET and DELETE requests at once unless told that a body follows.
      { endStream: request.body === undefined },
    );
    const onAbort = () => {
      stream.close(constants.NGHTTP2_CANCEL);
      done('aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.setEncoding('utf8');
    // Node emits 'response' a tick after the headers arrive; body bytes read with them come first.
    let early: string[] = [];
    const take = (chunk: string) => {
      if (status >= 200 && status < 300) onData(chunk);
      else failureBody += chunk;
    };
    stream.on('response', (answer) => {
      status = Number(answer[constants.HTTP2_HEADER_STATUS] ?? 0);
      for (const chunk of early) take(chunk);
      early = [];
    });
    stream.on('data', (chunk: string) => {
      if (status) take(chunk);
      else early.push(chunk);
    });
    stream.on('end', () => {
      if (signal?.aborted) done('aborted');
      else if (!status) done(failure(new Error('the API server ended the stream without an answer')));
      else if (status < 200 || status >= 300) done(new HttpFailure(status, failureBody));
      else done('ended');
    });
    // The session's own error says why (ECONNREFUSED, a certificate problem); the stream's only "cancelled".
    const failure = (error: Error) => {
      const cause = h2.destroyed && t.failure ? t.failure : error;
      const code = (cause as NodeJS.ErrnoException).code ?? 'ECONNRESET';
      // Refused: the request never left. Otherwise it may have reached the server.
      return new TransportFailure(cause.message, code, code !== 'ECONNREFUSED' && code !== 'ENOTFOUND', cause);
    };
    stream.on('error', (error) => done(signal?.aborted ? 'aborted' : status ? 'dropped' : failure(error)));
    stream.on('close', () => done(signal?.aborted ? 'aborted' : status ? 'dropped' : failure(new Error('the API server closed the connection'))));
    if (request.body !== undefined) stream.end(request.body);
  });
}

function streamHttp1(
  t: Transport,
  server: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal | undefined,
  onData: (text: string) => void,
): Promise<StreamEnd> {
  t.http1 ??= new (http1().Agent)({ keepAlive: true });
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
    const req = http1().request({ agent, host: server.hostname, port: server.port || 80, method, path, headers });
    const onAbort = () => {
      req.destroy();
      done('aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ECONNRESET';
      done(
        signal?.aborted ? 'aborted' : responded ? 'dropped' : new TransportFailure(error.message, code, code !== 'ECONNREFUSED' && code !== 'ENOTFOUND', error),
      );
    });
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
    req.end(body);
  });
}

/** A whole answer as text; a body cut off counts as a connection reset. */
export async function sendText(cluster: Cluster, request: HttpRequest): Promise<string> {
  let text = '';
  const end = await streamGet(cluster, request, undefined, (chunk) => {
    text += chunk;
  });
  if (end !== 'ended') throw new TransportFailure('the connection to the API server dropped', 'ECONNRESET', true);
  return text;
}

/**
 * A GET whose answer is JSON. Tried once more on a new connection when the shared one failed
 * without an answer (the server closed an idle HTTP/2 connection): a read can be repeated.
 */
export async function getJson<T>(cluster: Cluster, request: HttpRequest): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return JSON.parse(await sendText(cluster, request)) as T;
    } catch (error) {
      // A broken session is closed by now; the retry opens a new one (see session()).
      if (error instanceof HttpFailure || attempt > 0) throw error;
    }
  }
}

/**
 * Opens the connection now and resolves once it is up (or failed: the first request reports
 * that), after requests already made are sent. A command that is about to spend CPU on
 * something else (validating its config) lets the API server work on those requests meanwhile.
 */
export async function connectEarly(cluster: Cluster): Promise<void> {
  if (new URL(cluster.server).protocol !== 'https:') return;
  try {
    const t = await transportFor(cluster);
    const h2 = await session(cluster, t);
    if (!h2.connecting) return;
    await new Promise<void>((resolve) => {
      h2.once('connect', () => resolve());
      h2.once('error', () => resolve());
      h2.once('close', () => resolve());
    });
    // The queued requests go out in the turns after the handshake.
    await new Promise((resolve) => setImmediate(resolve));
  } catch {
    // The requests themselves report it.
  }
}

/** Closes the connections so the process can exit at once. */
export async function closeTransport(cluster: Cluster): Promise<void> {
  const found = transports.get(cluster);
  if (!found) return;
  transports.delete(cluster);
  const t = await found.catch(() => undefined);
  t?.session?.close();
  t?.http1?.destroy();
}
