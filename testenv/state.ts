// The running environment's description: state.json for code (tests read it),
// env.sh for shells. Both hold the database password, so both are 0600.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { ClusterInfo } from './cluster.ts';
import { envDir, envShPath, statePath } from './paths.ts';
import type { PostgresInfo } from './postgres.ts';
import type { S3Info } from './s3.ts';

export interface TestEnv {
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  kubeServer: string;
  pgUrl: string;
  postgres: PostgresInfo;
  /** The S3-compatible server (versitygw) for backup tests. */
  s3?: S3Info;
  cluster: ClusterInfo;
  startedAt: string;
}

export async function readState(): Promise<TestEnv | undefined> {
  try {
    return JSON.parse(await readFile(statePath, 'utf8')) as TestEnv;
  } catch {
    return undefined;
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The lines `up` prints and env.sh holds. */
export function exportLines(env: TestEnv): string[] {
  const vars: Record<string, string> = {
    KUBECONFIG: env.kubeconfigPath,
    BERTH_TEST_PG_URL: env.pgUrl,
    PGHOST: env.postgres.host,
    PGPORT: String(env.postgres.port),
    PGUSER: env.postgres.user,
    PGPASSWORD: env.postgres.password,
    PGDATABASE: env.postgres.database,
    ...(env.s3
      ? {
          BERTH_TEST_S3_ENDPOINT: env.s3.endpoint,
          BERTH_TEST_S3_BUCKET: env.s3.bucket,
          AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
          AWS_REGION: env.s3.region,
        }
      : {}),
  };
  return Object.entries(vars).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

export async function writeState(env: TestEnv): Promise<void> {
  await mkdir(envDir, { recursive: true });
  for (const [path, text] of [
    [statePath, `${JSON.stringify(env, null, 2)}\n`],
    [envShPath, `# berth test environment; source this file\n${exportLines(env).join('\n')}\n`],
  ] as const) {
    await writeFile(path, text, { mode: 0o600 });
    await chmod(path, 0o600);
  }
}

export async function clearState(): Promise<void> {
  await rm(statePath, { force: true });
  await rm(envShPath, { force: true });
}
