/** Reads the CloudNativePG Cluster and its Backup objects: two requests, none when it is not configured. */
import type { Cluster } from '../cluster/connect.ts';
import { getIn, listIn } from '../cluster/read.ts';
import type { ResolvedDatabase } from '../config/resolved.ts';
import { continuousBackupState, type CnpgBackup, type CnpgClusterStatus, type ContinuousBackupState } from './continuous.ts';

export async function readContinuousBackup(cluster: Cluster, database: ResolvedDatabase | undefined): Promise<ContinuousBackupState | undefined> {
  if (database?.mode !== 'cnpg' || !database.continuousBackup) return undefined;
  const [server, backups] = await Promise.all([
    getIn<CnpgClusterStatus>(cluster, 'CnpgCluster', database.namespace, database.name),
    listIn<CnpgBackup>(cluster, 'CnpgBackup', database.namespace),
  ]);
  return continuousBackupState(server, backups, database.name);
}
