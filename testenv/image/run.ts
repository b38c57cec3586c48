// Runs berth's image the way the cluster would, beside the kwok cluster (whose pods run nothing):
// `podman run --rm --network=host`, so the container reaches the test PostgreSQL and S3 server on
// 127.0.0.1. Secrets travel in podman's environment and are named (never valued) in argv.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container } from '@kubernetes/client-node';
import { IMAGE, runImage } from './build.ts';
import { ensurePodmanConfig, podman, podmanEnv } from './podman.ts';

export interface Mount {
  /** Directory or file on the host. */
  source: string;
  /** Where it appears in the container. */
  target: string;
  readOnly?: boolean;
}

export interface RunInImageOptions {
  /** The container's environment: passed to podman's own environment and named with `--env NAME`. */
  env?: Record<string, string>;
  mounts?: Mount[];
  /** Replaces the image's ENTRYPOINT (`berth`), as a Kubernetes `command` does; argv is then its args. */
  entrypoint?: string[];
  image?: string;
  workdir?: string;
  user?: string;
  /** Kubernetes `securityContext` translated: dropped capabilities, no privilege escalation, read-only root. */
  security?: V1Container['securityContext'];
  /** A Kubernetes memory quantity ("512Mi"): the container is killed beyond it, as in a pod. */
  memoryLimit?: string;
  timeoutMs?: number;
  input?: string;
}

export interface ImageRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The podman argv, for failure messages (it holds no secret values). */
  argv: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `podman run` argv for one container run; pure, so a test can check what it says. */
export function podmanRunArgs(argv: readonly string[], options: RunInImageOptions = {}): string[] {
  const args = ['run', '--rm', '--network=host', '--pull=never'];
  if (options.input !== undefined) args.push('--interactive');
  for (const name of Object.keys(options.env ?? {}).sort()) {
    if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: "${name}"`);
    args.push('--env', name);
  }
  for (const mount of options.mounts ?? []) {
    args.push('--volume', `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`);
  }
  const security = options.security;
  for (const cap of security?.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of security?.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (security?.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (security?.readOnlyRootFilesystem) args.push('--read-only');
  const user = options.user ?? (security?.runAsUser !== undefined ? String(security.runAsUser) : undefined);
  if (user !== undefined) args.push('--user', user);
  if (options.memoryLimit) args.push('--memory', String(quantityBytes(options.memoryLimit)));
  if (options.workdir) args.push('--workdir', options.workdir);
  if (options.entrypoint) args.push('--entrypoint', JSON.stringify(options.entrypoint));
  args.push(options.image ?? runImage(), ...argv);
  return args;
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity this helper understands: "${quantity}"`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? '']!);
}

/**
 * Runs ARGV in berth's image (by default `berth ARGV`, the image's entrypoint) and resolves with
 * the exit code and output; it never rejects for a non-zero exit, so tests can assert failures.
 */
export async function runInImage(argv: readonly string[], options: RunInImageOptions = {}): Promise<ImageRun> {
  await ensurePodmanConfig();
  const args = podmanRunArgs(argv, options);
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, {
      env: podmanEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, argv: ['podman', ...args] }));
  });
}

/**
 * Runs a rendered container (an init container, a CronJob's container) as the kubelet would: its
 * `command` as the entrypoint and `args` after it, its security context and memory limit, the environment the
 * caller resolved from the container's env/envFrom (Secrets and ConfigMaps read from the cluster),
 * and host directories standing in for its volume mounts, by mount path.
 */
export function runContainer(
  container: V1Container,
  options: { env: Record<string, string>; volumes?: Record<string, string>; image?: string; timeoutMs?: number },
): Promise<ImageRun> {
  const mounts = (container.volumeMounts ?? []).map((mount) => {
    const source = options.volumes?.[mount.name];
    if (!source) throw new Error(`container ${container.name} mounts volume "${mount.name}": give a host directory for it`);
    return { source, target: mount.mountPath, readOnly: mount.readOnly };
  });
  return runInImage(container.args ?? [], {
    entrypoint: container.command,
    env: options.env,
    mounts,
    security: container.securityContext,
    memoryLimit: container.resources?.limits?.memory,
    workdir: container.workingDir,
    // The configured tag stands for this process's build of it (runImage).
    image: options.image ?? (container.image === IMAGE ? runImage() : container.image),
    timeoutMs: options.timeoutMs,
  });
}

export interface Started {
  /** The container's name (`podman logs NAME`, `podman exec NAME …`). */
  name: string;
  /** Output so far. */
  logs(): Promise<string>;
  /** Stops it (SIGTERM, then SIGKILL after `graceSeconds`); --rm removes it. Safe to call twice. */
  stop(graceSeconds?: number): Promise<void>;
}

/**
 * Starts a long-running process in the image (a web server, say) detached, on the host network;
 * the caller stops it (in afterAll). Same options as runInImage.
 */
export async function startInImage(argv: readonly string[], options: RunInImageOptions = {}): Promise<Started> {
  const name = `berth-test-${randomBytes(4).toString('hex')}`;
  const args = podmanRunArgs(argv, options);
  args.splice(1, 0, '--detach', '--name', name);
  await podman(args, { env: options.env, timeoutMs: options.timeoutMs ?? 60_000 });
  let stopped = false;
  return {
    name,
    logs: async () => {
      const { stdout, stderr } = await podman(['logs', name]);
      return stdout + stderr;
    },
    stop: async (graceSeconds = 5) => {
      if (stopped) return;
      stopped = true;
      await podman(['stop', '--ignore', '--time', String(graceSeconds), name], { timeoutMs: (graceSeconds + 30) * 1000 });
      // --rm removes it in the background after stop returns; remove it now, so "stopped" means gone.
      await podman(['rm', '--force', '--ignore', name]).catch(() => undefined);
      const exists = () =>
        podman(['container', 'exists', name]).then(
          () => true,
          () => false,
        );
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await exists())) await sleep(100);
    },
  };
}
