/**
 * The shape of berth.config.ts. Every object is strict, so a misspelt field is an error that
 * names it rather than a silently ignored setting. Defaults live in defaults.ts, not here:
 * this schema describes what a user may write.
 */
import { z } from './zod.ts';
import { cidr, command, cronSchedule, dnsLabel, domain, envVarName, image, quantity, timeZone, urlPath } from './fields.ts';
import { TAG_SCHEME_HELP, tagSchemePattern } from './tag-scheme.ts';

const port = z.number().int().min(1).max(65535);
const seconds = z.number().int().positive();
const count = z.number().int().min(0);

/** Where a credential lives. Never the credential itself: configs are committed to git. */
export const credentialRef = z.union(
  [
    z.strictObject({ env: envVarName }),
    z.strictObject({ file: z.string().min(1) }),
    z.strictObject({ secret: z.strictObject({ namespace: dnsLabel(), name: dnsLabel(253), key: z.string().min(1) }) }),
  ],
  { error: 'must be a reference, not a value: { env: "VAR_NAME" }, { file: "/path/to/file" } or { secret: { namespace, name, key } }' },
);

const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

const health = z.strictObject({
  /** HTTP path answering 200 when the app can serve; without it probes use a TCP connect. */
  path: urlPath.optional(),
  /** How long a first boot may take (migrations included) before the pod is restarted. */
  startupTimeout: seconds.optional(),
  /** Seconds between startup checks during that time. */
  startupInterval: seconds.optional(),
  /** Seconds between readiness checks; failover detection is about interval × failureThreshold. */
  interval: seconds.optional(),
  /** Seconds a check may take. */
  timeout: seconds.optional(),
  /** Missed readiness checks before the pod stops receiving traffic. */
  failureThreshold: seconds.optional(),
  /** Restart a process that stops answering on its port (TCP); false for none. */
  liveness: z
    .union([z.literal(false), z.strictObject({ interval: seconds.optional(), timeout: seconds.optional(), failureThreshold: seconds.optional() })])
    .optional(),
  /**
   * An HTTP check by `berth deploy` after the rollout: true checks https://<first domain><path>;
   * or give the URL. A failed check rolls the release back.
   */
  check: z
    .union([
      z.boolean(),
      z.strictObject({
        url: z.url().optional(),
        /** Expected status; default any 2xx or 3xx. */
        expectStatus: z.number().int().min(100).max(599).optional(),
        retries: z.number().int().min(0).max(20).optional(),
      }),
    ])
    .optional(),
});

const hpa = z.strictObject({
  min: z.number().int().min(1),
  max: z.number().int().min(1),
  cpuPercent: z.number().int().min(1).max(100).optional(),
});

/**
 * Who a container runs as. Without it a container may start as root (as the official postgres
 * and nginx images do) but keeps only the capabilities such images need to prepare their files
 * and drop to their own user. With a non-root user it meets Pod Security "restricted".
 */
const securityContext = z.strictObject({
  /** User id the container runs as; any id but 0 makes the container non-root. */
  runAsUser: z.number().int().min(0).optional(),
  runAsGroup: z.number().int().min(0).optional(),
  /** Refuse to start as root; defaults to true when runAsUser is set and not 0. */
  runAsNonRoot: z.boolean().optional(),
  /** Group id given to mounted volumes, e.g. 999 for Postgres data on NFS. */
  fsGroup: z.number().int().min(0).optional(),
  /** The image's files become read-only; /tmp stays writable. */
  readOnlyRootFilesystem: z.boolean().optional(),
  capabilities: z.strictObject({ add: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability name such as "NET_BIND_SERVICE"')).optional() }).optional(),
});

/**
 * How a new release replaces the old pods: RollingUpdate starts a new pod before stopping an old
 * one (no downtime); Recreate stops the old pods first (one writer at a time, e.g. a database).
 */
const strategy = z.enum(['RollingUpdate', 'Recreate']);

/** A Postgres database or role name, as berth writes it unquoted in messages and URLs. */
const pgName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a Postgres name of lowercase letters, digits and _ (at most 63), e.g. "docfast_staging"');

/** An existing database and login role to use (and adopt with `berth db adopt`) instead of `<app>_<env>`. */
const databaseNames = z.strictObject({ name: pgName.optional(), role: pgName.optional() });

/**
 * What a NetworkPolicy lets through besides berth's defaults (same namespace, the ingress
 * controller to web ports; DNS, the database and the public internet out). false: no policy.
 */
const networkPolicy = z.union([
  z.literal(false),
  z.strictObject({
    /** Address ranges that may reach web ports: the nodes' addresses when the ingress controller uses hostNetwork. */
    ingressFrom: z.array(cidr).optional(),
    /** Destinations on the private network or in other namespaces: a Redis, a VPC service. Without ports, every port. */
    egressTo: z
      .array(
        z.union([z.strictObject({ cidr, ports: z.array(port).optional() }), z.strictObject({ namespace: dnsLabel(), ports: z.array(port).optional() })], {
          error: 'must be { cidr: "10.0.1.20/32", ports: [6379] } or { namespace: "search", ports: [9200] }',
        }),
      )
      .optional(),
  }),
]);

const processSchema = z.strictObject({
  /** An image of its own (seed 001 builds api, worker and admin images); tagged like its app's. */
  image: image.optional(),
  command: command.optional(),
  args: z.array(z.string()).optional(),
  replicas: count.optional(),
  /** Exactly one pod, ever: schedulers and queue consumers that must not run twice. */
  singleton: z.boolean().optional(),
  /** Overrides the app's strategy. */
  strategy: strategy.optional(),
  resources: resources.optional(),
  /** A process with a port gets a Service; with domains too, an Ingress. */
  port: port.optional(),
  domains: z.array(domain).optional(),
  path: urlPath.optional(),
  /** Remove `path` before the request reaches the process (it serves from /). */
  stripPrefix: z.boolean().optional(),
  health: health.optional(),
  hpa: hpa.optional(),
  /** Overrides the app's securityContext, field by field. */
  securityContext: securityContext.optional(),
});

const cronTask = z.strictObject({
  schedule: cronSchedule,
  command: command,
  timeZone: timeZone.optional(),
  resources: resources.optional(),
  /** Seconds before a run is killed. */
  timeout: seconds.optional(),
});

const volume = z.strictObject({
  mountPath: z.string().regex(/^\/\S*$/, 'must be an absolute path such as "/data"'),
  size: quantity.optional(),
  accessMode: z.enum(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany']).optional(),
  storageClass: z.string().min(1).optional(),
  existingClaim: dnsLabel(253).optional(),
  nfs: z.strictObject({ server: z.string().min(1), path: z.string().regex(/^\//, 'must be an absolute export path') }).optional(),
  subPath: z.string().min(1).optional(),
  readOnly: z.boolean().optional(),
  /** Processes that mount it; defaults to the web process (or the first one). */
  processes: z.array(dnsLabel()).optional(),
});

const retention = z.strictObject({
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  /** Verified backups older than this are deleted (the newest good one never is). */
  maxAgeDays: z.number().int().min(1).optional(),
});

const appBackups = z.strictObject({
  schedule: cronSchedule,
  timeZone: timeZone.optional(),
  retention: retention.optional(),
});

const migrate = z.strictObject({
  /** The app's own migrate command, e.g. ["bun", "/app/kumiko.js", "migrate", "apply"]. */
  command: command.optional(),
  /** Directory of SQL migrations inside the image, for berth's own runner when no command is given. */
  dir: z.string().min(1).optional(),
});

export const appSchema = z.strictObject({
  image: image,
  port: port.optional(),
  domains: z.array(domain).optional(),
  path: urlPath.optional(),
  /** Remove `path` before the request reaches the app (it serves from /), e.g. /play/lextris/x → /x. */
  stripPrefix: z.boolean().optional(),
  /** Redirect www.<domain> to <domain> permanently. */
  wwwRedirect: z.boolean().optional(),
  health: health.optional(),
  replicas: count.optional(),
  resources: resources.optional(),
  env: z.record(envVarName, z.string()).optional(),
  /** Names of variables whose values live in the app's Secret (created with kubectl; see the README). */
  secrets: z.array(envVarName).optional(),
  /** The Secret holding `secrets` (default `<app>-secrets`); several apps may name the same one. */
  secretName: dnsLabel(253).optional(),
  processes: z.record(dnsLabel(), processSchema).optional(),
  cron: z.record(dnsLabel(), cronTask).optional(),
  volumes: z.record(dnsLabel(), volume).optional(),
  /** true: a database and role of its own (`<app>_<env>`); or the names of existing ones to adopt. */
  database: z.union([z.boolean(), databaseNames]).optional(),
  migrate: migrate.optional(),
  backups: appBackups.optional(),
  hpa: hpa.optional(),
  securityContext: securityContext.optional(),
  /** For every process; default RollingUpdate, Recreate for singletons and single-node (ReadWriteOnce) volumes. */
  strategy: strategy.optional(),
  /** Adds to the cluster's networkPolicy; false: no NetworkPolicy for this app. */
  networkPolicy: networkPolicy.optional(),
});

/** What an environment may change about an app. Objects merge; lists replace. */
const appOverride = z.strictObject({
  enabled: z.boolean().optional(),
  image: image.optional(),
  domains: z.array(domain).optional(),
  path: urlPath.optional(),
  wwwRedirect: z.boolean().optional(),
  replicas: count.optional(),
  resources: resources.optional(),
  env: z.record(envVarName, z.string()).optional(),
  processes: z
    .record(
      dnsLabel(),
      z.strictObject({
        image: image.optional(),
        replicas: count.optional(),
        resources: resources.optional(),
        domains: z.array(domain).optional(),
        hpa: hpa.optional(),
      }),
    )
    .optional(),
  hpa: hpa.optional(),
  backups: z.union([appBackups, z.literal(false)]).optional(),
  /** Existing database and role names for this environment (seed 003: docfast_staging). */
  database: databaseNames.optional(),
});

const tagScheme = z.string().refine((s) => tagSchemePattern(s) !== undefined, TAG_SCHEME_HELP);

const environment = z.strictObject({
  namespace: dnsLabel(),
  /** false: the namespace exists and is not berth's (Kubernetes' `default` never is): berth renders no Namespace object for it. */
  createNamespace: z.boolean().optional(),
  tagScheme: tagScheme.optional(),
  /** TLS for this environment instead of the cluster's: another ClusterIssuer (a VPN-only qa needs DNS-01), false for none. */
  certIssuer: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Traefik's own ACME resolver for this environment instead of the cluster's TLS. */
  certResolver: z.string().min(1).optional(),
  /**
   * Flux image automation: `render --out` marks each image with the ImagePolicy that updates it
   * (`name`: {image} is the app, or <app>-<process> for a process image; {environment}).
   */
  imagePolicy: z
    .strictObject({
      namespace: dnsLabel().optional(),
      name: z
        .string()
        .regex(/^[a-z0-9{}-]+$/, 'must be a name template such as "{image}-{environment}"')
        .optional(),
    })
    .optional(),
  apps: z.record(z.string(), appOverride).optional(),
});

const externalDatabase = z.strictObject({
  mode: z.literal('external'),
  /** Host and port as the pods reach the server (e.g. the node's private IP). */
  host: z.string().min(1),
  port: port.optional(),
  sslMode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
  /** A postgres:// URL for a role with CREATEROLE and CREATEDB, as the berth CLI reaches it. */
  admin: credentialRef,
  connectionLimit: z.number().int().min(1).optional(),
});

const cnpgDatabase = z.strictObject({
  mode: z.literal('cnpg'),
  name: dnsLabel(50).optional(),
  namespace: dnsLabel().optional(),
  instances: z.number().int().min(1).max(9).optional(),
  storage: quantity.optional(),
  storageClass: z.string().min(1).optional(),
  imageName: image.optional(),
  pooler: z
    .union([z.literal(false), z.strictObject({ instances: z.number().int().min(1).optional(), poolMode: z.enum(['transaction', 'session']).optional() })])
    .optional(),
  admin: credentialRef.optional(),
  connectionLimit: z.number().int().min(1).optional(),
  /** Keep instances (and pooler instances) on different nodes: preferred (a one-node cluster still runs) or required. */
  antiAffinity: z.enum(['preferred', 'required']).optional(),
  /** Where the CloudNativePG operator runs; its pods reach the instances on 8000 and 5432. */
  operatorNamespace: dnsLabel().optional(),
  /** Per Postgres instance; defaults to 250m/512Mi requests and a 1Gi memory limit. */
  resources: resources.optional(),
  /** CloudNativePG's own WAL archiving and base backups (point-in-time recovery of the whole server). */
  continuousBackup: z
    .strictObject({
      /** barman-cloud writes to object storage only: a local directory, PVC or NFS share cannot take WAL archives. */
      store: z
        .looseObject({
          s3: z
            .strictObject({
              bucket: z.string().min(3),
              endpoint: z.url().optional(),
              prefix: z.string().optional(),
              /** A Secret in the database's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
              credentialsSecret: dnsLabel(253),
            })
            .optional(),
        })
        .check((ctx) => {
          const other = Object.keys(ctx.value).filter((key) => key !== 's3');
          if (!ctx.value.s3 || other.length > 0) {
            ctx.issues.push({
              code: 'custom',
              input: ctx.value,
              message: `continuous backup (barman-cloud) writes to S3-compatible object storage only${other.length ? `, not ${other.join(', ')}` : ''}: use { s3: { bucket, endpoint?, prefix?, credentialsSecret } }`,
            });
          }
        })
        .transform((store) => ({ s3: store.s3! })),
      /** Base backups and WAL older than this are deleted by the operator, e.g. 30d, 4w, 6m. */
      retention: z
        .string()
        .regex(/^[1-9][0-9]*[dwm]$/, 'must be a count and a unit: d (days), w (weeks) or m (months), e.g. 30d')
        .optional(),
      /** When the base backup runs, in UTC (the operator has no time zone setting). */
      schedule: cronSchedule.optional(),
      compression: z.enum(['gzip', 'bzip2', 'lz4', 'snappy', 'xz', 'zstd']).optional(),
    })
    .optional(),
});

const backupStore = z.union(
  [
    /** A directory on the machine running the CLI (not reachable from the cluster's CronJob). */
    z.strictObject({ dir: z.strictObject({ path: z.string().min(1) }) }),
    z.strictObject({ pvc: z.strictObject({ size: quantity.optional(), storageClass: z.string().min(1).optional(), existingClaim: dnsLabel(253).optional() }) }),
    z.strictObject({ nfs: z.strictObject({ server: z.string().min(1), path: z.string().regex(/^\//, 'must be an absolute export path') }) }),
    z.strictObject({
      s3: z.strictObject({
        bucket: z.string().min(3),
        endpoint: z.url().optional(),
        region: z.string().min(1).optional(),
        prefix: z.string().optional(),
        /** Name of a Secret in each environment's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
        credentialsSecret: dnsLabel(253),
      }),
    }),
  ],
  { error: 'must be one of { dir: { path } }, { pvc: { size } }, { nfs: { server, path } } or { s3: { bucket, credentialsSecret } }' },
);

/** A Helm chart version as its repository publishes it (`v1.21.2`, `0.27.1`): pinned, never a range. */
const chartVersion = z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'must be an exact chart version such as "v1.21.2" or "0.27.1"');
const spread = z.enum(['preferred', 'required']);

/** An operator installed as a K3s HelmChart: true for berth's pinned defaults. */
const operator = z.union([
  z.literal(true),
  z.strictObject({
    /** The chart version, pinned. */
    version: chartVersion.optional(),
    /** Where the operator runs. */
    namespace: dnsLabel().optional(),
    /** Operator pods (seed 003 runs the CNPG operator twice, on two workers). */
    replicas: z.number().int().min(1).max(5).optional(),
    /** Keep those pods on different nodes: preferred (default) or required. */
    spread: spread.optional(),
  }),
]);

/** A Secret in the add-on's own namespace holding a DNS provider's credentials. */
const dnsProvider = z.union(
  [
    /** Keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (seed 002's Route53). */
    z.strictObject({ route53: z.strictObject({ region: z.string().min(1), hostedZoneID: z.string().min(1).optional(), credentialsSecret: dnsLabel(253) }) }),
    /** Key CF_DNS_API_TOKEN: a Cloudflare API token with Zone:DNS:Edit. */
    z.strictObject({ cloudflare: z.strictObject({ credentialsSecret: dnsLabel(253) }) }),
  ],
  { error: 'must be { route53: { region, credentialsSecret } } or { cloudflare: { credentialsSecret } }' },
);

/** Cluster add-ons as code (`berth render --platform`, `berth platform apply`). */
const platform = z.strictObject({
  /** cert-manager as a K3s HelmChart (jetstack chart, CRDs included). */
  certManager: operator.optional(),
  /** The CloudNativePG operator as a K3s HelmChart. */
  cnpg: operator.optional(),
  /** A cert-manager ACME ClusterIssuer (Let's Encrypt), named as cluster.certIssuer. */
  issuer: z
    .strictObject({
      email: z.email(),
      /** Let's Encrypt production (default) or staging, or another ACME directory URL. */
      server: z.union([z.enum(['production', 'staging']), z.url()]).optional(),
      /** HTTP-01 through the ingress class (default), or DNS-01 (wildcards, VPN-only hosts) with a credentials Secret in cert-manager's namespace. */
      dns01: dnsProvider.optional(),
    })
    .optional(),
  /** A HelmChartConfig for K3s' bundled Traefik. */
  traefik: z
    .strictObject({
      /** One Traefik per node (seed 001). */
      daemonSet: z.boolean().optional(),
      /** Bind the node's ports directly (seed 001); implies a DaemonSet. */
      hostNetwork: z.boolean().optional(),
      ports: z.strictObject({ web: port.optional(), websecure: port.optional() }).optional(),
      /** Traefik's own Let's Encrypt resolver with a DNS challenge (seed 002); name it in cluster.certResolver. */
      acme: z
        .strictObject({
          email: z.email(),
          /** The resolver's name (default: cluster.certResolver, else "letsencrypt"). */
          resolver: dnsLabel().optional(),
          dns: dnsProvider,
        })
        .optional(),
    })
    .optional(),
  /** CoreDNS replicas and anti-affinity (seed 003: 3 replicas, one per node), applied over K3s' own Deployment. */
  coredns: z.strictObject({ replicas: z.number().int().min(1).max(10), spread: spread.optional() }).optional(),
  /**
   * The admin page (`berth web --in-cluster`) running in the cluster from cluster.berthImage, with
   * a ServiceAccount that may act only in the environments' namespaces.
   */
  web: z
    .strictObject({
      /** false keeps the settings but renders nothing. */
      enabled: z.boolean().optional(),
      /** The page's address: an Ingress with TLS from the cluster's issuer or resolver. Without it, reach it with `kubectl port-forward`. */
      host: domain.optional(),
      /** Where the server, its ServiceAccount and its login tokens live (default berth-system); never an environment's. */
      namespace: dnsLabel().optional(),
      /** Pods of the server (default 1). */
      replicas: z.number().int().min(1).max(5).optional(),
      /** Default 50m/128Mi requests and a 512Mi memory limit (backups stream through the pod). */
      resources: resources.optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  cluster: z
    .strictObject({
      context: z.string().min(1).optional(),
      ingressClass: z.enum(['traefik', 'nginx']).optional(),
      /** Namespace of the ingress controller's pods, allowed through NetworkPolicies (kube-system for K3s' Traefik). */
      ingressNamespace: dnsLabel().optional(),
      /** The controller runs with hostNetwork (seed 001's Traefik DaemonSet): its traffic comes from the nodes, list them in networkPolicy.ingressFrom. */
      ingressHostNetwork: z.boolean().optional(),
      /** For every app's NetworkPolicy; false: berth renders none (e.g. the cluster has no policy controller). */
      networkPolicy: networkPolicy.optional(),
      /** cert-manager ClusterIssuer for TLS; false serves plain HTTP (e.g. behind Cloudflare). */
      certIssuer: z.union([z.string().min(1), z.literal(false)]).optional(),
      /** Instead of cert-manager: a certificate resolver configured in Traefik (seed 002's Route53 DNS challenge). */
      certResolver: z.string().min(1).optional(),
      imagePullSecret: dnsLabel(253).optional(),
      /** Seconds before pods leave an unreachable node (Kubernetes' default is 300). */
      nodeFailureEviction: seconds.optional(),
      /** The berth image that runs migrations, backups and the admin page in the cluster. */
      berthImage: image.optional(),
    })
    .optional(),
  database: z
    .discriminatedUnion('mode', [externalDatabase, cnpgDatabase], {
      error: 'mode must be "external" (a server reachable by host) or "cnpg" (CloudNativePG in the cluster)',
    })
    .optional(),
  backups: z
    .strictObject({
      store: backupStore,
      /** A Slack-compatible incoming webhook URL, by reference. */
      slackWebhook: credentialRef.optional(),
      /** `failures` sends only failed backups, verifications and restores, and stale warnings. */
      notify: z.enum(['all', 'failures']).optional(),
      compression: z.enum(['zstd', 'gzip']).optional(),
      /** Defaults for every app's retention. */
      retention: retention.optional(),
      /** Days between automatic test restores by the scheduled run (0 = never). */
      restoreTestDays: count.optional(),
      /** How late a scheduled backup may be before `berth backup check` calls it missed. */
      staleAfterMinutes: z.number().int().min(1).optional(),
    })
    .optional(),
  /** Where deploys are announced: a Slack-compatible incoming webhook, as a reference. */
  notifications: z.strictObject({ slack: credentialRef, only: z.enum(['failures']).optional() }).optional(),
  /** Cluster add-ons berth renders with `render --platform` and applies with `platform apply`. */
  platform: platform.optional(),
  /** Releases kept per app and environment (default 10). */
  releaseHistory: z.number().int().min(2).max(100).optional(),
  environments: z.record(dnsLabel(), environment),
  apps: z.record(z.string(), appSchema),
});

export type BerthConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type AppOverride = z.output<typeof appOverride>;
export type EnvironmentConfig = z.output<typeof environment>;
export type ProcessConfig = z.output<typeof processSchema>;
export type VolumeConfig = z.output<typeof volume>;
export type CronTaskConfig = z.output<typeof cronTask>;
export type ResourcesConfig = z.output<typeof resources>;
export type HealthConfig = z.output<typeof health>;
export type HpaConfig = z.output<typeof hpa>;
export type SecurityContextConfig = z.output<typeof securityContext>;
export type NetworkPolicyConfig = Exclude<z.output<typeof networkPolicy>, false>;
export type CredentialRef = z.output<typeof credentialRef>;
export type DatabaseConfig = NonNullable<ParsedConfig['database']>;
export type BackupStoreConfig = z.output<typeof backupStore>;
export type PlatformConfig = z.output<typeof platform>;
export type DnsProviderConfig = z.output<typeof dnsProvider>;
export type WebConfig = NonNullable<PlatformConfig['web']>;
