/**
 * Every command berth has, in the order `berth --help` lists them. Command modules are light
 * (their libraries load inside `run`), so importing them all costs start-up almost nothing.
 */
import type { AnyCommand } from './command.ts';
import init from './commands/config/init.ts';
import validate from './commands/config/validate.ts';
import dbAdopt from './commands/db/adopt.ts';
import backupCheck from './commands/backup/check.ts';
import backupCreate from './commands/backup/create.ts';
import backupDelete from './commands/backup/delete.ts';
import backupList from './commands/backup/list.ts';
import backupPrune from './commands/backup/prune.ts';
import backupRestore from './commands/backup/restore.ts';
import backupRun from './commands/backup/run.ts';
import backupVerify from './commands/backup/verify.ts';
import dbCreate from './commands/db/create.ts';
import dbDrop from './commands/db/drop.ts';
import dbList from './commands/db/list.ts';
import dbRotate from './commands/db/rotate.ts';
import dbUrl from './commands/db/url.ts';
import migrateApply from './commands/migrate/apply.ts';
import migrateStatus from './commands/migrate/status.ts';
import render from './commands/render/render.ts';
import deploy from './commands/deploy/deploy.ts';
import diagnose from './commands/deploy/diagnose.ts';
import history from './commands/deploy/history.ts';
import rollback from './commands/deploy/rollback.ts';
import lockRelease from './commands/lock/release.ts';
import lockStatus from './commands/lock/status.ts';
import logs from './commands/ops/logs.ts';
import status from './commands/ops/status.ts';
import run from './commands/ops/run.ts';
import cronRun from './commands/ops/cron-run.ts';
import restart from './commands/ops/restart.ts';
import scale from './commands/ops/scale.ts';
import diff from './commands/ops/diff.ts';
import promote from './commands/ops/promote.ts';
import completion from './commands/shell/completion.ts';
import configList from './commands/config/list.ts';
import configSet from './commands/config/set.ts';
import configUnset from './commands/config/unset.ts';
import secretList from './commands/secret/list.ts';
import secretSet from './commands/secret/set.ts';
import secretUnset from './commands/secret/unset.ts';
import ciCredentials from './commands/ci/credentials.ts';
import audit from './commands/audit/audit.ts';
import platformApply from './commands/platform/apply.ts';
import web from './commands/web/web.ts';
import webToken from './commands/web/token.ts';

export const COMMANDS: AnyCommand[] = [
  init,
  validate,
  render,
  status,
  logs,
  deploy,
  rollback,
  history,
  diagnose,
  configSet,
  configUnset,
  configList,
  secretSet,
  secretUnset,
  secretList,
  restart,
  scale,
  diff,
  promote,
  run,
  cronRun,
  lockStatus,
  lockRelease,
  dbCreate,
  dbAdopt,
  dbList,
  dbUrl,
  dbRotate,
  dbDrop,
  migrateApply,
  migrateStatus,
  backupCreate,
  backupList,
  backupVerify,
  backupRestore,
  backupDelete,
  backupPrune,
  backupCheck,
  backupRun,
  completion,
  ciCredentials,
  audit,
  platformApply,
  web,
  webToken,
] as AnyCommand[];

export function findCommand(words: string[]): { spec: AnyCommand; consumed: number } | undefined {
  const two = words.slice(0, 2).join(' ');
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo && words.length >= 2) return { spec: byTwo, consumed: 2 };
  const byOne = COMMANDS.find((c) => c.name === words[0]);
  return byOne ? { spec: byOne, consumed: 1 } : undefined;
}

/** Command groups such as `db` that only exist through their subcommands. */
export function groupCommands(word: string): AnyCommand[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}
