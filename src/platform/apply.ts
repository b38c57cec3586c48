/**
 * `berth platform apply`: the cluster add-ons and the shared database server (`render --platform`)
 * applied server-side as field manager berth. Operators go first; their custom resources (the
 * ClusterIssuer, the CNPG Cluster) need CRDs the operators' charts install, which K3s'
 * helm-controller does in the background: until then those objects are refused with a clear
 * "run it again" rather than half applied. Objects for a namespace that does not exist yet (the
 * admin page's Role in an environment not deployed) are skipped and listed, not failed.
 */
import { type AppliedObject, applySet, mapLimit, ref, unknownKind } from '../cluster/apply-set.ts';
import { exists } from '../cluster/access.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
import { isNotFound, kubeError } from '../cluster/errors.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { BerthError } from '../errors.ts';
import type { RawObject } from '../cluster/watch.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { renderPlatform } from '../render/index.ts';

export interface PlatformApplyRequest {
  config: ParsedConfig;
  kubeconfig?: string;
  dryRun: boolean;
  force: boolean;
  signal?: AbortSignal;
}

export interface PlatformApplyResult {
  applied: { object: string; changed: boolean }[];
  skipped: { object: string; reason: string }[];
}

/** Objects that patch what K3s created rather than objects of berth's own (CoreDNS). */
export function patchesK3s(object: KubeObject): boolean {
  return object.kind === 'Deployment' && object.metadata.namespace === 'kube-system';
}

export async function applyPlatform(request: PlatformApplyRequest): Promise<PlatformApplyResult> {
  let objects = renderPlatform(request.config);
  if (objects.length === 0) {
    throw new BerthError('Nothing to apply: the config has no platform section and no CloudNativePG database', {
      hint: 'Add `platform: { certManager: true, issuer: { email } }` (see the README, "Config reference") or database.mode "cnpg".',
    });
  }
  const cluster = connectCluster({ context: request.config.cluster?.context, kubeconfig: request.kubeconfig });
  const result: PlatformApplyResult = { applied: [], skipped: [] };
  const record = (applied: AppliedObject[]) => result.applied.push(...applied.map((a) => ({ object: ref(a.object), changed: a.changed })));

  // What runs now, to tell what an apply changed (and whether K3s' objects are there to adjust).
  const live = new Map<string, RawObject>();
  await mapLimit(objects, 8, async (object) => {
    const found = await cluster.objects.getRaw<RawObject>(await cluster.objects.objectPath(object as never)).catch((error) => {
      // A kind whose CRD is not installed yet has no objects either.
      if (isNotFound(error) || unknownKind(error)) return undefined;
      throw kubeError(error, `read ${ref(object)}`);
    });
    if (found) live.set(ref(object), found);
  });
  // A namespace that does not exist: an environment not deployed yet (the admin page's Roles go
  // there), or one this apply creates, which a dry run cannot create.
  const missing = await missingNamespaces(cluster, objects, request.dryRun);
  for (const object of objects.filter((o) => missing.has(o.metadata.namespace ?? '')))
    result.skipped.push({ object: ref(object), reason: missing.get(object.metadata.namespace!)! });
  objects = objects.filter((o) => !missing.has(o.metadata.namespace ?? ''));
  const operators = objects.filter((o) => o.apiVersion === 'helm.cattle.io/v1');
  const patches = objects.filter((o) => patchesK3s(o) && live.has(ref(o)));
  for (const object of objects.filter((o) => patchesK3s(o) && !live.has(ref(o))))
    result.skipped.push({ object: ref(object), reason: 'not found: K3s creates it (is this a K3s cluster?)' });
  const rest = objects.filter((o) => !operators.includes(o) && !patchesK3s(o));
  const options = { live, dryRun: request.dryRun, force: request.force, signal: request.signal };
  record(await applySet(cluster, operators, options));
  // K3s created these and owns every field, replicas included (its creation defaulted them):
  // berth takes over just the fields it renders, on purpose.
  record(await applySet(cluster, patches, { ...options, force: true }));
  try {
    record(await applySet(cluster, rest, options));
  } catch (error) {
    const installing = operators.map((o) => o.metadata.name);
    if (installing.length && /does not know/.test((error as Error).message)) {
      throw new BerthError(`${(error as Error).message.replace(/\.$/, '')}: its operator is not installed yet`, {
        hint: `The HelmCharts (${installing.join(', ')}) were ${request.dryRun ? 'checked' : 'applied'}; K3s' helm-controller installs the charts and their CRDs in the background (\`kubectl -n kube-system get jobs\`). Run \`berth platform apply\` again in a minute or two.`,
        cause: error,
      });
    }
    throw error;
  }
  return result;
}

/** Namespaces the objects go into that do not exist, with why each object there is skipped. */
async function missingNamespaces(cluster: Cluster, objects: KubeObject[], dryRun: boolean): Promise<Map<string, string>> {
  const created = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const used = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))];
  const missing = new Map<string, string>();
  await mapLimit(used, 8, async (namespace) => {
    if (created.has(namespace) && !dryRun) return;
    if (await exists(cluster, `/api/v1/namespaces/${namespace}`)) return;
    missing.set(
      namespace,
      created.has(namespace)
        ? `namespace ${namespace} does not exist yet; the apply creates it first (a dry run cannot)`
        : `namespace ${namespace} does not exist yet: deploy its environment, then run \`berth platform apply\` again`,
    );
  });
  return missing;
}
