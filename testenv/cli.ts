// npm run testenv -- <build|up|down|status>
// Progress goes to stderr; `up` prints only export lines on stdout, so
// `eval "$(npm run -s testenv -- up)"` works.
import { build } from './build.ts';
import { down, ensureUp, exportLines, status } from './index.ts';
import { envShPath } from './paths.ts';

const USAGE = `usage: npm run testenv -- <command>
  build   build the control plane, etcd and kwok and fetch the add-on CRDs into the cache (once)
  up      start (or reuse) the cluster and Postgres; prints export lines
  down    stop every process the environment started
  status  show what runs, PIDs and memory`;

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'build':
      await build();
      return 0;
    case 'up': {
      const env = await ensureUp();
      process.stdout.write(`${exportLines(env).join('\n')}\n`);
      process.stderr.write(`# also written to ${envShPath}\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const s = await status();
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return s.cluster.running && s.postgres.running ? 0 : 3;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`testenv: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.BERTH_VERBOSE && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
