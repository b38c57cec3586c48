import { createInterface } from 'node:readline/promises';
import { dropAppDatabase } from '../../db/drop.ts';
import { BerthError, UsageError } from '../../errors.ts';
import { databaseSecretName } from '../../render/names.ts';
import type { CommandContext } from '../command.ts';
import { dbTarget } from './db-common.ts';

/** Drops after the user types the app name, or with `--yes APP` (the name again, so a stray --yes in a script cannot drop the wrong app). */
export async function run(context: CommandContext): Promise<void> {
  const target = await dbTarget(context, 'drop', { requireDatabase: false, explicitEnvironment: true });
  const { out } = context;
  const what = `database ${target.identity.database} and role ${target.identity.role} of ${target.app} in ${target.environment}`;
  // Honest about what does not exist yet; nothing here pretends to back up.
  out.warn('no backup is taken before dropping: that arrives with berth\'s backup feature. Take one yourself (pg_dump) if you may need the data.');
  const yes = context.options.yes;
  if (typeof yes === 'string') {
    if (yes !== target.app) throw new UsageError(`--yes ${yes} does not match the app ${target.app}`, { hint: `berth db drop ${target.app} --yes ${target.app}` });
  } else {
    if (!context.stdin.isTTY || out.json) {
      throw new UsageError(`Refusing to drop the ${what} without confirmation`, { hint: `Run it in a terminal, or pass --yes ${target.app}.` });
    }
    const answer = await ask(context, `Type the app name (${target.app}) to drop the ${what}: `);
    if (answer.trim() !== target.app) throw new BerthError('Not confirmed; nothing was dropped');
  }
  const result = await dropAppDatabase({
    identity: target.identity,
    namespace: target.namespace,
    adminUrl: await target.adminUrl(),
    cluster: await target.cluster(),
    // Registered in the command's options as `--force` (drop while Deployments of the app run).
    force: context.options.force === true,
  });
  const secret = databaseSecretName({ name: target.app });
  out.result({ ok: true, ...result, backup: 'none (backups are not implemented yet)' });
  out.print(result.databaseDropped ? `Dropped database ${result.database}${result.terminatedSessions ? ` (terminated ${result.terminatedSessions} open session${result.terminatedSessions === 1 ? '' : 's'})` : ''}` : `Database ${result.database} did not exist`);
  out.print(result.roleDropped ? `Dropped role ${target.identity.role}` : `Role ${target.identity.role} did not exist`);
  out.print(result.secretDeleted ? `Deleted Secret ${target.namespace}/${secret}` : `Secret ${target.namespace}/${secret} did not exist`);
}

async function ask(context: CommandContext, question: string): Promise<string> {
  const rl = createInterface({ input: context.stdin, output: process.stderr });
  try {
    return await rl.question(question, { signal: context.signal });
  } finally {
    rl.close();
  }
}
