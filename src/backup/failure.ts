/**
 * Failure reason codes, recorded in sidecars and notifications so a script or the admin page can
 * tell a full disk from a broken dump without parsing prose.
 */
import { BerthError, ExitCode } from '../errors.ts';
import { ProcessError } from '../exec/spawn.ts';
import { StoreError } from '../store/store.ts';

export type FailureCode =
  | 'PG_DUMP_FAILED'
  | 'PG_RESTORE_FAILED'
  | 'DUMP_IMPLAUSIBLE'
  | 'VERSION_MISMATCH'
  | 'DATABASE_UNREACHABLE'
  | 'DISK_FULL'
  | 'STORE_WRITE_FAILED'
  | 'STORE_READ_FAILED'
  | 'STORE_UNREACHABLE'
  | 'UPLOAD_INCOMPLETE'
  | 'NOT_FOUND'
  | 'CHECKSUM_MISMATCH'
  | 'ARCHIVE_CORRUPT'
  | 'ROW_COUNT_MISMATCH'
  | 'SIDECAR_CORRUPT'
  | 'INTERRUPTED'
  | 'FAILED';

/** A backup, verification or restore that failed; `code` is what the sidecar records. */
export class BackupError extends BerthError {
  readonly code: FailureCode;
  constructor(code: FailureCode, message: string, options: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {}) {
    super(message, { exitCode: options.exitCode ?? (code === 'INTERRUPTED' ? ExitCode.interrupted : ExitCode.failure), ...options });
    this.code = code;
  }
}

/** The one failure to report when several stages failed together (the store's own error wins over the EPIPE it caused). */
export function rootCause(errors: readonly unknown[], signal: AbortSignal | undefined): BackupError {
  if (signal?.aborted) return new BackupError('INTERRUPTED', 'Interrupted; nothing was published');
  const pick =
    errors.find((e) => e instanceof BackupError) ?? errors.find((e) => e instanceof StoreError) ?? errors.find((e) => e instanceof ProcessError) ?? errors[0];
  if (pick instanceof BackupError) return pick;
  if (pick instanceof StoreError) return new BackupError(pick.code, pick.message, { hint: pick.hint, cause: pick, exitCode: pick.exitCode });
  if (pick instanceof ProcessError) return new BackupError((pick.code as FailureCode | undefined) ?? 'FAILED', pick.message, { cause: pick });
  if (pick instanceof BerthError) return new BackupError('FAILED', pick.message, { hint: pick.hint, cause: pick, exitCode: pick.exitCode });
  const message = pick instanceof Error ? pick.message : String(pick);
  return new BackupError('FAILED', message, { cause: pick });
}
