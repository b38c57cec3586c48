// actionlint, the linter GitHub documents for Actions workflows (syntax, expressions, job
// dependencies, shell scripts' quoting), built from the Go module proxy on first use. The CI
// examples test checks the GitHub and Forgejo/Gitea workflows with it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findGo, goEnv } from './go.ts';
import { buildDir } from './paths.ts';
import { run, step } from './run.ts';

export const ACTIONLINT_VERSION = 'v1.7.12';
const dir = join(buildDir, `actionlint-${ACTIONLINT_VERSION}`);
export const actionlintBinary = join(dir, 'bin', 'actionlint');

/** The binary, built first if missing (~1 min on 2 cores with a cold module cache). */
export async function ensureActionlint(): Promise<string> {
  if (existsSync(actionlintBinary)) return actionlintBinary;
  await step(`build actionlint ${ACTIONLINT_VERSION}`, () =>
    run([findGo(), 'install', '-ldflags', '-s -w', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
      env: { ...goEnv(), GOBIN: join(dir, 'bin') },
      timeoutMs: 900_000,
    }),
  );
  return actionlintBinary;
}
