// A throwaway PostgreSQL on 127.0.0.1 from Debian's server binaries: initdb into a
// temporary directory, a random free port, scram password auth, one superuser.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandName, isAlive, stopProcesses } from './processes.ts';
import { run } from './run.ts';

export interface PostgresInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
  pid: number;
  dataDir: string;
  binDir: string;
}

const SUPERUSER = 'berth_test';

/** Newest /usr/lib/postgresql/<major>/bin with a server, or BERTH_PG_BIN. */
export function findPostgresBin(): string {
  if (process.env.BERTH_PG_BIN) return process.env.BERTH_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] === undefined) {
    throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql (or set BERTH_PG_BIN)');
  }
  return join(root, majors[0], 'bin');
}

/**
 * initdb and postgres refuse to run as root. As root we run them as the
 * "postgres" system user (Debian's package creates it), else as "nobody".
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  const entry = passwd.find((f) => f[0] === 'postgres') ?? passwd.find((f) => f[0] === 'nobody');
  if (!entry) throw new Error('running as root needs a "postgres" or "nobody" user for the database server');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
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

async function isReady(binDir: string, port: number): Promise<boolean> {
  try {
    await run([join(binDir, 'pg_isready'), '-q', '-h', '127.0.0.1', '-p', String(port)], { timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when the recorded server is still ours, alive and accepting connections. */
export async function postgresHealthy(info: PostgresInfo | undefined): Promise<boolean> {
  if (!info || !isAlive(info.pid) || (await commandName(info.pid)) !== 'postgres') return false;
  return isReady(info.binDir, info.port);
}

export async function postgresUp(): Promise<PostgresInfo> {
  const binDir = findPostgresBin();
  const owner = serverUser();
  const baseDir = await mkdtemp(join(tmpdir(), 'berth-pg-'));
  const dataDir = join(baseDir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(baseDir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(baseDir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  await chmod(baseDir, 0o700);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  await runAs(
    [
      join(binDir, 'initdb'),
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--no-locale',
      '--encoding=UTF8',
      '--no-instructions',
    ],
    { env, ...asOwner },
  );
  await rm(pwfile);

  const port = await freePort();
  const logPath = join(baseDir, 'postgres.log');
  const logFd = openSync(logPath, 'a');
  if (owner) await chown(logPath, owner.uid, owner.gid);
  const child = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // A test database: speed over durability.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    { env, ...asOwner, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('postgres did not start');

  const deadline = Date.now() + 30_000;
  while (!(await isReady(binDir, port))) {
    if (!isAlive(pid) || Date.now() > deadline) {
      const log = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`postgres did not become ready on port ${port}:\n${log}`);
    }
    await sleep(100);
  }
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return { host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres', url, pid, dataDir, binDir };
}

function runAs(argv: string[], options: { env: NodeJS.ProcessEnv; uid?: number; gid?: number }): Promise<void> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} failed (${code}):\n${output}`))));
  });
}

/** Fast shutdown (SIGINT) by PID, then the data directory goes. */
export async function postgresDown(info: PostgresInfo | undefined): Promise<void> {
  if (!info) return;
  if (isAlive(info.pid) && (await commandName(info.pid)) === 'postgres') {
    await stopProcesses([info.pid], { signal: 'SIGINT', graceMs: 15_000 });
  }
  // dataDir is <tmp>/berth-pg-XXXX/data; remove the whole temporary directory.
  const baseDir = join(info.dataDir, '..');
  if (baseDir.startsWith(join(tmpdir(), 'berth-pg-'))) await rm(baseDir, { recursive: true, force: true });
}
