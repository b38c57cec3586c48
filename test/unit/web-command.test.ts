/** `berth web` as a user starts it: it prints a login URL whose token works once, answers /healthz, and stops on Ctrl-C. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { cli, tempDir } from './cli-harness.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function project(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'berth.config.json'),
    JSON.stringify({
      environments: { production: { namespace: 'shop' }, staging: { namespace: 'shop-staging' } },
      apps: { web: { image: 'registry.test/web', port: 3000 } },
    }),
  );
  return dir;
}

/** `berth web` started in-process as a user starts it, and the login URL it prints (within 5 s). */
async function startWeb(cwd: string, extra: string[]) {
  const stdout = new Capture();
  const controller = new AbortController();
  const running = runCli(['web', '--port', '0', ...extra], {
    cwd,
    env: { NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
    stdout,
    stderr: new Capture(),
    stdin: new PassThrough(),
    signal: controller.signal,
  });
  let url: string | undefined;
  for (let i = 0; i < 100 && !url; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    url = /Open (http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{43})\n/.exec(stdout.text)?.[1];
  }
  return { stdout, controller, running, url };
}

it('prints a URL on 127.0.0.1 with a one-time token that becomes an HttpOnly session cookie, once', async () => {
  const { stdout, controller, running, url } = await startWeb(project(), ['--env', 'staging']);
  expect(url, stdout.text).toBeDefined();
  expect(stdout.text).toMatch(/the admin page for staging \(Ctrl-C to stop\)/);
  const origin = new URL(url!).origin;
  expect(await (await fetch(`${origin}/healthz`)).text()).toBe('ok');
  const first = await fetch(url!, { redirect: 'manual' });
  expect(first.status).toBe(303);
  expect(first.headers.get('set-cookie')).toMatch(/^berth_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  expect((await fetch(url!, { redirect: 'manual' })).status).toBe(401);
  controller.abort();
  expect(await running).toBe(0);
  await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
});

it('refuses a bad port and --tokens-dir without --in-cluster', async () => {
  const dir = project();
  const port = await cli(['web', '--port', 'eighty'], { cwd: dir });
  expect(port.code).toBe(2);
  expect(port.stderr).toMatch(/--port must be a port number/);
  const tokens = await cli(['web', '--tokens-dir', '/tmp'], { cwd: dir });
  expect(tokens.code).toBe(2);
  expect(tokens.stderr).toMatch(/--tokens-dir is for --in-cluster/);
});

it('reads an NFS or PVC backup store where --store-dir says it is mounted, and says how to reach it without', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'berth.config.json'),
    JSON.stringify({
      database: { mode: 'external', host: '127.0.0.1', admin: { env: 'ADMIN_URL' } },
      backups: { store: { nfs: { server: 'nas.school.lan', path: '/school/backups' } } },
      environments: { production: { namespace: 'school' } },
      apps: { platform: { image: 'registry.test/platform', port: 3000, database: true } },
    }),
  );
  const backupsPage = async (extra: string[]) => {
    const { controller, running, url } = await startWeb(dir, extra);
    const login = await fetch(url!, { redirect: 'manual' });
    const cookie = /berth_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    const page = await fetch(`${new URL(url!).origin}/apps/production/platform/backups`, { headers: { cookie } });
    const text = await page.text();
    controller.abort();
    await running;
    return { status: page.status, text };
  };
  const without = await backupsPage([]);
  expect(without.text).toMatch(/NFS share nas\.school\.lan:\/school\/backups, which this machine cannot reach directly/);
  const mounted = await backupsPage(['--store-dir', tempDir()]);
  expect(mounted.status).toBe(200);
  expect(mounted.text).not.toMatch(/cannot reach directly/);
});
