import { defineCommand } from '../../command.ts';
import { loadProject } from '../../project.ts';

export default defineCommand({
  name: 'platform apply',
  summary: 'apply the cluster add-ons and the shared database server (what `render --platform` prints)',
  description:
    "Server-side apply, as field manager berth, of the K3s HelmCharts (cert-manager, the CloudNativePG operator), Traefik's HelmChartConfig, the ClusterIssuer, CoreDNS' replicas and spread, in cnpg mode the database server, and with platform.web the admin page (its server, Ingress, NetworkPolicy and a Role in each environment's namespace). Needs an admin kubeconfig: these are cluster-wide. Objects for a namespace that does not exist yet (an environment never deployed) are skipped and listed. Idempotent; run it again after a K3s upgrade or reinstall and nothing is lost.",
  options: {
    'dry-run': { type: 'boolean', description: 'server-side dry run: check every object, change nothing' },
    'force-conflicts': { type: 'boolean', description: 'take back fields someone changed by hand' },
  },
  examples: ['berth platform apply --dry-run', 'berth platform apply'],
  async run(context) {
    const { out } = context;
    const loaded = await loadProject(context);
    const { applyPlatform } = await import('../../../platform/apply.ts');
    const dryRun = context.options['dry-run'] === true;
    const result = await applyPlatform({
      config: loaded.config,
      kubeconfig: context.env.KUBECONFIG,
      dryRun,
      force: context.options['force-conflicts'] === true,
      signal: context.signal,
    });
    out.result({ ok: true, dryRun, ...result });
    for (const a of result.applied)
      out.print(`${a.changed ? out.paint('green', dryRun ? '~ would change' : '✓ applied') : out.paint('gray', '· unchanged')} ${a.object}`);
    for (const s of result.skipped) out.print(`${out.paint('yellow', '- skipped')} ${s.object}: ${s.reason}`);
    const changed = result.applied.filter((a) => a.changed).length;
    out.print(dryRun ? `Dry run: ${changed} of ${result.applied.length} objects would change.` : `${changed} of ${result.applied.length} objects changed.`);
    if (!dryRun && result.applied.some((a) => /^Deployment \S+\/berth-web$/.test(a.object))) {
      out.info('The admin page reads its log-in tokens from the Secret berth-web-tokens: `berth web token add USER --role operator` makes one.');
    }
  },
});
