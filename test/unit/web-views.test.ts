/** The admin page's views and jobs, pure: values escaped, the true outcome of an action kept and logged. */
import { expect, it } from 'vitest';
import { BerthError } from '../../src/errors.ts';
import type { EnvironmentStatus } from '../../src/ops/status.ts';
import { Jobs } from '../../src/web/jobs.ts';
import { environmentTable } from '../../src/web/views/overview.ts';

const status: EnvironmentStatus = {
  environment: 'production',
  namespace: 'shop',
  lock: undefined,
  apps: [
    {
      app: 'web',
      state: 'failing',
      tag: 'v2',
      current: { app: 'web', revision: 4, kind: 'deploy', result: 'succeeded', tag: 'v1', user: 'ana', createdAt: '2026-03-01T10:00:00Z' },
      last: {
        app: 'web',
        revision: 5,
        kind: 'deploy',
        result: 'failed',
        tag: 'v2',
        user: 'ana',
        createdAt: '2026-03-01T11:00:00Z',
        message: '<img src=x onerror=alert(1)>',
        cause: 'The app crashes at start: <script>alert(1)</script>',
      },
      processes: [
        {
          process: 'web',
          deployment: 'web',
          desired: 2,
          ready: 1,
          onLatest: 1,
          old: 1,
          restarts: 7,
          crashLooping: ['web-5d9-abcde'],
          state: 'failing',
          detail: 'crash loop',
        },
      ],
      cron: [],
    },
  ],
};

it('the overview row shows the failure and its cause, with every value escaped', async () => {
  const text = String(await environmentTable(status, Date.parse('2026-03-01T12:00:00Z')));
  expect(text).toContain('data-state="failing"');
  expect(text).toContain('r5 deploy failed: The app crashes at start: &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(text).toContain('web: crash loop (web-5d9-abcde)');
  expect(text).toContain('web 1/2 <span class="muted">(1 old)</span>');
  expect(text).not.toContain('<script>');
});

it('a job that throws ends failed with the error and its hint, and is logged once with who and what', async () => {
  const logged: object[] = [];
  const jobs = new Jobs({ log: (r) => logged.push(r) });
  const job = jobs.start({ title: 'restore web from backup X', who: 'web:otto', environment: 'production', app: 'web' }, async (step) => {
    step('taking a safety backup of the live database');
    throw new BerthError('pg_restore exited 1', { hint: 'The live database was not touched.' });
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(job).toMatchObject({ state: 'failed', outcome: 'pg_restore exited 1', hint: 'The live database was not touched.' });
  expect(job.steps.map((s) => s.text)).toEqual(['taking a safety backup of the live database']);
  expect(logged).toEqual([expect.objectContaining({ action: 'restore web from backup X', who: 'web:otto', result: 'failed', outcome: 'pg_restore exited 1' })]);
  expect(jobs.recent({ app: 'web' })[0]).toBe(job);
  expect(jobs.recent({ app: 'api' })).toEqual([]);
});
