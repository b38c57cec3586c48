// Brings the test environment (testenv/) up once per vitest run and hands its
// connection details to the tests through provide/inject.
import type { TestProject } from 'vitest/node';
import { acquire, release, type TestEnv } from '../../testenv/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when BERTH_SKIP_CLUSTER=1. */
    testEnv: TestEnv | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (process.env.BERTH_SKIP_CLUSTER === '1') {
    const banner = '!'.repeat(78);
    console.warn(
      `\n${banner}\n!! BERTH_SKIP_CLUSTER=1: every integration test is SKIPPED.\n` +
        `!! Nothing here was checked against Kubernetes or PostgreSQL.\n${banner}\n`,
    );
    project.provide('testEnv', null);
    return;
  }
  const env = await acquire();
  project.provide('testEnv', env);
  // The last run to finish stops an environment that test runs started; one a
  // person started with `npm run testenv -- up` (or BERTH_KEEP_ENV=1) stays up.
  return release;
}
