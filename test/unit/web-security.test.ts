/**
 * The admin page's guard, without a cluster: login by token (once locally, per file in the
 * cluster), wrong tokens slowed, sessions in a strict cookie, CSRF and Origin on every POST,
 * viewers refused, bad input refused before anything runs, strict headers on every answer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Deps } from '../../src/web/deps.ts';
import { Jobs } from '../../src/web/jobs.ts';
import { LiveStatus } from '../../src/web/live-status.ts';
import { LoginLimit } from '../../src/web/login-limit.ts';
import { webApp } from '../../src/web/server.ts';
import { Sessions } from '../../src/web/sessions.ts';
import { Site } from '../../src/web/site.ts';
import { oneTimeToken, parseTokenFile, type TokenBook, tokenDirectory } from '../../src/web/tokens.ts';
import { tempDir } from './cli-harness.ts';

const ORIGIN = 'http://localhost';

async function setup(tokens: TokenBook, options: { now?: () => number; trustProxy?: boolean } = {}) {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'berth.config.json'),
    JSON.stringify({ environments: { production: { namespace: 'shop' } }, apps: { web: { image: 'registry.test/web', port: 3000 } } }),
  );
  const loaded = await loadConfig({ cwd: dir });
  const site = new Site({ loaded, env: {}, warn: () => {} });
  const started: string[] = [];
  const jobs = new Jobs({ log: () => {} });
  const original = jobs.start.bind(jobs);
  jobs.start = (request, _run) => {
    started.push(request.title);
    return original(request, async () => 'not run in this test');
  };
  const deps: Deps = {
    site,
    live: new LiveStatus(site),
    jobs,
    sessions: new Sessions(),
    tokens,
    limit: new LoginLimit(options),
    transport: { trustProxy: options.trustProxy ?? false },
  };
  const app = webApp(deps);
  const request = (path: string, init: RequestInit & { cookie?: string } = {}) =>
    app.request(`${ORIGIN}${path}`, { ...init, headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.headers as Record<string, string>) } });
  const post = (path: string, form: Record<string, string>, init: { cookie?: string; headers?: Record<string, string> } = {}) =>
    request(path, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      cookie: init.cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...init.headers },
    });
  const login = async (token: string, headers: Record<string, string> = {}) => {
    const response = await request(`/login?token=${encodeURIComponent(token)}`, { headers });
    const cookie = response.headers.get('set-cookie') ?? '';
    const id = /berth_session=([^;]+)/.exec(cookie)?.[1];
    return { response, cookie: id ? `berth_session=${id}` : undefined, setCookie: cookie, session: deps.sessions.find(id) };
  };
  return { app, deps, request, post, login, started };
}

describe('login', () => {
  it('a one-time token logs in once, as an operator, into an HttpOnly SameSite=Strict cookie; the second use is refused', async () => {
    const t = await setup(oneTimeToken('a'.repeat(43), { name: 'ana', role: 'operator' }));
    const first = await t.login('a'.repeat(43));
    expect(first.response.status).toBe(303);
    expect(first.response.headers.get('location')).toBe('/');
    expect(first.setCookie).toMatch(/HttpOnly/);
    expect(first.setCookie).toMatch(/SameSite=Strict/);
    expect(first.setCookie).not.toMatch(/Secure/);
    expect(first.session?.user).toEqual({ name: 'ana', role: 'operator' });
    const again = await t.login('a'.repeat(43));
    expect(again.response.status).toBe(401);
    expect(again.cookie).toBeUndefined();
  });

  it('wrong tokens are refused, and after three every attempt waits, doubling, even with the right token', async () => {
    let now = 1_000_000;
    const t = await setup(oneTimeToken('r'.repeat(43), { name: 'ana', role: 'operator' }), { now: () => now });
    for (let i = 0; i < 3; i++) expect((await t.login(`wrong-${i}`)).response.status).toBe(401);
    const slowed = await t.login('r'.repeat(43));
    expect(slowed.response.status).toBe(429);
    expect(slowed.response.headers.get('retry-after')).toBe('1');
    now += 1000;
    expect((await t.login('wrong-4')).response.status).toBe(401);
    now += 1000;
    expect((await t.login('r'.repeat(43))).response.status).toBe(429);
    now += 1000;
    expect((await t.login('r'.repeat(43))).response.status).toBe(303);
  });

  it('in the cluster the cookie is Secure behind a TLS Ingress, and wrong tokens count against the address the Ingress saw', async () => {
    const t = await setup({ check: async (token) => (token === 'k'.repeat(20) ? { name: 'otto', role: 'operator' } : undefined) }, { trustProxy: true });
    const secure = await t.login('k'.repeat(20), { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.0.0.9' });
    expect(secure.setCookie).toMatch(/; Secure/);
    // A client cannot escape the count by sending its own X-Forwarded-For: the Ingress's entry is the last.
    for (let i = 0; i < 3; i++) expect((await t.login(`bad-${i}`, { 'x-forwarded-for': `1.1.1.${i}, 203.0.113.7` })).response.status).toBe(401);
    expect((await t.login('k'.repeat(20), { 'x-forwarded-for': '9.9.9.9, 203.0.113.7' })).response.status).toBe(429);
    expect((await t.login('k'.repeat(20), { 'x-forwarded-for': '10.0.0.9' })).response.status).toBe(303);
    // Locally, forwarded headers mean nothing.
    const local = await setup(oneTimeToken('l'.repeat(43), { name: 'ana', role: 'operator' }));
    expect((await local.login('l'.repeat(43), { 'x-forwarded-proto': 'https' })).setCookie).not.toMatch(/Secure/);
  });

  it('in the cluster, each file of the tokens directory is a user with a role; malformed files are ignored', async () => {
    const dir = join(tempDir(), 'tokens');
    mkdirSync(dir);
    mkdirSync(join(dir, '..data'));
    writeFileSync(join(dir, 'vera'), 'viewer:vvvvvvvvvvvvvvvvvvvvvvvv\n');
    writeFileSync(join(dir, 'otto'), 'operator:oooooooooooooooooooooooo');
    writeFileSync(join(dir, 'bad'), 'admin:xxxxxxxxxxxxxxxxxxxxxxxxxx');
    const warnings: string[] = [];
    const book = tokenDirectory(dir, (m) => warnings.push(m));
    expect(await book.check('vvvvvvvvvvvvvvvvvvvvvvvv')).toEqual({ name: 'vera', role: 'viewer' });
    expect(await book.check('oooooooooooooooooooooooo')).toEqual({ name: 'otto', role: 'operator' });
    expect(await book.check('oooooooooooooooooooooooo')).toEqual({ name: 'otto', role: 'operator' });
    expect(await book.check('xxxxxxxxxxxxxxxxxxxxxxxxxx')).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/tokens\/bad/);
    expect(parseTokenFile('viewer:short')).toBeUndefined();
  });
});

describe('requests', () => {
  const viewerAndOperator = async () => {
    const users: Record<string, { name: string; role: 'viewer' | 'operator' }> = {
      ['v'.repeat(20)]: { name: 'vera', role: 'viewer' },
      ['o'.repeat(20)]: { name: 'otto', role: 'operator' },
    };
    return setup({ check: async (token) => users[token] });
  };

  it('healthz answers without login; pages without a session go to the login form; every answer has the strict CSP', async () => {
    const t = await viewerAndOperator();
    const health = await t.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    const home = await t.request('/');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login');
    const form = await t.request('/login');
    const csp = form.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(form.headers.get('referrer-policy')).toBe('same-origin');
    const text = await form.text();
    expect(text).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|style=/);
    expect((await t.request('/static/app.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  it('a POST without the CSRF token, with a wrong one, or from another origin is refused and starts nothing', async () => {
    const t = await viewerAndOperator();
    const { cookie, session } = await t.login('o'.repeat(20));
    const path = '/apps/production/web/restart';
    const noToken = await t.post(path, {}, { cookie });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toMatch(/CSRF/);
    expect((await t.post(path, { _csrf: 'x'.repeat(43) }, { cookie })).status).toBe(403);
    const elsewhere = await t.post(path, { _csrf: session!.csrf }, { cookie, headers: { origin: 'https://evil.example' } });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).toMatch(/Origin/);
    expect((await t.post(path, { _csrf: session!.csrf }, { cookie, headers: { origin: '' } })).status).toBe(403);
    expect((await t.post(path, { _csrf: session!.csrf }, { cookie, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(t.started).toEqual([]);
    const ok = await t.post(path, { _csrf: session!.csrf }, { cookie });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/jobs\/[0-9a-f]{16}$/);
    expect(t.started).toEqual(['restart web']);
  });

  it("a viewer's forged POST is refused with 403 whatever the action", async () => {
    const t = await viewerAndOperator();
    const { cookie, session } = await t.login('v'.repeat(20));
    for (const [path, form] of [
      ['/apps/production/web/rollback', { to: '1' }],
      ['/apps/production/web/restart', {}],
      ['/apps/production/web/backups/restore', { backup: '20260301T030000Z-1a2b', confirm: 'web' }],
      ['/apps/production/web/backups/delete', { backup: '20260301T030000Z-1a2b' }],
    ] as const) {
      const response = await t.post(path, { ...form, _csrf: session!.csrf }, { cookie });
      expect(response.status, path).toBe(403);
      expect(await response.text()).toMatch(/vera is a viewer/);
    }
    expect(t.started).toEqual([]);
  });

  it('unknown app, malformed form and oversize body get an error page and start nothing', async () => {
    const t = await viewerAndOperator();
    const { cookie, session } = await t.login('o'.repeat(20));
    const csrf = session!.csrf;
    const unknown = await t.post('/apps/production/nope/restart', { _csrf: csrf }, { cookie });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/No app &quot;nope&quot; in production|No app "nope" in production/);
    expect((await t.post('/apps/staging/web/restart', { _csrf: csrf }, { cookie })).status).toBe(404);
    const badRevision = await t.post('/apps/production/web/rollback', { _csrf: csrf, to: '1; drop' }, { cookie });
    expect(badRevision.status).toBe(400);
    expect(await badRevision.text()).toMatch(/"to" is missing or malformed|&quot;to&quot; is missing or malformed/);
    const json = await t.request('/apps/production/web/restart', {
      method: 'POST',
      cookie,
      body: JSON.stringify({ _csrf: csrf }),
      headers: { 'content-type': 'application/json', origin: ORIGIN },
    });
    expect(json.status).toBe(400);
    const huge = await t.post('/apps/production/web/restart', { _csrf: csrf, pad: 'x'.repeat(20_000) }, { cookie });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toMatch(/larger than 16 KB/);
    expect(t.started).toEqual([]);
  });

  it('logging out ends the session', async () => {
    const t = await viewerAndOperator();
    const { cookie, session } = await t.login('v'.repeat(20));
    expect((await t.post('/logout', { _csrf: session!.csrf }, { cookie })).status).toBe(303);
    expect((await t.request('/', { cookie })).status).toBe(303);
  });
});
