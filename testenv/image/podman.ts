// podman with settings of its own, so building and running berth's image here touches nothing
// shared: its storage, run state and configuration live under ~/.cache/berth/image, found by
// podman through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';
import { run, type RunOptions, type RunResult } from '../run.ts';

export const imageDir = join(cacheDir, 'image');
const storageDir = join(imageDir, 'storage');
const runDir = join(imageDir, 'run');
const containersConfPath = join(imageDir, 'containers.conf');
const storageConfPath = join(imageDir, 'storage.conf');

/**
 * The sandboxes this runs in lack CAP_SYS_RESOURCE, so podman's default ulimits (nofile 1048576,
 * nproc 4194304) fail with "setrlimit ... Operation not permitted": ask for what we have.
 * crun 1.8 refuses this kernel's hybrid cgroups; runc works. `netns = "none"` keeps a plain
 * `podman run` from creating a bridge, iptables chains and turning on ip_forward on the host:
 * callers that need the network say `--network=host`.
 */
function containersConf(): string {
  const nofile = hardNofile();
  return `# Written by testenv/image/podman.ts; rewritten on every use.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "${join(runDir, 'libpod')}"
volume_path = "${join(storageDir, 'volumes')}"
`;
}

function storageConf(): string {
  return `# Written by testenv/image/podman.ts; rewritten on every use.
[storage]
driver = "overlay"
graphroot = "${storageDir}"
runroot = "${join(runDir, 'storage')}"
`;
}

function hardNofile(): number {
  try {
    const value = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    const n = Number(value);
    // "unlimited" or nonsense: a value every kernel accepts.
    return Number.isInteger(n) && n > 0 ? Math.min(n, 1_048_576) : 1024;
  } catch {
    return 1024;
  }
}

/** Writes the two configuration files when they differ from what this machine needs. */
export async function ensurePodmanConfig(): Promise<void> {
  await mkdir(runDir, { recursive: true });
  for (const [path, text] of [
    [containersConfPath, containersConf()],
    [storageConfPath, storageConf()],
  ] as const) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== text) await writeFile(path, text);
  }
}

/** The environment every podman call gets: the private configuration, nothing else changed. */
export function podmanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: containersConfPath, CONTAINERS_STORAGE_CONF: storageConfPath, ...extra };
}

export function podmanInstalled(): boolean {
  return ['/usr/bin/podman', '/usr/local/bin/podman'].some((path) => existsSync(path));
}

/** Runs `podman ARGS` with the private configuration (written first). */
export async function podman(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  await ensurePodmanConfig();
  return run(['podman', ...args], { ...options, env: podmanEnv(options.env) });
}

/** True when the image (name:tag) is in the private storage. */
export async function imageExists(ref: string): Promise<boolean> {
  if (!podmanInstalled()) return false;
  return podman(['image', 'exists', ref]).then(
    () => true,
    () => false,
  );
}
