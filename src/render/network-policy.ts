/**
 * Default-deny for an app's pods, then what it needs: the ingress controller reaches its HTTP
 * ports (by namespace, or from the nodes' addresses when it runs with hostNetwork), pods of the
 * same environment talk to each other, and egress goes to DNS, the database, the public internet
 * (mail, payment and storage APIs) and the destinations the config adds — not to other private
 * networks. The CloudNativePG namespace gets its own policy (database-cnpg.ts).
 */
import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyIngressRule, V1NetworkPolicyPort } from '@kubernetes/client-node';
import type { EgressTarget, ResolvedApp, ResolvedCluster, ResolvedDatabase, ResolvedNetworkPolicy } from '../config/resolved.ts';
import { appLabels, LABEL } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'];
export const namespaceSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
export const tcp = (ports: number[]): V1NetworkPolicyPort[] => ports.map((port) => ({ port, protocol: 'TCP' }));

export function renderNetworkPolicy(
  app: ResolvedApp & { networkPolicy: ResolvedNetworkPolicy },
  cluster: ResolvedCluster,
  database: ResolvedDatabase | undefined,
): KubeObject {
  const webPorts = [...new Set(app.processes.filter((p) => p.port !== undefined && p.domains.length > 0).map((p) => p.port!))].sort((a, b) => a - b);
  const ingress: V1NetworkPolicyIngressRule[] = [{ _from: [{ podSelector: {} }] }];
  if (webPorts.length) {
    // A hostNetwork controller's traffic comes from node addresses, which no pod selector matches.
    const sources = [
      ...(cluster.ingressHostNetwork ? [] : [{ namespaceSelector: namespaceSelector(cluster.ingressNamespace) }]),
      ...app.networkPolicy.ingressFrom.map((cidr) => ({ ipBlock: { cidr } })),
    ];
    if (sources.length) ingress.push({ _from: sources, ports: tcp(webPorts) });
  }
  const egress: V1NetworkPolicyEgressRule[] = [
    {
      to: [{ namespaceSelector: namespaceSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
    { to: [{ podSelector: {} }] },
    { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }] },
  ];
  const db = app.database ? databaseEgress(database) : undefined;
  if (db) egress.push(db);
  egress.push(...app.networkPolicy.egressTo.map(egressRule));
  const policy: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: app.name, namespace: app.namespace, labels: appLabels(app) },
    spec: {
      podSelector: { matchLabels: { [LABEL.app]: app.name } },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    },
  };
  return kube(toWire(policy) as V1NetworkPolicy);
}

function egressRule(target: EgressTarget): V1NetworkPolicyEgressRule {
  const to = target.cidr ? { ipBlock: { cidr: target.cidr } } : { namespaceSelector: namespaceSelector(target.namespace!) };
  return { to: [to], ports: target.ports ? tcp(target.ports) : undefined };
}

function databaseEgress(database: ResolvedDatabase | undefined): V1NetworkPolicyEgressRule | undefined {
  if (!database) return undefined;
  if (database.mode === 'cnpg') {
    return {
      to: [
        {
          namespaceSelector: namespaceSelector(database.namespace),
          podSelector: { matchLabels: { 'cnpg.io/cluster': database.name } },
        },
        ...(database.pooler
          ? [{ namespaceSelector: namespaceSelector(database.namespace), podSelector: { matchLabels: { 'cnpg.io/poolerName': database.pooler.name } } }]
          : []),
      ],
      ports: tcp([5432]),
    };
  }
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(database.host);
  // A host name cannot be matched by a NetworkPolicy; allow the port and let pg_hba decide.
  return { to: isIp ? [{ ipBlock: { cidr: `${database.host}/32` } }] : undefined, ports: tcp([database.port]) };
}

/** client-node names the `from` field `_from` (a reserved word in its generator); the API wants `from`. */
export function toWire(policy: V1NetworkPolicy): unknown {
  const rules = policy.spec?.ingress?.map(({ _from, ...rest }) => ({ from: _from, ...rest }));
  return { ...policy, spec: { ...policy.spec, ingress: rules } };
}
