// Three projects: `unit` (no cluster, fast), `integration` (against the real control plane
// and Postgres from testenv/, brought up once per run) and `disruptive` (integration tests
// that restart parts of that environment, run alone at the end).
//   npx vitest run --project unit
//   npx vitest run --project integration     (BERTH_SKIP_CLUSTER=1 skips it, loudly)
//   npx vitest run --project disruptive
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/disruptive/**'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          // Cluster operations wait on controllers; a rollout takes seconds, not milliseconds.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file gets its own namespaces and databases, so files may run in parallel;
          // two workers suit the 2-core machines this runs on.
          maxWorkers: 2,
          // Runs after the unit project; vitest requires distinct groups for distinct maxWorkers.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Tests that disturb the shared environment (restart its API server, say): one file at
          // a time, after every other integration test has finished.
          name: 'disruptive',
          include: ['test/integration/disruptive/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
