/**
 * The configured store, opened from where this process runs. The CLI reaches a `dir` store or S3
 * directly; a PVC or an NFS share is mounted into the backup CronJob's pod, so from elsewhere it
 * needs `--store-dir` (the share mounted on this machine). S3 credentials come from
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else from the configured Secret in the app's namespace.
 */
import { resolve } from 'node:path';
import type { Cluster } from '../cluster/connect.ts';
import type { BackupStoreConfig } from '../config/schema.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { DirectoryStore } from '../store/directory.ts';
import type { ObjectStore } from '../store/store.ts';

export interface StoreSources {
  /** The config file's directory, for a relative `dir.path`. */
  configDir: string;
  env: Record<string, string | undefined>;
  /** A directory that overrides the configured store (a mounted PVC or NFS share). */
  storeDir?: string;
  namespace: string;
  cluster: () => Promise<Cluster>;
}

export async function openStore(config: BackupStoreConfig, sources: StoreSources): Promise<ObjectStore> {
  if (sources.storeDir) return new DirectoryStore(resolve(sources.storeDir));
  if ('dir' in config) return new DirectoryStore(resolve(sources.configDir, config.dir.path));
  if ('pvc' in config || 'nfs' in config) {
    const kind = 'pvc' in config ? 'a PersistentVolumeClaim' : `the NFS share ${config.nfs.server}:${config.nfs.path}`;
    throw new UsageError(`The backup store is ${kind}, which this machine cannot reach directly`, {
      hint: 'Mount it here and pass --store-dir PATH, or run the command in the cluster (the backup CronJob mounts it at /backups).',
    });
  }
  const s3 = config.s3;
  const { S3Store } = await import('../store/s3.ts');
  return new S3Store({
    bucket: s3.bucket,
    prefix: s3.prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: await s3Credentials(s3.credentialsSecret, sources),
  });
}

async function s3Credentials(secretName: string, sources: StoreSources): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = sources.env;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  const { readSecret } = await import('../cluster/secrets.ts');
  const data = await readSecret(await sources.cluster(), sources.namespace, secretName);
  if (!data?.AWS_ACCESS_KEY_ID || !data.AWS_SECRET_ACCESS_KEY) {
    throw new BerthError(
      `No S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set and Secret ${sources.namespace}/${secretName} ${data ? 'lacks them' : 'does not exist'}`,
      {
        exitCode: ExitCode.usage,
        hint: `kubectl create secret generic ${secretName} -n ${sources.namespace} --from-literal=AWS_ACCESS_KEY_ID=… --from-literal=AWS_SECRET_ACCESS_KEY=…`,
      },
    );
  }
  return { accessKeyId: data.AWS_ACCESS_KEY_ID, secretAccessKey: data.AWS_SECRET_ACCESS_KEY };
}
