/**
 * Versions an app's configuration with its release, so a rollback puts back env and secret values
 * exactly (Fly and Devtron roll back the image and keep the new config). The env ConfigMap and
 * every Secret the pods read become immutable copies named by their content
 * (`web-env-3f9c2ab1`, `web-secrets-8d1e0c44`), and the pod templates point at the copies.
 * The live Secret a person edits (`web-secrets`) stays the source. Other Secrets the pods read
 * (the database's, whose rotated password must never come back with a rollback; a backup store's
 * credentials) are referenced as they are, but must exist before anything is applied.
 */
import { createHash } from 'node:crypto';
import { BerthError, ExitCode } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { databaseSecretName } from '../model/names.ts';

/** A live Secret's data, base64 as the API returns it; undefined when it does not exist. */
export type SecretReader = (name: string) => Record<string, string> | undefined;

export interface PinnedApp {
  objects: KubeObject[];
  configHash: string;
  secretsHash: string;
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: { secret?: { secretName?: string }; configMap?: { name?: string } }[];
}
interface ContainerLike {
  name: string;
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } } }[];
}

export function podSpecs(object: KubeObject): PodSpecLike[] {
  const spec = object.spec as { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } } | undefined;
  if (object.kind === 'Deployment') return spec?.template?.spec ? [spec.template.spec] : [];
  if (object.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
  return [];
}

function containersOf(spec: PodSpecLike): ContainerLike[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

export function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}

export function pinConfigAndSecrets(app: string, namespace: string, objects: KubeObject[], readSecret: SecretReader, appSecrets: readonly string[]): PinnedApp {
  const copies = structuredClone(objects);
  const renamedConfigMaps = new Map<string, string>();
  const configData: unknown[] = [];
  for (const object of copies) {
    if (object.kind !== 'ConfigMap') continue;
    const data = (object as { data?: Record<string, string> }).data ?? {};
    configData.push(data);
    const pinned = `${object.metadata.name}-${shortHash(data)}`;
    renamedConfigMaps.set(object.metadata.name, pinned);
    object.metadata.name = pinned;
    (object as { immutable?: boolean }).immutable = true;
  }

  // Every Secret the pods read, with the keys they need, except the database's.
  const needed = new Map<string, Set<string>>();
  for (const spec of copies.flatMap(podSpecs)) {
    for (const container of containersOf(spec)) {
      for (const source of container.envFrom ?? [])
        if (source.secretRef && !source.secretRef.optional) needed.set(source.secretRef.name, needed.get(source.secretRef.name) ?? new Set());
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref && !ref.optional) needed.set(ref.name, (needed.get(ref.name) ?? new Set()).add(ref.key));
      }
    }
  }
  needed.delete(databaseSecretName({ name: app }));

  const renamedSecrets = new Map<string, string>();
  const secretObjects: KubeObject[] = [];
  const problems: string[] = [];
  const secretDigests: string[] = [];
  for (const [name, keys] of [...needed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const data = readSecret(name);
    if (!data) {
      problems.push(`Secret ${name} does not exist${keys.size ? ` (needs ${[...keys].sort().join(', ')})` : ''}`);
      continue;
    }
    const missing = [...keys].filter((k) => !(k in data)).sort();
    if (missing.length) {
      problems.push(`Secret ${name} has no ${missing.join(', ')}`);
      continue;
    }
    if (!appSecrets.includes(name)) continue;
    const digest = shortHash(data);
    secretDigests.push(`${name}:${digest}`);
    const pinned = `${name}-${digest}`;
    renamedSecrets.set(name, pinned);
    secretObjects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: pinned,
        namespace,
        labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.app]: app, [LABEL.environment]: environmentOf(objects), 'berth.dev/pinned-from': name },
      },
      type: 'Opaque',
      immutable: true,
      data,
    });
  }
  if (problems.length) {
    const missingSecret = [...needed.keys()].find((name) => !readSecret(name));
    throw new BerthError(`${app} cannot start: ${problems.join('; ')}`, {
      exitCode: ExitCode.failure,
      hint: `Set the values with \`kubectl -n ${namespace} create secret generic ${missingSecret ?? `${app}-secrets`} --from-literal=KEY=VALUE …\` (or edit the Secret), then deploy again. Nothing was applied.`,
    });
  }

  for (const spec of copies.flatMap(podSpecs)) {
    for (const container of containersOf(spec)) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) source.configMapRef.name = renamedConfigMaps.get(source.configMapRef.name) ?? source.configMapRef.name;
        if (source.secretRef) source.secretRef.name = renamedSecrets.get(source.secretRef.name) ?? source.secretRef.name;
      }
      for (const variable of container.env ?? []) {
        const secretRef = variable.valueFrom?.secretKeyRef;
        if (secretRef) secretRef.name = renamedSecrets.get(secretRef.name) ?? secretRef.name;
        const configRef = variable.valueFrom?.configMapKeyRef;
        if (configRef) configRef.name = renamedConfigMaps.get(configRef.name) ?? configRef.name;
      }
    }
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap?.name) volume.configMap.name = renamedConfigMaps.get(volume.configMap.name) ?? volume.configMap.name;
    }
  }
  return { objects: [...copies, ...secretObjects], configHash: shortHash(configData), secretsHash: shortHash(secretDigests) };
}

function environmentOf(objects: KubeObject[]): string {
  return objects.find((o) => o.metadata.labels?.[LABEL.environment])?.metadata.labels?.[LABEL.environment] ?? '';
}
