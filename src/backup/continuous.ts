/**
 * The state of CloudNativePG's own continuous backup (WAL archiving and base backups to object
 * storage), as `berth backup list` shows it beside berth's logical dumps. The operator writes it
 * into the Cluster's status and its Backup objects; berth only reads them.
 */
import { condition, type Condition } from '../model/workloads.ts';

export interface CnpgClusterStatus {
  metadata: { name: string };
  spec?: { backup?: unknown };
  status?: {
    conditions?: Condition[];
    firstRecoverabilityPoint?: string;
    lastSuccessfulBackup?: string;
    lastFailedBackup?: string;
  };
}

export interface CnpgBackup {
  metadata: { name: string; creationTimestamp?: string };
  spec?: { cluster?: { name?: string }; method?: string };
  status?: { phase?: string; startedAt?: string; stoppedAt?: string; error?: string };
}

export interface ContinuousBackupState {
  cluster: string;
  /** ok: the last WAL segment reached the store; failing: the operator says it did not; unknown: not reported yet. */
  archiving: 'ok' | 'failing' | 'unknown';
  archivingMessage: string | undefined;
  /** The earliest moment the server can be recovered to (point in time). */
  recoverableFrom: string | undefined;
  lastBaseBackup: { name: string; phase: string; at: string | undefined; error: string | undefined } | undefined;
  lastSuccessfulBaseBackup: string | undefined;
}

/** Undefined when the Cluster does not exist (not deployed yet, or another cluster's config). */
export function continuousBackupState(cluster: CnpgClusterStatus | undefined, backups: CnpgBackup[], name: string): ContinuousBackupState | undefined {
  if (!cluster) return undefined;
  const archiving = condition(cluster.status?.conditions, 'ContinuousArchiving');
  const own = backups
    .filter((b) => b.spec?.cluster?.name === name)
    .sort((a, b) => Date.parse(startOf(b) ?? '') - Date.parse(startOf(a) ?? '') || b.metadata.name.localeCompare(a.metadata.name));
  const last = own[0];
  return {
    cluster: name,
    archiving: archiving?.status === 'True' ? 'ok' : archiving?.status === 'False' ? 'failing' : 'unknown',
    archivingMessage: archiving?.status === 'False' ? archiving.message || archiving.reason : undefined,
    recoverableFrom: cluster.status?.firstRecoverabilityPoint,
    lastBaseBackup: last && { name: last.metadata.name, phase: last.status?.phase ?? 'pending', at: startOf(last), error: last.status?.error },
    lastSuccessfulBaseBackup: cluster.status?.lastSuccessfulBackup ?? own.find((b) => b.status?.phase === 'completed')?.status?.stoppedAt,
  };
}

function startOf(backup: CnpgBackup): string | undefined {
  return backup.status?.startedAt ?? backup.metadata.creationTimestamp;
}

/** One line for people: what works, since when, and what failed. */
export function describeContinuousBackup(state: ContinuousBackupState, age: (iso: string) => string): string {
  const parts = [
    state.archiving === 'ok'
      ? 'WAL archiving ok'
      : state.archiving === 'failing'
        ? `WAL archiving FAILING (${state.archivingMessage ?? 'no reason given'})`
        : 'WAL archiving not reported yet',
  ];
  parts.push(state.lastSuccessfulBaseBackup ? `last base backup ${age(state.lastSuccessfulBaseBackup)} ago` : 'no base backup completed yet');
  const last = state.lastBaseBackup;
  if (last && last.phase === 'failed') parts.push(`the newest (${last.name}) FAILED${last.error ? `: ${last.error}` : ''}`);
  else if (last && last.phase !== 'completed') parts.push(`${last.name} ${last.phase}`);
  if (state.recoverableFrom) parts.push(`recoverable to any point since ${state.recoverableFrom}`);
  return `Server ${state.cluster} (CloudNativePG continuous backup): ${parts.join('; ')}`;
}
