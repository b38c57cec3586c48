/**
 * `berth config set|unset|list` and `berth secret set|unset|list`: values changed without editing
 * the config file. Each change is a new release of the app through deploy (lock, pinned copies,
 * apply, watch, automatic rollback); before the app's first release the values are only saved.
 * Which value wins: one set with `berth config set` over the config file's `env` (see
 * deploy/runtime-values.ts for where they live).
 */
import { createHash } from 'node:crypto';
import { getIn } from '../cluster/read.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { placeholderProblem } from '../config/placeholders.ts';
import type { Emit } from '../deploy/events.ts';
import { acquireLock, currentUser } from '../deploy/lock.ts';
import { checkApp, openEnvironment } from '../deploy/operate.ts';
import { currentRelease, listReleases, type Release } from '../deploy/releases.ts';
import { type AppOutcome, deploy } from '../deploy/run.ts';
import { changed, encodeValues, readRuntimeEnv, type RuntimeChange, writeRuntimeEnv, writeSecretData } from '../deploy/runtime-values.ts';
import { UsageError } from '../errors.ts';
import { secretName } from '../model/names.ts';
import { whoAmI } from '../cluster/whoami.ts';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ConfigTarget {
  config: ParsedConfig;
  environment: string;
  kubeconfig?: string;
}

/** Where the config file sets a key for the app in the environment, if it does. */
export function fileSetting(config: ParsedConfig, environment: string, app: string, key: string): { path: string; value: string } | undefined {
  const override = config.environments[environment]?.apps?.[app]?.env?.[key];
  if (override !== undefined) return { path: `environments.${environment}.apps.${app}.env.${key}`, value: override };
  const base = config.apps[app]?.env?.[key];
  return base === undefined ? undefined : { path: `apps.${app}.env.${key}`, value: base };
}

/** The Secret holding the app's `secrets`: `secretName` in the config, else `<app>-secrets`. */
function appSecretName(target: ConfigTarget, app: string): string {
  return target.config.apps[app]?.secretName ?? secretName({ name: app });
}

export function checkKey(key: string, argument: string): void {
  if (!KEY.test(key)) throw new UsageError(`"${argument}": ${key || '(empty)'} is not a variable name (letters, digits and _, not starting with a digit)`);
}

/** `KEY=VALUE` arguments of `config set`, checked. */
export function parseAssignments(args: string[], config: ParsedConfig, app: string): Record<string, string> {
  if (args.length === 0) throw new UsageError('berth config set needs KEY=VALUE', { hint: `berth config set ${app} LOG_LEVEL=debug` });
  const values: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new UsageError(`"${arg}" is not KEY=VALUE`, { hint: `berth config set ${app} ${arg}=VALUE` });
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    checkKey(key, arg);
    if (config.apps[app]?.secrets?.includes(key)) {
      throw new UsageError(`${key} is one of ${app}'s secrets (apps.${app}.secrets): its value is not config`, {
        hint: `Set it with \`berth secret set ${app} ${key}\` (the value from stdin, never the command line).`,
      });
    }
    const problem = placeholderProblem(value);
    if (problem) throw new UsageError(`"${arg}": the value ${problem}`, { hint: 'Give the real value; berth refuses placeholders in config.' });
    values[key] = value;
  }
  return values;
}

export interface ChangeRequest extends ConfigTarget {
  change: RuntimeChange;
  timeoutMs: number;
  lockWaitMs: number;
  message: string;
  command: string;
  webhook?: () => Promise<string | undefined>;
  /** Who to record (the admin page's `web:<user>`); default: the API server's name for the kubeconfig's user. */
  user?: string;
  signal: AbortSignal;
  emit: Emit;
}

export type ChangeResult = { released: false } | { released: true; outcome: AppOutcome; interrupted: boolean };

/** Releases the change (or, before the app's first release, saves it for the first deploy). */
export async function releaseChange(request: ChangeRequest): Promise<ChangeResult> {
  const { cluster, namespace } = openEnvironment(request);
  const releases = await listReleases(cluster, namespace, request.change.app);
  checkApp(request.config, request.change.app, releases);
  if (!currentRelease(releases)) {
    if (request.change.kind !== 'config' && request.change.kind !== 'secret') {
      throw new UsageError(`${request.change.app} has no release in ${request.environment} yet: nothing runs to ${request.change.kind}`, {
        hint: `berth deploy ${request.change.app} --env ${request.environment}`,
      });
    }
    await saveOnly({ ...request, change: request.change }, cluster, namespace);
    return { released: false };
  }
  const result = await deploy({
    config: request.config,
    environment: request.environment,
    apps: [request.change.app],
    tags: {},
    timeoutMs: request.timeoutMs,
    rollback: true,
    dryRun: false,
    lockWaitMs: request.lockWaitMs,
    restart: false,
    forceConflicts: false,
    message: request.message,
    command: request.command,
    kubeconfig: request.kubeconfig,
    change: request.change,
    webhook: request.webhook,
    user: request.user,
    signal: request.signal,
    emit: request.emit,
  });
  return { released: true, outcome: result.apps[0]!, interrupted: result.interrupted };
}

async function saveOnly(
  request: ChangeRequest & { change: Extract<RuntimeChange, { kind: 'config' | 'secret' }> },
  cluster: ReturnType<typeof openEnvironment>['cluster'],
  namespace: string,
): Promise<void> {
  const { change } = request;
  const user = request.user ?? (await whoAmI(cluster).catch(() => currentUser()));
  const lockOptions = { namespace, environment: request.environment, user, command: request.command, waitMs: request.lockWaitMs, signal: request.signal };
  const lock = await acquireLock(cluster, lockOptions).catch(async (error: unknown) => {
    // The namespace may not exist before the first deploy: create it to hold the values.
    const { ensureNamespace } = await import('../cluster/namespaces.ts');
    const { environmentLabels } = await import('../model/labels.ts');
    if (!(await ensureNamespace(cluster, namespace, environmentLabels(request.environment)))) throw error;
    return acquireLock(cluster, lockOptions);
  });
  try {
    if (change.kind === 'config') {
      const current = (await readRuntimeEnv(cluster, namespace)).get(change.app) ?? {};
      await writeRuntimeEnv(cluster, namespace, request.environment, change.app, changed(current, change));
    } else {
      const name = appSecretName(request, change.app);
      const live = await getIn<{ data?: Record<string, string> }>(cluster, 'Secret', namespace, name);
      await writeSecretData(cluster, namespace, name, changed(live?.data ?? {}, { set: encodeValues(change.set), unset: change.unset }));
    }
  } finally {
    await lock.release();
  }
}

export interface ConfigRow {
  key: string;
  value: string;
  source: 'file' | 'set';
  /** The config file's value that the one set with berth overrides. */
  overrides?: { path: string; value: string };
}

export async function listConfig(target: ConfigTarget, app: string): Promise<{ rows: ConfigRow[]; current: Release | undefined }> {
  const { cluster, namespace } = openEnvironment(target);
  const [runtime, releases] = await Promise.all([readRuntimeEnv(cluster, namespace), listReleases(cluster, namespace, app)]);
  checkApp(target.config, app, releases);
  const set = runtime.get(app) ?? {};
  const file = { ...target.config.apps[app]?.env, ...target.config.environments[target.environment]?.apps?.[app]?.env };
  const keys = [...new Set([...Object.keys(file), ...Object.keys(set)])].sort();
  const rows = keys.map((key): ConfigRow => {
    if (key in set) {
      const overrides = fileSetting(target.config, target.environment, app, key);
      return { key, value: set[key]!, source: 'set', ...(overrides ? { overrides } : {}) };
    }
    return { key, value: file[key]!, source: 'file' };
  });
  return { rows, current: currentRelease(releases) };
}

export interface SecretRow {
  key: string;
  /** The first 8 hex digits of a SHA-256 of the value, salted per Secret: tells values apart, reveals nothing. */
  hash: string;
  declared: boolean;
  /** The current release runs this value. */
  running: boolean;
}

export async function listSecrets(target: ConfigTarget, app: string): Promise<{ rows: SecretRow[]; current: Release | undefined; missing: string[] }> {
  const { cluster, namespace } = openEnvironment(target);
  const name = appSecretName(target, app);
  const [live, releases] = await Promise.all([
    getIn<{ metadata: { uid?: string }; data?: Record<string, string> }>(cluster, 'Secret', namespace, name),
    listReleases(cluster, namespace, app),
  ]);
  checkApp(target.config, app, releases);
  const current = currentRelease(releases);
  const running = current?.objects.find((o) => o.kind === 'Secret' && o.metadata.labels?.['berth.dev/pinned-from'] === name) as
    | { data?: Record<string, string> }
    | undefined;
  const declared = target.config.apps[app]?.secrets ?? [];
  const data = live?.data ?? {};
  const salt = live?.metadata.uid ?? name;
  const rows = Object.keys(data)
    .sort()
    .map((key) => ({
      key,
      hash: createHash('sha256').update(`${salt}\0${key}\0`).update(Buffer.from(data[key]!, 'base64')).digest('hex').slice(0, 8),
      declared: declared.includes(key),
      running: running?.data?.[key] === data[key],
    }));
  return { rows, current, missing: declared.filter((k) => !(k in data)) };
}
