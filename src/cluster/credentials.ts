/**
 * The kubeconfig user's credentials as TLS options and request headers. Client certificates,
 * bearer tokens (a token file is re-read, as kubectl does: projected ServiceAccount tokens
 * rotate) and basic auth are read here. Credential plugins (exec, auth-provider) are run by
 * @kubernetes/client-node, imported only for such a user: it runs the plugin, caches its token
 * and refreshes it when it expires.
 */
import { readFileSync } from 'node:fs';
import type { KubeTarget } from './kubeconfig.ts';

export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface Credentials {
  tls: TlsSettings;
  /** Headers for the next request (Authorization), fresh when a token rotates. */
  headers(): Promise<Record<string, string>>;
}

/** A token file is read again after this long. */
const TOKEN_FILE_TTL_MS = 60_000;

export async function credentialsFor(target: KubeTarget): Promise<Credentials> {
  if (target.user.plugin) return pluginCredentials(target);
  const { cluster, user } = target;
  const tls: TlsSettings = {
    ca: bytes(cluster.caData, cluster.caFile),
    cert: bytes(user.certData, user.certFile),
    key: bytes(user.keyData, user.keyFile),
    servername: cluster.tlsServerName,
    rejectUnauthorized: !cluster.insecure,
  };
  if (user.token) {
    const header = { authorization: `Bearer ${user.token}` };
    return { tls, headers: async () => header };
  }
  if (user.tokenFile) {
    const file = user.tokenFile;
    let cached: { header: Record<string, string>; at: number } | undefined;
    return {
      tls,
      headers: async () => {
        if (!cached || Date.now() - cached.at > TOKEN_FILE_TTL_MS) {
          cached = { header: { authorization: `Bearer ${readFileSync(file, 'utf8').trim()}` }, at: Date.now() };
        }
        return cached.header;
      },
    };
  }
  if (user.username !== undefined && user.password !== undefined) {
    const header = { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` };
    return { tls, headers: async () => header };
  }
  return { tls, headers: async () => ({}) };
}

async function pluginCredentials(target: KubeTarget): Promise<Credentials> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  for (const [index, file] of target.files.entries()) {
    if (index === 0) config.loadFromFile(file);
    else {
      const more = new KubeConfig();
      more.loadFromFile(file);
      config.mergeConfig(more, true);
    }
  }
  config.setCurrentContext(target.context);
  const apply = async () => {
    const options: { headers: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer } = { headers: {} };
    await config.applyToHTTPSOptions(options as never);
    return options;
  };
  const first = await apply();
  return {
    tls: {
      ca: first.ca ?? bytes(target.cluster.caData, target.cluster.caFile),
      cert: first.cert,
      key: first.key,
      servername: target.cluster.tlsServerName,
      rejectUnauthorized: !target.cluster.insecure,
    },
    headers: async () => lowercase((await apply()).headers),
  };
}

function bytes(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(file);
  return undefined;
}

function lowercase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
