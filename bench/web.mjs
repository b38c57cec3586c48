// Issue 11: the admin page's overview of an environment with 50 apps (each a web process and a
// cron task, deployed with `berth deploy`): server time (target ≤ 150 ms) and page weight
// (target ≤ 150 KB), and the server's memory idle and with 20 viewers holding the live overview
// open (server-sent events). The server is `berth web` as a user starts it, a process of its own.
// Times are measured by the client on the same machine (server time plus a local round trip).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deployedEnvironment, fmt, stats } from './lib.mjs';

const APPS = Number(process.env.APPS ?? 50);
const RUNS = Number(process.env.RUNS ?? 30);
const VIEWERS = Number(process.env.VIEWERS ?? 20);
const { config, env, remove } = await deployedEnvironment('bench-web', APPS);
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

let server;
try {
  // The server as a user starts it; `get` measures one request as the client sees it.
  async function startServer() {
    const child = spawn(process.execPath, ['bin/berth.js', 'web', '--port', '0', '--config', config], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const loginUrl = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const url = /Open (http\S+)/.exec(out)?.[1];
        if (url) resolve(url);
      });
      child.on('exit', (code) => reject(new Error(`berth web exited ${code}`)));
    });
    const origin = new URL(loginUrl).origin;
    const login = await fetch(loginUrl, { redirect: 'manual' });
    const session = /berth_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    if (!session) throw new Error('login failed');
    const request = async (path) => {
      const t0 = performance.now();
      const response = await fetch(`${origin}${path}`, { headers: { cookie: session } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      return { ms: performance.now() - t0, bytes: Buffer.byteLength(body), body };
    };
    return { child, base: origin, cookie: session, get: request };
  }

  // A server that has been up a few seconds (in the cluster it starts long before anyone looks):
  // the watch it starts with has the environment in memory by the first page load.
  const early = await startServer();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const settledFirst = await early.get('/');
  early.child.kill('SIGINT');

  const running = await startServer();
  server = running.child;
  const { base, cookie, get } = running;

  // The first look right after start: the watch the server started with is still reading the
  // environment (seven API requests); the page waits for that read instead of making its own.
  const first = await get('/');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  if ((first.body.match(/<tr data-app=/g) ?? []).length !== APPS)
    throw new Error(`the overview shows ${(first.body.match(/<tr data-app=/g) ?? []).length} apps, not ${APPS}`);
  const css = await get(first.body.match(/href="(\/static\/app\.css[^"]*)"/)[1]);
  const js = await get(first.body.match(/src="(\/static\/app\.js[^"]*)"/)[1]);
  for (let i = 0; i < 3; i++) await get('/');
  const idle = rss(server.pid);
  const loads = [];
  for (let i = 0; i < RUNS; i++) loads.push((await get('/')).ms);

  // Twenty viewers with the live overview open: one watch of the environment serves them all.
  const controllers = [];
  const firstEvents = [];
  for (let i = 0; i < VIEWERS; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    firstEvents.push(
      fetch(`${base}/events/overview/bench`, { headers: { cookie }, signal: controller.signal }).then(async (response) => {
        const reader = response.body.getReader();
        let text = '';
        while (!text.includes('event: html')) text += new TextDecoder().decode((await reader.read()).value);
        return text.length;
      }),
    );
  }
  const eventBytes = await Promise.all(firstEvents);
  // A change reaches every viewer: restart one app while they watch.
  const restarted = spawnSync(process.execPath, ['bin/berth.js', 'restart', 'app00', '--env', 'bench', '--config', config], { env, encoding: 'utf8' });
  if (restarted.status !== 0) throw new Error(`berth restart failed: ${restarted.stderr}`);
  const watched = [];
  let peak = rss(server.pid);
  for (let i = 0; i < RUNS; i++) {
    watched.push((await get('/')).ms);
    peak = Math.max(peak, rss(server.pid));
  }
  peak = Math.max(peak, rss(server.pid));
  for (const c of controllers) c.abort();

  const a = stats(loads);
  const b = stats(watched);
  const weight = (first.bytes + css.bytes + js.bytes) / 1024;
  console.log(`\nberth web, overview of ${APPS} apps, ${RUNS} requests each (node ${process.version}, kube-apiserver from testenv)`);
  console.log(`${'measure'.padEnd(58)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
  console.log(`${'first GET / right after start (the first read not done)'.padEnd(58)}${fmt(first.ms)}`);
  console.log(`${'first GET / of a server up for 3 s'.padEnd(58)}${fmt(settledFirst.ms)}`);
  console.log(`${'GET / after (from the watch)'.padEnd(58)}${fmt(a.median)}${fmt(a.p90)}`);
  console.log(`${`GET / while ${VIEWERS} viewers watch (same watch)`.padEnd(58)}${fmt(b.median)}${fmt(b.p90)}`);
  console.log(
    `page weight: HTML ${(first.bytes / 1024).toFixed(1)} KB + CSS ${(css.bytes / 1024).toFixed(1)} KB + JS ${(js.bytes / 1024).toFixed(1)} KB = ${weight.toFixed(1)} KB uncompressed (target ≤ 150 KB)`,
  );
  console.log(`first live update per viewer: ${(eventBytes[0] / 1024).toFixed(1)} KB`);
  console.log(`server memory (RSS): idle ${idle.toFixed(0)} MB; with ${VIEWERS} live viewers ${peak.toFixed(0)} MB`);
  const ok = a.median <= 150 && settledFirst.ms <= 150 && weight <= 150;
  console.log(`server time ${a.median.toFixed(0)} ms (target ≤ 150 ms), weight ${weight.toFixed(0)} KB (target ≤ 150 KB): ${ok ? 'OK' : 'OVER TARGET'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  server?.kill('SIGINT');
  remove();
}
