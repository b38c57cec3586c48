/** A self-contained kubeconfig for one token: one cluster, one user, one context. Pure. */

export interface KubeconfigSpec {
  /** Name of the cluster, user entry and context. */
  name: string;
  server: string;
  /** The API server's CA, base64 (as in certificate-authority-data). */
  caData?: string;
  insecure?: boolean;
  namespace: string;
  user: string;
  token: string;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: { token: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace: string } }[];
  'current-context': string;
  preferences: Record<string, never>;
}

export function buildKubeconfig(spec: KubeconfigSpec): Kubeconfig {
  const cluster: Record<string, unknown> = { server: spec.server };
  if (spec.caData) cluster['certificate-authority-data'] = spec.caData;
  if (spec.insecure) cluster['insecure-skip-tls-verify'] = true;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.name, cluster }],
    users: [{ name: spec.user, user: { token: spec.token } }],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.user, namespace: spec.namespace } }],
    'current-context': spec.name,
    preferences: {},
  };
}

/** As YAML (JSON is YAML, and every kubeconfig reader accepts it; this keeps the file readable). */
export function kubeconfigYaml(config: Kubeconfig): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of config.clusters) {
    lines.push(`- name: ${JSON.stringify(c.name)}`, '  cluster:');
    for (const [key, value] of Object.entries(c.cluster)) lines.push(`    ${key}: ${JSON.stringify(value)}`);
  }
  lines.push('users:');
  for (const u of config.users) lines.push(`- name: ${JSON.stringify(u.name)}`, '  user:', `    token: ${JSON.stringify(u.user.token)}`);
  lines.push('contexts:');
  for (const c of config.contexts) {
    lines.push(`- name: ${JSON.stringify(c.name)}`, '  context:');
    for (const [key, value] of Object.entries(c.context)) lines.push(`    ${key}: ${JSON.stringify(value)}`);
  }
  lines.push(`current-context: ${JSON.stringify(config['current-context'])}`, 'preferences: {}');
  return `${lines.join('\n')}\n`;
}
