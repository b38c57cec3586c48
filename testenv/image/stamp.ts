// A hash of everything the Dockerfile copies into the image (and how the base is made), stored as
// an image label: an image whose label matches was built from this source, so it needs no build
// (a no-op in well under a second), and a test never runs an image older than the code under test.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { NPM_VERSION, type Suite } from './base.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
/** What the Dockerfile COPYs, plus the Dockerfile and the files that make the base. */
const INPUTS = [
  'Dockerfile',
  '.dockerignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts',
  'src',
  'bin',
  'testenv/image/base.ts',
];

export const SOURCE_LABEL = 'dev.berth.source';

async function files(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!entries) return [path];
  const nested = await Promise.all(entries.map((entry) => files(join(path, entry.name))));
  return nested.flat();
}

export async function sourceStamp(suite: Suite): Promise<string> {
  const hash = createHash('sha256').update(`${suite}\0${NPM_VERSION}\0`);
  const all = (await Promise.all(INPUTS.map((input) => files(join(repoRoot, input))))).flat().sort();
  for (const file of all)
    hash
      .update(relative(repoRoot, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 24);
}
