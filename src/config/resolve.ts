/**
 * config + environment name → ResolvedEnvironment. Pure: merges the environment's overrides into
 * each app, applies DEFAULTS and derives object names. Validation has already run.
 */
import { scheduledBackups } from './backup-settings.ts';
import { DEFAULTS, KUBERNETES_NAMESPACES, WEB_PROCESS } from './defaults.ts';
import { databaseIdentity, type DatabaseIdentity } from '../model/database-names.ts';
import { imageWithTag, isPinned, type TagSource } from './image-tags.ts';
import type {
  Health,
  Hpa,
  ResolvedApp,
  ResolvedCluster,
  ResolvedCron,
  ResolvedDatabase,
  ResolvedEnvironment,
  ResolvedDnsProvider,
  ResolvedNetworkPolicy,
  ResolvedOperator,
  ResolvedPlatform,
  ResolvedProcess,
  ResolvedVolume,
  Resources,
  Security,
  Tls,
} from './resolved.ts';
import type {
  AppConfig,
  AppOverride,
  DatabaseConfig,
  DnsProviderConfig,
  EnvironmentConfig,
  HealthConfig,
  HpaConfig,
  NetworkPolicyConfig,
  ParsedConfig,
  ResourcesConfig,
  SecurityContextConfig,
} from './schema.ts';
import { cnpgPoolerName, cnpgServiceName, secretName } from '../model/names.ts';
import { byCodePoint } from '../compare.ts';
import { UsageError } from '../errors.ts';

export interface ResolveOptions {
  /**
   * Image tag per app name (from `--tag`, or for deploy the tag running in the cluster). An app
   * without one keeps the tag pinned in its image; in an environment with a tag scheme, an app
   * with neither is refused by render (image-tags.ts), elsewhere it runs `latest`.
   */
  tags?: Record<string, string>;
  /** The tag for every app not in `tags` whose image is not pinned in the config (`--tag TAG`). */
  defaultTag?: string;
  /** Values set with `berth config set`, per app name: they win over the config file's `env`. */
  env?: Record<string, Record<string, string>>;
  /** Replica counts set with `berth scale`, per app and process: they win over the config file's. */
  replicas?: Record<string, Record<string, number>>;
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
  const cluster = resolveCluster(config);
  const apps = Object.keys(config.apps)
    .sort()
    .flatMap((name) => {
      const override = environment.apps?.[name] ?? {};
      if (override.enabled === false) return [];
      const tagOf = (image: string) => options.tags?.[name] ?? (isPinned(image) ? undefined : options.defaultTag);
      const backups = scheduledBackups(config, name, envName);
      const app: ResolvedApp = {
        ...resolveApp(name, config.apps[name]!, override, envName, environment.namespace, tagOf, cluster),
        ...(backups ? { backups } : {}),
      };
      // Values set from the command line win over the config file's (berth config set, berth scale).
      app.env = { ...app.env, ...options.env?.[name] };
      for (const process of app.processes) process.replicas = options.replicas?.[name]?.[process.name] ?? process.replicas;
      return [app];
    });
  return {
    name: envName,
    namespace: environment.namespace,
    createNamespace: environment.createNamespace ?? !(KUBERNETES_NAMESPACES.shared as readonly string[]).includes(environment.namespace),
    tls: resolveTls(config, environment),
    tagScheme: environment.tagScheme,
    cluster,
    database: resolveDatabase(config.database),
    apps,
  };
}

/**
 * The shared server with every default applied, and the host the apps' pods use (not where the
 * CLI connects). cnpg: the PgBouncer Pooler's service, or the `-rw` service without a pooler;
 * with a pooler, `directHost` is the `-rw` service for migrations. The cnpg admin credential
 * defaults to the `uri` key of CloudNativePG's superuser Secret (enableSuperuserAccess is on).
 */
export function resolveDatabase(database: DatabaseConfig | undefined): ResolvedDatabase | undefined {
  if (!database) return undefined;
  if (database.mode === 'external') {
    const d = DEFAULTS.database.external;
    const sslMode = database.sslMode ?? d.sslMode;
    return {
      mode: 'external',
      admin: database.admin,
      connectionLimit: database.connectionLimit ?? d.connectionLimit,
      host: database.host,
      port: database.port ?? d.port,
      directHost: undefined,
      sslMode: sslMode === 'prefer' ? undefined : sslMode,
    };
  }
  const d = DEFAULTS.database.cnpg;
  const name = database.name ?? d.name;
  const namespace = database.namespace ?? d.namespace;
  const connectionLimit = database.connectionLimit ?? d.connectionLimit;
  const poolerInstances = database.pooler === false ? 0 : (database.pooler?.instances ?? d.pooler.instances);
  const pooler =
    database.pooler === false
      ? undefined
      : {
          name: cnpgPoolerName(name),
          instances: poolerInstances,
          poolMode: database.pooler?.poolMode ?? d.pooler.poolMode,
          // Each instance opens its own pool per app role; together they must stay under the role's limit.
          poolSize: Math.max(1, Math.floor((connectionLimit - d.directConnections) / poolerInstances)),
        };
  const rw = `${cnpgServiceName(name, 'rw')}.${namespace}.svc`;
  return {
    mode: 'cnpg',
    name,
    namespace,
    operatorNamespace: database.operatorNamespace ?? d.operatorNamespace,
    antiAffinity: database.antiAffinity ?? d.antiAffinity,
    instances: database.instances ?? d.instances,
    storage: database.storage ?? d.storage,
    storageClass: database.storageClass,
    imageName: database.imageName ?? d.imageName,
    pooler,
    resources: {
      requests: { ...d.resources.requests, ...database.resources?.requests },
      limits: { ...d.resources.limits, ...database.resources?.limits },
    },
    continuousBackup: database.continuousBackup && {
      s3: {
        bucket: database.continuousBackup.store.s3.bucket,
        endpoint: database.continuousBackup.store.s3.endpoint,
        prefix: database.continuousBackup.store.s3.prefix ?? '',
        credentialsSecret: database.continuousBackup.store.s3.credentialsSecret,
      },
      retention: database.continuousBackup.retention ?? d.continuousBackup.retention,
      schedule: database.continuousBackup.schedule ?? d.continuousBackup.schedule,
      compression: database.continuousBackup.compression ?? d.continuousBackup.compression,
    },
    admin: database.admin ?? { secret: { namespace, name: `${name}-superuser`, key: 'uri' } },
    connectionLimit,
    host: pooler ? `${pooler.name}.${namespace}.svc` : rw,
    port: 5432,
    directHost: pooler ? rw : undefined,
    sslMode: undefined,
  };
}

/** An environment's choice replaces the cluster's; a resolver (Traefik's ACME) or a cert-manager issuer. */
function resolveTls(config: ParsedConfig, environment: EnvironmentConfig): Tls | undefined {
  const from = environment.certIssuer !== undefined || environment.certResolver !== undefined ? environment : (config.cluster ?? {});
  return tlsOf(from);
}

/** The cluster's own TLS, for what lives outside the environments (the admin page). */
export function clusterTls(config: ParsedConfig): Tls | undefined {
  return tlsOf(config.cluster ?? {});
}

function tlsOf(from: { certIssuer?: string | false; certResolver?: string }): Tls | undefined {
  if (from.certResolver) return { resolver: from.certResolver };
  const issuer = from.certIssuer ?? DEFAULTS.cluster.certIssuer;
  return issuer === false ? undefined : { issuer };
}

function networkPolicyOf(policy: NetworkPolicyConfig | undefined): ResolvedNetworkPolicy {
  return {
    ingressFrom: [...(policy?.ingressFrom ?? [])],
    egressTo: (policy?.egressTo ?? []).map((t) => ({ ...t, ports: t.ports ? [...t.ports] : undefined })),
  };
}

export function resolveCluster(config: ParsedConfig): ResolvedCluster {
  const cluster = config.cluster ?? {};
  return {
    context: cluster.context,
    ingressClass: cluster.ingressClass ?? DEFAULTS.cluster.ingressClass,
    ingressNamespace: cluster.ingressNamespace ?? DEFAULTS.cluster.ingressNamespace[cluster.ingressClass ?? DEFAULTS.cluster.ingressClass],
    ingressHostNetwork: cluster.ingressHostNetwork ?? false,
    networkPolicy: cluster.networkPolicy === false ? false : networkPolicyOf(cluster.networkPolicy),
    imagePullSecret: cluster.imagePullSecret,
    nodeFailureEviction: cluster.nodeFailureEviction ?? DEFAULTS.cluster.nodeFailureEviction,
    berthImage: cluster.berthImage ?? DEFAULTS.cluster.berthImage,
  };
}

/** `<app>_<env>` unless the config names an existing database and role (for `berth db adopt`). */
function resolveDatabaseIdentity(app: string, environment: string, base: AppConfig, override: AppOverride): DatabaseIdentity | undefined {
  if (!base.database) return undefined;
  const names = { ...(typeof base.database === 'object' ? base.database : {}), ...override.database };
  if (names.name && names.role) return { app, environment, database: names.name, role: names.role };
  const generated = databaseIdentity(app, environment);
  return { ...generated, database: names.name ?? generated.database, role: names.role ?? generated.role };
}

function tagged(image: string, tag: string | undefined): { image: string; tagSource: TagSource } {
  const result = imageWithTag(image, tag);
  return { image: result.image, tagSource: result.source };
}

/** The tag to give an image of the app: the app's given tag, or `--tag T` unless the image is pinned. */
type TagOf = (image: string) => string | undefined;

function resolveApp(
  name: string,
  base: AppConfig,
  override: AppOverride,
  environment: string,
  namespace: string,
  tagOf: TagOf,
  cluster: ResolvedCluster,
): ResolvedApp {
  const configured = override.image ?? base.image;
  const { image, tag: effectiveTag, source: tagSource } = imageWithTag(configured, tagOf(configured));
  const volumes = resolveVolumes(name, namespace, base);
  const processes = resolveProcesses(name, base, override, { image, tagSource }, tagOf);
  const wwwRedirect = override.wwwRedirect ?? base.wwwRedirect ?? DEFAULTS.app.wwwRedirect;
  for (const process of processes) {
    process.volumes = volumes.filter((v) => mountedIn(base, v.name, processes).includes(process.name)).map((v) => v.name);
    process.strategy = base.processes?.[process.name]?.strategy ?? base.strategy ?? (needsRecreate(process, volumes) ? 'Recreate' : 'RollingUpdate');
    if (wwwRedirect && process.name === WEB_PROCESS) process.hosts = process.domains.flatMap((d) => (d.startsWith('*.') ? [d] : [d, `www.${d}`]));
  }
  return {
    name,
    environment,
    namespace,
    image,
    tag: effectiveTag,
    tagSource,
    env: { ...base.env, ...override.env },
    secrets: [...(base.secrets ?? [])],
    secretName: base.secretName ?? secretName({ name }),
    database: resolveDatabaseIdentity(name, environment, base, override),
    migrate: base.migrate ? { command: base.migrate.command, dir: base.migrate.dir ?? DEFAULTS.migrate.dir } : undefined,
    wwwRedirect,
    processes,
    cron: resolveCron(name, base),
    volumes,
    // The app's own additions come after the cluster's.
    networkPolicy:
      cluster.networkPolicy === false || base.networkPolicy === false
        ? undefined
        : {
            ingressFrom: [...new Set([...cluster.networkPolicy.ingressFrom, ...networkPolicyOf(base.networkPolicy).ingressFrom])],
            egressTo: [...cluster.networkPolicy.egressTo, ...networkPolicyOf(base.networkPolicy).egressTo],
          },
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

function resolveProcesses(
  app: string,
  base: AppConfig,
  override: AppOverride,
  appImage: { image: string; tagSource: TagSource },
  tagOf: TagOf,
): ResolvedProcess[] {
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
    const ownImage = changed.image ?? declared.image;
    const domains = changed.domains ?? (isWeb ? override.domains : undefined) ?? declared.domains ?? (isWeb ? base.domains : undefined) ?? [];
    const { image, tagSource } = ownImage ? tagged(ownImage, tagOf(ownImage)) : appImage;
    return {
      name,
      objectName: isWeb ? app : `${app}-${name}`,
      container: isWeb ? app : name,
      image,
      tagSource,
      command: declared.command,
      args: declared.args,
      replicas,
      singleton,
      resources: mergeResources(mergeResources(appResources, declared.resources), changed.resources, true),
      port: declared.port ?? (isWeb ? base.port : undefined),
      domains,
      hosts: domains,
      strategy: 'RollingUpdate',
      path: declared.path ?? (isWeb ? (override.path ?? base.path) : undefined) ?? DEFAULTS.app.path,
      stripPrefix: declared.stripPrefix ?? (isWeb ? base.stripPrefix : undefined) ?? false,
      health: resolveHealth(declared.health ?? (isWeb ? base.health : undefined)),
      hpa: singleton ? undefined : resolveHpa(changed.hpa ?? (isWeb ? override.hpa : undefined) ?? declared.hpa ?? (isWeb ? base.hpa : undefined)),
      volumes: [],
      migrates: base.migrate !== undefined && (isWeb || (index === 0 && !names.includes(WEB_PROCESS))),
      security: resolveSecurity(base.securityContext, declared.securityContext),
    };
  });
}

/**
 * Recreate stops the old pod before starting the new one. A singleton needs it (two schedulers
 * for a moment is two schedulers), and so does a single-writer volume: ReadWriteOnce allows one
 * node, ReadWriteOncePod one pod, so a surge pod could not mount it.
 */
function needsRecreate(process: ResolvedProcess, volumes: ResolvedVolume[]): boolean {
  if (process.singleton) return true;
  return volumes.some((v) => process.volumes.includes(v.name) && !v.readOnly && v.accessMode.startsWith('ReadWriteOnce'));
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

/** A process's settings override its app's, field by field. */
export function resolveSecurity(app: SecurityContextConfig | undefined, process: SecurityContextConfig | undefined): Security {
  const merged = { ...app, ...process };
  const nonRoot = merged.runAsNonRoot ?? (merged.runAsUser !== undefined && merged.runAsUser !== 0);
  const added = merged.capabilities?.add ?? [];
  const capabilities = nonRoot ? added : [...new Set([...DEFAULTS.security.rootCapabilities, ...added])];
  return {
    nonRoot,
    runAsUser: merged.runAsUser,
    runAsGroup: merged.runAsGroup,
    fsGroup: merged.fsGroup,
    readOnlyRootFilesystem: merged.readOnlyRootFilesystem ?? false,
    capabilities: capabilities.sort(),
  };
}

function resolveHealth(health: HealthConfig | undefined): Health {
  const d = DEFAULTS.app.health;
  const liveness = health?.liveness;
  return {
    path: health?.path,
    startupTimeout: health?.startupTimeout ?? d.startupTimeout,
    startupInterval: health?.startupInterval ?? d.startupInterval,
    interval: health?.interval ?? d.interval,
    timeout: health?.timeout ?? d.timeout,
    failureThreshold: health?.failureThreshold ?? d.failureThreshold,
    liveness:
      liveness === false
        ? undefined
        : {
            interval: liveness?.interval ?? d.liveness.interval,
            timeout: liveness?.timeout ?? d.liveness.timeout,
            failureThreshold: liveness?.failureThreshold ?? d.liveness.failureThreshold,
          },
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
      security: resolveSecurity(base.securityContext, undefined),
    }));
}

/** The `platform` section with every default applied (DEFAULTS.platform). */
export function resolvePlatform(config: ParsedConfig): ResolvedPlatform {
  const p = config.platform ?? {};
  const d = DEFAULTS.platform;
  const operator = (given: NonNullable<typeof p.certManager> | undefined, defaults: typeof d.certManager | typeof d.cnpg): ResolvedOperator | undefined => {
    if (!given) return undefined;
    const chosen = given === true ? {} : given;
    return {
      chart: defaults.chart,
      repo: defaults.repo,
      version: chosen.version ?? defaults.version,
      namespace: chosen.namespace ?? defaults.namespace,
      replicas: chosen.replicas ?? defaults.replicas,
      spread: chosen.spread ?? defaults.spread,
    };
  };
  const certManager = operator(p.certManager, d.certManager);
  const ingressClass = config.cluster?.ingressClass ?? DEFAULTS.cluster.ingressClass;
  const issuerName = config.cluster?.certIssuer === false ? undefined : (config.cluster?.certIssuer ?? DEFAULTS.cluster.certIssuer);
  const traefik = p.traefik;
  return {
    certManager,
    cnpg: operator(p.cnpg, d.cnpg),
    issuer: p.issuer && {
      name: issuerName ?? DEFAULTS.cluster.certIssuer,
      email: p.issuer.email,
      server: p.issuer.server === 'staging' ? d.issuer.staging : p.issuer.server === 'production' || !p.issuer.server ? d.issuer.server : p.issuer.server,
      ingressClass,
      dns01: p.issuer.dns01 && dnsProvider(p.issuer.dns01),
      // A ClusterIssuer reads its Secrets from cert-manager's own namespace.
      namespace: certManager?.namespace ?? d.certManager.namespace,
    },
    traefik: traefik && {
      daemonSet: traefik.daemonSet ?? traefik.hostNetwork ?? false,
      hostNetwork: traefik.hostNetwork ?? false,
      ports: { web: traefik.ports?.web ?? d.traefik.ports.web, websecure: traefik.ports?.websecure ?? d.traefik.ports.websecure },
      acme: traefik.acme && {
        email: traefik.acme.email,
        resolver: traefik.acme.resolver ?? config.cluster?.certResolver ?? d.traefik.resolver,
        dns: dnsProvider(traefik.acme.dns),
        storage: d.traefik.acmeStorage,
      },
    },
    coredns: p.coredns && { replicas: p.coredns.replicas, spread: p.coredns.spread ?? d.coredns.spread },
  };
}

function dnsProvider(config: DnsProviderConfig): ResolvedDnsProvider {
  if ('route53' in config)
    return {
      provider: 'route53',
      region: config.route53.region,
      hostedZoneID: config.route53.hostedZoneID,
      credentialsSecret: config.route53.credentialsSecret,
    };
  return { provider: 'cloudflare', credentialsSecret: config.cloudflare.credentialsSecret };
}
