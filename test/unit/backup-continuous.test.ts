/** What `berth backup list` makes of CloudNativePG's continuous backup state (pure). */
import { describe, expect, it } from 'vitest';
import { continuousBackupState, describeContinuousBackup, type CnpgBackup } from '../../src/backup/continuous.ts';

const backup = (name: string, phase: string | undefined, startedAt: string, cluster = 'pg', error?: string): CnpgBackup => ({
  metadata: { name, creationTimestamp: startedAt },
  spec: { cluster: { name: cluster } },
  status: phase ? { phase, startedAt, stoppedAt: startedAt, error } : undefined,
});
const age = (iso: string) => `${Math.round((Date.parse('2026-12-02T12:00:00Z') - Date.parse(iso)) / 3600_000)}h`;

describe('continuous backup state', () => {
  it('is nothing when the Cluster does not exist', () => {
    expect(continuousBackupState(undefined, [], 'pg')).toBeUndefined();
  });

  it('says archiving is not reported yet before the operator has written a condition', () => {
    const state = continuousBackupState({ metadata: { name: 'pg' } }, [], 'pg')!;
    expect(state.archiving).toBe('unknown');
    expect(describeContinuousBackup(state, age)).toBe(
      'Server pg (CloudNativePG continuous backup): WAL archiving not reported yet; no base backup completed yet',
    );
  });

  it("takes the newest of this server's own Backups, ignoring another server's, and names a failure", () => {
    const state = continuousBackupState(
      { metadata: { name: 'pg' }, status: { conditions: [{ type: 'ContinuousArchiving', status: 'True' }], firstRecoverabilityPoint: '2026-11-02T00:00:00Z' } },
      [
        backup('pg-1', 'completed', '2026-12-02T07:00:00Z'),
        backup('other-9', 'completed', '2026-12-02T11:00:00Z', 'other'),
        backup('pg-2', 'failed', '2026-12-02T10:00:00Z', 'pg', 'no space'),
      ],
      'pg',
    )!;
    expect(state.lastBaseBackup).toEqual({ name: 'pg-2', phase: 'failed', at: '2026-12-02T10:00:00Z', error: 'no space' });
    // Without the Cluster's own lastSuccessfulBackup, the newest completed Backup says when.
    expect(state.lastSuccessfulBaseBackup).toBe('2026-12-02T07:00:00Z');
    expect(describeContinuousBackup(state, age)).toBe(
      'Server pg (CloudNativePG continuous backup): WAL archiving ok; last base backup 5h ago; the newest (pg-2) FAILED: no space; recoverable to any point since 2026-11-02T00:00:00Z',
    );
  });

  it('shows a failing archive with the operator’s message, and a base backup still running', () => {
    const state = continuousBackupState(
      {
        metadata: { name: 'pg' },
        status: {
          conditions: [{ type: 'ContinuousArchiving', status: 'False', reason: 'ContinuousArchivingFailing', message: 'exit status 4' }],
          lastSuccessfulBackup: '2026-12-01T12:00:00Z',
        },
      },
      [backup('pg-3', 'running', '2026-12-02T11:00:00Z')],
      'pg',
    )!;
    expect(describeContinuousBackup(state, age)).toBe(
      'Server pg (CloudNativePG continuous backup): WAL archiving FAILING (exit status 4); last base backup 24h ago; pg-3 running',
    );
  });
});
