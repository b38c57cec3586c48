// One `up` or `down` at a time (two test runs starting together, say). Generous
// timeout: the holder may be doing a cold build.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { envDir } from './paths.ts';
import { isAlive } from './processes.ts';
import { say } from './run.ts';

const defaultLockDir = join(envDir, 'lock');

/** `lockDir` names another lock (the image build has its own, beside its cache). */
export async function withLock<T>(fn: () => Promise<T>, { timeoutMs = 45 * 60_000, lockDir = defaultLockDir } = {}): Promise<T> {
  await mkdir(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) && !isAlive(holder)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`testenv is locked by process ${holder} (${lockDir})`);
      if (!announced) say(`waiting for process ${holder} to finish with the test environment`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
