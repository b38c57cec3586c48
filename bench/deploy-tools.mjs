// The deploy bench's drivers: the same apps deployed by `berth deploy` (the built CLI in a temp
// project, as a user runs it), by Helm 4 (the rendered objects packed as a chart) and by kubectl
// 1.34 (`apply --server-side` + `rollout status`). Every command is spawned asynchronously, so the
// bench's own observer keeps watching while it runs; each returns its wall time and exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/validate.ts';
import { render } from '../src/render/index.ts';
import { writeChart } from './helm-chart.mjs';

const root = new URL('..', import.meta.url).pathname;
const berthBin = join(root, 'bin', 'berth.js');
const TIME = '/usr/bin/time';

/**
 * Runs argv; resolves with wall ms (from spawn to exit), exit code and output. `onLine` sees each
 * stdout line as it arrives; `rss` wraps the command in GNU time for its peak RSS (KiB).
 */
export function run(argv, { env, cwd, input, onLine, rss = false } = {}) {
  const rssFile = rss ? join(mkdtempSync(join(tmpdir(), 'berth-bench-rss-')), 'rss') : undefined;
  const full = rssFile ? [TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const started = performance.now();
    const child = spawn(full[0], full.slice(1), { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      if (!onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line) onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const ms = performance.now() - started;
      let rssKiB;
      if (rssFile) {
        rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        rmSync(join(rssFile, '..'), { recursive: true, force: true });
      }
      resolve({ ms, status, stdout, stderr, startedAt, endedAt: Date.now(), rssKiB });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** A failed step the bench cannot go on without. */
export function check(result, what) {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
  return result;
}

/**
 * The benchmark's berth config: `apps` apps of two replicas, each with a domain (and, by berth's
 * defaults, a cert-manager Certificate and Traefik Middleware beside its Ingress), no database.
 */
export function benchConfig(namespace, apps) {
  return {
    database: { mode: 'external', host: '10.0.0.2', admin: { env: 'PG_ADMIN_URL' } },
    environments: { bench: { namespace } },
    apps: Object.fromEntries(
      apps.map((app) => [
        app,
        {
          image: `registry.test/${app}`,
          port: 8080,
          replicas: 2,
          domains: [`${app}.bench.test`],
          env: { NODE_ENV: 'production' },
          health: { path: '/healthz' },
        },
      ]),
    ),
  };
}

/** What berth would render for these apps and tag: the objects the peers deploy. */
export function renderObjects(namespace, apps, tag, only) {
  const { config } = validateConfig(benchConfig(namespace, apps));
  return render(config, 'bench', { tags: Object.fromEntries(apps.map((a) => [a, tag])), apps: only });
}

/** A throwaway berth project (berth.config.json in a temp dir) deploying into its own namespace. */
export function berthProject({ namespace, apps, kubeconfig, node }) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-deploy-'));
  writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(benchConfig(namespace, apps), null, 2));
  const env = { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' };
  return {
    dir,
    /** `berth deploy --json --tag TAG`; `onEvent` sees each NDJSON event as it arrives. */
    async deploy(tag, { onEvent, rss, timeout } = {}) {
      const events = [];
      const argv = [node, berthBin, 'deploy', '--json', '--tag', tag, ...(timeout ? ['--timeout', timeout] : [])];
      const result = await run(argv, {
        env,
        cwd: dir,
        rss,
        onLine(line) {
          let event;
          try {
            event = JSON.parse(line);
          } catch {
            return;
          }
          events.push(event);
          onEvent?.(event);
        },
      });
      return { ...result, events };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Helm releases of rendered objects: one chart per release, in `work`. */
export function helmDeployer({ helm, env, work }) {
  return (release, namespace, objects, { tag, timeout = '300s', extra = [] } = {}) => {
    const { dir } = writeChart(join(work, `chart-${namespace}-${release}`), { name: release, appVersion: tag, objects });
    return run([helm, 'upgrade', '--install', release, dir, '--namespace', namespace, '--create-namespace', '--wait', '--timeout', timeout, ...extra], { env });
  };
}

/** `kubectl apply --server-side` of the objects, then `kubectl rollout status` of each Deployment in turn, as a script would. */
export function kubectlDeployer({ kubectl, env }) {
  return async (namespace, objects, { timeout = '300s' } = {}) => {
    const started = performance.now();
    const startedAt = Date.now();
    const apply = check(
      await run([kubectl, 'apply', '--server-side', '-f', '-'], { env, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }),
      'kubectl apply',
    );
    let last = apply;
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      last = await run([kubectl, 'rollout', 'status', `deployment/${d.metadata.name}`, '-n', namespace, `--timeout=${timeout}`], { env });
      if (last.status !== 0) break;
    }
    return { ms: performance.now() - started, status: last.status, stdout: last.stdout, stderr: last.stderr, startedAt, endedAt: Date.now() };
  };
}
