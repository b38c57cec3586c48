import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'history',
  summary: "an app's releases: revision, result, image tag, who and when",
  args: 'APP',
  options: { env: ENV_OPTION },
  examples: ['berth history web --env production', 'berth history web --json'],
  async run(context) {
    const app = context.positionals[0];
    if (!app) throw new UsageError('berth history takes an app name', { hint: 'berth history APP [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const { history } = await import('../../../deploy/operate.ts');
    const releases = await history({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG }, app);
    const { out } = context;
    // Release records hold secret values: scripts get the summary, never the objects.
    out.result({
      ok: true,
      app,
      environment,
      releases: releases.map(({ objects: _objects, ...summary }) => ({
        ...summary,
        diagnosis: summary.diagnosis && { cause: summary.diagnosis.cause, failure: summary.diagnosis.failure },
      })),
    });
    if (releases.length === 0) {
      out.print(`${app} has no releases in ${environment} yet: berth deploy ${app} --env ${environment}`);
      return;
    }
    const current = releases.find((r) => r.result === 'succeeded');
    const rows = [
      ['REV', 'KIND', 'RESULT', 'TAG', 'WHEN', 'WHO', 'NOTE'],
      ...releases.map((r) => [
        `${r === current ? '*' : ' '}r${r.revision}`,
        r.kind === 'rollback' ? `rollback→r${r.rollbackOf}` : r.kind,
        r.result === 'failed' && r.rolledBackBy ? `failed, rolled back (r${r.rolledBackBy})` : r.result,
        r.tag,
        r.createdAt.replace('T', ' ').slice(0, 19),
        r.user,
        [r.message, r.gitSha && `git ${r.gitSha.slice(0, 12)}`, r.diagnosis?.cause].filter(Boolean).join(' · ').slice(0, 100),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows)
      out.print(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    out.print(out.paint('gray', '* the current release'));
  },
});
