// Backups on a generated database of about 1 GB (and 100 MB, for memory flatness), side by side
// with the shell pipelines an operator would write, in one run:
//   backup   berth backup create (to a directory)  vs  pg_dump -Fc -Z0 | zstd -3 > file   (and pg_dump -Fc, gzip)
//   to S3    berth backup create (versitygw)        vs  the same pipe into a file
//   restore  berth backup restore --to-database     vs  zstd -dc archive | pg_restore -d (same archive, empty database)
//   memory   peak RSS of the berth process at 100 MB and at 1 GB
// The database is generated once and cached in $BERTH_BENCH_DIR (/var/tmp/berth-bench).
//   node bench/backup.mjs            (needs `npm run build`, Debian's zstd, and versitygw from `npm run testenv -- build`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabase, startBenchPostgres } from './backup-db.mjs';
import { startS3Server, stopS3Server } from '../testenv/s3.ts';

const root = new URL('..', import.meta.url).pathname;
const loadAtStart = (await import('node:os')).loadavg();
const runs = Number(process.env.BENCH_RUNS ?? 2);
const server = await startBenchPostgres();
let s3;
const work = mkdtempSync(join(tmpdir(), 'berth-bench-backup-'));
try {
  await ensureDatabase(server.url, 'small_prod', 100);
  await ensureDatabase(server.url, 'bench_prod', 1000);
  s3 = await startS3Server();
  const pgBin = server.bin;
  const env = { ...process.env, ADMIN_URL: server.url, PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'bench', PGPASSWORD: 'bench', NO_COLOR: '1' };
  const config = (store) => ({
    database: { mode: 'external', host: '127.0.0.1', port: server.port, admin: { env: 'ADMIN_URL' } },
    backups: { store },
    environments: { prod: { namespace: 'bench' } },
    apps: { bench: { image: 'ghcr.io/acme/bench', port: 3000, database: true }, small: { image: 'ghcr.io/acme/small', port: 3000, database: true } },
  });
  writeFileSync(join(work, 'dir.json'), JSON.stringify(config({ dir: { path: join(work, 'store') } })));
  writeFileSync(join(work, 's3.json'), JSON.stringify(config({ s3: { bucket: s3.bucket, endpoint: s3.endpoint, credentialsSecret: 'unused' } })));
  const s3env = { ...env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };

  /** Wall time and peak RSS (GNU time) of one command. */
  const timed = (argv, options = {}) => {
    const start = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', ...argv], { env: options.env ?? env, encoding: 'utf8', maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
    const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
    return { ms, rss, stdout: r.stdout };
  };
  const sh = (script) => ['bash', '-o', 'pipefail', '-c', script];
  const berth = (args, options) => timed([join(root, 'node_modules/.bin/node'), join(root, 'bin/berth.js'), ...args, '--json'], options);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const size = (file) => statSync(file).size;
  const dropDb = async (name) => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };

  const samples = { berth: [], berthRss: [], zstd: [], gzip: [], s3: [], s3Rss: [], smallRss: [], podRss: [], podSmallRss: [], podS3Rss: [] };
  // The backup CronJob's pod runs with NODE_OPTIONS=--max-semi-space-size=2 (render/backup-cronjob.ts).
  const pod = { ...env, NODE_OPTIONS: '--max-semi-space-size=2' };
  let archive;
  let sizes = {};
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`run ${i + 1}/${runs}…\n`);
    const z = timed(sh(`${pgBin}/pg_dump -Fc -Z0 -d bench_prod | zstd -3 -q -o ${work}/base.dump.zst -f`));
    samples.zstd.push(z.ms);
    const b = berth(['backup', 'create', 'bench', '--env', 'prod', '--no-verify', '-c', join(work, 'dir.json')]);
    samples.berth.push(b.ms);
    samples.berthRss.push(b.rss);
    const s = berth(['backup', 'create', 'bench', '--env', 'prod', '--no-verify', '-c', join(work, 's3.json')], { env: s3env });
    samples.s3.push(s.ms);
    samples.s3Rss.push(s.rss);
    samples.smallRss.push(berth(['backup', 'create', 'small', '--env', 'prod', '--no-verify', '-c', join(work, 'dir.json')]).rss);
    if (i === 0) {
      samples.podRss.push(berth(['backup', 'create', 'bench', '--env', 'prod', '--no-verify', '-c', join(work, 'dir.json')], { env: pod }).rss);
      samples.podSmallRss.push(berth(['backup', 'create', 'small', '--env', 'prod', '--no-verify', '-c', join(work, 'dir.json')], { env: pod }).rss);
      samples.podS3Rss.push(
        berth(['backup', 'create', 'bench', '--env', 'prod', '--no-verify', '-c', join(work, 's3.json')], { env: { ...s3env, NODE_OPTIONS: pod.NODE_OPTIONS } })
          .rss,
      );
      samples.gzip.push(timed(sh(`${pgBin}/pg_dump -Fc -d bench_prod -f ${work}/base.dump`)).ms);
      const dir = join(work, 'store', 'prod', 'bench');
      archive = join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.dump.zst')),
      );
      sizes = { berth: size(archive), zstd: size(`${work}/base.dump.zst`), gzip: size(`${work}/base.dump`) };
    }
  }
  // Verify (read-through) once, for the record.
  const verify = berth(['backup', 'verify', 'bench', '--env', 'prod', '-c', join(work, 'dir.json')]);

  const restore = { berth: [], pgRestore: [], berthRss: [] };
  const id = archive.split('/').pop().replace('.dump.zst', '');
  for (let i = 0; i < runs; i++) {
    await dropDb('r_base');
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query('CREATE DATABASE r_base OWNER bench_prod');
    await c.end();
    restore.pgRestore.push(
      timed(sh(`zstd -dcq ${archive} | ${pgBin}/pg_restore --no-owner --role=bench_prod --exit-on-error --single-transaction -d r_base`)).ms,
    );
    await dropDb('r_base');
    await dropDb('r_berth');
    const r = berth(['backup', 'restore', 'bench', id, '--env', 'prod', '--to-database', 'r_berth', '-c', join(work, 'dir.json')]);
    restore.berth.push(r.ms);
    restore.berthRss.push(r.rss);
    await dropDb('r_berth');
  }

  const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  const rows = [
    [
      'backup, 1 GB database',
      'berth (zstd, dir)',
      s(median(samples.berth)),
      'pg_dump -Fc -Z0 | zstd -3',
      s(median(samples.zstd)),
      ratio(median(samples.berth), median(samples.zstd)),
      '≤ 1.10×',
    ],
    ['', '', '', 'pg_dump -Fc (gzip)', s(samples.gzip[0]), ratio(median(samples.berth), samples.gzip[0]), ''],
    [
      'backup to S3',
      'berth (zstd, versitygw)',
      s(median(samples.s3)),
      'pg_dump -Fc -Z0 | zstd -3',
      s(median(samples.zstd)),
      ratio(median(samples.s3), median(samples.zstd)),
      '≤ 1.20×',
    ],
    [
      'restore',
      'berth restore --to-database',
      s(median(restore.berth)),
      'zstd -dc | pg_restore (1 job)',
      s(median(restore.pgRestore)),
      ratio(median(restore.berth), median(restore.pgRestore)),
      '≤ 1.10×',
    ],
    ['verify (read-through)', 'berth backup verify', s(verify.ms), '', '', '', ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\nbackup benchmark (${runs} runs each, medians; database 1 GB on disk: ${mb(await dbSize(server.url, 'bench_prod'))})`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  // The machine's speed drifts between runs (±15 %): each run's own ratio, beside the medians' ratio above.
  const paired = (xs) => {
    const r = xs.map((x, i) => x / samples.zstd[i]).sort((a, b) => a - b);
    return `${ratio(median(r), 1)} (${r.map((v) => v.toFixed(2)).join(', ')})`;
  };
  console.log(`each run beside its own pipe run (median, every run): dir ${paired(samples.berth)}, S3 ${paired(samples.s3)}`);
  console.log(`archive sizes: berth ${mb(sizes.berth)}, pg_dump|zstd ${mb(sizes.zstd)}, pg_dump -Fc (gzip) ${mb(sizes.gzip)}`);
  console.log(
    `peak RSS as the CronJob runs it (NODE_OPTIONS=--max-semi-space-size=2): backup of 100 MB ${samples.podSmallRss[0].toFixed(0)} MB, of 1 GB ${samples.podRss[0].toFixed(0)} MB, to S3 ${samples.podS3Rss[0].toFixed(0)} MB`,
  );
  console.log(
    `load average at the start: ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}, at the end: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores; other work on the machine slows both sides, berth's more threads a little more)`,
  );
  console.log(
    `peak RSS of the berth CLI (defaults): backup of 100 MB ${Math.max(...samples.smallRss).toFixed(0)} MB, of 1 GB ${Math.max(...samples.berthRss).toFixed(0)} MB, to S3 ${Math.max(...samples.s3Rss).toFixed(0)} MB, restore ${Math.max(...restore.berthRss).toFixed(0)} MB (limit 150 MB, flat)`,
  );
} finally {
  await stopS3Server(s3);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

async function dbSize(url, name) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query('SELECT pg_database_size($1)::bigint AS n', [name]);
  await c.end();
  return Number(rows[0].n);
}
