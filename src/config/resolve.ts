/**
 * config + environment name → ResolvedEnvironment. Pure: merges the environment's overrides into
 * each app, applies DEFAULTS and derives object names. Validation has already run.
 */
import { scheduledBackups } from './backup-settings.ts';
import { DEFAULTS, WEB_PROCESS } from './defaults.ts';
import { parseImage, withTag } from './image-ref.ts';
import type { Health, Hpa, ResolvedApp, ResolvedCluster, ResolvedCron, ResolvedEnvironment, ResolvedProcess, ResolvedVolume, Resources } from './resolved.ts';
import type { AppConfig, AppOverride, HealthConfig, HpaConfig, ParsedConfig, ResourcesConfig } from './schema.ts';
import { byCodePoint } from '../compare.ts';
import { UsageError } from '../errors.ts';

export interface ResolveOptions {
  /** Image tag per app name; an app without one keeps the tag in its image (or `latest`). */
  tags?: Record<string, string>;
}

export function environmentNames(config: ParsedConfig): string[] {
  return Object.keys(config.environments);
}

export function resolveEnvironment(config: ParsedConfig, envName: string, options: ResolveOptions = {}): ResolvedEnvironment {
  const environment = config.environments[envName];
  if (!environment) {
    throw new UsageError(`Unknown environment "${envName}"`, {
      hint: `Use one of: ${environmentNames(config).join(', ')}.`,
    });
  }
  const apps = Object.keys(config.apps)
    .sort()
    .flatMap((name) => {
      const override = environment.apps?.[name] ?? {};
      if (override.enabled === false) return [];
      const backups = scheduledBackups(config, name, envName);
      return [{ ...resolveApp(name, config.apps[name]!, override, envName, environment.namespace, options.tags?.[name]), ...(backups ? { backups } : {}) }];
    });
  return {
    name: envName,
    namespace: environment.namespace,
    tagScheme: environment.tagScheme ?? DEFAULTS.tagScheme,
    cluster: resolveCluster(config),
    database: config.database,
    apps,
  };
}

function resolveCluster(config: ParsedConfig): ResolvedCluster {
  const cluster = config.cluster ?? {};
  return {
    context: cluster.context,
    ingressClass: cluster.ingressClass ?? DEFAULTS.cluster.ingressClass,
    ingressNamespace: cluster.ingressNamespace ?? DEFAULTS.cluster.ingressNamespace[cluster.ingressClass ?? DEFAULTS.cluster.ingressClass],
    certIssuer: cluster.certIssuer ?? DEFAULTS.cluster.certIssuer,
    imagePullSecret: cluster.imagePullSecret,
    nodeFailureEviction: cluster.nodeFailureEviction ?? DEFAULTS.cluster.nodeFailureEviction,
    berthImage: cluster.berthImage ?? DEFAULTS.cluster.berthImage,
  };
}

function resolveApp(name: string, base: AppConfig, override: AppOverride, environment: string, namespace: string, tag: string | undefined): ResolvedApp {
  const configured = override.image ?? base.image;
  const effectiveTag = tag ?? parseImage(configured).tag ?? 'latest';
  const image = tag ? withTag(configured, tag) : parseImage(configured).tag ? configured : withTag(configured, effectiveTag);
  const volumes = resolveVolumes(name, namespace, base);
  const processes = resolveProcesses(name, base, override);
  for (const process of processes) {
    process.volumes = volumes.filter((v) => mountedIn(base, v.name, processes).includes(process.name)).map((v) => v.name);
  }
  return {
    name,
    environment,
    namespace,
    image,
    tag: effectiveTag,
    env: { ...base.env, ...override.env },
    secrets: [...(base.secrets ?? [])],
    database: base.database ?? false,
    migrate: base.migrate ? { command: base.migrate.command, dir: base.migrate.dir ?? DEFAULTS.migrate.dir } : undefined,
    wwwRedirect: override.wwwRedirect ?? base.wwwRedirect ?? DEFAULTS.app.wwwRedirect,
    fsGroup: base.fsGroup,
    processes,
    cron: resolveCron(name, base),
    volumes,
  };
}

/** The web process exists when the app has a port or declares `processes.web`. */
function processNames(base: AppConfig): string[] {
  const declared = Object.keys(base.processes ?? {})
    .filter((p) => p !== WEB_PROCESS)
    .sort();
  const hasWeb = base.port !== undefined || base.processes?.[WEB_PROCESS] !== undefined;
  return hasWeb ? [WEB_PROCESS, ...declared] : declared;
}

function resolveProcesses(app: string, base: AppConfig, override: AppOverride): ResolvedProcess[] {
  const names = processNames(base);
  return names.map((name, index) => {
    const declared = base.processes?.[name] ?? {};
    const changed = override.processes?.[name] ?? {};
    const isWeb = name === WEB_PROCESS;
    const singleton = declared.singleton ?? false;
    const replicas = singleton
      ? 1
      : (changed.replicas ?? (isWeb ? override.replicas : undefined) ?? declared.replicas ?? (isWeb ? base.replicas : undefined) ?? DEFAULTS.app.replicas);
    const appResources = mergeResources(base.resources, override.resources);
    return {
      name,
      objectName: isWeb ? app : `${app}-${name}`,
      command: declared.command,
      args: declared.args,
      replicas,
      singleton,
      resources: mergeResources(mergeResources(appResources, declared.resources), changed.resources, true),
      port: declared.port ?? (isWeb ? base.port : undefined),
      domains: changed.domains ?? (isWeb ? override.domains : undefined) ?? declared.domains ?? (isWeb ? base.domains : undefined) ?? [],
      path: declared.path ?? (isWeb ? (override.path ?? base.path) : undefined) ?? DEFAULTS.app.path,
      health: resolveHealth(declared.health ?? (isWeb ? base.health : undefined)),
      hpa: singleton ? undefined : resolveHpa(changed.hpa ?? (isWeb ? override.hpa : undefined) ?? declared.hpa ?? (isWeb ? base.hpa : undefined)),
      volumes: [],
      migrates: base.migrate !== undefined && (isWeb || (index === 0 && !names.includes(WEB_PROCESS))),
    };
  });
}

function mountedIn(base: AppConfig, volume: string, processes: ResolvedProcess[]): string[] {
  const explicit = base.volumes?.[volume]?.processes;
  if (explicit) return explicit;
  const first = processes.find((p) => p.name === WEB_PROCESS) ?? processes[0];
  return first ? [first.name] : [];
}

function mergeResources(a: ResourcesConfig | Resources | undefined, b: ResourcesConfig | undefined, withDefaults = false): Resources {
  const base = withDefaults ? DEFAULTS.app.resources : { requests: {}, limits: {} };
  return {
    requests: { ...base.requests, ...a?.requests, ...b?.requests },
    limits: { ...base.limits, ...a?.limits, ...b?.limits },
  };
}

function resolveHealth(health: HealthConfig | undefined): Health {
  return {
    path: health?.path,
    startupTimeout: health?.startupTimeout ?? DEFAULTS.app.health.startupTimeout,
    interval: health?.interval ?? DEFAULTS.app.health.interval,
  };
}

function resolveHpa(hpa: HpaConfig | undefined): Hpa | undefined {
  return hpa ? { min: hpa.min, max: hpa.max, cpuPercent: hpa.cpuPercent ?? DEFAULTS.hpa.cpuPercent } : undefined;
}

function resolveVolumes(app: string, namespace: string, base: AppConfig): ResolvedVolume[] {
  return Object.entries(base.volumes ?? {})
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([name, v]) => {
      const claimName = v.existingClaim ?? `${app}-${name}`;
      return {
        name,
        claimName,
        mountPath: v.mountPath,
        subPath: v.subPath,
        readOnly: v.readOnly ?? false,
        accessMode: v.accessMode ?? (v.nfs ? 'ReadWriteMany' : DEFAULTS.volume.accessMode),
        create: v.existingClaim ? undefined : { size: v.size ?? '1Gi', storageClass: v.nfs ? '' : v.storageClass },
        // PVs are cluster-wide: the namespace in the name keeps two projects' apps from colliding.
        nfs: v.nfs ? { ...v.nfs, persistentVolumeName: `${namespace}-${app}-${name}-pv` } : undefined,
      };
    });
}

function resolveCron(app: string, base: AppConfig): ResolvedCron[] {
  return Object.entries(base.cron ?? {})
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([name, task]) => ({
      name,
      objectName: `${app}-${name}`,
      schedule: task.schedule,
      timeZone: task.timeZone,
      command: task.command,
      resources: mergeResources(base.resources, task.resources, true),
      timeout: task.timeout ?? DEFAULTS.cron.timeout,
    }));
}
