// A real S3-compatible server on loopback for the backup tests: versitygw's posix backend over a
// temporary directory, a random port, random root credentials and one bucket. `up` starts one
// for the environment (its details in state.json); a test that kills the server mid-upload starts
// its own with startS3Server().
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandName, isAlive, stopProcesses } from './processes.ts';
import { versitygwBinary } from './s3-build.ts';

export interface S3Info {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Created empty at start. */
  bucket: string;
  pid: number;
  /** The posix backend's root: one directory per bucket. */
  dataDir: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts versitygw; `port` reuses a port (a restart after a kill). */
export async function startS3Server(
  options: { dataDir?: string; port?: number; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): Promise<S3Info> {
  if (!existsSync(versitygwBinary)) throw new Error(`versitygw is not built (${versitygwBinary}): npm run testenv -- build`);
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-s3-')));
  const bucket = 'berth-backups';
  await mkdir(join(dataDir, 'root', bucket), { recursive: true });
  const port = options.port ?? (await freePort());
  const accessKeyId = options.credentials?.accessKeyId ?? `berth${randomBytes(6).toString('hex')}`;
  const secretAccessKey = options.credentials?.secretAccessKey ?? randomBytes(24).toString('base64url');
  const logPath = join(dataDir, 'versitygw.log');
  const log = openSync(logPath, 'a');
  // Credentials through the environment, not argv (they would show in ps).
  const child = spawn(versitygwBinary, ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', join(dataDir, 'root')], {
    env: { PATH: process.env.PATH, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('versitygw did not start');
  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (!isAlive(pid) || Date.now() > deadline) {
      throw new Error(`versitygw did not listen on ${port}:\n${readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n')}`);
    }
    await sleep(50);
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, region: 'us-east-1', accessKeyId, secretAccessKey, bucket, pid, dataDir };
}

export async function s3Healthy(info: S3Info | undefined): Promise<boolean> {
  if (!info || !isAlive(info.pid) || (await commandName(info.pid)) !== 'versitygw') return false;
  return accepts(info.port);
}

/** SIGKILL stops it the way a crash would; the data directory stays unless `removeData`. */
export async function stopS3Server(info: S3Info | undefined, options: { signal?: NodeJS.Signals; removeData?: boolean } = {}): Promise<void> {
  if (!info) return;
  if (isAlive(info.pid) && (await commandName(info.pid)) === 'versitygw') {
    await stopProcesses([info.pid], { signal: options.signal ?? 'SIGTERM', graceMs: 5_000 });
  }
  if (options.removeData !== false && info.dataDir.startsWith(join(tmpdir(), 'berth-s3-'))) await rm(info.dataDir, { recursive: true, force: true });
}
