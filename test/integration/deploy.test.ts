/**
 * `berth deploy` against the real control plane: good deploys, no-op deploys, every failure mode
 * ending in a whole-release rollback (image, env and secret values as before), prune, and a
 * rollback to an older revision.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { events, historyOf, type Project, project, runningSpec, shopConfig } from './deploy-helpers.ts';
import { describeCluster, kube, kubectl, requireEnv, waitFor } from './helpers.ts';

const projects: Project[] = [];
function newProject(prefix: string): Project {
  const p = project(prefix);
  projects.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

/** A project with r1 of web (MODE=one, TOKEN=first) and worker deployed and healthy. */
async function deployedProject(prefix: string): Promise<Project> {
  const p = newProject(prefix);
  p.write(shopConfig(p.namespace));
  await p.setSecret('web-secrets', { TOKEN: 'first' });
  const first = await p.berth(['deploy', '--tag', 'v1']);
  expect(first.code, first.stderr).toBe(0);
  return p;
}

/** Changes env and secret, then deploys a broken build: everything must come back as it was. */
async function failAndExpectRollback(p: Project, args: string[], config?: object) {
  p.write(config ?? shopConfig(p.namespace, { env: { MODE: 'two' } }));
  await p.setSecret('web-secrets', { TOKEN: 'second' });
  const started = Date.now();
  const result = await p.berth(['deploy', 'web', ...args]);
  const seconds = (Date.now() - started) / 1000;
  expect(result.code, result.stderr).toBe(ExitCode.deployFailed);
  const spec = await runningSpec(p.namespace, 'web');
  expect(spec).toEqual({ image: 'registry.test/shop:v1', env: { MODE: 'one' }, secrets: { TOKEN: 'first' } });
  const history = await historyOf(p, 'web');
  expect(history.map((r) => [r.revision, r.kind, r.result])).toEqual([
    [3, 'rollback', 'succeeded'],
    [2, 'deploy', 'failed'],
    [1, 'deploy', 'succeeded'],
  ]);
  expect(history[1]!.rolledBackBy).toBe(3);
  expect(history[0]!.rollbackOf).toBe(1);
  return { result, seconds, diagnosis: history[1]!.diagnosis!.cause };
}

describeCluster('berth deploy', () => {
  it('deploys, says when nothing changed, and rolls a new tag', async () => {
    const p = await deployedProject('dgood');
    expect(await runningSpec(p.namespace, 'web')).toEqual({ image: 'registry.test/shop:v1', env: { MODE: 'one' }, secrets: { TOKEN: 'first' } });

    const again = await p.berth(['deploy']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Nothing changed in staging/);
    expect((await historyOf(p, 'web')).length).toBe(1);

    const next = await p.berth(['deploy', 'web', '--tag', 'v2', '--json']);
    expect(next.code, next.stderr).toBe(0);
    const stream = events(next.stdout);
    expect(stream.some((e) => e.event === 'progress')).toBe(true);
    expect(stream.at(-1)).toMatchObject({ event: 'result', ok: true, apps: [{ app: 'web', outcome: 'deployed', revision: 2, tag: 'v2' }] });
    expect((await runningSpec(p.namespace, 'web')).image).toBe('registry.test/shop:v2');
    // The worker was not named: it keeps the tag it runs.
    expect((await runningSpec(p.namespace, 'worker-run')).image).toBe('registry.test/worker:v1');
  });

  it('refuses before applying anything when a declared secret is missing', async () => {
    const p = newProject('dnosecret');
    p.write(shopConfig(p.namespace));
    const result = await p.berth(['deploy', '--tag', 'v1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/web cannot start: Secret web-secrets does not exist \(needs TOKEN\)/);
    const deployments = await kube().apps.listNamespacedDeployment({ namespace: p.namespace });
    expect(deployments.items).toEqual([]);
    // The refusal came with the lock held: it was released, so the deploy after the fix goes at once.
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    const fixed = await p.berth(['deploy', '--tag', 'v1']);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('another project with an environment of the same name is not this one: its namespace is created and nothing of the other is seen', async () => {
    const first = await deployedProject('dsame1');
    const second = newProject('dsame2');
    second.write(shopConfig(second.namespace));
    // No Secret yet: the deploy must create the namespace itself (to hold its lock), then refuse.
    const refused = await second.berth(['deploy', '--tag', 'v1']);
    expect(refused.stderr).toMatch(/web cannot start: Secret web-secrets does not exist/);
    await second.setSecret('web-secrets', { TOKEN: 'other' });
    const planned = await second.berth(['deploy', '--tag', 'v1', '--dry-run', '--json']);
    const changes = JSON.parse(planned.stdout.trim().split('\n').at(-1)!).changes as { object: string }[];
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.some((c) => c.object.includes(first.namespace))).toBe(false);
    const deployed = await second.berth(['deploy', '--tag', 'v1']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).not.toContain(first.namespace);
    expect((await runningSpec(first.namespace, 'web')).secrets).toEqual({ TOKEN: 'first' });
  });

  describe.concurrent('failure modes end rolled back to the previous image, env and secrets', () => {
    it('crash loop: reported within 20 s of the first CrashLoopBackOff, diagnosis with the exit code and log lines', async () => {
      const p = await deployedProject('dcrash');
      const { result, diagnosis } = await failAndExpectRollback(p, ['--tag', 'crashloop', '--json']);
      expect(diagnosis).toMatch(/crashes at start.*exits with code 1/);
      const stream = events(result.stdout);
      const failed = stream.find((e) => e.event === 'failed') as unknown as {
        time: string;
        diagnosis: { failure: { pod: string }; logs: { previous: boolean; lines: string[] } };
      };
      expect(failed.diagnosis.logs.previous).toBe(true);
      expect(failed.diagnosis.logs.lines).toContain('berth test app starting');
      const podEvents = await kube().core.listNamespacedEvent({ namespace: p.namespace, fieldSelector: `involvedObject.name=${failed.diagnosis.failure.pod}` });
      const backoff = podEvents.items.filter((e) => e.reason === 'BackOff').map((e) => new Date(e.firstTimestamp ?? e.eventTime ?? 0).getTime());
      expect(backoff.length).toBeGreaterThan(0);
      // Event times have one-second resolution.
      expect(Date.parse(failed.time) - Math.min(...backoff)).toBeLessThan(20_000);
      expect(stream.at(-1)).toMatchObject({
        event: 'result',
        ok: false,
        apps: [{ app: 'web', outcome: 'rolled-back', failedRevision: 2, rollbackRevision: 3 }],
      });
    });

    it('image pull failure', async () => {
      const p = await deployedProject('dpull');
      const { diagnosis } = await failAndExpectRollback(p, ['--tag', 'pullfail']);
      expect(diagnosis).toMatch(/registry\.test\/shop:pullfail could not be pulled/);
    });

    it("never ready: berth's own timeout, naming the readiness probe", async () => {
      const p = await deployedProject('dnever');
      const { diagnosis, seconds } = await failAndExpectRollback(p, ['--tag', 'neverready', '--timeout', '12s']);
      expect(diagnosis).toMatch(/did not finish in time.*readiness probe \(GET \/healthz on port 3000\)/);
      expect(seconds).toBeLessThan(45);
    });

    it("unschedulable: the scheduler's reason", async () => {
      const p = await deployedProject('dsched');
      const config = shopConfig(p.namespace, { env: { MODE: 'two' }, web: { resources: { requests: { cpu: '5000' } } } });
      const { diagnosis } = await failAndExpectRollback(p, ['--tag', 'v2'], config);
      expect(diagnosis).toMatch(/No node can take the pod: 0\/2 nodes are available: 2 Insufficient cpu/);
    });

    it('a failing migration init container', async () => {
      const p = await deployedProject('dmigrate');
      const migrating = { migrate: { command: ['node', 'migrate.js'] } };
      p.write(shopConfig(p.namespace, { web: migrating }));
      expect((await p.berth(['deploy', 'web', '--tag', 'v1m'])).code).toBe(0);
      const config = shopConfig(p.namespace, { env: { MODE: 'two' }, web: migrating });
      p.write(config);
      await p.setSecret('web-secrets', { TOKEN: 'second' });
      const result = await p.berth(['deploy', 'web', '--tag', 'initfail']);
      expect(result.code, result.stderr).toBe(ExitCode.deployFailed);
      expect((await runningSpec(p.namespace, 'web')).image).toBe('registry.test/shop:v1m');
      const history = await historyOf(p, 'web');
      expect(history[1]!.diagnosis!.cause).toMatch(/The migration failed: init container migrate in pod \S+ (exited with code 1|keeps failing)/);
      expect(result.stderr).toMatch(/last \d+ log lines of migrate/);
    });

    it('OOMKilled', async () => {
      const p = await deployedProject('doom');
      const { diagnosis } = await failAndExpectRollback(p, ['--tag', 'oomkilled']);
      expect(diagnosis).toMatch(/runs out of memory: web was killed by the kernel \(OOMKilled\) at its 512Mi limit/);
    });

    it('failed health check against a local HTTP server', async () => {
      const p = await deployedProject('dhealth');
      const server: Server = createServer((_, res) => res.writeHead(503).end('down'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
        const config = shopConfig(p.namespace, { env: { MODE: 'two' }, web: { health: { path: '/healthz', check: { url, retries: 1 } } } });
        const { diagnosis } = await failAndExpectRollback(p, ['--tag', 'v2'], config);
        expect(diagnosis).toMatch(/rollout finished but the app is broken: GET http:\/\/127\.0\.0\.1:\d+\/healthz answered 503/);
      } finally {
        server.close();
      }
    });
  });

  it('announces results to a webhook; a webhook that fails is a warning, never a failed deploy', async () => {
    const p = newProject('dnotify');
    const received: string[] = [];
    let status = 200;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body).text);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const hook = { HOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
      p.write({ ...shopConfig(p.namespace), notifications: { slack: { env: 'HOOK_URL' } } });
      await p.setSecret('web-secrets', { TOKEN: 'first' });
      const ok = await p.berth(['deploy', '--tag', 'v1'], hook);
      expect(ok.code, ok.stderr).toBe(0);
      expect(received).toEqual([expect.stringMatching(/\[staging\] web v1 deployed \(r1\); worker v1 deployed \(r1\)/)]);
      status = 500;
      const failing = await p.berth(['deploy', 'web', '--tag', 'v2'], hook);
      expect(failing.code).toBe(0);
      expect(failing.stderr).toMatch(/notification not sent \(the webhook answered 500\); the deploy result stands/);
      expect(failing.stderr).not.toContain(hook.HOOK_URL);
    } finally {
      server.close();
    }
  });

  it('--restart rolls the pods of an unchanged release, recorded as a restart', async () => {
    const p = await deployedProject('drestart');
    const before = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    const result = await p.berth(['deploy', 'web', '--restart']);
    expect(result.code, result.stderr).toBe(0);
    const after = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(after.metadata!.generation).toBeGreaterThan(before.metadata!.generation!);
    expect(after.spec!.template.metadata!.annotations!['berth.dev/restarted-at']).toBeTruthy();
    expect((await historyOf(p, 'web')).map((r) => `${r.revision}:${r.kind}:${r.tag}`)).toEqual(['2:restart:v1', '1:deploy:v1']);
  });

  it('a hand edit is a conflict that names who changed which field, with nothing applied; --force-conflicts takes it back', async () => {
    const p = await deployedProject('dconflict');
    await kubectl(['-n', p.namespace, 'scale', 'deployment/web', '--replicas=4']);
    const refused = await p.berth(['deploy', 'web', '--tag', 'v2']);
    expect(refused.code).toBe(ExitCode.conflict);
    expect(refused.stderr).toMatch(/someone else changed fields berth manages \("kubectl scale" set \.spec\.replicas\)/);
    expect(refused.stderr).toMatch(/Nothing was applied\. .*--force-conflicts/);
    const untouched = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(untouched.spec!.template.spec!.containers[0]!.image).toBe('registry.test/shop:v1');
    expect((await historyOf(p, 'web')).length).toBe(1);
    const forced = await p.berth(['deploy', 'web', '--tag', 'v2', '--force-conflicts']);
    expect(forced.code, forced.stderr).toBe(0);
    const taken = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(taken.spec!.replicas).toBe(2);
    expect(taken.spec!.template.spec!.containers[0]!.image).toBe('registry.test/shop:v2');
  });

  it('a new tag for every app: a hand-edited app is refused and keeps its release, the others deploy; all refused is the conflict error', async () => {
    const p = await deployedProject('dconflicts');
    await kubectl(['-n', p.namespace, 'scale', 'deployment/web', '--replicas=4']);
    const result = await p.berth(['deploy', '--tag', 'v2', '--json']);
    expect(result.code, result.stderr).toBe(ExitCode.failure);
    const stream = events(result.stdout);
    expect(stream.at(-1)).toMatchObject({ event: 'result', ok: false });
    const outcomes = Object.fromEntries((stream.at(-1)!.apps as { app: string; outcome: string }[]).map((a) => [a.app, a.outcome]));
    expect(outcomes).toEqual({ web: 'failed', worker: 'deployed' });
    const failed = stream.find((e) => e.event === 'failed') as { diagnosis: { cause: string } } | undefined;
    expect(failed?.diagnosis.cause).toMatch(/"kubectl scale" set \.spec\.replicas.*Nothing of web was applied/);
    expect(failed?.diagnosis.cause).toMatch(/--force-conflicts/);
    const web = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect([web.spec!.replicas, web.spec!.template.spec!.containers[0]!.image]).toEqual([4, 'registry.test/shop:v1']);
    expect((await historyOf(p, 'web')).length).toBe(1);
    expect((await runningSpec(p.namespace, 'worker-run')).image).toBe('registry.test/worker:v2');
    // Only the edited app has anything to write now: refused, it is the deploy's error, as before any write.
    const alone = await p.berth(['deploy', '--tag', 'v2']);
    expect(alone.code, alone.stderr).toBe(ExitCode.conflict);
    expect(alone.stderr).toMatch(/"kubectl scale" set \.spec\.replicas/);
    expect(alone.stderr).toMatch(/Nothing was applied/);
    expect((await historyOf(p, 'worker')).length).toBe(2);
  });

  it('a write the dry run let through but the real apply refuses: that app is rolled back from its half-applied release, the others deploy', async () => {
    const p = await deployedProject('drace');
    // Admission that tells a dry run from a real write (a webhook that changed its mind, or a hand
    // edit between the two): an Ingress of two hosts is refused here, but not in a dry run.
    const policy = `berth-test-${p.namespace}`;
    const { objects } = kube();
    const admission = (expression: string) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }],
        },
        validations: [{ expression: `(has(request.dryRun) && request.dryRun) || ${expression}`, message: 'refused by the Ingress policy of this namespace' }],
      },
    });
    await objects.create(admission('size(object.spec.rules) < 2') as never);
    await objects.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: policy },
      spec: {
        policyName: policy,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } },
      },
    } as never);
    const backend = { backend: { service: { name: 'web', port: { number: 80 } } }, path: '/', pathType: 'Prefix' };
    /** Waits until an Ingress of these hosts is refused (a policy takes effect a moment after it is written). */
    const refusing = (hosts: string[]) =>
      waitFor(`the admission policy to refuse an Ingress of ${hosts.length} host(s)`, async () => {
        const probe = {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'probe', namespace: p.namespace },
          spec: { rules: hosts.map((host) => ({ host, http: { paths: [backend] } })) },
        };
        try {
          await objects.create(probe as never);
        } catch (error) {
          return /refused by the Ingress policy/.test(String((error as { body?: unknown }).body ?? error));
        }
        await objects.delete(probe as never);
        return false;
      });
    try {
      await refusing(['a.test', 'b.test']);

      // web's new release writes its new env ConfigMap and Deployment, then its Ingress (a new domain), which is refused.
      p.write(shopConfig(p.namespace, { env: { MODE: 'two' }, web: { domains: [`${p.namespace}.shop.test`, `www.${p.namespace}.shop.test`] } }));
      const result = await p.berth(['deploy', '--tag', 'v2', '--json']);
      expect(result.code, result.stderr).toBe(ExitCode.deployFailed);
      const outcomes = Object.fromEntries((events(result.stdout).at(-1)!.apps as { app: string; outcome: string }[]).map((a) => [a.app, a.outcome]));
      expect(outcomes).toEqual({ web: 'rolled-back', worker: 'deployed' });
      expect(await runningSpec(p.namespace, 'web')).toEqual({ image: 'registry.test/shop:v1', env: { MODE: 'one' }, secrets: { TOKEN: 'first' } });
      const web = await historyOf(p, 'web');
      expect(web.map((r) => [r.revision, r.kind, r.result])).toEqual([
        [3, 'rollback', 'succeeded'],
        [2, 'deploy', 'failed'],
        [1, 'deploy', 'succeeded'],
      ]);
      expect(web[1]!.diagnosis!.cause).toMatch(/Ingress .*web.*refused by the Ingress policy of this namespace.*accepted this release's dry run/);
      expect((await historyOf(p, 'worker')).map((r) => [r.revision, r.result])).toEqual([
        [2, 'succeeded'],
        [1, 'succeeded'],
      ]);
      expect((await runningSpec(p.namespace, 'worker-run')).image).toBe('registry.test/worker:v2');

      // No Ingress write at all now: the rollback's is refused too. The failed release is recorded
      // as failed, and the error says the rollback did not finish and how to finish it.
      await objects.delete(admission('') as never);
      await objects.create(admission('false') as never);
      await refusing(['a.test']);
      const stuck = await p.berth(['deploy', 'web', '--tag', 'v3']);
      expect(stuck.code).toBe(ExitCode.failure);
      expect(stuck.stderr).toMatch(/web r4 failed, and its rollback to r3 did not finish: .*refused by the Ingress policy/);
      expect(stuck.stderr).toMatch(/berth rollback web --to 3 --env staging/);
      expect((await historyOf(p, 'web')).map((r) => [r.revision, r.result])[0]).toEqual([4, 'failed']);
    } finally {
      await objects.delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: policy } } as never);
      await objects.delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: policy } } as never);
    }
  });

  it('a new tag rewrites only what runs it; a hand edit of an object the release leaves alone is still caught', async () => {
    const p = await deployedProject('dstamp');
    const service = () => kube().core.readNamespacedService({ name: 'web', namespace: p.namespace });
    const before = await service();
    const second = await p.berth(['deploy', 'web', '--tag', 'v2']);
    expect(second.code, second.stderr).toBe(0);
    // Nothing in the Service changed with the tag: it is not written (not even its labels).
    expect((await service()).metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
    // A hand edit of a field berth set, on that same unchanged object: the next deploy must not skip it.
    await kubectl(['-n', p.namespace, 'label', 'service/web', 'app.kubernetes.io/name=hand-edited', '--overwrite']);
    const refused = await p.berth(['deploy', 'web', '--tag', 'v3']);
    expect(refused.code, refused.stderr).toBe(ExitCode.conflict);
    expect(refused.stderr).toMatch(/Service .*web.*"kubectl-label" set \.metadata\.labels\.app\.kubernetes\.io\/name/);
    const forced = await p.berth(['deploy', 'web', '--tag', 'v3', '--force-conflicts']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await service()).metadata!.labels!['app.kubernetes.io/name']).toBe('web');
  });

  it('backs the database up before a release that migrates, and names that backup when the release is rolled back', async () => {
    const harness = requireEnv();
    const s3 = harness.s3!;
    const p = newProject('dbackup');
    const env = { ADMIN_URL: harness.pgUrl, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region };
    const config = (tagged: object = {}) => ({
      ...shopConfig(p.namespace, { web: { database: true, migrate: { command: ['node', 'migrate.js'] }, ...tagged } }),
      database: { mode: 'external', host: '127.0.0.1', port: harness.postgres.port, admin: { env: 'ADMIN_URL' } },
      backups: { store: { s3: { bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, prefix: `${p.namespace}/`, credentialsSecret: 'backup-s3' } } },
    });
    p.write(config());
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    await p.setSecret('backup-s3', { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey });
    const first = await p.berth(['deploy', '--tag', 'v1', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const backup = events(first.stdout).find((e) => e.event === 'backup') as { taken: boolean; id: string } | undefined;
    expect(backup?.taken).toBe(true);
    const listed = await p.berth(['backup', 'list', 'web', '--json'], env);
    expect(listed.stdout).toContain(backup!.id);

    // Nothing changes: no backup. A failing migration: a backup first, named in the rollback.
    const again = await p.berth(['deploy', '--json'], env);
    expect(events(again.stdout).some((e) => e.event === 'backup')).toBe(false);
    const failing = await p.berth(['deploy', 'web', '--tag', 'initfail'], env);
    expect(failing.code, failing.stderr).toBe(ExitCode.deployFailed);
    const before = /backed up its database before the migrations: (\S+)/.exec(failing.stderr)?.[1];
    expect(before).toBeTruthy();
    expect(failing.stdout).toContain(`berth backup restore web ${before} --env staging`);
    // --skip-backup: no backup at all.
    const skipped = await p.berth(['deploy', 'web', '--tag', 'v2', '--skip-backup', '--json'], env);
    expect(skipped.code).toBe(0);
    expect(events(skipped.stdout).some((e) => e.event === 'backup')).toBe(false);
  });

  it('--no-rollback leaves the failed release in place and exits 1', async () => {
    const p = await deployedProject('dnoroll');
    const result = await p.berth(['deploy', 'web', '--tag', 'crashloop', '--no-rollback']);
    expect(result.code).toBe(ExitCode.failure);
    const d = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(d.spec!.template.spec!.containers[0]!.image).toBe('registry.test/shop:crashloop');
    expect((await historyOf(p, 'web')).map((r) => r.result)).toEqual(['failed', 'succeeded']);
  });

  it('prunes an app dropped from the config but keeps its volume', async () => {
    const p = newProject('dprune');
    const withCache = shopConfig(p.namespace, {
      extraApps: { cache: { image: 'registry.test/cache:7', port: 6379, volumes: { data: { mountPath: '/data', size: '1Gi' } } } },
    });
    p.write(withCache);
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    // No storage provisioner runs here: a volume for the claim to bind to, as an operator's NFS or local PV would be.
    const pv = `${p.namespace}-pv`;
    await kube().core.createPersistentVolume({
      body: {
        metadata: { name: pv },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: `/tmp/${pv}` },
          claimRef: { namespace: p.namespace, name: 'cache-data' },
        },
      },
    });
    try {
      const first = await p.berth(['deploy', '--tag', 'v1']);
      expect(first.code, first.stderr).toBe(0);
    } catch (error) {
      await kube().core.deletePersistentVolume({ name: pv });
      throw error;
    }
    p.write(shopConfig(p.namespace));
    const result = await p.berth(['deploy']);
    expect(result.code, result.stderr).toBe(0);
    const { apps, core } = kube();
    expect((await apps.listNamespacedDeployment({ namespace: p.namespace })).items.map((d) => d.metadata!.name).sort()).toEqual(['web', 'worker-run']);
    expect((await core.listNamespacedService({ namespace: p.namespace })).items.map((s) => s.metadata!.name)).not.toContain('cache');
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace: p.namespace })).items.map((c) => c.metadata!.name)).toEqual(['cache-data']);
    expect(result.stderr).toMatch(/kept \(berth\.dev\/prune: never\): PersistentVolumeClaim/);
    await kube().core.deletePersistentVolume({ name: pv });
  });

  it('a volume its deleted namespace left Released binds again to the same claim on the next deploy', async () => {
    const p = newProject('dfree');
    p.write(
      shopConfig(p.namespace, {
        extraApps: {
          files: {
            image: 'registry.test/files:1',
            port: 8080,
            volumes: { data: { mountPath: '/data', nfs: { server: 'nas.test', path: '/free' }, size: '1Gi' } },
          },
        },
      }),
    );
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    expect((await p.berth(['deploy', '--tag', 'v1'])).code).toBe(0);
    const { core } = kube();
    const volume = async () => (await core.listPersistentVolume()).items.find((v) => v.spec?.claimRef?.namespace === p.namespace)!;
    const before = await volume();
    await core.deleteNamespace({ name: p.namespace });
    const exists = () =>
      core.readNamespace({ name: p.namespace }).then(
        () => true,
        () => false,
      );
    while (await exists()) await new Promise((r) => setTimeout(r, 300));
    const deadline = Date.now() + 30_000;
    while ((await volume()).status?.phase !== 'Released' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    expect((await volume()).status?.phase).toBe('Released');
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    const again = await p.berth(['deploy', '--tag', 'v1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      new RegExp(`PersistentVolume ${before.metadata!.name} was left Released by a deleted claim: freed for ${p.namespace}/files-data`),
    );
    const after = await volume();
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.status?.phase).toBe('Bound');
    await core.deletePersistentVolume({ name: after.metadata!.name! });
  });

  it('right after its namespace and volume were deleted, waits for them to go and creates them afresh, bound', async () => {
    const p = newProject('dgone');
    p.write(
      shopConfig(p.namespace, {
        extraApps: {
          files: {
            image: 'registry.test/files:1',
            port: 8080,
            volumes: { data: { mountPath: '/data', nfs: { server: 'nas.test', path: '/files' }, size: '1Gi' } },
          },
        },
      }),
    );
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    const first = await p.berth(['deploy', '--tag', 'v1']);
    expect(first.code, first.stderr).toBe(0);
    const { core } = kube();
    const ours = async () => (await core.listPersistentVolume()).items.filter((v) => v.spec?.claimRef?.namespace === p.namespace);
    const [pv] = await ours();
    expect(pv?.status?.phase).toBe('Bound');
    const name = pv!.metadata!.name!;
    // As an operator starting over: the namespace and the volume deleted, a finalizer still holding the volume.
    await core.patchPersistentVolume({ name, body: [{ op: 'add', path: '/metadata/finalizers/-', value: 'berth.test/hold' }] });
    await core.deletePersistentVolume({ name });
    await core.deleteNamespace({ name: p.namespace });
    const exists = () =>
      core.readNamespace({ name: p.namespace }).then(
        () => true,
        () => false,
      );
    while (await exists()) await new Promise((r) => setTimeout(r, 300));
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    const again = p.berth(['deploy', '--tag', 'v1']);
    await new Promise((r) => setTimeout(r, 3000));
    await core.patchPersistentVolume({ name, body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    const result = await again;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`waiting for PersistentVolume ${name} to finish being deleted`));
    const [fresh] = await ours();
    expect(fresh?.metadata?.deletionTimestamp).toBeUndefined();
    expect(fresh?.metadata?.uid).not.toBe(pv!.metadata!.uid);
    expect(fresh?.status?.phase).toBe('Bound');
    await core.deletePersistentVolume({ name });
  });

  it('right after its namespace was deleted, with the lock still in it, waits for it to go and takes a new lock', async () => {
    const p = newProject('dnsgone');
    // No secrets to set again: the deploy starts while the namespace is still going.
    p.write(shopConfig(p.namespace, { web: { secrets: [] } }));
    const first = await p.berth(['deploy', '--tag', 'v1']);
    expect(first.code, first.stderr).toBe(0);
    const { core } = kube();
    // As an operator starting over: the namespace deleted, its deploy lock's Lease held back a moment.
    await kubectl([
      '-n',
      p.namespace,
      'patch',
      'lease',
      'berth-deploy-lock',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/finalizers","value":["berth.test/hold"]}]',
    ]);
    await core.deleteNamespace({ name: p.namespace });
    const leaseGoing = async () =>
      (await kubectl(['-n', p.namespace, 'get', 'lease', 'berth-deploy-lock', '-o', 'jsonpath={.metadata.deletionTimestamp}'])).trim();
    while (!(await leaseGoing())) await new Promise((r) => setTimeout(r, 200));
    const again = p.berth(['deploy', '--tag', 'v2']);
    await new Promise((r) => setTimeout(r, 3000));
    await kubectl(['-n', p.namespace, 'patch', 'lease', 'berth-deploy-lock', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const result = await again;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`waiting for Namespace ${p.namespace} to finish being deleted`));
    expect((await runningSpec(p.namespace, 'web')).image).toMatch(/:v2$/);
    const lock = JSON.parse(await kubectl(['-n', p.namespace, 'get', 'lease', 'berth-deploy-lock', '-o', 'json']));
    expect(lock.metadata.deletionTimestamp).toBeUndefined();
    expect(lock.spec.holderIdentity ?? '').toBe('');
  });

  it('rolls back to an older revision exactly, as a new release, and forward again', async () => {
    const p = await deployedProject('drollto');
    p.write(shopConfig(p.namespace, { env: { MODE: 'two' } }));
    await p.setSecret('web-secrets', { TOKEN: 'second' });
    expect((await p.berth(['deploy', 'web', '--tag', 'v2'])).code).toBe(0);
    p.write(shopConfig(p.namespace, { env: { MODE: 'three' } }));
    expect((await p.berth(['deploy', 'web', '--tag', 'v3'])).code).toBe(0);

    const back = await p.berth(['rollback', 'web', '--to', '1']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/web is back on r1 \(v1\) as r4/);
    expect(await runningSpec(p.namespace, 'web')).toEqual({ image: 'registry.test/shop:v1', env: { MODE: 'one' }, secrets: { TOKEN: 'first' } });

    const forward = await p.berth(['rollback', 'web', '--to', '3']);
    expect(forward.code).toBe(0);
    expect(await runningSpec(p.namespace, 'web')).toEqual({ image: 'registry.test/shop:v3', env: { MODE: 'three' }, secrets: { TOKEN: 'second' } });
    expect((await historyOf(p, 'web')).map((r) => `${r.revision}:${r.kind}:${r.result}`)).toEqual([
      '5:rollback:succeeded',
      '4:rollback:succeeded',
      '3:deploy:succeeded',
      '2:deploy:succeeded',
      '1:deploy:succeeded',
    ]);
  });
});
