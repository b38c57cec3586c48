// Proof that the test environment is a real control plane and a real Postgres:
// real controllers roll out Deployments, enforce progress deadlines, run CronJobs,
// authorize with RBAC and validate objects; kwok plays the kubelets.
import { readFileSync } from 'node:fs';
import { ApiException, KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { containerLogPath } from '../../testenv/kwok-config.ts';
import { KUBERNETES_VERSION } from '../../testenv/versions.ts';
import { describeCluster, kube, kubectl, requireEnv, useDatabase, useNamespace, waitFor, withClient } from './helpers.ts';

function deployment(name: string, image: string, extra: Partial<V1Deployment['spec']> = {}): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image }], terminationGracePeriodSeconds: 5 },
      },
      ...extra,
    },
  };
}

function condition(d: V1Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** Rejects with the API's HTTP status code, or resolves with 0 when the call succeeded. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describeCluster('test environment', () => {
  const ns = useNamespace('harness');
  /** A bare pod of one container in this file's namespace. */
  const createPod = (name: string, image: string, annotations?: Record<string, string>) =>
    kube().core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, annotations }, spec: { containers: [{ name: 'app', image }] } } });

  // Independent scenarios in one namespace; running them together keeps the
  // file as long as its slowest test (the CronJob schedule), not their sum.
  it.concurrent('serves a truthful /version', async () => {
    const version = JSON.parse(await kubectl(['get', '--raw', '/version'])) as { gitVersion: string };
    expect(version.gitVersion).toBe(KUBERNETES_VERSION);
    const nodes = await kube().core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(['berth-node-1', 'berth-node-2']);
  });

  it.concurrent('rolls a 3-replica Deployment out, then rolls out a new image', async () => {
    const { apps } = kube();
    const namespace = ns.name;
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 'registry.test/web:v1') });
    const available = await waitFor('3 available replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.availableReplicas === 3 && condition(d, 'Available')?.status === 'True' && d;
    });
    expect(available.status?.readyReplicas).toBe(3);

    const current = await apps.readNamespacedDeployment({ name: 'web', namespace });
    current.spec!.template.spec!.containers[0]!.image = 'registry.test/web:v2';
    const updated = await apps.replaceNamespacedDeployment({ name: 'web', namespace, body: current });

    const done = await waitFor('the rollout of v2 to complete', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const s = d.status;
      return (
        s?.observedGeneration === updated.metadata?.generation &&
        s?.updatedReplicas === 3 &&
        s?.replicas === 3 &&
        s?.availableReplicas === 3 &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        d
      );
    });
    expect(done.status?.unavailableReplicas ?? 0).toBe(0);

    const sets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
    const byImage = Object.fromEntries(sets.items.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.status?.replicas ?? 0]));
    expect(byImage).toEqual({ 'registry.test/web:v1': 0, 'registry.test/web:v2': 3 });
    // The old pods really went away (kwok deleted them once marked for deletion).
    await waitFor('only v2 pods left', async () => {
      const pods = await kube().core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return pods.items.length === 3 && pods.items.every((p) => p.spec?.containers[0]?.image === 'registry.test/web:v2');
    });
  });

  it.concurrent('never completes a rollout whose image cannot be pulled', async () => {
    const { apps, core } = kube();
    const namespace = ns.name;
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('broken', 'registry.test/web:pullfail', { replicas: 2, progressDeadlineSeconds: 5 }),
    });
    const stuck = await waitFor('ProgressDeadlineExceeded', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'broken', namespace });
      return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && d;
    });
    expect(condition(stuck, 'Progressing')?.status).toBe('False');
    expect(stuck.status?.availableReplicas ?? 0).toBe(0);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=broken' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
    }
  });

  it.concurrent('restarts a crashing container again and again (CrashLoopBackOff)', async () => {
    const { core } = kube();
    const namespace = ns.name;
    await createPod('crasher', 'registry.test/app:crashloop');
    const seen = new Set<string>();
    const pod = await waitFor(
      'restartCount >= 2',
      async () => {
        const p = await core.readNamespacedPod({ name: 'crasher', namespace });
        const reason = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        if (reason) seen.add(reason);
        return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(seen).toContain('CrashLoopBackOff');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
  });

  it.concurrent('keeps a never-ready pod Running but not Ready', async () => {
    const { core } = kube();
    const namespace = ns.name;
    await createPod('sleepy', 'registry.test/app:v1', { 'berth.dev/test-behaviour': 'never-ready' });
    const ready = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await waitFor('phase Running', async () => (await core.readNamespacedPod({ name: 'sleepy', namespace })).status?.phase === 'Running');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const pod = await core.readNamespacedPod({ name: 'sleepy', namespace });
    expect(pod.status?.phase).toBe('Running');
    expect(ready(pod)).toBe('False');
  });

  it.concurrent('makes a pod whose tag ends in -steady Ready after a fixed delay (the deploy bench)', async () => {
    const { core } = kube();
    const namespace = ns.name;
    await createPod('steady', 'registry.test/app:r7-steady');
    const ready = await waitFor('Ready', async () => {
      const p = await core.readNamespacedPod({ name: 'steady', namespace });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p;
    });
    expect(ready.status?.phase).toBe('Running');
    // Its own stage, not the normal one with its spread.
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=steady' });
    expect(events.items.map((e) => e.message)).toContain('Started container (steady)');
  });

  it.concurrent('runs Jobs to completion, fails failing ones, and schedules CronJobs', async () => {
    const { batch } = kube();
    const namespace = ns.name;
    const jobTemplate = {
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'registry.test/task:v1' }] } },
      },
    };
    const cron = await batch.createNamespacedCronJob({
      namespace,
      body: { metadata: { name: 'tick' }, spec: { schedule: '* * * * *', jobTemplate } },
    });
    expect(cron.spec?.schedule).toBe('* * * * *');

    // A Job made from the CronJob's template, as `kubectl create job --from=cronjob/tick` does.
    await batch.createNamespacedJob({ namespace, body: { metadata: { name: 'tick-manual' }, spec: jobTemplate.spec } });
    const complete = await waitFor('Job tick-manual to complete', async () => {
      const job = await batch.readNamespacedJob({ name: 'tick-manual', namespace });
      return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && job;
    });
    expect(complete.status?.succeeded).toBe(1);

    const failing = {
      ...jobTemplate.spec,
      template: { spec: { ...jobTemplate.spec.template.spec, containers: [{ name: 'task', image: 'registry.test/task:fail' }] } },
    };
    await batch.createNamespacedJob({ namespace, body: { metadata: { name: 'migrate-broken' }, spec: failing } });
    const failed = await waitFor('Job migrate-broken to fail', async () => {
      const job = await batch.readNamespacedJob({ name: 'migrate-broken', namespace });
      return job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') && job;
    });
    expect(failed.status?.failed).toBe(1);

    // The CronJob controller itself starts a Job at the next minute boundary.
    const scheduled = await waitFor(
      'the CronJob controller to create a Job',
      async () => {
        const jobs = await batch.listNamespacedJob({ namespace });
        return jobs.items.find((j) => j.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'));
      },
      { timeoutMs: 75_000, intervalMs: 1_000 },
    );
    await waitFor('the scheduled Job to complete', async () => {
      const job = await batch.readNamespacedJob({ name: scheduled.metadata!.name!, namespace });
      return job.status?.succeeded === 1;
    });
  }, 150_000);

  it.concurrent('answers kubectl logs with the configured lines', async () => {
    const { core } = kube();
    const namespace = ns.name;
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'talker' }, spec: { containers: [{ name: 'app', image: 'registry.test/app:v1' }] } },
    });
    await waitFor('pod talker Running', async () => (await core.readNamespacedPod({ name: 'talker', namespace })).status?.phase === 'Running');
    const expected = readFileSync(containerLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(3).join(' '));
    const logs = await kubectl(['logs', '-n', namespace, 'talker']);
    expect(logs.trim().split('\n')).toEqual(expected);
  });

  it.concurrent('denies a ServiceAccount outside its namespace (RBAC)', async () => {
    const { core, rbac } = kube();
    const namespace = ns.name;
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const admin = kube().config;
    const cluster = admin.getCurrentCluster()!;
    const asReader = new KubeConfig();
    asReader.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'reader', token: token.status!.token }],
      contexts: [{ name: 'reader', cluster: cluster.name, user: 'reader' }],
      currentContext: 'reader',
    });
    const reader = kube(asReader).core;

    expect(await statusOf(reader.listNamespacedPod({ namespace }))).toBe(0);
    expect(await statusOf(reader.listNamespacedPod({ namespace: 'default' }))).toBe(403);
    expect(await statusOf(reader.listNamespacedSecret({ namespace }))).toBe(403);
  });

  it.concurrent('rejects invalid objects in a server-side dry run, and stores nothing', async () => {
    const { apps, objects } = kube();
    const namespace = ns.name;
    const mismatched = deployment('invalid', 'registry.test/web:v1');
    mismatched.spec!.template.metadata!.labels = { app: 'something-else' };
    expect(await statusOf(apps.createNamespacedDeployment({ namespace, body: mismatched, dryRun: 'All' }))).toBe(422);

    const valid = deployment('dry', 'registry.test/web:v1');
    expect(await statusOf(apps.createNamespacedDeployment({ namespace, body: valid, dryRun: 'All' }))).toBe(0);
    expect(await statusOf(apps.readNamespacedDeployment({ name: 'dry', namespace }))).toBe(404);

    // The add-on CRDs are installed, with schemas: a Certificate without secretName is refused.
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web', namespace },
      spec: { dnsNames: ['web.example.test'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
    };
    expect(await statusOf(objects.create(certificate, undefined, 'All'))).toBe(422);
    expect(await statusOf(objects.create({ ...certificate, spec: { ...certificate.spec, secretName: 'web-tls' } }, undefined, 'All'))).toBe(0);
    for (const [apiVersion, kind] of [
      ['traefik.io/v1alpha1', 'Middleware'],
      ['traefik.io/v1alpha1', 'IngressRoute'],
      ['postgresql.cnpg.io/v1', 'Cluster'],
      ['postgresql.cnpg.io/v1', 'Pooler'],
      ['postgresql.cnpg.io/v1', 'Database'],
    ] as const) {
      expect(await statusOf(objects.list(apiVersion, kind, namespace)), `${kind} is served`).toBe(0);
    }
    const classes = JSON.parse(await kubectl(['get', 'ingressclass', '-o', 'json'])) as { items: { metadata: { name: string } }[] };
    expect(classes.items.map((c) => c.metadata.name).sort()).toEqual(['nginx', 'traefik']);
  });
});

describeCluster('test PostgreSQL', () => {
  const db = useDatabase('harness');

  it('accepts the test superuser in a database of its own', async () => {
    const rows = await withClient(db.url, async (client) => {
      await client.query('CREATE TABLE releases (id serial PRIMARY KEY, version text NOT NULL)');
      await client.query("INSERT INTO releases (version) VALUES ('v1'), ('v2')");
      return (await client.query<{ version: string; db: string }>('SELECT version, current_database() AS db FROM releases ORDER BY id')).rows;
    });
    expect(rows).toEqual([
      { version: 'v1', db: db.name },
      { version: 'v2', db: db.name },
    ]);
    const superuser = await withClient(requireEnv().pgUrl, async (client) => (await client.query('SHOW is_superuser')).rows[0]);
    expect(superuser).toEqual({ is_superuser: 'on' });
  });

  it('refuses a wrong password (scram auth is on)', async () => {
    const wrong = new URL(requireEnv().pgUrl);
    wrong.password = 'not-the-password';
    await expect(withClient(wrong.toString(), (client) => client.query('SELECT 1'))).rejects.toThrow(/password authentication failed/);
  });
});
