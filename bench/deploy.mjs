// Issue 8, "Performance": `berth deploy` side by side with its peers, in one run, on the test
// cluster (started if needed). berth runs as a user runs it: the built CLI (`npm run build` first)
// in a temp directory holding a berth.config.json. Peers: Helm 4 (the same rendered objects packed
// as a chart by helm-chart.mjs) and kubectl 1.34 (`apply --server-side` + `rollout status`), from
// peers.mjs (unpacked into ~/.cache/berth/bench on first use). Runs of the tools alternate, each
// run in a new order, so they share the machine's load; the 1-minute load average is printed with
// every table. An observer of its own (deploy-observer.mjs, a watch on the Deployments) says when
// the cluster reports each rollout complete, independently of every tool.
//
//   npm run build && node bench/deploy.mjs          all four sections, peers' timeout 5m (~20 min; do not rebuild meanwhile)
//   node bench/deploy.mjs --quick                   peers' timeout 1m in the crash-loop section (labelled)
//   node bench/deploy.mjs --only one,latency        some sections: one, crash, latency, many (run in that order)
//   node bench/deploy.mjs --runs 7 --runs-many 3 --crash-runs 3 --apps 20 --peer-timeout 5m   (the defaults)
//   node bench/deploy.mjs --only many --no-helm-many   20 apps beside kubectl only (Helm's runs load the 2 cores between berth's)
//   node bench/deploy.mjs --steady                  pods Ready after a fixed 0.6 s instead of 0.2–1 s at random (tags
//                                                   ending in -steady, testenv/kwok-config.ts): the tools' runs then
//                                                   differ by the tools, not by two pods' random start-up (±0.3 s a run)
//
// Sections (targets from the issue):
//   one      one app (2 replicas), apply → healthy, a new tag each run: berth ≤ 1.0× helm upgrade
//            --install --wait and ≤ 1.0× kubectl apply --server-side + rollout status
//   crash    a crash-looping release (tag :crashloop), apply → failure verdict: berth ≤ 20 s; Helm 4
//            --rollback-on-failure and kubectl rollout status wait for their timeout (--peer-timeout)
//   latency  Deployment status complete (observer) → berth's `rollout-done` event, and → exit of a
//            `kubectl rollout status` started on berth's `release` event: berth ≤ 1.1× kubectl
//   many     20 apps of 2 replicas at once: berth's wall ≤ 1.05× the cluster's own time (first
//            Deployment seen with the new tag → last one complete) and ≤ kubectl apply + 20 ×
//            rollout status; Helm 4 with one chart of 20 apps and with 20 releases in parallel
//            beside it; berth's peak RSS (GNU time's %M)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { ensureUp } from '../testenv/index.ts';
import { observeDeployments } from './deploy-observer.mjs';
import { berthProject, check, helmDeployer, kubectlDeployer, renderObjects, run } from './deploy-tools.mjs';
import { stats } from './lib.mjs';
import { installPeers } from './peers.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'runs-many': { type: 'string', default: '3' },
    'crash-runs': { type: 'string', default: '3' },
    apps: { type: 'string', default: '20' },
    'peer-timeout': { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'one,crash,latency,many' },
    'no-helm-many': { type: 'boolean', default: false },
    steady: { type: 'boolean', default: false },
  },
});
/** A run's new tag; `-steady` picks the testenv's fixed-delay pods. */
const runTag = (prefix, i) => `${prefix}${i + 1}${args.steady ? '-steady' : ''}`;
const steadyNote = args.steady ? ' (steady pods: Ready 0.6 s after they start)' : '';
const RUNS = Number(args.runs);
const RUNS_MANY = Number(args['runs-many']);
const CRASH_RUNS = Number(args['crash-runs']);
const APPS = Number(args.apps);
const PEER_TIMEOUT = args['peer-timeout'] ?? (args.quick ? '1m' : '5m');
const SECTIONS = new Set(args.only.split(','));

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('berth is not built: run `npm run build` first');

const harness = await ensureUp();
const peers = await installPeers();
const work = mkdtempSync(join(tmpdir(), 'berth-bench-deploy-'));
const env = { ...process.env, KUBECONFIG: harness.kubeconfigPath, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config') };
const helm = helmDeployer({ helm: peers.helm, env, work });
const kubectl = kubectlDeployer({ kubectl: peers.kubectl, env });
const id = randomBytes(3).toString('hex');
const namespaces = [];
const observers = [];
const projects = [];

const s = (ms) => (ms === undefined || Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);
const ms = (value) => (value === undefined || Number.isNaN(value) ? '—' : `${Math.round(value)} ms`);
const x = (ratio) => (ratio === undefined || Number.isNaN(ratio) ? '—' : `${ratio.toFixed(2)}×`);
const median = (values) => stats(values.filter((v) => v !== undefined && !Number.isNaN(v))).median;
const load = () => loadavg()[0];
const verdict = (ok) => (ok ? 'met' : 'MISSED');
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
function loadLine(samples) {
  const st = stats(samples);
  return `load average (1 min) at each run's start: median ${st.median.toFixed(1)}, ${st.min.toFixed(1)}–${Math.max(...samples).toFixed(1)} (${availableParallelism()} cores)`;
}
function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length]);
}
async function namespace(name) {
  const full = `bench-${name}-${id}`;
  namespaces.push(full);
  const observer = await observeDeployments(harness.kubeconfigPath, full);
  observers.push(observer);
  return { name: full, observer };
}
function project(ns, apps) {
  const p = berthProject({ namespace: ns, apps, kubeconfig: harness.kubeconfigPath, node: process.execPath });
  projects.push(p);
  return p;
}
const eventTime = (events, predicate) => {
  const event = events.find(predicate);
  return event ? Date.parse(event.time) : undefined;
};

function cleanup() {
  for (const o of observers) o.stop();
  for (const ns of namespaces) spawnSync(peers.kubectl, ['delete', 'namespace', ns, '--wait=false'], { env, stdio: 'ignore' });
  for (const p of projects) p.cleanup();
  rmSync(work, { recursive: true, force: true });
}
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

console.log(
  `berth deploy beside ${peers.versions.helm.replace(/\+.*/, '')} (Helm 4) and kubectl ${peers.versions.kubectl}, test cluster ${harness.kubeServer}`,
);
try {
  if (SECTIONS.has('one')) await oneApp();
  if (SECTIONS.has('crash')) await crashLoop();
  if (SECTIONS.has('latency')) await latency();
  if (SECTIONS.has('many')) await manyApps();
} finally {
  cleanup();
}

/** Section one: apply → healthy with a new tag, berth beside helm --wait and kubectl apply + rollout status. */
async function oneApp() {
  const apps = ['web'];
  const [b, h, k] = await Promise.all([namespace('one-berth'), namespace('one-helm'), namespace('one-kubectl')]);
  const p = project(b.name, apps);
  // First installs, untimed: every timed run is an upgrade to a new tag.
  check(await p.deploy('v0'), 'berth deploy (install)');
  check(await helm('web', h.name, renderObjects(h.name, apps, 'v0'), { tag: 'v0' }), 'helm install');
  check(await kubectl(k.name, renderObjects(k.name, apps, 'v0')), 'kubectl install');

  const samples = { berth: [], helm: [], kubectl: [] };
  const cluster = { berth: [], helm: [], kubectl: [] };
  const phases = { toLocked: [], toApplied: [], watch: [], record: [], exit: [], detect: [] };
  // Start of the command → the observer sees the Deployment with the new tag.
  const seen = { berth: [], helm: [], kubectl: [] };
  // The observer sees the rollout complete → the command has exited.
  const after = { berth: [], helm: [], kubectl: [] };
  const loads = [];
  const tools = {
    async berth(tag) {
      const r = check(await p.deploy(tag), 'berth deploy');
      await b.observer.settle(apps, () => tag);
      const locked = eventTime(r.events, (e) => e.event === 'locked');
      const applied = eventTime(r.events, (e) => e.event === 'release' && e.result === 'deploying');
      const done = eventTime(r.events, (e) => e.event === 'rollout-done');
      const recorded = eventTime(r.events, (e) => e.event === 'release' && e.result === 'succeeded');
      phases.toLocked.push(locked - r.startedAt);
      phases.toApplied.push(applied - r.startedAt);
      seen.berth.push(b.observer.appliedAt('web', tag) - r.startedAt);
      phases.watch.push(done - applied);
      phases.record.push(recorded - done);
      phases.exit.push(r.endedAt - recorded);
      phases.detect.push(done - b.observer.completeAt('web', tag));
      cluster.berth.push(b.observer.span(apps, () => tag)?.ms);
      after.berth.push(r.endedAt - b.observer.completeAt('web', tag));
      return r.ms;
    },
    async helm(tag) {
      const r = check(await helm('web', h.name, renderObjects(h.name, apps, tag), { tag }), 'helm upgrade');
      await h.observer.settle(apps, () => tag);
      cluster.helm.push(h.observer.span(apps, () => tag)?.ms);
      seen.helm.push(h.observer.appliedAt('web', tag) - r.startedAt);
      after.helm.push(r.endedAt - h.observer.completeAt('web', tag));
      return r.ms;
    },
    async kubectl(tag) {
      const r = check(await kubectl(k.name, renderObjects(k.name, apps, tag)), 'kubectl rollout status');
      await k.observer.settle(apps, () => tag);
      cluster.kubectl.push(k.observer.span(apps, () => tag)?.ms);
      seen.kubectl.push(k.observer.appliedAt('web', tag) - r.startedAt);
      after.kubectl.push(r.endedAt - k.observer.completeAt('web', tag));
      return r.ms;
    },
  };
  for (let i = 0; i < RUNS; i++) {
    loads.push(load());
    const tag = runTag('r', i);
    for (const name of rotate(Object.keys(tools), i)) samples[name].push(await tools[name](tag));
  }

  const berth = stats(samples.berth);
  console.log(`\n1. One app (2 replicas), apply → healthy, a new tag each run; ${RUNS} runs each, alternating${steadyNote}`);
  const rows = [
    ['berth deploy', berth, cluster.berth, '—', seen.berth, after.berth],
    ['helm upgrade --install --wait', stats(samples.helm), cluster.helm, x(berth.median / stats(samples.helm).median), seen.helm, after.helm],
    [
      'kubectl apply --server-side + rollout status',
      stats(samples.kubectl),
      cluster.kubectl,
      x(berth.median / stats(samples.kubectl).median),
      seen.kubectl,
      after.kubectl,
    ],
  ];
  table(
    ['command', 'median', 'p90', 'min', 'start → applied', "cluster's own", 'complete → exit', 'berth ÷ this'],
    rows.map(([name, st, own, ratio, applied, tail]) => [
      name,
      s(st.median),
      s(st.p90),
      s(st.min),
      s(median(applied)),
      s(median(own)),
      ms(median(tail)),
      ratio,
    ]),
  );
  console.log(
    `target berth ≤ 1.0× both: ${verdict(berth.median <= stats(samples.helm).median && berth.median <= stats(samples.kubectl).median)}` +
      ` (start → applied: until the observer sees the Deployment with the new tag; cluster's own: from then until the rollout is complete; complete → exit: from then until the command has exited)`,
  );
  console.log(
    `berth's time, medians: start → lock held ${s(median(phases.toLocked))}, → everything applied ${s(median(phases.toApplied))},` +
      ` applied → rollout-done ${s(median(phases.watch))} (${ms(median(phases.detect))} after the observer saw it complete),` +
      ` → release recorded ${s(median(phases.record))}, → exit ${s(median(phases.exit))}`,
  );
  console.log(loadLine(loads));
}

/** Section latency: Deployment status complete → berth's rollout-done, and → kubectl rollout status exit, on the same rollout. */
async function latency() {
  const apps = ['web'];
  const b = await namespace('latency');
  const p = project(b.name, apps);
  check(await p.deploy('v0'), 'berth deploy (install)');
  const berthLatency = [];
  const kubectlLatency = [];
  const loads = [];
  let late = 0;
  for (let i = 0; i < RUNS; i++) {
    loads.push(load());
    const tag = runTag('l', i);
    let waiter;
    const r = check(
      await p.deploy(tag, {
        onEvent(event) {
          if (event.event === 'release' && event.result === 'deploying' && !waiter)
            waiter = run([peers.kubectl, 'rollout', 'status', 'deployment/web', '-n', b.name, '--timeout=120s'], { env });
        },
      }),
      'berth deploy',
    );
    const k = check(await waiter, 'kubectl rollout status');
    await b.observer.settle(apps, () => tag);
    const complete = b.observer.completeAt('web', tag);
    // kubectl must have been watching before the rollout completed, or its figure means nothing.
    if (k.startedAt > complete) late++;
    berthLatency.push(eventTime(r.events, (e) => e.event === 'rollout-done') - complete);
    kubectlLatency.push(k.endedAt - complete);
  }
  const bl = stats(berthLatency);
  const kl = stats(kubectlLatency);
  console.log(
    `\n3. Rollout-complete detection latency (Deployment status complete, seen by the bench's own watch → the tool says done); ${RUNS} rollouts${steadyNote}`,
  );
  table(
    ['tool', 'median', 'p90', 'min'],
    [
      ["berth deploy (its 'rollout-done' event)", ms(bl.median), ms(bl.p90), ms(bl.min)],
      ['kubectl rollout status (its exit)', ms(kl.median), ms(kl.p90), ms(kl.min)],
    ],
  );
  const ratio = kl.median > 0 ? bl.median / kl.median : undefined;
  console.log(
    `berth ÷ kubectl: ${x(ratio)}; target ≤ 1.1×: ${verdict(bl.median <= 1.1 * Math.max(kl.median, 0))}` +
      `${late ? ` (${late} run(s): kubectl started after the rollout was complete)` : ''}`,
  );
  console.log(loadLine(loads));
}

/** Section crash: a crash-looping release, berth's failure verdict beside peers that wait for their timeout. */
async function crashLoop() {
  const apps = ['web'];
  const [b, h, k] = await Promise.all([namespace('crash-berth'), namespace('crash-helm'), namespace('crash-kubectl')]);
  const p = project(b.name, apps);
  await Promise.all([
    p.deploy('v1').then((r) => check(r, 'berth deploy (install)')),
    helm('web', h.name, renderObjects(h.name, apps, 'v1'), { tag: 'v1' }).then((r) => check(r, 'helm install')),
    kubectl(k.name, renderObjects(k.name, apps, 'v1')).then((r) => check(r, 'kubectl install')),
  ]);
  const loads = [load()];
  const timeout = `${parseSeconds(PEER_TIMEOUT)}s`;
  // The peers wait out their timeout side by side; berth's runs go meanwhile, one after another.
  const peersDone = Promise.all([
    helm('web', h.name, renderObjects(h.name, apps, 'crashloop'), { tag: 'crashloop', timeout, extra: ['--rollback-on-failure'] }),
    kubectl(k.name, renderObjects(k.name, apps, 'crashloop'), { timeout }),
  ]);
  const berth = { verdict: [], fromApply: [], wall: [], codes: [] };
  for (let i = 0; i < CRASH_RUNS; i++) {
    if (i > 0) loads.push(load());
    const r = await p.deploy('crashloop');
    const failed = eventTime(r.events, (e) => e.event === 'failed');
    berth.verdict.push(failed - r.startedAt);
    // The observer sees the crash-looping tag applied; the rollback brings back v1 for the next run.
    const seen = b.observer.appliedAt('web', 'crashloop');
    berth.fromApply.push(i === 0 ? failed - seen : undefined);
    berth.wall.push(r.ms);
    berth.codes.push(r.status);
  }
  const [helmResult, kubectlResult] = await peersDone;
  const label =
    args.quick || args['peer-timeout']
      ? `peers' timeout ${PEER_TIMEOUT}${args.quick ? ' (QUICK MODE: the issue says 5m)' : ''}`
      : "peers' timeout 5m, as in the issue";
  console.log(`\n2. Crash-looping release (tag :crashloop), apply → failure verdict; ${label}`);
  const v = stats(berth.verdict);
  table(
    ['command', 'failure verdict', 'exit (after rollback)', 'exit code'],
    [
      [`berth deploy (median of ${CRASH_RUNS}; from process start)`, s(v.median), s(median(berth.wall)), [...new Set(berth.codes)].join(',')],
      ['berth deploy (first run; from the observer seeing the apply)', s(berth.fromApply[0]), '', ''],
      ['helm upgrade --wait --rollback-on-failure', s(helmResult.ms), s(helmResult.ms), helmResult.status],
      ['kubectl apply --server-side + rollout status', s(kubectlResult.ms), s(kubectlResult.ms), kubectlResult.status],
    ],
  );
  console.log(`target berth ≤ 20 s: ${verdict(v.p90 <= 20_000)} (p90 ${s(v.p90)}); the peers' figure is their timeout: they have no verdict of their own`);
  const said = (r) => (r.stdout + r.stderr).trim().split('\n').filter(Boolean).at(-1)?.slice(0, 160);
  console.log(`helm said: ${said(helmResult)}\nkubectl said: ${said(kubectlResult)}`);
  console.log(loadLine(loads));
}

/** Section many: 20 apps at once, berth beside the cluster's own time and the peers. */
async function manyApps() {
  const apps = Array.from({ length: APPS }, (_, i) => `app${String(i + 1).padStart(2, '0')}`);
  const [b, k, h1, hn] = await Promise.all([namespace('many-berth'), namespace('many-kubectl'), namespace('many-helm1'), namespace('many-helmn')]);
  const p = project(b.name, apps);
  const helmMany = (tag) => Promise.all(apps.map((app) => helm(app, hn.name, renderObjects(hn.name, apps, tag, [app]), { tag })));
  const tools = {
    berth: async (tag) => {
      const r = check(await p.deploy(tag, { rss: true }), 'berth deploy');
      rss.push(r.rssKiB);
      await b.observer.settle(apps, () => tag);
      const span = b.observer.span(apps, () => tag);
      const last = (name, predicate) => Math.max(...r.events.filter((e) => e.event === name && (!predicate || predicate(e))).map((e) => Date.parse(e.time)));
      phases.toLocked.push(eventTime(r.events, (e) => e.event === 'locked') - r.startedAt);
      phases.toSeen.push(span.appliedAt - r.startedAt);
      phases.toApplied.push(last('release', (e) => e.result === 'deploying') - r.startedAt);
      phases.detect.push(last('rollout-done') - span.completeAt);
      phases.exit.push(r.endedAt - span.completeAt);
      return r.ms;
    },
    kubectl: async (tag) => {
      const r = await kubectl(k.name, renderObjects(k.name, apps, tag));
      return check(r, 'kubectl').ms;
    },
    helmOne: async (tag) => check(await helm('all', h1.name, renderObjects(h1.name, apps, tag), { tag }), 'helm (one chart)').ms,
    helmMany: async (tag) => {
      const started = performance.now();
      for (const r of await helmMany(tag)) check(r, 'helm (one release per app)');
      return performance.now() - started;
    },
  };
  if (args['no-helm-many']) {
    delete tools.helmOne;
    delete tools.helmMany;
  }
  const phases = { toLocked: [], toSeen: [], toApplied: [], detect: [], exit: [] };
  const observerOf = { berth: b.observer, kubectl: k.observer, helmOne: h1.observer, helmMany: hn.observer };
  const rss = [];
  // First installs, untimed.
  await tools.berth('v0');
  await tools.kubectl('v0');
  await tools.helmOne?.('v0');
  await tools.helmMany?.('v0');
  rss.length = 0;
  for (const list of Object.values(phases)) list.length = 0;

  const wall = Object.fromEntries(Object.keys(tools).map((t) => [t, []]));
  const own = Object.fromEntries(Object.keys(tools).map((t) => [t, []]));
  const loads = [];
  for (let i = 0; i < RUNS_MANY; i++) {
    loads.push(load());
    const tag = runTag('m', i);
    for (const name of rotate(Object.keys(tools), i)) {
      wall[name].push(await tools[name](tag));
      await observerOf[name].settle(apps, () => tag);
      own[name].push(observerOf[name].span(apps, () => tag)?.ms);
    }
  }
  const names = {
    berth: `berth deploy (one config, ${APPS} apps)`,
    kubectl: `kubectl apply --server-side + ${APPS} × rollout status`,
    helmOne: `helm upgrade --install --wait, one chart of ${APPS} apps`,
    helmMany: `${APPS} × helm upgrade --install --wait in parallel`,
  };
  const berth = stats(wall.berth);
  const berthOverOwn = wall.berth.map((w, i) => w / own.berth[i]);
  console.log(`\n4. ${APPS} apps of 2 replicas deployed at once, a new tag each run; ${RUNS_MANY} runs each, alternating${steadyNote}`);
  table(
    ['command', 'median', 'min', "cluster's own", 'this ÷ own', 'berth ÷ this'],
    Object.keys(tools).map((t) => {
      const st = stats(wall[t]);
      return [
        names[t],
        s(st.median),
        s(st.min),
        s(median(own[t])),
        x(median(wall[t].map((w, i) => w / own[t][i]))),
        t === 'berth' ? '—' : x(berth.median / st.median),
      ];
    }),
  );
  console.log(
    `target berth ≤ 1.05× the cluster's own time: ${verdict(median(berthOverOwn) <= 1.05)} (${x(median(berthOverOwn))});` +
      ` ≤ kubectl apply + ${APPS} × rollout status: ${verdict(berth.median <= stats(wall.kubectl).median)}`,
  );
  console.log(`(cluster's own = the observer's first sight of a Deployment with the new tag → the last of the ${APPS} complete, in that tool's run)`);
  console.log(
    `berth's time, medians: start → lock held ${s(median(phases.toLocked))}, → first Deployment applied ${s(median(phases.toSeen))}, → last app applied ${s(median(phases.toApplied))};` +
      ` last Deployment complete → last rollout-done ${ms(median(phases.detect))}, → exit ${s(median(phases.exit))}`,
  );
  console.log(`berth's peak RSS (GNU time %M): median ${(median(rss) / 1024).toFixed(0)} MiB, max ${(Math.max(...rss) / 1024).toFixed(0)} MiB`);
  console.log(loadLine(loads));
}

function parseSeconds(text) {
  const match = /^(\d+)(s|m)?$/.exec(text);
  if (!match) throw new Error(`--peer-timeout: expected a duration such as 5m or 90s, got ${text}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}
