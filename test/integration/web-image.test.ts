/**
 * The admin page's server started from berth's own image exactly as its rendered Deployment runs
 * it — the container's command, working directory, security context (uid 1000, read-only root,
 * capabilities dropped), the config from the rendered ConfigMap, a tokens directory as the
 * Secret's volume, and the ServiceAccount's token where the kubelet mounts it — by podman beside
 * the kwok cluster (whose pods run nothing). It answers /healthz and the login page, lets a
 * token from the tokens directory in, and shows the environment read through that ServiceAccount.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../src/cluster/access.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { newToken } from '../../src/platform/web-tokens.ts';
import { buildImage, IMAGE, podman, type Started, startInImage } from '../../testenv/image/index.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { kube, requireEnv, testEnv, useNamespace, waitFor } from './helpers.ts';

const skipImage = process.env.BERTH_SKIP_IMAGE === '1';
// The server itself (`berth web`) is built beside this work; until it is in the tree there is nothing to start.
const hasWebServer = existsSync(join(import.meta.dirname, '../../src/cli/commands/web/web.ts'));
if (!hasWebServer && testEnv() !== null && !skipImage) {
  console.warn("\n!! the admin page's image test is SKIPPED: `berth web` (src/cli/commands/web/web.ts) is not in this tree yet.\n");
}

describe.skipIf(testEnv() === null || skipImage || !hasWebServer)("the admin page from berth's image", () => {
  const namespace = useNamespace('webimg');
  let dir = '';
  let webNamespace = '';
  let server: Started | undefined;
  let base = '';
  const token = newToken();

  beforeAll(async () => {
    await buildImage();
    dir = tempDir();
    webNamespace = `${namespace.name}-web`;
    writeFileSync(
      join(dir, 'berth.config.json'),
      JSON.stringify({
        cluster: { berthImage: IMAGE, certIssuer: false },
        environments: { it: { namespace: namespace.name } },
        apps: { shop: { image: 'registry.test/shop:1', port: 3000 } },
        platform: { web: { namespace: webNamespace } },
      }),
    );
    const harness = requireEnv();
    const admin = { cwd: dir, env: { KUBECONFIG: harness.kubeconfigPath } };
    const applied = await cli(['platform', 'apply'], admin);
    expect(applied.code, applied.stderr).toBe(0);
    const rendered = await cli(['render', '--platform', '-o', 'json'], admin);
    const items = JSON.parse(rendered.stdout).items as { kind: string }[];
    const deployment = items.find((o) => o.kind === 'Deployment') as V1Deployment;
    const configMap = items.find((o) => o.kind === 'ConfigMap') as V1ConfigMap;
    const container = deployment.spec!.template.spec!.containers[0]!;

    // What the kubelet would mount: the ConfigMap, the tokens Secret, the ServiceAccount's token.
    const volumes = { config: join(dir, 'etc-berth'), tokens: join(dir, 'tokens'), account: join(dir, 'serviceaccount') };
    for (const path of Object.values(volumes)) mkdirSync(path);
    for (const [key, value] of Object.entries(configMap.data!)) writeFileSync(join(volumes.config, key), value, { mode: 0o644 });
    writeFileSync(join(volumes.tokens, 'alice'), `operator:${token}`, { mode: 0o644 });
    const cluster = connectCluster({ kubeconfig: harness.kubeconfigPath });
    const current = cluster.target.cluster;
    writeFileSync(join(volumes.account, 'token'), (await requestToken(cluster, webNamespace, 'berth-web', 600)).token, { mode: 0o644 });
    writeFileSync(join(volumes.account, 'ca.crt'), current.caData ? Buffer.from(current.caData, 'base64') : readFileSync(current.caFile!), { mode: 0o644 });
    writeFileSync(join(volumes.account, 'namespace'), webNamespace, { mode: 0o644 });
    const api = new URL(current.server);
    const mountOf = (name: string) => container.volumeMounts!.find((m) => m.name === name)!.mountPath;

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startInImage(['--port', String(port)], {
      entrypoint: container.command!,
      workdir: container.workingDir,
      security: container.securityContext,
      mounts: [
        { source: volumes.config, target: mountOf('config'), readOnly: true },
        { source: volumes.tokens, target: mountOf('tokens'), readOnly: true },
        { source: volumes.account, target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
      env: {
        ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
        // What Kubernetes puts into every pod: where the API server is.
        KUBERNETES_SERVICE_HOST: api.hostname,
        KUBERNETES_SERVICE_PORT: api.port,
      },
    });
    await waitFor(
      'the server in the image',
      () =>
        fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 60_000 },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await server?.logs()}`);
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await server?.stop(2);
    await kube()
      .core.deleteNamespace({ name: webNamespace, propagationPolicy: 'Background' })
      .catch(() => undefined);
  });

  it('answers its probe, GET /healthz, with 200 ok', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
  });

  it('serves the login page, lets a token of the tokens directory in, and shows the environment read as its ServiceAccount', async () => {
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/<form method="post" action="\/login">/);

    const wrong = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: base },
      body: new URLSearchParams({ token: 'x'.repeat(43) }),
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: base }, body: new URLSearchParams({ token }) });
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const overview = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    const html = await overview.text();
    expect(overview.status, html).toBe(200);
    expect(html).toContain('shop');
    // Read through the ServiceAccount's Role: a refusal would show on the page.
    expect(html).not.toMatch(/forbidden|cannot (list|get|watch)|unauthorized/i);
    expect(html).not.toContain(token);
    if (process.env.BERTH_WEB_IMAGE_HTML) writeFileSync(process.env.BERTH_WEB_IMAGE_HTML, html);
    expect(await server!.logs()).toMatch(/"msg":"berth web listening"/);
  });

  it('runs in well under its 512Mi memory limit', async () => {
    const { stdout } = await podman(['stats', '--no-stream', '--format', '{{.MemUsage}}', server!.name]);
    const used = /^([\d.]+)([kMG]i?B)/.exec(stdout.trim());
    expect(used, stdout).not.toBeNull();
    const mib = Number(used![1]) * ({ kB: 1 / 1024, KiB: 1 / 1024, MB: 1, MiB: 1, GB: 1024, GiB: 1024 }[used![2]!] ?? Number.NaN);
    console.log(`berth web --in-cluster in berth's image, after a login and an overview: ${stdout.trim()}`);
    expect(mib).toBeLessThan(256);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
