/** What the `backup` commands share: the app, its database, its backup settings and the store, opened lazily. */
import type { BackupAccess } from '../../../backup/access.ts';
import { UsageError } from '../../../errors.ts';
import type { CommandContext } from '../../command.ts';
import { dbTarget, type DbCommandTarget } from '../db/common.ts';

export const STORE_DIR_OPTION = {
  type: 'string',
  value: 'DIR',
  description: 'use this directory as the store (a PVC or NFS share mounted here)',
} as const;

export interface BackupTarget extends DbCommandTarget, BackupAccess {}

export async function backupTarget(
  context: CommandContext,
  verb: string,
  options: { explicitEnvironment?: boolean; extraPositional?: boolean } = {},
): Promise<BackupTarget> {
  const positionals = context.positionals;
  if (!options.extraPositional && positionals.length > 1) {
    throw new UsageError(`berth backup ${verb} takes one app name`, { hint: `berth backup ${verb} APP [--env ENV]` });
  }
  const target = await dbTarget({ ...context, positionals: positionals.slice(0, 1) }, verb, { explicitEnvironment: options.explicitEnvironment });
  const { loaded } = target;
  const { backupAccess } = await import('../../../backup/access.ts');
  const storeDir = typeof context.options['store-dir'] === 'string' ? (context.options['store-dir'] as string) : undefined;
  const access = backupAccess(
    { config: loaded.config, configFile: loaded.file, env: context.env, storeDir, warn: (m) => context.out.warn(m) },
    { app: target.app, environment: target.environment, namespace: target.namespace, cluster: target.cluster },
  );
  return { ...target, ...access };
}

/** The admin URL and the app's identity, as the backup engine takes them. */
export async function adminSource(target: BackupTarget) {
  return { url: await target.adminUrl(), label: 'the admin connection', database: target.identity.database, role: target.identity.role };
}

export { formatBytes } from '../../format-bytes.ts';

export function formatAge(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.round(hours / 24)}d`;
}

export function printTable(context: CommandContext, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) {
    context.out.print(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  }
}
