/**
 * `berth ci credentials` on the real control plane with real RBAC (the API server runs with
 * --authorization-mode=Node,RBAC): the CI kubeconfig deploys, rolls back and reads its own
 * namespace; it is refused in another namespace and for cluster-scoped writes; expired and revoked
 * tokens are refused with a message that says which.
 */
import { createSign } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyObject } from '../../src/cluster/apply.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { tailLog } from '../../src/cluster/pod-insight.ts';
import { ExitCode } from '../../src/errors.ts';
import { clusterDir } from '../../testenv/cluster.ts';
import { events, historyOf, type Project, project, runningSpec, shopConfig } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv, waitFor, withClient } from './helpers.ts';

const projects: Project[] = [];
function newProject(prefix: string): Project {
  const p = project(prefix);
  projects.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

/** A copy of a token with its times moved into the past, signed with the API server's signing key: the same token an hour after it expired. */
function expiredCopy(token: string): string {
  const [header, payload] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const now = Math.floor(Date.now() / 1000);
  const moved = Buffer.from(JSON.stringify({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })).toString('base64url');
  const key = readFileSync(join(clusterDir, 'pki', 'admin.key'));
  const signature = createSign('RSA-SHA256').update(`${header}.${moved}`).sign(key).toString('base64url');
  return `${header}.${moved}.${signature}`;
}

describeCluster('berth ci credentials', () => {
  let home: Project;
  let other: Project;
  let ciPath = '';
  let token = '';

  beforeAll(async () => {
    home = newProject('cihome');
    other = newProject('ciother');
    for (const p of [home, other]) {
      p.write(shopConfig(p.namespace));
      await p.setSecret('web-secrets', { TOKEN: 'first' });
      const first = await p.berth(['deploy', '--tag', 'v1']);
      expect(first.code, first.stderr).toBe(0);
    }
    const issued = await home.berth(['ci', 'credentials', '--env', 'staging', '--ttl', '2h', '--out', 'ci.kubeconfig']);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toBe('');
    expect(issued.stderr).toMatch(new RegExp(`system:serviceaccount:${home.namespace}:berth-deployer may deploy, roll back and read ${home.namespace} until`));
    ciPath = join(home.dir, 'ci.kubeconfig');
    expect(statSync(ciPath).mode & 0o777).toBe(0o600);
    const kubeconfig = parse(readFileSync(ciPath, 'utf8'));
    token = kubeconfig.users[0].user.token;
    expect(kubeconfig.contexts[0].context.namespace).toBe(home.namespace);
    expect(kubeconfig.clusters[0].cluster.server).toBe(requireEnv().kubeServer);
  });

  it('prints a kubeconfig whose token expires when asked, and is idempotent', async () => {
    const again = await home.berth(['ci', 'credentials', '--env', 'staging', '--ttl', '10m', '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    const issued = JSON.parse(again.stdout);
    const minutes = (Date.parse(issued.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(9);
    expect(minutes).toBeLessThanOrEqual(10);
    expect(issued.kubeconfig.users[0].user.token).not.toBe(token);
    const tooShort = await home.berth(['ci', 'credentials', '--env', 'staging', '--ttl', '5m']);
    expect(tooShort.code).toBe(ExitCode.usage);
    expect(tooShort.stderr).toMatch(/--ttl must be at least 10m/);
  });

  it('--check proves what the credentials can and cannot do, with them and as an admin', async () => {
    const self = await home.berth(['ci', 'credentials', '--check', '--env', 'staging', '--json'], { KUBECONFIG: ciPath });
    expect(self.code, self.stdout).toBe(0);
    const result = JSON.parse(self.stdout);
    expect(result).toMatchObject({ ok: true, mode: 'self', subject: `system:serviceaccount:${home.namespace}:berth-deployer` });
    const checks = new Map<string, boolean>(result.checks.map((c: { check: string; allowed: boolean }) => [c.check, c.allowed]));
    expect(checks.get(`patch deployments.apps in ${home.namespace}`)).toBe(true);
    expect(checks.get(`get pods/log in ${home.namespace}`)).toBe(true);
    expect(checks.get(`list secrets in ${home.namespace}`)).toBe(true);
    expect(checks.get('create namespaces cluster-wide')).toBe(false);
    expect(checks.get(`create rolebindings.rbac.authorization.k8s.io in ${home.namespace}`)).toBe(false);

    const admin = await home.berth(['ci', 'credentials', '--check', '--env', 'staging']);
    expect(admin.code, admin.stdout).toBe(0);
    expect(admin.stdout).toMatch(/The environment's CI account: system:serviceaccount:.*:berth-deployer/);
    expect(admin.stdout).toMatch(/OK: all \d+ permissions/);
  });

  it('deploys, rolls back and reads status in its namespace', async () => {
    const asCi = { KUBECONFIG: ciPath };
    const planned = await home.berth(['deploy', 'web', '--tag', 'v2', '--dry-run'], asCi);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/~ update Deployment \S+\/web\n/);
    expect(planned.stdout).toMatch(/\.spec\.template\.spec\.containers\[0\]\.image: registry\.test\/shop:v1 → registry\.test\/shop:v2/);
    expect(planned.stdout).not.toMatch(/Namespace/);
    const deployed = await home.berth(['deploy', 'web', '--tag', 'v2', '--json'], asCi);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(events(deployed.stdout).at(-1)).toMatchObject({ event: 'result', ok: true, apps: [{ app: 'web', outcome: 'deployed', revision: 2 }] });
    // The Namespace object is the admin's: the CI deploy says so and goes on.
    expect(deployed.stdout).toMatch(/Namespace \S+ was not applied: these credentials may not write cluster-scoped objects/);
    expect((await runningSpec(home.namespace, 'web')).image).toBe('registry.test/shop:v2');

    const rolled = await home.berth(['rollback', 'web'], asCi);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect((await runningSpec(home.namespace, 'web')).image).toBe('registry.test/shop:v1');
    const history = await historyOf({ ...home, berth: (args) => home.berth(args, asCi) }, 'web');
    expect(history.map((r) => [r.revision, r.kind, r.result])).toEqual([
      [3, 'rollback', 'succeeded'],
      [2, 'deploy', 'succeeded'],
      [1, 'deploy', 'succeeded'],
    ]);
    const diagnosis = await home.berth(['diagnose', 'web'], asCi);
    expect(diagnosis.code, diagnosis.stderr).toBe(0);
    expect(diagnosis.stdout).toMatch(/web is healthy in staging/);
    expect((await home.berth(['lock', 'status'], asCi)).stdout).toMatch(/staging is not locked/);

    // What status and logs read: pods and their logs.
    const cluster = connectCluster({ kubeconfig: ciPath });
    const pods = await cluster.objects.listRaw<{ metadata: { name: string } }>('v1', 'Pod', { namespace: home.namespace, labelSelector: 'berth.dev/app=web' });
    expect(pods.items.length).toBeGreaterThan(0);
    const log = await tailLog(cluster, home.namespace, pods.items[0]!.metadata.name, 'web', { lines: 5, previous: false });
    expect(log?.lines.length).toBeGreaterThan(0);
  });

  it('deploys an app with a database without the admin credential when its Secret exists, and stops before applying when it does not', async () => {
    const suffix = home.namespace.split('-').at(-1);
    const withDb = `db${suffix}`;
    const newDb = `new${suffix}`;
    const { postgres, pgUrl } = requireEnv();
    const base = shopConfig(home.namespace) as { apps: Record<string, object> };
    const config = (apps: string[]) => ({
      ...base,
      database: { mode: 'external', host: '127.0.0.1', port: postgres.port, sslMode: 'disable', admin: { env: 'ADMIN_URL' } },
      apps: { ...base.apps, ...Object.fromEntries(apps.map((a) => [a, { image: 'registry.test/db', port: 3000, database: true }])) },
    });
    try {
      home.write(config([withDb]));
      const admin = await home.berth(['deploy', withDb, '--tag', 'v1'], { ADMIN_URL: pgUrl });
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stderr).toMatch(new RegExp(`${withDb}: created database ${withDb}_staging`));

      const ci = await home.berth(['deploy', withDb, '--tag', 'v2'], { KUBECONFIG: ciPath });
      expect(ci.code, ci.stderr).toBe(0);
      expect(ci.stderr).toMatch(
        new RegExp(
          `${withDb}: database ${withDb}_staging not checked \\(no database admin credential: .*ADMIN_URL is missing or empty; Secret ${withDb}-db exists\\)`,
        ),
      );
      expect((await runningSpec(home.namespace, withDb)).image).toBe('registry.test/db:v2');

      home.write(config([withDb, newDb]));
      const refused = await home.berth(['deploy', newDb, '--tag', 'v1'], { KUBECONFIG: ciPath });
      expect(refused.code).toBe(ExitCode.failure);
      expect(refused.stderr).toMatch(new RegExp(`${newDb} needs its database set up first, and this deploy cannot: no database admin credential`));
      expect(refused.stderr).toMatch(new RegExp(`berth db create ${newDb} --env staging`));
      expect(refused.stderr).toMatch(/Nothing was applied/);
      const deployments = await kube().apps.listNamespacedDeployment({ namespace: home.namespace, labelSelector: `berth.dev/app=${newDb}` });
      expect(deployments.items).toEqual([]);
    } finally {
      home.write(shopConfig(home.namespace));
      await withClient(pgUrl, async (client) => {
        for (const app of [withDb, newDb]) {
          await client.query(`DROP DATABASE IF EXISTS "${app}_staging" WITH (FORCE)`);
          await client.query(`DROP ROLE IF EXISTS "${app}_staging"`);
        }
      });
    }
  });

  it('is refused in another namespace, naming verb, resource and namespace', async () => {
    const result = await other.berth(['deploy', 'web', '--tag', 'v2'], { KUBECONFIG: ciPath });
    expect(result.code).toBe(ExitCode.failure);
    // The deploy's first read is the lock's version (then what runs): whichever is refused first is named.
    expect(result.stderr).toMatch(
      new RegExp(
        `forbidden .*User "system:serviceaccount:${home.namespace}:berth-deployer" cannot (get|list) resource "\\w+" .*in the namespace "${other.namespace}"`,
      ),
    );
    expect(result.stderr).toMatch(new RegExp(`CI credentials for namespace ${home.namespace}: they may not (get|list) \\S+ in ${other.namespace}`));
    // Nothing changed there.
    expect((await runningSpec(other.namespace, 'web')).image).toBe('registry.test/shop:v1');
    const history = await other.berth(['history', 'web'], { KUBECONFIG: ciPath });
    expect(history.code).toBe(ExitCode.failure);
    expect(history.stderr).toMatch(/cannot list resource "secrets"/);
  });

  it('is refused for cluster-scoped writes', async () => {
    const cluster = connectCluster({ kubeconfig: ciPath });
    const name = `${home.namespace}-x`;
    const error = await applyObject(cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch((e: Error & { hint?: string }) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/forbidden .*berth-deployer" cannot patch resource "namespaces"/);
    expect((error as { hint?: string }).hint).toMatch(/may not patch namespaces at the cluster scope/);
    const clusterRole = await applyObject(cluster, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'berth-deployer', namespace: home.namespace }],
    } as never).catch((e: Error) => e);
    expect((clusterRole as Error).message).toMatch(/forbidden/);
    await expect(kube().core.readNamespace({ name })).rejects.toThrow();
  });

  it('an expired token is refused, and the message says it expired', async () => {
    const kubeconfig = parse(readFileSync(ciPath, 'utf8'));
    kubeconfig.users[0].user.token = expiredCopy(token);
    const expiredPath = join(home.dir, 'expired.kubeconfig');
    writeFileSync(expiredPath, JSON.stringify(kubeconfig), { mode: 0o600 });
    const result = await home.berth(['history', 'web'], { KUBECONFIG: expiredPath });
    expect(result.code).toBe(ExitCode.unreachable);
    expect(result.stderr).toMatch(new RegExp(`the kubeconfig's token of system:serviceaccount:${home.namespace}:berth-deployer expired at \\S+ \\(401\\)`));
    expect(result.stderr).toMatch(/berth ci credentials --env ENV/);
  });

  it('--revoke invalidates every token at once', async () => {
    const revoked = await home.berth(['ci', 'credentials', '--revoke', '--env', 'staging']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/deleted RoleBinding .*Role .*ServiceAccount/);
    // Refused at once: the binding is gone. The API server's authenticator then drops the token
    // as soon as its cache of ServiceAccounts sees the deletion (well under a second here).
    const first = await home.berth(['history', 'web'], { KUBECONFIG: ciPath });
    expect(first.code).not.toBe(0);
    const result = await waitFor(
      'the revoked token to be refused as such',
      async () => {
        const attempt = await home.berth(['history', 'web'], { KUBECONFIG: ciPath });
        return attempt.code === ExitCode.unreachable && attempt;
      },
      { timeoutMs: 10_000 },
    );
    expect(result.stderr).toMatch(/was refused although it is valid until \S+: it was revoked/);
    const again = await home.berth(['ci', 'credentials', '--revoke', '--env', 'staging']);
    expect(again.stdout).toMatch(/had no CI credentials/);
  });
});
