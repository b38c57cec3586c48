// Checks on processes the environment started, by PID (Linux /proc).
import { readFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it is not running.
  return processState(pid) !== 'Z';
}

function processState(pid: number): string | undefined {
  try {
    // Synchronous on purpose: /proc reads do not block.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Base name of the running executable, to tell our process from a recycled PID. */
export async function commandName(pid: number): Promise<string | undefined> {
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
  return exe
    ?.replace(/ \(deleted\)$/, '')
    .split('/')
    .pop();
}

/** Resident memory in KiB, 0 when the process is gone. */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match?.[1] ? Number(match[1]) : 0;
}

/** Waits until none of the PIDs is alive; returns those still alive at the deadline. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** SIGTERM (or the given signal), then SIGKILL whatever is left after the grace period. */
export async function stopProcesses(pids: readonly number[], { signal = 'SIGTERM' as NodeJS.Signals, graceMs = 10_000 } = {}): Promise<void> {
  for (const pid of pids.filter(isAlive)) process.kill(pid, signal);
  const stubborn = await waitForExit(pids, graceMs);
  for (const pid of stubborn) process.kill(pid, 'SIGKILL');
  const left = await waitForExit(stubborn, 5_000);
  if (left.length > 0) throw new Error(`processes still running after SIGKILL: ${left.join(', ')}`);
}
