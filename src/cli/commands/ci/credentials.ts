import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import { loadProject, pickEnvironment, REQUIRED_ENV_OPTION } from '../../project.ts';

export default defineCommand({
  name: 'ci credentials',
  summary: "a kubeconfig for CI that may deploy, roll back and read one environment's namespace, and nothing else",
  description:
    "Creates (idempotently) ServiceAccount, Role and RoleBinding `berth-deployer` in the environment's namespace, with exactly what deploy, rollback, history, diagnose, status and logs need there, and prints a kubeconfig with a bound token from the TokenRequest API that expires after --ttl (at least 10m). Running it again mints a new token; old ones stay valid until they expire or --revoke. --revoke deletes the three objects, which invalidates every token at once. --check asks the API server's authorizer what the credentials can and cannot do: run it with the CI kubeconfig (KUBECONFIG=ci.yaml) to check those, or with an admin kubeconfig to check the environment's account. Run it with an admin kubeconfig otherwise; the printed kubeconfig holds a secret: store it as a CI secret, not in git.",
  options: {
    env: REQUIRED_ENV_OPTION,
    ttl: { type: 'string', value: 'DURATION', description: 'token lifetime (default 90d; at least 10m)' },
    output: { type: 'string', short: 'o', value: 'kubeconfig|json', description: 'a kubeconfig (default) or JSON with the kubeconfig and its expiry' },
    out: { type: 'string', value: 'FILE', description: 'write the kubeconfig to FILE (mode 0600) instead of stdout' },
    server: { type: 'string', value: 'URL', description: "the API server address CI reaches (default: this kubeconfig's, which on K3s is often 127.0.0.1)" },
    revoke: { type: 'boolean', description: 'delete the ServiceAccount, Role and RoleBinding: every token stops working' },
    check: { type: 'boolean', description: 'prove what the credentials can and cannot do (exit 1 if anything is off)' },
  },
  examples: [
    'berth ci credentials --env staging > ci-staging.kubeconfig',
    'berth ci credentials --env production --ttl 30d --server https://k3s.example.com:6443 --out ci.kubeconfig',
    'KUBECONFIG=ci.kubeconfig berth ci credentials --check --env staging',
    'berth ci credentials --revoke --env staging',
  ],
  async run(context) {
    const { out, options } = context;
    if (options.revoke && options.check) throw new UsageError('--revoke and --check cannot be combined');
    const format = options.output ?? (out.json ? 'json' : 'kubeconfig');
    if (format !== 'kubeconfig' && format !== 'json') throw new UsageError(`--output must be kubeconfig or json, not "${format}"`);
    const ttlMs = parseDuration(options.ttl, 'ttl', 0);
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    if (!options.env && Object.keys(loaded.config.environments).length > 1) {
      throw new UsageError('berth ci credentials needs --env: the config has several environments and each gets its own credentials');
    }
    const [{ openEnvironment }, ci] = await Promise.all([import('../../../deploy/operate.ts'), import('../../../platform/ci-credentials.ts')]);
    const { cluster, namespace } = openEnvironment({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG });

    if (options.revoke) {
      const deleted = await ci.revokeCiCredentials(cluster, namespace, environment);
      out.result({ ok: true, environment, namespace, deleted });
      out.print(
        deleted.length
          ? `Revoked the CI credentials of ${environment}: deleted ${deleted.join(', ')}. Every token issued for them is refused from now on.`
          : `${environment} had no CI credentials (nothing to delete in ${namespace}).`,
      );
      return;
    }

    if (options.check) {
      const other = Object.values(loaded.config.environments).find((e) => e.namespace !== namespace)?.namespace ?? 'default';
      const result = await ci.checkCiCredentials(cluster, namespace, other === namespace ? 'kube-system' : other);
      out.result({ ok: result.ok, environment, namespace, subject: result.subject, mode: result.mode, checks: result.lines });
      out.print(`${result.mode === 'self' ? 'These credentials' : "The environment's CI account"}: ${result.subject}`);
      for (const line of result.lines) {
        const mark = line.ok ? out.paint('green', '✓') : out.paint('red', '✗');
        const said = line.expected ? (line.allowed ? 'allowed' : 'REFUSED, but deploy needs it') : line.allowed ? 'ALLOWED, but should be refused' : 'refused';
        out.print(`${mark} ${line.check}: ${said}`);
      }
      const needed = result.lines.filter((l) => l.expected);
      const refused = result.lines.filter((l) => !l.expected);
      out.print(
        result.ok
          ? `OK: all ${needed.length} permissions deploy, rollback, status and logs need in ${namespace}, and none of the ${refused.length} outside it.`
          : result.lines.some((l) => !l.expected && l.allowed)
            ? 'Too broad: these credentials can do more than deploy one namespace. Use the kubeconfig from `berth ci credentials` in CI, not an admin one.'
            : `Missing permissions: re-run \`berth ci credentials --env ${environment}\` with an admin kubeconfig to update the Role.`,
      );
      return result.ok ? undefined : 1;
    }

    const issued = await ci.issueCiCredentials({
      cluster,
      namespace,
      environment,
      ttlSeconds: Math.round((ttlMs || ci.DEFAULT_TTL_SECONDS * 1000) / 1000),
      server: options.server,
    });
    const { kubeconfigYaml } = await import('../../../platform/kubeconfig.ts');
    const text = format === 'json' ? `${JSON.stringify({ ok: true, environment, ...issued }, null, 2)}\n` : kubeconfigYaml(issued.kubeconfig);
    if (options.out) {
      const { writeFile, chmod } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      const file = resolve(context.cwd, options.out);
      await writeFile(file, text, { mode: 0o600 });
      await chmod(file, 0o600);
      out.info(`Wrote ${format === 'json' ? 'the credentials' : 'a kubeconfig'} for ${issued.user} to ${file} (mode 0600).`);
    } else {
      out.write(text);
    }
    const left = Date.parse(issued.expiresAt) - Date.now();
    out.info(
      `${issued.user} may deploy, roll back and read ${namespace} until ${issued.expiresAt} (${formatDays(left)}); server ${issued.server}. Store it as a CI secret; \`berth ci credentials --revoke --env ${environment}\` invalidates it.`,
    );
  },
});

function formatDays(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 2 ? `${Math.round(days)} days` : formatDuration(ms);
}
