import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { appDatabaseRequest, dbTarget } from './common.ts';

export default defineCommand({
  name: 'db adopt',
  summary: "take over an app's existing database and role (named in apps.APP.database) so berth manages them",
  args: 'APP',
  description:
    "Marks the role and database as the app's in this environment; nothing else changes. With --password-stdin (the role's current password) it also writes the app's Secret, so running apps keep their credential; without it, the next `berth db create` gives the role a new password. Superuser roles, objects of another app and databases the role does not own are refused.",
  options: {
    env: REQUIRED_ENV_OPTION,
    'password-stdin': { type: 'boolean', description: "read the role's current password from stdin and write the app's Secret with it" },
  },
  examples: ['berth db adopt docfast --env production', 'printf %s "$DOCFAST_DB_PASSWORD" | berth db adopt docfast --env production --password-stdin'],
  async run(context) {
    const target = await dbTarget(context, 'adopt', { explicitEnvironment: true });
    const password = context.options['password-stdin'] ? await readPassword(context.stdin) : undefined;
    const { adoptAppDatabase } = await import('../../../db/adopt.ts');
    const result = await adoptAppDatabase({ ...(await appDatabaseRequest(target)), password });
    context.out.result({ ok: true, ...result });
    const { out } = context;
    out.print(
      result.adopted
        ? `Adopted database ${result.database} and role ${result.role} for ${result.app} in ${result.environment}: berth manages them from now on`
        : `Database ${result.database} and role ${result.role} are already berth's for ${result.app} in ${result.environment}`,
    );
    for (const comment of result.replacedComments) out.warn(`replaced the comment ${JSON.stringify(comment)} with berth's ownership marker`);
    if (result.secretWritten) out.print(`Wrote Secret ${result.namespace}/${result.secret} with the current password (DATABASE_URL and PG*)`);
    else {
      out.print(
        `Next: berth db create ${result.app} --env ${result.environment} sets the role's connection limit, revokes CONNECT from PUBLIC and gives it a new password in Secret ${result.namespace}/${result.secret} (apps still on the old password must then move to it)`,
      );
    }
  },
});

/** The first line of stdin, never echoed or put in argv. */
async function readPassword(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (stdin.isTTY)
    throw new UsageError('--password-stdin reads the password from a pipe', { hint: 'printf %s "$PASSWORD" | berth db adopt APP --env ENV --password-stdin' });
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  const password = text.replace(/\r?\n$/, '');
  if (!password) throw new UsageError('--password-stdin: stdin was empty', { hint: "Pipe the role's current password in, or leave the flag out." });
  return password;
}
