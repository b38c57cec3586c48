/**
 * `berth logs` against the real control plane (kwok serves every container the fixture log
 * testenv/fixtures/container.log, four lines): every pod of every app with its prefix, init
 * containers included; -f picks up the pods of a rollout and drops the old ones, follows a
 * restarted container, and resumes cut connections without repeating a line.
 */
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { LOGS } from '../../testenv/kwok-config.ts';
import { type ApiProxy, startApiProxy } from './api-proxy.ts';
import { type Project, project } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv, waitFor } from './helpers.ts';

const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').slice(3).join(' '));
const FIXTURE = logLines(LOGS.container);
/** kwok answers for the migrate init container with a log of its own. */
const MIGRATE = logLines(LOGS.migrate);

let proxy: ApiProxy;
const projects: Project[] = [];
beforeAll(async () => {
  proxy = await startApiProxy(requireEnv().kubeconfigPath);
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(projects.map((p) => p.cleanup()));
});

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `berth logs -f …` running in-process until stopped, as a person leaves it open. */
function follow(p: Project, args: string[], kubeconfig = requireEnv().kubeconfigPath) {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const stdin = new PassThrough();
  stdin.end();
  const done = runCli(['logs', '-f', ...args], {
    cwd: p.dir,
    env: { NO_COLOR: '1', KUBECONFIG: kubeconfig },
    stdout,
    stderr,
    stdin,
    signal: controller.signal,
  });
  return {
    stdout,
    stderr,
    /** Ends by itself only on an error. */
    done,
    async stop() {
      controller.abort();
      return done;
    },
  };
}

/** Lines per prefix. */
function byPrefix(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^(\[[^\]]+\]) (.*)$/.exec(line);
    if (!match) throw new Error(`unprefixed line: ${line}`);
    map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

async function podNames(namespace: string, selector: string): Promise<string[]> {
  const pods = await kube().core.listNamespacedPod({ namespace, labelSelector: selector });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
}

const suffix = (pod: string) => pod.slice(pod.lastIndexOf('-') + 1);

async function deployed(prefix: string, apps: object): Promise<Project> {
  const p = project(prefix);
  projects.push(p);
  p.write({ cluster: { certIssuer: false }, environments: { staging: { namespace: p.namespace } }, apps });
  const result = await p.berth(['deploy', '--tag', 'v1']);
  expect(result.code, result.stderr).toBe(0);
  return p;
}

describeCluster('berth logs', () => {
  it('prints every line of every pod of every app, prefixed [app/process/pod], init containers included', async () => {
    const p = await deployed('lgall', {
      shop: { image: 'registry.test/shop', port: 3000, replicas: 2, migrate: { command: ['migrate'] } },
      jobs: { image: 'registry.test/jobs', processes: { worker: { command: ['work'] } } },
    });
    const result = await p.berth(['logs']);
    expect(result.code, result.stderr).toBe(0);
    const output = byPrefix(result.stdout);
    const shopPods = await podNames(p.namespace, 'berth.dev/app=shop');
    const workerPods = await podNames(p.namespace, 'berth.dev/app=jobs');
    expect(shopPods).toHaveLength(2);
    const expected = [
      ...shopPods.flatMap((pod) => [`[shop/web/${suffix(pod)}:migrate]`, `[shop/web/${suffix(pod)}]`]),
      ...workerPods.map((pod) => `[jobs/worker/${suffix(pod)}]`),
    ];
    expect([...output.keys()].sort()).toEqual(expected.sort());
    for (const prefix of expected) expect(output.get(prefix)).toEqual(prefix.endsWith(':migrate]') ? MIGRATE : FIXTURE);

    const one = await p.berth(['logs', 'jobs/worker', '--grep', '^GET', '--json']);
    expect(
      one.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ app: 'jobs', process: 'worker', pod: workerPods[0], container: 'worker', time: '2026-01-01T00:00:02.000000000Z', line: 'GET /healthz 200' }]);
    const tail = await p.berth(['logs', 'shop', '--tail', '1']);
    expect([...byPrefix(tail.stdout).values()].every((l) => l.length === 1)).toBe(true);

    // More streams than allowed: a clear refusal naming the flag, before anything streams.
    const capped = follow(p, ['shop', '--max-log-requests', '3']);
    expect(await capped.done).toBe(2);
    expect(capped.stderr.text).toMatch(/4 containers match, more than --max-log-requests 3 streams at once/);
    expect(capped.stdout.text).toBe('');
  });

  it('-f picks up the pods of a rollout and drops the old ones, and follows a restarted container', async () => {
    const p = await deployed('lgfollow', { shop: { image: 'registry.test/shop', port: 3000, replicas: 2 } });
    const before = await podNames(p.namespace, 'berth.dev/app=shop');
    const logs = follow(p, ['shop']);
    try {
      await waitFor('lines of both pods', async () => byPrefix(logs.stdout.text).size === 2);
      const rolled = await p.berth(['deploy', 'shop', '--tag', 'v2']);
      expect(rolled.code, rolled.stderr).toBe(0);
      const after = await podNames(p.namespace, 'berth.dev/app=shop');
      expect(after.some((pod) => before.includes(pod))).toBe(false);
      await waitFor('lines of the new pods, the old ones stopped', async () => {
        const prefixes = [...byPrefix(logs.stdout.text).keys()];
        return (
          after.every((pod) => prefixes.includes(`[shop/web/${suffix(pod)}]`)) &&
          before.every((pod) => logs.stderr.text.includes(`- [shop/web/${suffix(pod)}] pod gone`))
        );
      });
      // Each pod's lines exactly once.
      for (const [, lines] of byPrefix(logs.stdout.text)) expect(lines).toEqual(FIXTURE.slice(-lines.length));
    } finally {
      expect(await logs.stop()).toBe(0);
    }

    // A crash-looping container: each restart is a new container with a log of its own.
    const crashing = await p.berth(['deploy', 'shop', '--tag', 'crashloop', '--no-rollback', '--timeout', '20s']);
    expect(crashing.code).toBe(1);
    const restarts = follow(p, ['shop']);
    try {
      await waitFor('a restarted container followed', async () => /restarted: following the new container/.test(restarts.stderr.text), { timeoutMs: 60_000 });
    } finally {
      expect(await restarts.stop()).toBe(0);
    }
  });

  it('resumes streams cut mid-way without repeating a line', async () => {
    const p = await deployed('lgresume', { shop: { image: 'registry.test/shop', port: 3000, replicas: 2 } });
    const logs = follow(p, ['shop'], proxy.kubeconfigPath);
    try {
      await waitFor('every line of both pods', async () => [...byPrefix(logs.stdout.text).values()].filter((l) => l.length === FIXTURE.length).length === 2);
      for (let cut = 1; cut <= 2; cut++) {
        const reconnects = (logs.stderr.text.match(/connection dropped/g) ?? []).length;
        // Both log streams (and the pod watch) are open again before each cut.
        await waitFor('the streams to be open', async () => proxy.openStreams() >= 3);
        expect(proxy.cutStreams()).toBeGreaterThanOrEqual(3);
        await waitFor('the streams to resume', async () => (logs.stderr.text.match(/connection dropped/g) ?? []).length >= reconnects + 2);
      }
      // Give a repeat the chance to show.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const lines = byPrefix(logs.stdout.text);
      expect(lines.size).toBe(2);
      for (const [, seen] of lines) expect(seen).toEqual(FIXTURE);
    } finally {
      expect(await logs.stop()).toBe(0);
    }
  });
});
