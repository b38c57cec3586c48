/**
 * `berth audit`: reads each environment's live objects and judges them (audit-checks.ts), then
 * the checks that need the API server itself: drift (a server-side dry run of what berth last
 * applied, compared with what runs), the CI account's scope (access reviews), and backups
 * (the CronJob in the cluster, the newest verified backup in the store).
 */
import { canUser, exists } from '../cluster/access.ts';
import { applySet, listManaged, ref, unknownKind } from '../cluster/apply-set.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
import { httpStatus, isNotFound, kubeError } from '../cluster/errors.ts';
import type { RawObject } from '../cluster/watch.ts';
import { backupSettings } from '../config/backup-settings.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { comparable, diffObjects } from '../deploy/plan.ts';
import { currentRelease, listReleases } from '../deploy/releases.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { renderPlatform } from '../render/index.ts';
import { patchesK3s } from './apply.ts';
import { checkStaleness } from '../backup/schedule.ts';
import { type Finding, auditWorkloads, type LiveEnvironment } from './audit-checks.ts';
import { accountUser, CI_ACCOUNT, ciRules, describeProbe, type PolicyRule, refusedProbes } from './ci-access.ts';

export interface AuditRequest {
  config: ParsedConfig;
  environments: string[];
  kubeconfig?: string;
  /** The newest verified backup of an app (from the store); throws when the store cannot be read. */
  newestVerifiedBackup?: (app: string, environment: string) => Promise<Date | undefined>;
  now?: () => Date;
}

/** Production rules (replicas and spread of web processes) apply to environments named so. */
export function isProduction(environment: string): boolean {
  return /^prod(uction)?([-_].*)?$/.test(environment);
}

export async function audit(request: AuditRequest): Promise<Finding[]> {
  const cluster = connectCluster({ context: request.config.cluster?.context, kubeconfig: request.kubeconfig });
  const nodes = await schedulableNodes(cluster);
  const findings: Finding[] = request.config.platform ? await platformDrift(cluster, request.config) : [];
  for (const environment of request.environments) {
    const namespace = resolveEnvironment(request.config, environment).namespace;
    const selector = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.environment}=${environment}`;
    const list = <T>(apiVersion: string, kind: string, labelSelector?: string) =>
      cluster.objects.listRaw<T>(apiVersion, kind, { namespace, labelSelector }).then(
        (l) => l.items,
        (error) => {
          if (isNotFound(error)) return [] as T[];
          throw kubeError(error, `list ${kind}s in ${namespace}`);
        },
      );
    const [deployments, pdbs, hpas, networkPolicies, pods, cronJobs] = await Promise.all([
      list<LiveEnvironment['deployments'][number]>('apps/v1', 'Deployment', selector),
      list<LiveEnvironment['pdbs'][number]>('policy/v1', 'PodDisruptionBudget'),
      list<LiveEnvironment['hpas'][number]>('autoscaling/v2', 'HorizontalPodAutoscaler'),
      list<LiveEnvironment['networkPolicies'][number]>('networking.k8s.io/v1', 'NetworkPolicy'),
      list<LiveEnvironment['pods'][number]>('v1', 'Pod', `${LABEL.environment}=${environment}`),
      list<{ metadata: { name: string } }>('batch/v1', 'CronJob', selector),
    ]);
    if (deployments.length === 0) {
      findings.push({
        environment,
        check: 'deployed',
        level: 'warn',
        subject: `namespace ${namespace}`,
        message: 'nothing berth deployed runs here',
        fix: `berth deploy --env ${environment}`,
      });
      continue;
    }
    findings.push(
      ...auditWorkloads({ environment, namespace, production: isProduction(environment), deployments, pdbs, hpas, networkPolicies, pods, nodes }),
      ...(await drift(cluster, request.config, environment, namespace)),
      ...(await ciScope(cluster, environment, namespace, request.config)),
      ...(await backups(
        request,
        environment,
        namespace,
        cronJobs.map((c) => c.metadata.name),
      )),
    );
  }
  return findings;
}

async function schedulableNodes(cluster: Cluster): Promise<string[] | undefined> {
  try {
    const nodes = await cluster.objects.listRaw<{ metadata: { name: string }; spec?: { unschedulable?: boolean } }>('v1', 'Node');
    return nodes.items.filter((n) => !n.spec?.unschedulable).map((n) => n.metadata.name);
  } catch (error) {
    if (httpStatus(error) === 403) return undefined;
    throw kubeError(error, 'list the nodes');
  }
}

/** The findings of the cluster add-ons carry this in place of an environment. */
export const CLUSTER = '(cluster)';

/**
 * The cluster add-ons as `platform apply` left them: each rendered add-on exists and a forced
 * server-side dry run of it changes nothing. A K3s upgrade that brought CoreDNS back to one
 * replica, or a HelmChart edited by hand, shows here.
 */
async function platformDrift(cluster: Cluster, config: ParsedConfig): Promise<Finding[]> {
  const findings: Finding[] = [];
  const objects = renderPlatform(config).filter((o) => o.metadata.labels?.['berth.dev/platform'] || patchesK3s(o));
  for (const object of objects) {
    const subject = ref(object);
    const live = await cluster.objects.getRaw<RawObject>(await cluster.objects.objectPath(object as never)).catch((error) => {
      if (isNotFound(error) || unknownKind(error)) return undefined;
      throw kubeError(error, `read ${subject}`);
    });
    if (!live) {
      // The admin page's Role in an environment never deployed: platform apply skips it too.
      const namespace = object.metadata.namespace;
      if (namespace && !(await exists(cluster, `/api/v1/namespaces/${namespace}`))) {
        findings.push({
          environment: CLUSTER,
          check: 'platform',
          level: 'warn',
          subject,
          message: `not applied: namespace ${namespace} does not exist yet`,
          fix: 'berth platform apply again after the environment’s first deploy',
        });
        continue;
      }
      findings.push({ environment: CLUSTER, check: 'platform', level: 'fail', subject, message: 'is missing', fix: 'berth platform apply' });
      continue;
    }
    const [planned] = await applySet(cluster, [object], { dryRun: true, force: true });
    const fields = diffObjects(comparable(live), comparable(planned!.object), false);
    findings.push(
      fields.length
        ? {
            environment: CLUSTER,
            check: 'platform',
            level: 'fail',
            subject,
            message: `differs from the config (an upgrade or a hand edit): ${fields
              .slice(0, 3)
              .map((f) => `${f.path} is ${show(f.before)} (berth: ${show(f.after)})`)
              .join('; ')}`,
            fix: 'berth platform apply (with --force-conflicts if someone else took the fields)',
          }
        : { environment: CLUSTER, check: 'platform', level: 'pass', subject, message: 'as the config says', fix: '' },
    );
  }
  return findings;
}

/** Field managers that are berth's own: anything else that owns fields of a berth object edited it. */
const OWN_MANAGERS = new Set(['berth', 'berth-rollout']);

/**
 * What berth last applied for each app (its current release, exactly as sent), dry-run applied
 * with force so the API server fills in defaults as it would, and compared with the live object:
 * any difference was made by someone else (kubectl edit/scale/set image, a runtime patch) and the
 * next deploy would take it back, or it would be lost on a rebuild.
 */
async function drift(cluster: Cluster, config: ParsedConfig, environment: string, namespace: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const live = await listManaged(cluster, namespace, { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment });
  const releases = await listReleases(cluster, namespace);
  const apps = resolveEnvironment(config, environment).apps.map((a) => a.name);
  for (const app of apps) {
    const release = currentRelease(releases.filter((r) => r.app === app));
    if (!release) {
      findings.push({
        environment,
        check: 'drift',
        level: 'warn',
        subject: `app ${app}`,
        message: 'no release recorded: not deployed by `berth deploy`, so there is nothing to compare with',
        fix: `berth deploy ${app} --env ${environment}`,
      });
      continue;
    }
    const present = release.objects.filter((o) => live.has(ref(o)) || o.kind === 'Namespace' || o.kind === 'PersistentVolume');
    for (const missing of release.objects.filter((o) => !present.includes(o))) {
      findings.push({
        environment,
        check: 'drift',
        level: 'fail',
        subject: ref(missing),
        message: `was deleted: release r${release.revision} has it`,
        fix: `berth deploy ${app} --env ${environment} --restart puts it back`,
      });
    }
    const planned = await applySet(cluster, present, { live, dryRun: true, force: true, onClusterScopedForbidden: () => undefined });
    let clean = true;
    for (const { object } of planned) {
      const before = live.get(ref(object));
      if (!before) continue;
      const fields = diffObjects(comparable(before), comparable(object), object.kind === 'Secret');
      if (fields.length === 0) continue;
      clean = false;
      const editors = [
        ...new Set(
          ((before.metadata.managedFields as { manager?: string; subresource?: string }[] | undefined) ?? [])
            // Controllers write status; that is not an edit.
            .filter((m) => m.manager && !OWN_MANAGERS.has(m.manager) && m.subresource !== 'status')
            .map((m) => `${m.manager}${m.subresource ? ` (${m.subresource})` : ''}`),
        ),
      ];
      const shown = fields.slice(0, 5).map((f) => `${f.path} is ${show(f.before)} (berth: ${show(f.after)})`);
      findings.push({
        environment,
        check: 'drift',
        level: 'fail',
        subject: ref(object),
        message: `differs from what berth applied (r${release.revision})${editors.length ? `, edited by ${editors.join(', ')}` : ''}: ${shown.join('; ')}${fields.length > 5 ? `; ${fields.length - 5} more` : ''}`,
        fix: `Put the change into the berth config and deploy, or take berth's values back: berth deploy ${app} --env ${environment} --force-conflicts`,
      });
    }
    if (clean)
      findings.push({ environment, check: 'drift', level: 'pass', subject: `app ${app}`, message: `live objects match release r${release.revision}`, fix: '' });
  }
  return findings;
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The environment's CI account, if any, may do no more than its Role: asked of the authorizer. */
async function ciScope(cluster: Cluster, environment: string, namespace: string, config: ParsedConfig): Promise<Finding[]> {
  const subject = `ServiceAccount ${namespace}/${CI_ACCOUNT}`;
  const account = await cluster.objects.getRaw(`/api/v1/namespaces/${namespace}/serviceaccounts/${CI_ACCOUNT}`).catch((error) => {
    if (isNotFound(error)) return undefined;
    throw kubeError(error, `read ${subject}`);
  });
  if (!account) return [{ environment, check: 'ci-credentials', level: 'pass', subject, message: 'no CI credentials in this namespace', fix: '' }];
  const other = Object.values(config.environments).find((e) => e.namespace !== namespace)?.namespace ?? 'kube-system';
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
  const findings: Finding[] = [];
  const allowed: string[] = [];
  for (const probe of refusedProbes(namespace, other)) {
    const answer = await canUser(cluster, accountUser(namespace), groups, probe);
    if (!answer)
      return [
        {
          environment,
          check: 'ci-credentials',
          level: 'warn',
          subject,
          message: 'cannot check: this kubeconfig may not ask SubjectAccessReviews',
          fix: 'Run berth audit with an admin kubeconfig.',
        },
      ];
    if (answer.allowed) allowed.push(describeProbe(probe));
  }
  if (allowed.length)
    findings.push({
      environment,
      check: 'ci-credentials',
      level: 'fail',
      subject,
      message: `may do more than deploy its namespace: ${allowed.join('; ')}`,
      fix: `Remove the extra RoleBindings/ClusterRoleBindings of ${accountUser(namespace)}; \`berth ci credentials --check --env ${environment}\` lists what it can do.`,
    });
  const role = await cluster.objects
    .getRaw<{ rules?: unknown }>(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${CI_ACCOUNT}`)
    .catch(() => undefined);
  if (!sameRules(role?.rules as PolicyRule[] | undefined, ciRules()))
    findings.push({
      environment,
      check: 'ci-credentials',
      level: 'warn',
      subject: `Role ${namespace}/${CI_ACCOUNT}`,
      message: role ? 'differs from what this version of berth grants' : 'is missing: the account can do nothing',
      fix: `berth ci credentials --env ${environment} (with an admin kubeconfig) updates it.`,
    });
  if (findings.length === 0)
    findings.push({ environment, check: 'ci-credentials', level: 'pass', subject, message: 'limited to deploying its namespace', fix: '' });
  return findings;
}

async function backups(request: AuditRequest, environment: string, namespace: string, cronJobs: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const production = isProduction(environment);
  for (const app of resolveEnvironment(request.config, environment).apps.filter((a) => a.database)) {
    const subject = `app ${app.name}`;
    const settings = request.config.backups ? backupSettings(request.config, app.name, environment) : undefined;
    if (!settings?.schedule) {
      findings.push({
        environment,
        check: 'backups',
        level: production ? 'fail' : 'warn',
        subject,
        message: 'its database has no scheduled backups',
        fix: `Set backups.store and apps.${app.name}.backups.schedule (e.g. "0 3 * * *"), then deploy.`,
      });
      continue;
    }
    const cronJob = `${app.name}-backup`;
    if (!('dir' in settings.store) && !cronJobs.includes(cronJob)) {
      findings.push({
        environment,
        check: 'backups',
        level: 'fail',
        subject,
        message: `CronJob ${namespace}/${cronJob} is missing: nothing takes the scheduled backups`,
        fix: `berth deploy ${app.name} --env ${environment}`,
      });
      continue;
    }
    if (!request.newestVerifiedBackup) continue;
    let newest: Date | undefined;
    try {
      newest = await request.newestVerifiedBackup(app.name, environment);
    } catch (error) {
      findings.push({
        environment,
        check: 'backups',
        level: 'warn',
        subject,
        message: `could not read the backup store: ${(error as Error).message}`,
        fix: 'Run berth audit where the store is reachable (its credentials, or --store-dir).',
      });
      continue;
    }
    const verdict = checkStaleness({
      cron: settings.schedule.cron,
      timeZone: settings.schedule.timeZone,
      newestVerified: newest,
      now: request.now?.() ?? new Date(),
      toleranceMinutes: settings.staleAfterMinutes,
    });
    findings.push(
      verdict.stale
        ? {
            environment,
            check: 'backups',
            level: 'fail',
            subject,
            message: verdict.message,
            fix: `berth backup create ${app.name} --env ${environment}; then look at the CronJob's runs (kubectl -n ${namespace} get jobs)`,
          }
        : { environment, check: 'backups', level: 'pass', subject, message: verdict.message, fix: '' },
    );
  }
  return findings;
}

/** Rules as the API server returns them (its own key order, empty lists left out) compare by content. */
function sameRules(a: PolicyRule[] | undefined, b: PolicyRule[]): boolean {
  const norm = (rules: PolicyRule[]) =>
    rules
      .map((r) => JSON.stringify([r.apiGroups ?? [], r.resources ?? [], r.verbs ?? [], r.resourceNames ?? []]))
      .sort()
      .join('\n');
  return a !== undefined && norm(a) === norm(b);
}
