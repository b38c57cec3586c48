/**
 * The admin page in the cluster, on the real API server (RBAC and Pod Security admission on):
 * `berth platform apply` applies what `render --platform` emits for `platform.web` (strict
 * server-side apply, a dry run first); the pod is admitted under Pod Security "restricted"; the
 * page's ServiceAccount, with a token of its own, reads status and history and restarts an app
 * in an environment's namespace, and is refused Secrets and objects anywhere else — its own login
 * tokens included; `berth web token` writes, lists and removes tokens without printing them twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canUser, requestToken } from '../../src/cluster/access.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { resolveWeb } from '../../src/config/resolve-web.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { describeProbe } from '../../src/platform/ci-access.ts';
import { buildKubeconfig, kubeconfigYaml } from '../../src/platform/kubeconfig.ts';
import { webGroups, webRefusedProbes, webRequiredProbes, webUser } from '../../src/platform/web-access.ts';
import { type Project, project, shopConfig } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv, waitFor } from './helpers.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

describeCluster('the admin page in the cluster (platform.web)', () => {
  let p: Project;
  let outside: string;
  let webNamespace: string;
  let config: Record<string, unknown>;
  let asWeb: { KUBECONFIG: string };

  beforeAll(async () => {
    p = project('webk8s');
    webNamespace = `${p.namespace}-web`;
    outside = `${p.namespace}-outside`;
    const shop = shopConfig(p.namespace) as Record<string, unknown>;
    config = {
      ...shop,
      cluster: { certIssuer: 'letsencrypt-prod', berthImage: 'registry.test/berth:0.1.0' },
      // A second environment whose namespace does not exist yet.
      environments: {
        staging: { namespace: p.namespace },
        production: { namespace: `${p.namespace}-prod`, apps: { web: { domains: [`prod-${p.namespace}.shop.test`] } } },
      },
      platform: { web: { host: `${p.namespace}.admin.test`, namespace: webNamespace } },
      // Seed 004's NAS: the page gets a claim of its own of the same export.
      backups: { store: { nfs: { server: 'nas.test', path: `/exports/${p.namespace}` } } },
    };
    p.write(config);
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    const deployed = await p.berth(['deploy', '--env', 'staging', '--tag', 'v1']);
    expect(deployed.code, deployed.stderr).toBe(0);
    // A namespace outside the config, with a Secret the page must never read.
    await kube().core.createNamespace({ body: { metadata: { name: outside } } });
    await kube().core.createNamespacedSecret({ namespace: outside, body: { metadata: { name: 'other-team' }, stringData: { PASSWORD: 'not-yours' } } });
  });

  afterAll(async () => {
    await p?.cleanup();
    await kube()
      .core.deletePersistentVolume({ name: `${webNamespace}-berth-web-backups-pv` })
      .catch(() => undefined);
    for (const name of [webNamespace, outside])
      await kube()
        .core.deleteNamespace({ name, propagationPolicy: 'Background' })
        .catch(() => undefined);
  });

  it('platform apply: a dry run checks everything it can, then the apply creates the server, its way in and its Roles; the second run changes nothing', async () => {
    const dry = await p.berth(['platform', 'apply', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`~ would change Role ${p.namespace}/berth-web`));
    expect(dry.stdout).toMatch(
      new RegExp(`- skipped Deployment ${webNamespace}/berth-web: namespace ${webNamespace} does not exist yet; the apply creates it first`),
    );
    expect(dry.stdout).toMatch(
      new RegExp(`- skipped Role ${p.namespace}-prod/berth-web: namespace ${p.namespace}-prod does not exist yet: deploy its environment`),
    );

    const applied = await p.berth(['platform', 'apply']);
    expect(applied.code, applied.stderr).toBe(0);
    for (const object of [
      `Namespace ${webNamespace}`,
      `ServiceAccount ${webNamespace}/berth-web`,
      `ConfigMap ${webNamespace}/berth-web-config`,
      `PersistentVolume ${webNamespace}-berth-web-backups-pv`,
      `PersistentVolumeClaim ${webNamespace}/berth-web-backups`,
      `Deployment ${webNamespace}/berth-web`,
      `Service ${webNamespace}/berth-web`,
      `Certificate ${webNamespace}/tls-${p.namespace}-admin-test`,
      `Middleware ${webNamespace}/berth-web-https-redirect`,
      `Ingress ${webNamespace}/berth-web`,
      `NetworkPolicy ${webNamespace}/berth-web`,
      `Role ${p.namespace}/berth-web`,
      `RoleBinding ${p.namespace}/berth-web`,
    ])
      expect(applied.stdout).toContain(`✓ applied ${object}\n`);
    expect(applied.stdout).toMatch(new RegExp(`- skipped RoleBinding ${p.namespace}-prod/berth-web`));
    expect(applied.stderr).toMatch(/berth web token add USER --role operator/);

    // The namespace enforces "restricted": the ReplicaSet's pod is admitted only if it complies.
    await waitFor(
      'a pod of berth-web',
      async () => (await kube().core.listNamespacedPod({ namespace: webNamespace, labelSelector: 'app.kubernetes.io/name=berth-web' })).items.length > 0,
      { timeoutMs: 30_000 },
    );
    // The volume controller binds the page's backup claim on its own time; the second run is
    // judged once the cluster has settled, as a re-run after a K3s upgrade would be.
    await waitFor(
      'the page’s backup claim to be bound',
      async () => (await kube().core.readNamespacedPersistentVolumeClaim({ name: 'berth-web-backups', namespace: webNamespace })).status?.phase === 'Bound',
      { timeoutMs: 30_000 },
    );
    const again = await p.berth(['platform', 'apply', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).applied.filter((a: { changed: boolean }) => a.changed)).toEqual([]);

    // berth audit sees the page's objects as applied, and the Role of the environment never deployed as not yet applicable.
    const audit = JSON.parse((await p.berth(['audit', '-o', 'json'])).stdout).findings as { check: string; level: string; subject: string }[];
    const platform = audit.filter((f) => f.check === 'platform');
    expect(platform.filter((f) => f.level === 'fail')).toEqual([]);
    expect(platform.filter((f) => f.level === 'warn').map((f) => f.subject)).toEqual([
      `Role ${p.namespace}-prod/berth-web`,
      `RoleBinding ${p.namespace}-prod/berth-web`,
    ]);
    expect(platform.some((f) => f.subject === `Deployment ${webNamespace}/berth-web` && f.level === 'pass')).toBe(true);
  });

  it("the page's account reads status and history, and restarts an app, in the environment's namespace", async () => {
    const admin = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    const { token } = await requestToken(admin, webNamespace, 'berth-web', 600);
    const current = admin.target.cluster;
    const file = join(p.dir, 'web.kubeconfig');
    writeFileSync(
      file,
      kubeconfigYaml(
        buildKubeconfig({
          name: 'web',
          server: admin.server,
          caData: current.caData ?? (current.caFile ? readFileSync(current.caFile).toString('base64') : undefined),
          insecure: current.insecure,
          namespace: p.namespace,
          user: 'berth-web',
          token,
        }),
      ),
      { mode: 0o600 },
    );
    asWeb = { KUBECONFIG: file };
    const status = await p.berth(['status', '--env', 'staging', '--json'], asWeb);
    expect(status.stderr).not.toMatch(/forbidden/);
    expect(JSON.parse(status.stdout).apps.map((a: { app: string }) => a.app)).toEqual(['web', 'worker']);
    const history = await p.berth(['history', 'web', '--env', 'staging'], asWeb);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/deploy +succeeded/);
    const restarted = await p.berth(['restart', 'web', '--env', 'staging'], asWeb);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect((await p.berth(['history', 'web', '--env', 'staging', '--json'], asWeb)).stdout).toMatch(/"kind": "restart"/);
  });

  it('is refused Secrets and objects outside the environments, its own tokens and anything cluster-wide', async () => {
    const asPage = connectCluster({ kubeconfig: asWeb.KUBECONFIG });
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => 'allowed',
        (e: { code?: number }) => e.code,
      );
    expect(await refused(asPage.objects.getRaw(`/api/v1/namespaces/${outside}/secrets/other-team`))).toBe(403);
    expect(await refused(asPage.objects.listRaw('v1', 'Secret', { namespace: outside }))).toBe(403);
    expect(await refused(asPage.objects.listRaw('v1', 'Secret', { namespace: webNamespace }))).toBe(403);
    expect(await refused(asPage.objects.listRaw('v1', 'Secret'))).toBe(403);
    expect(await refused(asPage.objects.listRaw('apps/v1', 'Deployment', { namespace: outside }))).toBe(403);
    expect(await refused(asPage.objects.listRaw('v1', 'Secret', { namespace: p.namespace }))).toBe('allowed');

    // Every permission the page needs, and every probe that must be refused, asked of the authorizer.
    const web = resolveWeb(validateConfig(config).config)!;
    const admin = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    const ask = async (probe: Parameters<typeof canUser>[3]) => (await canUser(admin, webUser(web), webGroups(web), probe))!.allowed;
    const wrong: string[] = [];
    for (const probe of webRequiredProbes(p.namespace)) if (!(await ask(probe))) wrong.push(`refused: ${describeProbe(probe)}`);
    for (const probe of webRefusedProbes(web, p.namespace, outside)) if (await ask(probe)) wrong.push(`allowed: ${describeProbe(probe)}`);
    expect(wrong).toEqual([]);
    expect(webRequiredProbes(p.namespace).length).toBeGreaterThan(40);
  });

  it('berth web token: add prints a new token once, keeps the other users, list shows roles only, remove revokes', async () => {
    const alice = await p.berth(['web', 'token', 'add', 'alice', '--role', 'operator']);
    expect(alice.code, alice.stderr).toBe(0);
    const token = alice.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(alice.stderr).toMatch(new RegExp(`Created alice's operator token in ${webNamespace}/berth-web-tokens`));
    expect(alice.stderr).not.toContain(token);
    expect((await p.berth(['web', 'token', 'add', 'bob', '--role', 'viewer'])).code).toBe(0);
    const secret = await kube().core.readNamespacedSecret({ name: 'berth-web-tokens', namespace: webNamespace });
    const data = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(data.alice).toBe(`operator:${token}`);
    expect(data.bob).toMatch(/^viewer:[A-Za-z0-9_-]{43}$/);

    const list = await p.berth(['web', 'token', 'list']);
    expect(list.stdout).toBe('alice  operator\nbob  viewer\n');
    expect(list.stdout + list.stderr).not.toContain(token);

    const replaced = await p.berth(['web', 'token', 'add', 'alice', '--role', 'viewer']);
    expect(replaced.stderr).toMatch(/Replaced alice's viewer token/);
    expect(replaced.stdout.trim()).not.toBe(token);
    const removed = await p.berth(['web', 'token', 'remove', 'alice']);
    expect(removed.stdout).toMatch(/Removed alice's token/);
    expect((await p.berth(['web', 'token', 'list'])).stdout).toBe('bob  viewer\n');
    // The page's own account may not read them through the API (only the kubelet mounts them).
    const asPage = connectCluster({ kubeconfig: asWeb.KUBECONFIG });
    await expect(asPage.objects.getRaw(`/api/v1/namespaces/${webNamespace}/secrets/berth-web-tokens`)).rejects.toMatchObject({ code: 403 });
  });
});
