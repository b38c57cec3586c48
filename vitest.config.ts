// Two projects: `unit` (no cluster, fast) and `integration` (against the real
// control plane and Postgres from testenv/, brought up once per run).
//   npx vitest run --project unit
//   npx vitest run --project integration     (BERTH_SKIP_CLUSTER=1 skips it, loudly)
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
    ],
  },
});
