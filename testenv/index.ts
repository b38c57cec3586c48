// The test environment's API, for the vitest global setup and the README demo.
//   const env = await ensureUp();   // { kubeconfigPath, pgUrl, ... }
//   await down();
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binariesPresent, build } from './build.ts';
import { clusterDown, clusterStatus, clusterUp } from './cluster.ts';
import { withLock } from './lock.ts';
import { postgresDown, postgresHealthy, postgresUp, type PostgresInfo } from './postgres.ts';
import { envDir } from './paths.ts';
import { s3Up, s3Down } from './s3-env.ts';
import { isAlive, rssKiB } from './processes.ts';
import { say, step } from './run.ts';
import { clearState, readState, writeState, type TestEnv } from './state.ts';

export type { TestEnv } from './state.ts';
export { exportLines, readState } from './state.ts';
export { restartApiServer, type RestartOptions, type RestartResult } from './restart.ts';

/** Starts whatever is not running and healthy; the caller holds the lock. */
async function upLocked(): Promise<TestEnv> {
  if (!binariesPresent()) {
    say('binaries or CRDs missing: building them first (a cold build takes a while)');
    await build();
  }
  const previous = await readState();
  // Side by side: the API server spends seconds on the CRDs while initdb runs.
  const [clusterResult, postgresResult] = await Promise.allSettled([clusterUp(), ensurePostgres(previous?.postgres)]);
  if (clusterResult.status === 'rejected' || postgresResult.status === 'rejected') {
    // A Postgres started just now is in no state file yet: stop it rather than leave it running.
    if (postgresResult.status === 'fulfilled' && postgresResult.value.pid !== previous?.postgres.pid) await postgresDown(postgresResult.value);
    throw clusterResult.status === 'rejected' ? clusterResult.reason : (postgresResult as PromiseRejectedResult).reason;
  }
  const cluster = clusterResult.value;
  const postgres = postgresResult.value;
  const env: TestEnv = {
    kubeconfigPath: cluster.kubeconfigPath,
    kubeServer: cluster.server,
    pgUrl: postgres.url,
    postgres,
    s3: await s3Up(previous?.s3),
    cluster,
    startedAt: previous?.startedAt && previous.postgres.pid === postgres.pid ? previous.startedAt : new Date().toISOString(),
  };
  await writeState(env);
  return env;
}

async function ensurePostgres(previous: PostgresInfo | undefined): Promise<PostgresInfo> {
  if (previous && (await postgresHealthy(previous))) {
    say(`postgres: already running on port ${previous.port}`);
    return previous;
  }
  await postgresDown(previous);
  return step('postgres: initdb and start', postgresUp);
}

async function downLocked(): Promise<void> {
  const state = await readState();
  await step('cluster: stop', clusterDown);
  await step('postgres: stop', () => postgresDown(state?.postgres));
  await s3Down(state?.s3);
  await clearState();
  await rm(holdersDir, { recursive: true, force: true });
  await rm(autoStartedPath, { force: true });
}

async function isRunning(): Promise<boolean> {
  const s = await status();
  return s.cluster.running && s.postgres.running;
}

/**
 * Brings the cluster and Postgres up, reusing whatever is already running and
 * healthy. An environment started this way stays up until `down()`.
 */
export function ensureUp(): Promise<TestEnv> {
  return withLock(async () => {
    const env = await upLocked();
    await rm(autoStartedPath, { force: true });
    return env;
  });
}

/** Stops every process the environment started and removes its state. */
export function down(): Promise<void> {
  return withLock(downLocked);
}

// Test runs share one environment. Each run holds it while it runs; the last run
// to let go stops it, unless a person started it (`up`) or BERTH_KEEP_ENV=1.
const holdersDir = join(envDir, 'holders');
const autoStartedPath = join(envDir, 'auto-started');

/** For a test run: up (if needed) and registered as a user until `release()`. */
export function acquire(): Promise<TestEnv> {
  return withLock(async () => {
    const wasRunning = await isRunning();
    const env = await upLocked();
    if (!wasRunning) await writeFile(autoStartedPath, `${process.pid}\n`);
    await mkdir(holdersDir, { recursive: true });
    await writeFile(join(holdersDir, String(process.pid)), '');
    return env;
  });
}

export function release(): Promise<void> {
  return withLock(async () => {
    await rm(join(holdersDir, String(process.pid)), { force: true });
    const others = (await readdir(holdersDir).catch(() => [] as string[])).map(Number).filter(isAlive);
    if (others.length > 0 || !existsSync(autoStartedPath) || process.env.BERTH_KEEP_ENV === '1') return;
    await downLocked();
  });
}

export interface Status {
  cluster: { running: boolean; pids: Record<string, number> };
  postgres: { running: boolean; pid?: number; port?: number };
  /** Resident memory of all processes together, MiB. */
  rssMiB: number;
}

export async function status(): Promise<Status> {
  const state = await readState();
  const cluster = await clusterStatus();
  const pgRunning = await postgresHealthy(state?.postgres);
  const pids = [...Object.values(cluster.pids), ...(pgRunning && state ? [state.postgres.pid] : [])];
  const pgChildren = pgRunning && state ? await childPids(state.postgres.pid) : [];
  const rss = (await Promise.all([...pids, ...pgChildren].map(rssKiB))).reduce((a, b) => a + b, 0);
  return {
    cluster,
    postgres: { running: pgRunning, pid: state?.postgres.pid, port: state?.postgres.port },
    rssMiB: Math.round(rss / 1024),
  };
}

/** Postgres forks a process per backend and helper; count them too. */
async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}
