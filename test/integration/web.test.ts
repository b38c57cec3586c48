/**
 * The admin page in a real browser (Debian's Chromium driven by playwright-core) against the
 * real control plane, PostgreSQL and S3 server: log in, see each app's true state (a crash loop
 * failing with its diagnosis), roll back from the releases list, back up and watch the backup
 * become verified, restore after typing the app's name and find the data back; a viewer has no
 * action buttons and a forged POST is refused; POSTs without the CSRF token or from another
 * origin are refused; wrong tokens are refused and slowed; no secret value reaches the browser.
 * The screenshots are taken here: into a temporary directory on every run (the page is seen),
 * into docs/screenshots/ (the README's) with BERTH_SCREENSHOTS=update, so a test run leaves the
 * checkout as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { databaseIdentity } from '../../src/model/database-names.ts';
import { startWebServer, type WebServer } from '../../src/web/server.ts';
import { tokenDirectory } from '../../src/web/tokens.ts';
import { databaseUrl } from './backup-fixtures.ts';
import { historyOf, type Project, project as newProject } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv, withClient } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS =
  process.env.BERTH_SCREENSHOTS === 'update' ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'berth-screenshots-'));
const suffix = randomBytes(3).toString('hex');
const SHOP = `shop${suffix}`;
const CRASH = `crash${suffix}`;
const OPERATOR_TOKEN = randomBytes(24).toString('base64url');
const VIEWER_TOKEN = randomBytes(24).toString('base64url');
/** The app's secret: it must never reach the browser. */
const SECRET_VALUE = `s3cr3t-${randomBytes(8).toString('hex')}`;

describeCluster('the admin page in Chromium', () => {
  let p: Project;
  let server: WebServer;
  let browser: Browser;
  let adminUrl = '';
  const bodies: { url: string; text: string }[] = [];
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const harness = requireEnv();
    if (!harness.s3) throw new Error('the test environment has no S3 server');
    adminUrl = harness.pgUrl;
    p = newProject('web');
    Object.assign(env, {
      ADMIN_URL: harness.pgUrl,
      KUBECONFIG: harness.kubeconfigPath,
      AWS_ACCESS_KEY_ID: harness.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: harness.s3.secretAccessKey,
      AWS_REGION: harness.s3.region,
    });
    p.write({
      cluster: { certIssuer: false },
      database: { mode: 'external', host: '127.0.0.1', port: harness.postgres.port, admin: { env: 'ADMIN_URL' } },
      backups: {
        store: {
          s3: { bucket: harness.s3.bucket, endpoint: harness.s3.endpoint, region: harness.s3.region, prefix: `web-${suffix}/`, credentialsSecret: 'backup-s3' },
        },
      },
      environments: { staging: { namespace: p.namespace } },
      apps: {
        [SHOP]: { image: 'registry.test/shop', port: 3000, health: { path: '/healthz' }, replicas: 2, secrets: ['TOKEN'], database: true },
        [CRASH]: { image: 'registry.test/shop', port: 3000, replicas: 1 },
      },
    });
    await p.setSecret(`${SHOP}-secrets`, { TOKEN: SECRET_VALUE });
    const first = await p.berth(['deploy', '--tag', 'v1'], env);
    expect(first.code, first.stderr).toBe(0);
    const second = await p.berth(['deploy', SHOP, '--tag', 'v2'], env);
    expect(second.code, second.stderr).toBe(0);
    // A build that crashes at start, left failing (no rollback), as an operator would find it.
    const crashed = await p.berth(['deploy', CRASH, '--tag', 'crashloop', '--no-rollback'], env);
    expect(crashed.code, crashed.stderr).toBe(1);
    await withClient(appDatabaseUrl(), async (client) => {
      await client.query(`SET ROLE ${pg.escapeIdentifier(databaseIdentity(SHOP, 'staging').role)}`);
      await client.query("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g");
    });
    const tokens = join(p.dir, 'tokens');
    mkdirSync(tokens);
    writeFileSync(join(tokens, 'otto'), `operator:${OPERATOR_TOKEN}`);
    writeFileSync(join(tokens, 'vera'), `viewer:${VIEWER_TOKEN}`);
    server = await startWebServer({
      loaded: await loadConfig({ cwd: p.dir }),
      env,
      warn: () => {},
      tokens: tokenDirectory(tokens, () => {}),
      host: '127.0.0.1',
      port: 0,
      nextFreePort: false,
      transport: { trustProxy: false },
      log: () => {},
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await p?.cleanup();
    await withClient(adminUrl, async (client) => {
      const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE '%' || $1 || '%'`, [suffix]);
      for (const row of rows) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(databaseIdentity(SHOP, 'staging').role)}`);
    }).catch(() => undefined);
  });

  function appDatabaseUrl(): string {
    return databaseUrl(adminUrl, databaseIdentity(SHOP, 'staging').database);
  }

  /** A browser session logged in with the token; every response body is kept for the secrets check. */
  async function loggedIn(token: string, options: { width?: number; dark?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: 900 },
      colorScheme: options.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    page.on('response', async (response) => {
      const text = await response.text().catch(() => '');
      bodies.push({ url: response.url(), text });
    });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
    return { context, page };
  }

  /** The stream up to its first `html` event. */
  async function firstEvent(url: string, cookie: string): Promise<string> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { cookie }, signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (!/event: html\n(data: .*\n)+\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    return text;
  }

  const appPath = (app: string) => `${server.url}/apps/staging/${app}`;

  it('an operator logs in and sees every app with its state; the crash loop shows as failing with its diagnosis, and the table stays live', async () => {
    const { context, page } = await loggedIn(OPERATOR_TOKEN);
    const shop = page.locator(`tr[data-app="${SHOP}"]`);
    const crash = page.locator(`tr[data-app="${CRASH}"]`);
    await expect.poll(() => shop.getAttribute('data-state')).toBe('healthy');
    expect(await shop.textContent()).toMatch(/r2/);
    expect(await shop.textContent()).toMatch(/web 2\/2/);
    // Between two back-offs a crashing container briefly runs; the live table settles on failing.
    await expect.poll(() => crash.getAttribute('data-state'), { timeout: 60_000 }).toBe('failing');
    // Problems column: the process and why (the app's name holds "crash" too, so the cell is read alone).
    expect(await crash.locator('td').nth(4).textContent()).toMatch(/^web: (.* keeps crashing \(exit code 1\)|crash loop)/);
    expect(await crash.locator('td').nth(1).textContent()).toMatch(/r2 deploy failed: .*crashes at start/);
    // The live region got its first server-sent update.
    await page
      .getByText(/Live · updated/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

    await page.getByRole('link', { name: CRASH }).click();
    await page.getByRole('heading', { name: /Why r2 failed/ }).waitFor();
    expect(await page.locator('main').textContent()).toMatch(/exits with code 1/);
    await page.screenshot({ path: join(SCREENSHOTS, 'app-failing.png'), fullPage: true });

    // On a phone, in dark mode: the same page, nothing cut off.
    const phone = await loggedInAgainAs(context, { width: 390, dark: true });
    await phone.goto(`${server.url}/`);
    await phone.locator(`tr[data-app="${SHOP}"]`).waitFor();
    await phone.screenshot({ path: join(SCREENSHOTS, 'overview-phone-dark.png'), fullPage: true });
    await context.close();
  });

  async function loggedInAgainAs(context: BrowserContext, options: { width: number; dark: boolean }): Promise<Page> {
    // The same session (cookie) in a phone-sized, dark page.
    const phone = await browser.newContext({ viewport: { width: options.width, height: 800 }, colorScheme: 'dark', isMobile: true });
    await phone.addCookies(await context.cookies());
    const page = await phone.newPage();
    page.on('response', async (response) => bodies.push({ url: response.url(), text: await response.text().catch(() => '') }));
    return page;
  }

  it('a rollback from the releases list puts r1 back and is recorded as web:otto', async () => {
    const { context, page } = await loggedIn(OPERATOR_TOKEN);
    await page.goto(appPath(SHOP));
    // Recent logs, each line prefixed as `berth logs` prefixes it.
    expect(await page.getByLabel('Recent log lines').textContent()).toMatch(new RegExp(`^\\[${SHOP}/web/[a-z0-9]{5}\\] berth test app starting`, 'm'));
    await page.screenshot({ path: join(SCREENSHOTS, 'app.png'), fullPage: true });
    await page.getByRole('button', { name: 'Roll back to r1' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f]{16}$/);
    const state = page.locator('[data-state]').first();
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 120_000 }).toBe('succeeded');
    expect(await page.locator('main').textContent()).toMatch(new RegExp(`${SHOP} is back on r1 \\(v1\\) as r3`));
    await page.screenshot({ path: join(SCREENSHOTS, 'rollback.png'), fullPage: true });
    const history = await historyOf(p, SHOP);
    expect(history[0]).toMatchObject({ revision: 3, kind: 'rollback', rollbackOf: 1, result: 'succeeded', tag: 'v1' });
    const listed = await p.berth(['history', SHOP], env);
    expect(listed.stdout).toMatch(/r3\s+rollback→r1\s+succeeded\s+v1\s+\S+ \S+\s+web:otto/);
    const d = await kube().apps.readNamespacedDeployment({ name: SHOP, namespace: p.namespace });
    expect(d.spec!.template.spec!.containers[0]!.image).toBe('registry.test/shop:v1');
    await context.close();
  });

  it('a backup made on the page becomes verified; a restore after typing the name brings the data back', async () => {
    const { context, page } = await loggedIn(OPERATOR_TOKEN);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${appPath(SHOP)}/backups`);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.waitForURL(/\/jobs\//);
    const state = page.locator('[data-state]').first();
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 120_000 }).toBe('succeeded');
    expect(await page.locator('main').textContent()).toMatch(/verified/);
    expect(await page.locator('ol.steps').textContent()).toMatch(/verifying: reading the whole archive back/);
    const id = /Backup (\d{8}T\d{6}Z-[0-9a-f]{4}): verified/.exec((await page.locator('main').textContent()) ?? '')?.[1];
    expect(id).toBeDefined();

    await page.goto(`${appPath(SHOP)}/backups`);
    const row = page.locator(`tr[data-backup="${id}"]`);
    expect(await row.getAttribute('data-status')).toBe('verified');
    expect(await row.textContent()).toMatch(/manual by web:otto/);
    expect(await row.textContent()).toMatch(/ago by web:otto/);
    expect(await row.textContent()).toMatch(/compatible/);

    // The data changes after the backup; the restore must bring back the backup's.
    await withClient(appDatabaseUrl(), (client) => client.query('DELETE FROM orders WHERE id > 10'));
    await row.getByText('Restore…').click();
    const button = row.getByRole('button', { name: `Restore ${id}` });
    expect(await button.isDisabled()).toBe(true);
    await row.getByLabel(/Type .* to confirm/).fill('wrong');
    expect(await button.isDisabled()).toBe(true);
    await row.getByLabel(/Type .* to confirm/).fill(SHOP);
    await page.screenshot({ path: join(SCREENSHOTS, 'backups.png'), fullPage: true });
    await button.click();
    await page.waitForURL(/\/jobs\//);
    await expect.poll(() => page.locator('[data-state]').first().getAttribute('data-state'), { timeout: 180_000 }).toBe('succeeded');
    expect(await page.locator('ol.steps').textContent()).toMatch(/taking a safety backup/);
    expect(await page.locator('ol.steps').textContent()).toMatch(/swapping/);
    await page.screenshot({ path: join(SCREENSHOTS, 'restore.png'), fullPage: true });
    const count = await withClient(appDatabaseUrl(), async (client) => Number((await client.query('SELECT count(*) FROM orders')).rows[0].count));
    expect(count).toBe(500);
    await page.goto(`${appPath(SHOP)}/backups`);
    expect(await page.locator('tr[data-status]').filter({ hasText: 'safety by web:otto' }).count()).toBe(1);
    await context.close();
  });

  it('deleting the newest verified backup is refused and shown as failed; an older one is deleted', async () => {
    const { context, page } = await loggedIn(OPERATOR_TOKEN);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${appPath(SHOP)}/backups`);
    const rows = page.locator('tr[data-backup]');
    // Newest first: the restore's safety backup, then the manual one.
    const newest = await rows.nth(0).getAttribute('data-backup');
    const older = await rows.nth(1).getAttribute('data-backup');
    expect(await rows.nth(0).getAttribute('data-status')).toBe('verified');
    // Verify with a test restore into a scratch database first.
    await rows.nth(0).getByLabel('test restore').check();
    await rows.nth(0).getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/jobs\//);
    await expect.poll(() => page.locator('[data-state]').first().getAttribute('data-state'), { timeout: 120_000 }).toBe('succeeded');
    expect(await page.locator('main').textContent()).toMatch(/verified \(checksum ok, row counts match, test restore ok; schema compatible\)/);
    expect(await page.locator('ol.steps').textContent()).toMatch(/scratch database \S+ dropped/);
    await page.goto(`${appPath(SHOP)}/backups`);
    // Who verified it is recorded in its sidecar: the page and `berth backup list` show it.
    expect(await rows.nth(0).textContent()).toMatch(/\+ test restore by web:otto/);
    await rows.nth(0).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/jobs\//);
    await expect.poll(() => page.locator('[data-state]').first().getAttribute('data-state'), { timeout: 60_000 }).toBe('failed');
    expect(await page.locator('main').textContent()).toMatch(new RegExp(`${newest} is the newest verified backup of ${SHOP} in staging; not deleting it`));
    expect(await page.locator('main').textContent()).toMatch(/Take a newer backup with "Back up now"/);
    expect(await page.locator('main').textContent()).not.toMatch(/--force/);
    await page.screenshot({ path: join(SCREENSHOTS, 'delete-refused.png'), fullPage: true });
    await page.goto(`${appPath(SHOP)}/backups`);
    await page.locator(`tr[data-backup="${older}"]`).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/jobs\//);
    await expect.poll(() => page.locator('[data-state]').first().getAttribute('data-state'), { timeout: 60_000 }).toBe('succeeded');
    await page.goto(`${appPath(SHOP)}/backups`);
    expect(await page.locator('tr[data-backup]').evaluateAll((r) => r.map((e) => e.getAttribute('data-backup')))).toEqual([newest]);
    // Who deleted it stays on record (a deleted backup has no sidecar): on the page and in the CLI's list.
    expect(await page.locator(`li[data-deleted="${older}"]`).textContent()).toMatch(/deleted .* ago by web:otto/);
    const listed = await p.berth(['backup', 'list', SHOP, '-o', 'json'], env);
    expect(JSON.parse(listed.stdout).backups.map((b: { id: string; verifiedBy?: string }) => [b.id, b.verifiedBy])).toEqual([[newest, 'web:otto']]);
    expect(JSON.parse(listed.stdout).deleted.map((d: { id: string; by?: string }) => [d.id, d.by])).toEqual([[older, 'web:otto']]);
    // The CLI refuses the same way: it calls the same function.
    const refused = await p.berth(['backup', 'delete', SHOP, newest!, '--env', 'staging'], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/newest verified backup/);
    await context.close();
  });

  it('a viewer sees no action buttons, and a forged POST is refused and changes nothing', async () => {
    const { context, page } = await loggedIn(VIEWER_TOKEN);
    await page.goto(appPath(SHOP));
    expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Restart/ }).count()).toBe(0);
    await page.goto(`${appPath(SHOP)}/backups`);
    await page.locator('tr[data-backup]').first().waitFor();
    expect(await page.getByRole('button', { name: /Restore|Back up now|Delete|Verify/ }).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'backups-viewer.png'), fullPage: true });
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const before = (await historyOf(p, SHOP)).length;
    for (const [path, form] of [
      ['rollback', { to: '2' }],
      ['restart', {}],
    ] as const) {
      const response = await context.request.post(`${appPath(SHOP)}/${path}`, { form: { _csrf: csrf, ...form }, headers: { origin: server.url } });
      expect(response.status()).toBe(403);
      expect(await response.text()).toMatch(/vera is a viewer/);
    }
    const backupId = await page.locator('tr[data-backup]').first().getAttribute('data-backup');
    const restore = await context.request.post(`${appPath(SHOP)}/backups/restore`, {
      form: { _csrf: csrf, backup: backupId!, confirm: SHOP },
      headers: { origin: server.url },
    });
    expect(restore.status()).toBe(403);
    expect((await historyOf(p, SHOP)).length).toBe(before);
    await context.close();
  });

  it('POSTs without the CSRF token or from another origin are refused', async () => {
    const { context, page } = await loggedIn(OPERATOR_TOKEN);
    await page.goto(appPath(SHOP));
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const before = (await historyOf(p, SHOP)).length;
    const noToken = await context.request.post(`${appPath(SHOP)}/restart`, { form: {}, headers: { origin: server.url } });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toMatch(/CSRF/);
    const otherOrigin = await context.request.post(`${appPath(SHOP)}/restart`, { form: { _csrf: csrf }, headers: { origin: 'https://evil.example' } });
    expect(otherOrigin.status()).toBe(403);
    expect(await otherOrigin.text()).toMatch(/Origin/);
    expect((await historyOf(p, SHOP)).length).toBe(before);
    await context.close();
  });

  it('no secret value appears in any page or response', async () => {
    const appSecret = await kube().core.readNamespacedSecret({ name: `${SHOP}-db`, namespace: p.namespace });
    const databasePassword = Buffer.from(appSecret.data!.PGPASSWORD!, 'base64').toString('utf8');
    expect(databasePassword.length).toBeGreaterThanOrEqual(16);
    const adminPassword = new URL(adminUrl).password;
    const secrets = [SECRET_VALUE, env.AWS_SECRET_ACCESS_KEY!, databasePassword, ...(adminPassword.length >= 8 ? [adminPassword] : [])];
    // The live streams too: the overview's first update and a finished action's events.
    const cookie = (await (await loggedIn(OPERATOR_TOKEN)).context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    bodies.push({ url: 'overview events', text: await firstEvent(`${server.url}/events/overview/staging`, cookie) });
    expect(bodies.at(-1)!.text).toContain(SHOP);
    expect(bodies.length).toBeGreaterThan(20);
    for (const { url, text } of bodies) for (const secret of secrets) expect(text.includes(secret), `${url} holds a secret`).toBe(false);
  });

  it('a wrong token is refused, and repeated wrong tokens are slowed (429) even for the right token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('Access token').fill(`wrong-${i}-${suffix}`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/not valid/);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'login.png') });
    const started = Date.now();
    const slowed = await context.request.post(`${server.url}/login`, { form: { token: OPERATOR_TOKEN }, headers: { origin: server.url } });
    expect(slowed.status()).toBe(429);
    expect(Number(slowed.headers()['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(2000);
    await context.close();
  });
});
