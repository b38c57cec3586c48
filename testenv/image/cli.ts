// npm run image -- <build|status|save FILE|run ARGS...>
// Builds and runs berth's own image with podman, offline (see README "berth's image").
import { parseArgs } from 'node:util';
import { findPostgresBin } from '../postgres.ts';
import { SUITES, type Suite } from './base.ts';
import { buildImage, DEV_IMAGE, IMAGE, imageIsCurrent, pgClientMajor, saveImage } from './build.ts';
import { imageDir, imageExists, podmanInstalled } from './podman.ts';
import { runInImage } from './run.ts';

const USAGE = `usage: npm run image -- <command>
  build [--suite bookworm|trixie] [--min-pg MAJOR] [--force]
          build the Dockerfile into ${IMAGE} and ${DEV_IMAGE} unless built from this source
          already (installs mmdebstrap podman runc if missing); bookworm gives pg_dump 15,
          trixie 17; --min-pg defaults to the major of the test server's binaries
  status  whether the image is built, and its pg_dump major
  save FILE
          write the image as an OCI archive (to copy to a registry elsewhere)
  run ARGS...
          run \`berth ARGS\` in the image (--network=host)
Storage and cache: ${imageDir}`;

/** The major of the PostgreSQL server the tests start (Debian's newest installed), if any. */
function serverMajor(): number | undefined {
  try {
    return Number(/\/(\d+)\/bin$/.exec(findPostgresBin())?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'build': {
      const { values } = parseArgs({ args: rest, options: { suite: { type: 'string' }, 'min-pg': { type: 'string' }, force: { type: 'boolean' } } });
      const suite = (values.suite ?? 'bookworm') as Suite;
      if (!SUITES.includes(suite)) throw new Error(`--suite must be one of ${SUITES.join(', ')}, not "${values.suite}"`);
      const minPgMajor = values['min-pg'] !== undefined ? Number(values['min-pg']) : serverMajor();
      if (minPgMajor !== undefined && !Number.isInteger(minPgMajor))
        throw new Error(`--min-pg must be a PostgreSQL major version such as 15, not "${values['min-pg']}"`);
      await buildImage({ suite, minPgMajor, force: values.force });
      return 0;
    }
    case 'status': {
      if (!podmanInstalled() || !(await imageExists(IMAGE))) {
        process.stdout.write(`${IMAGE}: not built (npm run image -- build)\n`);
        return 3;
      }
      const current = (await imageIsCurrent()) ? 'built from this source' : 'built from other source (bookworm)';
      process.stdout.write(`${IMAGE}: ${current}, pg_dump ${await pgClientMajor(IMAGE)}\n`);
      return 0;
    }
    case 'save': {
      if (!rest[0]) throw new Error('save needs a file name, e.g. npm run image -- save berth.oci.tar');
      await saveImage(rest[0]);
      return 0;
    }
    case 'run': {
      const result = await runInImage(rest, { timeoutMs: 10 * 60_000 });
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      return result.code ?? 1;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`image: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.BERTH_VERBOSE && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
