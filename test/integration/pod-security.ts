// Pod Security Standards, judged by the API server's own PodSecurity admission: a namespace
// per level with `pod-security.kubernetes.io/enforce=<level>`, and a server-side dry-run create
// of a Pod built from each rendered pod template. What the admission refuses there is what a
// cluster enforcing that level refuses when the workload's controller creates the pods.
//
//   const psa = usePodSecurity();                       // in a describe block
//   const verdict = await psa.check(template, 'restricted');
//   expect(verdict.violations).toEqual([]);
import { ApiException, type V1Pod, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import type { KubeObject } from '../../src/render/index.ts';
import { kube, testEnv, uniqueName, waitFor } from './helpers.ts';

export type PodSecurityLevel = 'baseline' | 'restricted';

export interface PodSecurityVerdict {
  allowed: boolean;
  /** The admission's reasons, one per failed check, e.g. `runAsNonRoot != true (pod or container "web" must set ...)`. */
  violations: string[];
  /** The API server's message as it came, empty when allowed. */
  message: string;
}

export interface RenderedPodTemplate {
  /** `Kind/name` of the workload. */
  owner: string;
  /** The app it belongs to (label app.kubernetes.io/name, else the workload's name). */
  app: string;
  template: V1PodTemplateSpec;
}

const LEVELS: readonly PodSecurityLevel[] = ['baseline', 'restricted'];

/** Every pod template in rendered objects: Deployments, StatefulSets, DaemonSets, Jobs and CronJobs. */
export function podTemplates(objects: readonly KubeObject[]): RenderedPodTemplate[] {
  const found: RenderedPodTemplate[] = [];
  for (const object of objects) {
    const spec = (object as { spec?: Record<string, unknown> }).spec;
    const template =
      object.kind === 'CronJob'
        ? (spec?.jobTemplate as { spec?: { template?: V1PodTemplateSpec } } | undefined)?.spec?.template
        : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(object.kind)
          ? (spec?.template as V1PodTemplateSpec | undefined)
          : undefined;
    if (!template) continue;
    const app = object.metadata.labels?.['app.kubernetes.io/name'] ?? object.metadata.name;
    found.push({ owner: `${object.kind}/${object.metadata.name}`, app, template });
  }
  return found;
}

/** Splits `reason (detail), reason (detail)` at the commas between parenthesised details. */
function splitViolations(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

function statusMessage(body: unknown): string {
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown };
    return typeof status?.message === 'string' ? status.message : '';
  } catch {
    return '';
  }
}

function podFrom(template: V1PodTemplateSpec): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: uniqueName('psa'), labels: template.metadata?.labels, annotations: template.metadata?.annotations },
    spec: {
      ...template.spec!,
      // The ServiceAccount admission would refuse a ServiceAccount that does not exist in the
      // check's namespace; Pod Security does not look at it.
      serviceAccountName: undefined,
    },
  };
}

/**
 * Creates one namespace per level for the calling test file (deleted after) and returns a
 * check that asks the API server whether a pod template may run there.
 */
export function usePodSecurity(): { check(template: V1PodTemplateSpec, level: PodSecurityLevel): Promise<PodSecurityVerdict> } {
  const namespaces = Object.fromEntries(LEVELS.map((level) => [level, uniqueName(`psa-${level}`)])) as Record<PodSecurityLevel, string>;
  beforeAll(async () => {
    const { core } = kube();
    for (const level of LEVELS) {
      const name = namespaces[level];
      await core.createNamespace({
        body: {
          metadata: {
            name,
            labels: {
              'berth.dev/test': 'true',
              'pod-security.kubernetes.io/enforce': level,
              'pod-security.kubernetes.io/enforce-version': 'latest',
            },
          },
        },
      });
      await waitFor(`ServiceAccount default in ${name}`, () =>
        core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(
          () => true,
          () => false,
        ),
      );
    }
  });
  afterAll(async () => {
    if (testEnv() === null) return;
    for (const name of Object.values(namespaces)) {
      await kube()
        .core.deleteNamespace({ name, propagationPolicy: 'Background' })
        .catch(() => undefined);
    }
  });
  return {
    async check(template, level) {
      const namespace = namespaces[level];
      try {
        await kube().core.createNamespacedPod({ namespace, body: podFrom(template), dryRun: 'All' });
        return { allowed: true, violations: [], message: '' };
      } catch (error) {
        const message = error instanceof ApiException ? statusMessage(error.body) : '';
        // Any other refusal (an invalid pod, say) is not a Pod Security verdict: let it fail the test.
        const match = /violates PodSecurity "[^"]+": (.*)$/s.exec(message);
        if (!(error instanceof ApiException) || error.code !== 403 || !match?.[1]) throw error;
        return { allowed: false, violations: splitViolations(match[1]), message };
      }
    },
  };
}
