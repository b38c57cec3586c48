/**
 * Values changed from the command line rather than the config file, and where they live:
 * - `berth config set`: a ConfigMap `berth.env.<app>` per app, merged over the config file's
 *   `env` at render time (these values win until unset);
 * - `berth secret set`: the app's Secret `<app>-secrets`, which deploy already pins per release.
 * A change is released through deploy (lock, apply, watch, automatic rollback) and written to its
 * source only when the release succeeded, so a failed change leaves the source as it was.
 */
import type { Cluster } from '../cluster/connect.ts';
import { httpStatus, kubeError } from '../cluster/errors.ts';
import { getIn, listIn } from '../cluster/read.ts';
import { LABEL } from '../model/labels.ts';
import { runtimeEnvName, runtimeScaleName } from '../model/names.ts';
import type { Release } from './releases.ts';

/** A release made from the command line rather than from a changed config file. */
export type RuntimeChange =
  | { app: string; kind: 'config' | 'secret'; set: Record<string, string>; unset: string[] }
  /** Rolls the pods of the app, or of one process. */
  | { app: string; kind: 'restart'; process?: string }
  /** Replica counts by process; null goes back to the config file's. */
  | { app: string; kind: 'scale'; replicas: Record<string, number | null> };

/** Marks the runtime env ConfigMaps; deliberately not managed-by, so a prune never selects them. */
export const RUNTIME_ENV_LABEL = 'berth.dev/env-of';
/** Marks the replica counts set with `berth scale` (ConfigMap `berth.scale.<app>`, process → count). */
export const RUNTIME_SCALE_LABEL = 'berth.dev/scale-of';
const PINNED_FROM = 'berth.dev/pinned-from';

interface ConfigMapObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
}

interface SecretObject {
  apiVersion?: string;
  kind?: string;
  type?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
}

/** Each app's runtime env values in the namespace, by app. One list call. */
export async function readRuntimeEnv(cluster: Cluster, namespace: string): Promise<Map<string, Record<string, string>>> {
  const items = await listIn<ConfigMapObject>(cluster, 'ConfigMap', namespace, { labelSelector: RUNTIME_ENV_LABEL });
  return new Map(items.map((c) => [c.metadata.labels?.[RUNTIME_ENV_LABEL] ?? '', c.data ?? {}]));
}

/** Each app's replica counts set with `berth scale`, by app and process. One list call. */
export async function readRuntimeScale(cluster: Cluster, namespace: string): Promise<Map<string, Record<string, number>>> {
  const items = await listIn<ConfigMapObject>(cluster, 'ConfigMap', namespace, { labelSelector: RUNTIME_SCALE_LABEL });
  return new Map(
    items.map((c) => [c.metadata.labels?.[RUNTIME_SCALE_LABEL] ?? '', Object.fromEntries(Object.entries(c.data ?? {}).map(([p, n]) => [p, Number(n)]))]),
  );
}

export async function writeRuntimeScale(
  cluster: Cluster,
  namespace: string,
  environment: string,
  app: string,
  replicas: Record<string, number>,
): Promise<void> {
  const body: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: runtimeScaleName({ name: app }), namespace, labels: { [RUNTIME_SCALE_LABEL]: app, [LABEL.environment]: environment } },
    data: Object.fromEntries(Object.entries(replicas).map(([p, n]) => [p, String(n)])),
  };
  await replace(cluster, `/api/v1/namespaces/${namespace}/configmaps`, body, Object.keys(replicas).length === 0);
}

export function scaled(current: Record<string, number>, replicas: Record<string, number | null>): Record<string, number> {
  const next = { ...current };
  for (const [process, count] of Object.entries(replicas)) {
    if (count === null) delete next[process];
    else next[process] = count;
  }
  return next;
}

/** The values after the change. Pure. */
export function changed(values: Record<string, string>, change: { set: Record<string, string>; unset: string[] }): Record<string, string> {
  const next = { ...values, ...change.set };
  for (const key of change.unset) delete next[key];
  return next;
}

export function encodeValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

/** Writes an app's runtime env ConfigMap (deleted when empty). */
export async function writeRuntimeEnv(cluster: Cluster, namespace: string, environment: string, app: string, values: Record<string, string>): Promise<void> {
  const name = runtimeEnvName({ name: app });
  const body: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { [RUNTIME_ENV_LABEL]: app, [LABEL.environment]: environment } },
    data: values,
  };
  await replace(cluster, `/api/v1/namespaces/${namespace}/configmaps`, body, Object.keys(values).length === 0);
}

/** Writes an app Secret's data (base64 values) exactly, keeping its other metadata. */
export async function writeSecretData(cluster: Cluster, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  const live = await getIn<SecretObject>(cluster, 'Secret', namespace, name);
  const body: SecretObject = live
    ? { ...live, data }
    : { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace, labels: { [LABEL.app]: name.replace(/-secrets$/, '') } }, data };
  await replace(cluster, `/api/v1/namespaces/${namespace}/secrets`, body, false);
}

/** Create or replace (or delete); a 409 means someone changed it meanwhile: read again and retry once. */
async function replace(cluster: Cluster, collection: string, body: ConfigMapObject | SecretObject, remove: boolean): Promise<void> {
  const path = `${collection}/${body.metadata.name}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const live = await cluster.objects.getRaw<ConfigMapObject>(path).catch((error: unknown) => {
        if (httpStatus(error) === 404) return undefined;
        throw error;
      });
      if (remove) {
        if (live) await cluster.objects.sendRaw('DELETE', path, undefined);
        return;
      }
      if (live)
        await cluster.objects.sendRaw('PUT', path, {
          ...body,
          metadata: { ...live.metadata, ...body.metadata, resourceVersion: live.metadata.resourceVersion },
        });
      else await cluster.objects.sendRaw('POST', collection, { ...body, metadata: { ...body.metadata, resourceVersion: undefined } });
      return;
    } catch (error) {
      if (httpStatus(error) === 409 && attempt === 0) continue;
      throw kubeError(error, `write ${body.kind} ${body.metadata.namespace}/${body.metadata.name}`);
    }
  }
}

/**
 * After `berth rollback`: the values set with berth go back to the release's too, so the next
 * deploy does not bring the rolled-back values again. The database Secret is never pinned, so
 * never restored (a rotated password must not come back).
 */
export async function restoreSources(cluster: Cluster, release: Release): Promise<string[]> {
  const restored: string[] = [];
  const currentEnv = (await readRuntimeEnv(cluster, release.namespace)).get(release.app) ?? {};
  const wanted = release.runtimeEnv ?? {};
  if (JSON.stringify(sorted(currentEnv)) !== JSON.stringify(sorted(wanted))) {
    await writeRuntimeEnv(cluster, release.namespace, release.environment, release.app, wanted);
    restored.push(runtimeEnvName({ name: release.app }));
  }
  const currentScale = (await readRuntimeScale(cluster, release.namespace)).get(release.app) ?? {};
  const wantedScale = release.runtimeScale ?? {};
  if (JSON.stringify(Object.entries(currentScale).sort()) !== JSON.stringify(Object.entries(wantedScale).sort())) {
    await writeRuntimeScale(cluster, release.namespace, release.environment, release.app, wantedScale);
    restored.push(runtimeScaleName({ name: release.app }));
  }
  for (const object of release.objects) {
    const source = object.kind === 'Secret' ? object.metadata.labels?.[PINNED_FROM] : undefined;
    if (!source) continue;
    const data = (object as { data?: Record<string, string> }).data ?? {};
    const live = await getIn<SecretObject>(cluster, 'Secret', release.namespace, source);
    if (live && JSON.stringify(sorted(live.data ?? {})) === JSON.stringify(sorted(data))) continue;
    await writeSecretData(cluster, release.namespace, source, data);
    restored.push(source);
  }
  return restored;
}

function sorted(values: Record<string, string>): [string, string][] {
  return Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1));
}
