// Restarts the test cluster's kube-apiserver, for tests of clients that must survive one (a
// deploy watching a rollout while the API server goes away). kwokctl's CLI restarts only whole
// clusters, so this does what its binary runtime does for one component: the same binary, argv,
// environment and working directory, output appended to its log, its PID file rewritten (so
// `down` still stops it by PID). etcd, the controllers, the scheduler and kwok keep running.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterDir, clusterPids, kubectl, warmCustomResources } from './cluster.ts';
import { isAlive } from './processes.ts';
import { readState, writeState } from './state.ts';

const COMPONENT = 'kube-apiserver';

export interface RestartOptions {
  /** SIGKILL (a crash: connections drop without a goodbye) or SIGTERM (a graceful shutdown). */
  signal?: 'SIGKILL' | 'SIGTERM';
  /** How long the API server stays down before it starts again. */
  downForMs?: number;
  /** How long to wait for /readyz after the start. */
  readyTimeoutMs?: number;
}

export interface RestartResult {
  oldPid: number;
  newPid: number;
  /** From the signal until /readyz answered ok again. */
  outageMs: number;
}

/**
 * True once every thread of the process has exited. A killed Go program's main thread turns
 * zombie while other threads still hold its files, the listening socket among them; starting
 * the new server then fails with "address already in use".
 */
async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const threads = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    if (threads.length === 0 || (threads.length === 1 && !isAlive(pid))) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

function nulSeparated(text: string): string[] {
  return text.split('\0').filter((part) => part.length > 0);
}

/** What kwokctl started the process with, read back from /proc. */
async function launchOf(pid: number): Promise<{ argv: string[]; env: NodeJS.ProcessEnv; cwd: string }> {
  const argv = nulSeparated(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  const env = Object.fromEntries(
    nulSeparated(await readFile(`/proc/${pid}/environ`, 'utf8')).map((entry) => {
      const at = entry.indexOf('=');
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  return { argv, env, cwd: await readlink(`/proc/${pid}/cwd`) };
}

async function readyz(): Promise<boolean> {
  try {
    const { stdout } = await kubectl(['get', '--raw', '/readyz'], 5_000);
    return stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

/** Stops the API server, starts it again with the same flags, and waits until it is ready. */
export async function restartApiServer({ signal = 'SIGKILL', downForMs = 0, readyTimeoutMs = 60_000 }: RestartOptions = {}): Promise<RestartResult> {
  const oldPid = (await clusterPids())[COMPONENT];
  if (oldPid === undefined) throw new Error(`${COMPONENT} is not running (is the test environment up?)`);
  const { argv, env, cwd } = await launchOf(oldPid);
  const [binary, ...args] = argv;
  if (!binary) throw new Error(`cannot read how ${COMPONENT} (PID ${oldPid}) was started`);

  const t0 = Date.now();
  process.kill(oldPid, signal);
  if (!(await waitUntilGone(oldPid, 30_000))) throw new Error(`${COMPONENT} (PID ${oldPid}) did not exit after ${signal}`);
  if (downForMs > 0) await sleep(downForMs);

  const log = openSync(join(clusterDir, 'logs', `${COMPONENT}.log`), 'a');
  let newPid: number | undefined;
  try {
    // Detached (its own session), like kwokctl's fork: it outlives this process until `down`.
    const child = spawn(binary, args, { cwd, env, detached: true, stdio: ['ignore', log, log] });
    child.unref();
    newPid = child.pid;
  } finally {
    closeSync(log);
  }
  if (newPid === undefined) throw new Error(`could not start ${binary}`);
  await writeFile(join(clusterDir, 'pids', `${COMPONENT}.pid`), String(newPid));

  const deadline = Date.now() + readyTimeoutMs;
  while (!(await readyz())) {
    if (!isAlive(newPid)) throw new Error(`${COMPONENT} exited after the restart; see ${join(clusterDir, 'logs', `${COMPONENT}.log`)}`);
    if (Date.now() > deadline) throw new Error(`${COMPONENT} was not ready ${readyTimeoutMs / 1000}s after the restart`);
    await sleep(100);
  }
  const outageMs = Date.now() - t0;
  // A new API server answers 429 for each custom resource until its storage is ready.
  await warmCustomResources();

  // state.json lists the PIDs for `status`; keep it truthful.
  const state = await readState();
  if (state) await writeState({ ...state, cluster: { ...state.cluster, pids: { ...state.cluster.pids, [COMPONENT]: newPid } } });
  return { oldPid, newPid, outageMs };
}
