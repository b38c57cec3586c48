import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'audit',
  summary: 'check the live cluster against an HA and safety checklist; exit 1 on a failure',
  description:
    "For every environment (or --env): replicas (≥ 2) and spread across nodes for web processes in production environments (named production, prod or prod-*), PodDisruptionBudgets present and not blocking drains, the cluster add-ons of the platform section as configured, readiness probes, resource requests and memory limits, NetworkPolicies, pinned images, short node-failure tolerations, backups configured, recent and verified, the CI account's scope, and drift: objects that differ from what berth last applied (hand edits, runtime patches). Each finding is pass, warn or fail with the fix. Exit 1 when anything fails, for CI.",
  options: {
    env: { ...ENV_OPTION, description: 'only this environment (default: every one)' },
    output: { type: 'string', short: 'o', value: 'table|json', description: 'a table (default) or JSON' },
    'store-dir': { type: 'string', value: 'DIR', description: 'where a PVC or NFS backup store is mounted on this machine' },
  },
  examples: ['berth audit', 'berth audit --env production -o json'],
  async run(context) {
    const { out, options } = context;
    const format = options.output ?? (out.json ? 'json' : 'table');
    if (format !== 'table' && format !== 'json') throw new UsageError(`--output must be table or json, not "${format}"`);
    const loaded = await loadProject(context);
    const environments = options.env ? [pickEnvironment(loaded, options.env)] : Object.keys(loaded.config.environments);
    const [{ audit }, { summarize }] = await Promise.all([import('../../../platform/audit.ts'), import('../../../platform/audit-checks.ts')]);
    const findings = await audit({
      config: loaded.config,
      environments,
      kubeconfig: context.env.KUBECONFIG,
      newestVerifiedBackup: async (app, environment) => {
        const [{ openStore }, { backupSettings }, { readCatalog, isVerified }, { resolveEnvironment }, { connectCluster }, { dirname }] = await Promise.all([
          import('../../../backup/open-store.ts'),
          import('../../../config/backup-settings.ts'),
          import('../../../backup/catalog.ts'),
          import('../../../config/resolve.ts'),
          import('../../../cluster/connect.ts'),
          import('node:path'),
        ]);
        const store = await openStore(backupSettings(loaded.config, app, environment).store, {
          configDir: dirname(loaded.file),
          env: context.env,
          storeDir: options['store-dir'],
          namespace: resolveEnvironment(loaded.config, environment).namespace,
          cluster: async () => connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG }),
        });
        const newest = (await readCatalog(store, app, environment)).find(isVerified);
        return newest ? new Date(newest.meta!.startedAt) : undefined;
      },
    });
    const totals = summarize(findings);
    const ok = totals.fail === 0;
    if (format === 'json') {
      out.write(`${JSON.stringify({ ok, ...totals, findings }, null, 2)}\n`);
      return ok ? undefined : 1;
    }
    const mark = { pass: out.paint('green', 'pass'), warn: out.paint('yellow', 'warn'), fail: out.paint('red', 'FAIL') };
    const { CLUSTER } = await import('../../../platform/audit.ts');
    for (const environment of [...(findings.some((f) => f.environment === CLUSTER) ? [CLUSTER] : []), ...environments]) {
      const mine = findings.filter((f) => f.environment === environment);
      out.print(out.paint('bold', environment));
      // Failures first, then warnings, then what passed.
      const rank = { fail: 0, warn: 1, pass: 2 };
      for (const f of [...mine].sort((a, b) => rank[a.level] - rank[b.level])) {
        out.print(`  ${mark[f.level]}  ${f.check.padEnd(14)} ${f.subject}: ${f.message}`);
        if (f.fix) out.print(out.paint('gray', `        fix: ${f.fix}`));
      }
    }
    out.print(
      `${totals.fail ? out.paint('red', `${totals.fail} failed`) : out.paint('green', 'nothing failed')}, ${totals.warn} warning${totals.warn === 1 ? '' : 's'}, ${totals.pass} passed`,
    );
    return ok ? undefined : 1;
  },
});
