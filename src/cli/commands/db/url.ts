import { BerthError, UsageError } from '../../../errors.ts';
import { databaseSecretName } from '../../../model/names.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { dbTarget } from './common.ts';

/**
 * Prints the app's DATABASE_URL from its Secret, but only to a terminal or with --reveal: a URL
 * piped into a file or a CI log is a leaked password.
 */
export default defineCommand({
  name: 'db url',
  summary: "print an app's DATABASE_URL (only to a terminal, or with --reveal)",
  args: 'APP',
  options: { env: ENV_OPTION, reveal: { type: 'boolean', description: 'print it even when stdout is not a terminal' } },
  examples: ['psql "$(berth db url api --reveal)"'],
  async run(context) {
    const target = await dbTarget(context, 'url');
    const reveal = context.options.reveal === true;
    if (!reveal && !context.out.isTTY) {
      throw new UsageError('Not printing a database URL to a pipe or a file', {
        hint: 'Pass --reveal if you mean to (it ends up wherever stdout goes, e.g. a CI log).',
      });
    }
    const secret = databaseSecretName({ name: target.app });
    const [{ readSecret }, { redactUrl }] = await Promise.all([import('../../../cluster/secrets.ts'), import('../../../redact.ts')]);
    const data = await readSecret(await target.cluster(), target.namespace, secret);
    const url = data?.DATABASE_URL;
    if (!url) {
      throw new BerthError(
        `${target.app} has no database URL in ${target.environment} (Secret ${target.namespace}/${secret} ${data ? 'has no DATABASE_URL' : 'does not exist'})`,
        {
          hint: `berth db create ${target.app} --env ${target.environment}`,
        },
      );
    }
    context.out.result({ ok: true, app: target.app, environment: target.environment, url });
    context.out.print(url);
    context.out.info(context.out.paint('gray', `(${redactUrl(url).replace(/^.*@/, '…@')} — keep it out of logs)`));
  },
});
