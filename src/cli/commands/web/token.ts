import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { loadProject } from '../../project.ts';

const VERBS = ['add', 'remove', 'list'];

export default defineCommand({
  name: 'web token',
  args: 'add|remove|list [USER]',
  summary: 'log-in tokens of the admin page in the cluster: add (prints a new token once), remove, list users and roles',
  description:
    "The tokens live in the Secret berth-web-tokens in platform.web.namespace (key = user, value `<role>:<token>`), mounted into the page's pod; berth never puts them into rendered manifests. `add` generates a random token, writes it with server-side apply and prints it once (run it again to replace a lost one); `remove` revokes it; `list` shows users and roles, never tokens. The page sees a change within about a minute. Needs a kubeconfig that may write Secrets in that namespace (an admin's).",
  options: {
    role: { type: 'string', value: 'viewer|operator', description: 'for add: viewer (reads) or operator (also rolls back, restarts and runs backups)' },
  },
  examples: [
    'berth web token add alice --role operator',
    'berth web token add ci-dashboard --role viewer',
    'berth web token list',
    'berth web token remove alice',
  ],
  async run(context) {
    const { out, options, positionals } = context;
    const [verb, user] = positionals;
    if (!verb || !VERBS.includes(verb)) {
      throw new UsageError(`berth web token takes ${VERBS.join(', ')}${verb ? `, not "${verb}"` : ''}`, {
        hint: 'berth web token add USER --role viewer|operator',
      });
    }
    if (verb !== 'list' && !user) throw new UsageError(`berth web token ${verb} needs a user name`, { hint: `berth web token ${verb} USER` });
    if (verb === 'list' && user) throw new UsageError('berth web token list takes no user name');
    if (verb !== 'add' && options.role) throw new UsageError(`--role is for add, not ${verb}`);
    const loaded = await loadProject(context);
    const [{ resolveWeb }, tokens, { connectCluster }] = await Promise.all([
      import('../../../config/resolve-web.ts'),
      import('../../../platform/web-tokens.ts'),
      import('../../../cluster/connect.ts'),
    ]);
    const role = verb === 'add' ? tokens.checkRole(options.role) : undefined;
    if (user) tokens.checkUser(user);
    const web = resolveWeb(loaded.config);
    if (!web) {
      throw new UsageError('The config has no admin page in the cluster (platform.web, enabled)', {
        hint: 'Add `platform: { web: { host: "admin.example.com" } }` and run `berth platform apply`. On your own machine, `berth web` needs no token setup.',
      });
    }
    const cluster = connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG });
    if (verb === 'list') {
      const users = await tokens.listWebUsers(cluster, web.namespace);
      out.result({ ok: true, namespace: web.namespace, users });
      if (users.length === 0) out.print('No users yet: berth web token add USER --role viewer|operator');
      for (const u of users) out.print(`${u.user}  ${u.role}`);
      return;
    }
    if (verb === 'remove') {
      const removed = await tokens.removeWebToken(cluster, web.namespace, user!);
      out.result({ ok: true, namespace: web.namespace, user, removed });
      out.print(removed ? `Removed ${user}'s token: refused from the next minute on.` : `${user} had no token (nothing changed).`);
      return;
    }
    const issued = await tokens.addWebToken(cluster, web.namespace, user!, role!);
    // The one place a token is shown: to the admin who made it, on stdout, for handing on.
    out.result({ ok: true, namespace: web.namespace, user, role, token: issued.token, replaced: issued.replaced });
    out.print(issued.token);
    out.info(
      `${issued.replaced ? 'Replaced' : 'Created'} ${user}'s ${role} token in ${web.namespace}/berth-web-tokens; it works within about a minute${web.host ? ` at https://${web.host}/` : ''}. It is not shown again.`,
    );
  },
});
