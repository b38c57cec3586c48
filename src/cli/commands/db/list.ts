import { formatBytes } from '../../format-bytes.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject } from '../../project.ts';

/** Lists every database berth created on the server; --env narrows it to one environment. */
export default defineCommand({
  name: 'db list',
  summary: 'list the databases berth created, with owner, size and connections',
  options: { env: { ...ENV_OPTION, description: 'only this environment (default: all)' } },
  async run(context) {
    const loaded = await loadProject(context);
    const [{ serverTarget }, { listAppDatabases }] = await Promise.all([import('../../../db/app-target.ts'), import('../../../db/list.ts')]);
    const environment = typeof context.options.env === 'string' ? context.options.env : undefined;
    const target = serverTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) });
    const databases = await listAppDatabases(await target.adminUrl(), { environment });
    context.out.result({ ok: true, databases });
    if (databases.length === 0) {
      context.out.print(`No berth databases${environment ? ` in ${environment}` : ''} yet: berth db create APP`);
      return;
    }
    const rows = [
      ['DATABASE', 'APP', 'ENVIRONMENT', 'OWNER', 'SIZE', 'CONNECTIONS'],
      ...databases.map((d) => [
        d.name,
        d.app,
        d.environment,
        d.owner,
        d.sizeBytes === null ? '?' : formatBytes(d.sizeBytes),
        `${d.connections}${d.connectionLimit ? `/${d.connectionLimit}` : ''}`,
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows)
      context.out.print(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
  },
});
