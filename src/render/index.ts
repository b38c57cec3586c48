/**
 * render(config, environment) → Kubernetes objects. Pure and deterministic: no I/O, no clock,
 * no randomness, so `render`, `diff`, `--dry-run` and snapshot tests all see the same objects.
 */
import type { V1ConfigMap, V1Namespace } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedEnvironment, ResolvedProcess } from '../config/resolved.ts';
import { checkImageTags } from '../config/image-tags.ts';
import { resolveDatabase, resolveEnvironment, resolvePlatform, type ResolveOptions } from '../config/resolve.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import { renderHpa, renderPdb } from './availability.ts';
import { renderBackup } from './backup-cronjob.ts';
import { renderCronTask } from './cronjob.ts';
import { renderClusterIssuer } from './cluster-issuer.ts';
import { renderCoreDns } from './coredns.ts';
import { renderDatabasePlatform } from './database-cnpg.ts';
import { renderCertManager, renderCnpgOperator } from './helm-chart.ts';
import { renderTraefikConfig } from './helm-chart-config.ts';
import { renderDeployment } from './deployment.ts';
import { contentHash } from '../model/hash.ts';
import { renderCertificate, renderIngress } from './ingress.ts';
import { ANNOTATION, appLabels, environmentLabels, KEEP_ON_PRUNE } from '../model/labels.ts';
import { configMapName } from '../model/names.ts';
import { renderNetworkPolicy } from './network-policy.ts';
import { compareObjects, kube, type KubeObject } from '../model/kube-object.ts';
import { renderService } from './service.ts';
import { resolveWeb } from '../config/resolve-web.ts';
import { renderWebAccess } from '../platform/web-access.ts';
import { renderWebIngress, renderWebNetworkPolicy } from './web-ingress.ts';
import { renderWebServer } from './web-server.ts';
import { renderVolume } from './storage.ts';

export type { KubeObject } from '../model/kube-object.ts';

export interface RenderOptions extends ResolveOptions {
  /** Only these apps (plus the environment's shared objects they use). */
  apps?: string[];
  /** Digest of each app's live Secret, so a secret change rolls its pods; supplied by deploy. */
  secretsHashes?: Record<string, string>;
}

export function render(config: ParsedConfig, environment: string, options: RenderOptions = {}): KubeObject[] {
  const env = resolveEnvironment(config, environment, options);
  if (options.apps) {
    const disabled = options.apps.filter((a) => config.apps[a] && !env.apps.some((x) => x.name === a));
    if (disabled.length) {
      throw new UsageError(
        `${disabled.join(', ')} ${disabled.length > 1 ? 'are' : 'is'} disabled in ${environment} (environments.${environment}.apps.${disabled[0]}.enabled: false)`,
        {
          hint: `Render another environment, or enable the app there.`,
        },
      );
    }
    const unknown = options.apps.filter((a) => !env.apps.some((x) => x.name === a));
    if (unknown.length) {
      throw new UsageError(`Unknown app${unknown.length > 1 ? 's' : ''} in ${environment}: ${unknown.join(', ')}`, {
        hint: `Apps in ${environment}: ${env.apps.map((a) => a.name).join(', ') || 'none'}.`,
      });
    }
    env.apps = env.apps.filter((a) => options.apps!.includes(a.name));
  }
  checkImageTags(env);
  return renderEnvironment(env, options.secretsHashes ?? {});
}

/**
 * Objects outside every environment's namespace: the cluster add-ons of the `platform` section
 * (HelmCharts, the ClusterIssuer, Traefik's HelmChartConfig, CoreDNS' replicas, the admin page's
 * server with its RBAC in the environments' namespaces) and, in cnpg mode, the CloudNativePG server
 * and its databases.
 */
export function renderPlatform(config: ParsedConfig): KubeObject[] {
  const environments = Object.keys(config.environments).map((name) => resolveEnvironment(config, name));
  const platform = resolvePlatform(config);
  const objects = renderDatabasePlatform(resolveDatabase(config.database), environments);
  if (platform.certManager) objects.push(renderCertManager(platform.certManager));
  if (platform.cnpg) objects.push(renderCnpgOperator(platform.cnpg));
  if (platform.issuer) objects.push(renderClusterIssuer(platform.issuer));
  if (platform.traefik) objects.push(renderTraefikConfig(platform.traefik));
  if (platform.coredns) objects.push(renderCoreDns(platform.coredns));
  const web = resolveWeb(config);
  if (web) objects.push(...renderWebServer(web, config), ...renderWebAccess(web), ...renderWebIngress(web), ...renderWebNetworkPolicy(web));
  return objects.sort(compareObjects);
}

export function renderEnvironment(env: ResolvedEnvironment, secretsHashes: Record<string, string> = {}): KubeObject[] {
  // A namespace berth did not create (Kubernetes' default) is never labelled or annotated as berth's.
  const objects: KubeObject[] = env.createNamespace ? [renderNamespace(env)] : [];
  for (const app of env.apps) objects.push(...renderApp(app, env, secretsHashes[app.name]));
  if (env.tls?.issuer) {
    const hosts = new Set(env.apps.flatMap((app) => app.processes.filter((p) => p.port !== undefined && p.domains.length).flatMap((p) => p.hosts)));
    for (const host of [...hosts].sort()) objects.push(renderCertificate(host, env.namespace, env.name, env.tls.issuer));
  }
  return objects.sort(compareObjects);
}

function renderNamespace(env: ResolvedEnvironment): KubeObject {
  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: env.namespace, labels: environmentLabels(env.name), annotations: KEEP_ON_PRUNE },
  };
  return kube(namespace);
}

export function renderApp(app: ResolvedApp, env: ResolvedEnvironment, secretsHash?: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const configMap = renderConfigMap(app);
  if (configMap) objects.push(configMap);
  // What the pods read from config: change any of it and the pods roll.
  const configHash = contentHash({ env: app.env, secrets: app.secrets, secretName: app.secretName, database: app.database });
  for (const volume of app.volumes) objects.push(...renderVolume(app, volume));
  for (const process of app.processes) {
    objects.push(renderDeployment(app, process, env.cluster, { configHash, secretsHash }));
    objects.push(renderPdb(app, process));
    if (process.hpa) objects.push(renderHpa(app, process, process.hpa));
    if (hasPort(process)) {
      objects.push(renderService(app, process));
      if (process.domains.length) objects.push(...renderIngress(app, process, env.cluster, env.tls));
    }
  }
  for (const task of app.cron) objects.push(renderCronTask(app, task, env.cluster));
  objects.push(...renderBackup(app, env.cluster));
  if (app.networkPolicy) objects.push(renderNetworkPolicy({ ...app, networkPolicy: app.networkPolicy }, env.cluster, env.database));
  return objects;
}

function hasPort(process: ResolvedProcess): process is ResolvedProcess & { port: number } {
  return process.port !== undefined;
}

function renderConfigMap(app: ResolvedApp): KubeObject | undefined {
  if (Object.keys(app.env).length === 0) return undefined;
  const data = Object.fromEntries(Object.entries(app.env).sort(([a], [b]) => (a < b ? -1 : 1)));
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMapName(app), namespace: app.namespace, labels: appLabels(app), annotations: { [ANNOTATION.configHash]: contentHash(data) } },
    data,
  };
  return kube(configMap);
}
