/**
 * Names and paths of the admin page in the cluster, shared by its render, `berth web token` and
 * the server's `--in-cluster` mode: the contract between the manifests and the process in the pod.
 */
export const WEB = {
  /** Deployment, Service, ServiceAccount, Roles and NetworkPolicy. */
  name: 'berth-web',
  /** The Secret of login tokens: key = user name, value `<role>:<token>`. */
  tokensSecret: 'berth-web-tokens',
  /** Where that Secret is mounted, one file per user. */
  tokensDir: '/var/run/berth-web/tokens',
  /** The ConfigMap holding the project's config as JSON, mounted as the server's working directory. */
  configMap: 'berth-web-config',
  configDir: '/etc/berth',
  configFile: 'berth.config.json',
  /** Optional Secret (key `url`) for a database admin credential the config gives as `{ env }`. */
  databaseAdminSecret: 'berth-web-database-admin',
  /** The Role in the database admin Secret's namespace, when that is no environment's. */
  databaseAdminRole: 'berth-web-database-admin',
  /** The page's own claim of an NFS backup store (the backup CronJobs each have theirs). */
  backupsClaim: 'berth-web-backups',
} as const;

export const WEB_ROLES = ['viewer', 'operator'] as const;
export type WebRole = (typeof WEB_ROLES)[number];
