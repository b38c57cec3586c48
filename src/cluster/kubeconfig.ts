/**
 * Reads kubeconfig files the way kubectl does (client-go's clientcmd loading rules), without
 * @kubernetes/client-node: importing it costs a command about 200 ms before its first request,
 * which is a tenth of a whole deploy here. KUBECONFIG may name several files: the first to define
 * a cluster, user or context name wins, as does the first current-context. Without KUBECONFIG,
 * ~/.kube/config; without that, the pod's own ServiceAccount (berth web --in-cluster).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';

export interface KubeCluster {
  name: string;
  server: string;
  /** The CA bundle, base64 as in the kubeconfig (certificate-authority-data). */
  caData?: string;
  /** A CA file, made absolute against the kubeconfig's directory. */
  caFile?: string;
  insecure: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface KubeUser {
  name: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  /** exec or auth-provider: credentials a plugin makes; client-node runs it (see credentials.ts). */
  plugin: boolean;
}

export interface KubeTarget {
  context: string;
  namespace?: string;
  cluster: KubeCluster;
  user: KubeUser;
  /** The files read, in order (a plugin user is handed to client-node with them). */
  files: string[];
}

/** A kubeconfig that cannot be used, in words; connect.ts turns it into a BerthError. */
export class KubeconfigProblem extends Error {}

/** The context asked for (cluster.context, --context) is not defined. */
export class UnknownContext extends KubeconfigProblem {
  readonly context: string;
  readonly known: string[];
  constructor(context: string, known: string[]) {
    super(`context "${context}" is not in the kubeconfig`);
    this.context = context;
    this.known = known;
  }
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Entry = Record<string, unknown>;

interface Merged {
  currentContext?: string;
  clusters: Map<string, { entry: Entry; dir: string }>;
  users: Map<string, { entry: Entry; dir: string }>;
  contexts: Map<string, Entry>;
}

/** `kubeconfig`: KUBECONFIG as given (paths joined by `:`); default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
export function readKubeconfig(options: { kubeconfig?: string; context?: string; env?: NodeJS.ProcessEnv } = {}): KubeTarget {
  const env = options.env ?? process.env;
  const given = (options.kubeconfig ?? env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  const files = given.length ? given : existsSync(home) ? [home] : [];
  if (files.length === 0) {
    const inCluster = serviceAccountTarget(env);
    if (inCluster) return inCluster;
    throw new KubeconfigProblem('no kubeconfig found (KUBECONFIG is not set and ~/.kube/config does not exist)');
  }
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) mergeFile(merged, file);
  const contextName = options.context ?? merged.currentContext;
  if (!contextName) throw new KubeconfigProblem('no current-context is set');
  const context = merged.contexts.get(contextName);
  if (!context) throw new UnknownContext(contextName, [...merged.contexts.keys()]);
  const clusterName = text(context.cluster);
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (!cluster) throw new KubeconfigProblem(`context "${contextName}" names cluster "${clusterName ?? ''}", which is not in the kubeconfig`);
  const userName = text(context.user);
  const user = userName ? merged.users.get(userName) : undefined;
  return {
    context: contextName,
    namespace: text(context.namespace),
    cluster: clusterOf(clusterName!, cluster.entry, cluster.dir),
    user: user ? userOf(userName!, user.entry, user.dir) : { name: userName ?? '', plugin: false },
    files,
  };
}

function mergeFile(merged: Merged, file: string): void {
  let parsed: unknown;
  try {
    parsed = load(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message.split('\n')[0];
    throw new KubeconfigProblem(`${file}: ${reason}`);
  }
  if (parsed === undefined || parsed === null) return;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new KubeconfigProblem(`${file}: not a kubeconfig (expected a mapping)`);
  const config = parsed as Entry;
  const dir = dirname(file);
  merged.currentContext ??= text(config['current-context']) || undefined;
  for (const item of list(config.clusters, file, 'clusters')) {
    if (!merged.clusters.has(item.name)) merged.clusters.set(item.name, { entry: (item.value.cluster as Entry) ?? {}, dir });
  }
  for (const item of list(config.users, file, 'users')) {
    if (!merged.users.has(item.name)) merged.users.set(item.name, { entry: (item.value.user as Entry) ?? {}, dir });
  }
  for (const item of list(config.contexts, file, 'contexts')) {
    if (!merged.contexts.has(item.name)) merged.contexts.set(item.name, (item.value.context as Entry) ?? {});
  }
}

function list(value: unknown, file: string, field: string): { name: string; value: Entry }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KubeconfigProblem(`${file}: ${field} must be a list`);
  return value.flatMap((item: unknown) => {
    const name = text((item as Entry | null)?.name);
    return name ? [{ name, value: item as Entry }] : [];
  });
}

function clusterOf(name: string, entry: Entry, dir: string): KubeCluster {
  const server = text(entry.server);
  if (!server) throw new KubeconfigProblem(`cluster "${name}" has no server`);
  return {
    name,
    server,
    caData: text(entry['certificate-authority-data']),
    caFile: path(entry['certificate-authority'], dir),
    insecure: entry['insecure-skip-tls-verify'] === true,
    tlsServerName: text(entry['tls-server-name']),
    proxyUrl: text(entry['proxy-url']),
  };
}

function userOf(name: string, entry: Entry, dir: string): KubeUser {
  return {
    name,
    certData: text(entry['client-certificate-data']),
    certFile: path(entry['client-certificate'], dir),
    keyData: text(entry['client-key-data']),
    keyFile: path(entry['client-key'], dir),
    token: text(entry.token),
    tokenFile: path(entry.tokenFile, dir),
    username: text(entry.username),
    password: text(entry.password),
    plugin: entry.exec !== undefined || entry['auth-provider'] !== undefined,
  };
}

/** The pod's own ServiceAccount, as client-go's rest.InClusterConfig reads it. */
function serviceAccountTarget(env: NodeJS.ProcessEnv): KubeTarget | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(SERVICE_ACCOUNT_DIR, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const namespaceFile = join(SERVICE_ACCOUNT_DIR, 'namespace');
  return {
    context: 'inClusterContext',
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined,
    cluster: {
      name: 'inCluster',
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      caFile: join(SERVICE_ACCOUNT_DIR, 'ca.crt'),
      insecure: false,
    },
    user: { name: 'inClusterUser', tokenFile, plugin: false },
    files: [],
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function path(value: unknown, dir: string): string | undefined {
  const given = text(value);
  if (!given) return undefined;
  const home = given.startsWith('~/') ? join(homedir(), given.slice(2)) : given;
  return isAbsolute(home) ? home : join(dir, home);
}
