// The environment a kubelet would give a rendered container: envFrom first (Secrets and ConfigMaps
// read from the cluster), then env entries over them, literal values and key references alike.
// Anything it cannot resolve is an error, as a missing Secret stops a real pod.
import type { CoreV1Api, V1Container } from '@kubernetes/client-node';

type Source = 'secret' | 'configMap';

async function readData(core: CoreV1Api, namespace: string, kind: Source, name: string): Promise<Record<string, string>> {
  if (kind === 'secret') {
    const secret = await core.readNamespacedSecret({ name, namespace });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
  }
  return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
}

async function optionalData(core: CoreV1Api, namespace: string, kind: Source, name: string, optional: boolean | undefined): Promise<Record<string, string>> {
  try {
    return await readData(core, namespace, kind, name);
  } catch (error) {
    if (optional && (error as { code?: number }).code === 404) return {};
    throw new Error(`${kind} ${namespace}/${name} (referenced by the container): ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function containerEnv(core: CoreV1Api, namespace: string, container: V1Container): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.secretRef ?? source.configMapRef;
    if (!ref?.name) throw new Error(`container ${container.name}: an envFrom entry with neither secretRef nor configMapRef`);
    const data = await optionalData(core, namespace, source.secretRef ? 'secret' : 'configMap', ref.name, ref.optional);
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = entry.value;
      continue;
    }
    const keyRef = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    if (!keyRef?.name) throw new Error(`container ${container.name}: env ${entry.name} uses a source this helper does not resolve`);
    const data = await optionalData(core, namespace, entry.valueFrom?.secretKeyRef ? 'secret' : 'configMap', keyRef.name, keyRef.optional);
    const value = data[keyRef.key];
    if (value !== undefined) env[entry.name] = value;
    else if (!keyRef.optional) throw new Error(`container ${container.name}: env ${entry.name}: key ${keyRef.key} not in ${keyRef.name}`);
  }
  return env;
}
