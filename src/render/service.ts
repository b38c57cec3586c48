import type { V1Service } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedProcess } from '../config/resolved.ts';
import { appLabels, selectorLabels } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';

/** A ClusterIP Service for a process with a port; the Ingress and other apps reach it by name. */
export function renderService(app: ResolvedApp, process: ResolvedProcess & { port: number }): KubeObject {
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: process.objectName, namespace: app.namespace, labels: appLabels(app, process.name) },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(app, process.name),
      ports: [{ name: 'http', port: process.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  return kube(service);
}
