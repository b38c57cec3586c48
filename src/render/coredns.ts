/**
 * CoreDNS replicas and spread as a manifest instead of a runtime patch (seed 003 scaled it to 3
 * with anti-affinity by hand, lost on a K3s upgrade). K3s deploys CoreDNS from its own manifest;
 * this is a server-side apply of just the two fields berth owns (replicas and affinity), as field
 * manager berth, over K3s' Deployment. K3s' manifest sets neither, so its re-apply on restart
 * leaves them; `berth audit` reports them if they drift.
 */
import type { ResolvedPlatform } from '../config/resolved.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { antiAffinity } from './helm-chart.ts';

export function renderCoreDns(coredns: NonNullable<ResolvedPlatform['coredns']>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system' },
    spec: {
      replicas: coredns.replicas,
      template: { spec: { affinity: antiAffinity(coredns.spread, { 'k8s-app': 'kube-dns' }) } },
    },
  };
}
