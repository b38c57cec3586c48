// The pure parts of backups: GFS retention (property-tested with a 60-day clock jump), the
// schedule's staleness verdict, the sidecar's checksum, the COPY row counter, S3 part sizes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/backup/catalog.ts';
import { CopyCounter } from '../../src/backup/copy-counter.ts';
import { decodeMeta, encodeMeta, type BackupMeta } from '../../src/backup/meta.ts';
import { pruneBackups } from '../../src/backup/prune.ts';
import { selectBackup } from '../../src/backup/select.ts';
import { isoWeekOf, planRetention, type RetentionItem, type RetentionStatus } from '../../src/backup/retention.ts';
import { checkStaleness, previousFire } from '../../src/backup/schedule.ts';
import { writeMeta } from '../../src/backup/sidecar-store.ts';
import { DirectoryStore } from '../../src/store/directory.ts';
import { partSizeFor } from '../../src/store/s3.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T03:00:00Z');

function idFor(date: Date, n: number): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${n.toString(16).padStart(4, '0')}`;
}

/** A schedule's history: one run every `every` hours for `days` days; each run fails, verifies, or stays unverified. */
const history = fc
  .record({
    every: fc.constantFrom(1, 6, 24, 168),
    days: fc.integer({ min: 1, max: 200 }),
    outcomes: fc.array(fc.constantFrom<RetentionStatus>('verified', 'verified', 'verified', 'failed', 'complete', 'running', 'corrupt'), {
      minLength: 1,
      maxLength: 400,
    }),
  })
  .map(({ every, days, outcomes }) => {
    const items: RetentionItem[] = [];
    const runs = Math.min(outcomes.length, Math.floor((days * 24) / every) + 1);
    for (let i = 0; i < runs; i++) {
      const at = new Date(T0 + i * every * 3_600_000);
      items.push({ id: idFor(at, i), startedAt: at, status: outcomes[i]! });
    }
    return items;
  });

const policy = fc.record({
  daily: fc.integer({ min: 0, max: 30 }),
  weekly: fc.integer({ min: 0, max: 8 }),
  monthly: fc.integer({ min: 0, max: 12 }),
  maxAgeDays: fc.integer({ min: 1, max: 400 }),
});

describe('GFS retention', () => {
  it('always keeps the newest verified backup, decides every backup once, and keeps everything when nothing is verified', () => {
    fc.assert(
      fc.property(history, policy, fc.integer({ min: 0, max: 60 }), (items, p, jumpDays) => {
        const last = items.at(-1)!.startedAt.getTime();
        // The clock jumps forward (a node's clock fixed, a CronJob suspended for two months).
        const now = new Date(last + jumpDays * DAY + 3_600_000);
        const plan = planRetention(items, p, now);
        expect(plan.map((d) => d.id).sort()).toEqual(items.map((i) => i.id).sort());
        const verified = items.filter((i) => i.status === 'verified').sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
        const kept = new Set(plan.filter((d) => d.keep).map((d) => d.id));
        if (verified[0]) expect(kept.has(verified[0].id)).toBe(true);
        else for (const item of items.filter((i) => i.status === 'complete')) expect(kept.has(item.id)).toBe(true);
        // Nothing verified beyond the slots and the newest survives; nothing over the maximum age but the newest.
        const keptVerified = verified.filter((v) => kept.has(v.id));
        expect(keptVerified.length).toBeLessThanOrEqual(Math.max(1, p.daily + p.weekly + p.monthly));
        for (const v of keptVerified.slice(1)) expect(now.getTime() - v.startedAt.getTime()).toBeLessThanOrEqual(p.maxAgeDays * DAY);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the newest of each of the last N days, weeks and months', () => {
    const items: RetentionItem[] = [];
    for (let day = 0; day < 100; day++) {
      for (const hour of [3, 15]) {
        const at = new Date(T0 + day * DAY + (hour - 3) * 3_600_000);
        items.push({ id: idFor(at, day * 2 + (hour === 15 ? 1 : 0)), startedAt: at, status: 'verified' });
      }
    }
    const now = new Date(T0 + 100 * DAY);
    const kept = planRetention(items, { daily: 7, weekly: 4, monthly: 3, maxAgeDays: 365 }, now).filter((d) => d.keep);
    const days = new Set(
      kept.map((d) =>
        items
          .find((i) => i.id === d.id)!
          .startedAt.toISOString()
          .slice(0, 10),
      ),
    );
    // 7 days + older weeks + older months overlap: between 7 and 14 distinct days, each its newest run (15:00).
    expect(days.size).toBeGreaterThanOrEqual(7);
    expect(days.size).toBeLessThanOrEqual(14);
    for (const d of kept) expect(items.find((i) => i.id === d.id)!.startedAt.getUTCHours()).toBe(15);
    expect(isoWeekOf(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeekOf(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
  });

  it("prunes one app's backups in one environment and never touches another's (web vs web-2, production vs staging)", async () => {
    const store = new DirectoryStore(mkdtempSync(join(tmpdir(), 'berth-prune-')));
    const make = async (app: string, environment: string, daysAgo: number) => {
      const at = new Date(T0 - daysAgo * DAY);
      const meta: BackupMeta = {
        format: 'berth.backup/1',
        id: idFor(at, daysAgo),
        app,
        environment,
        database: 'x',
        reason: 'scheduled',
        status: 'verified',
        startedAt: at.toISOString(),
        archive: `${idFor(at, daysAgo)}.dump.zst`,
        compression: 'zstd',
        bytes: 3,
        sha256: 'x',
        versions: { berth: 'test' },
      };
      await store.write(`${environment}/${app}/${meta.archive}`, (await import('node:stream')).Readable.from([Buffer.from('abc')]));
      await writeMeta(store, meta);
    };
    for (let d = 0; d < 40; d++)
      for (const [app, env] of [
        ['web', 'production'],
        ['web-2', 'production'],
        ['web', 'staging'],
      ] as const)
        await make(app, env, d);
    const result = await pruneBackups({
      store,
      app: 'web',
      environment: 'production',
      policy: { daily: 3, weekly: 0, monthly: 0, maxAgeDays: 365 },
      now: new Date(T0 + 60 * DAY),
      apply: true,
    });
    expect(result.deleted).toHaveLength(37);
    expect(await readCatalog(store, 'web', 'production')).toHaveLength(3);
    expect(await readCatalog(store, 'web-2', 'production')).toHaveLength(40);
    expect(await readCatalog(store, 'web', 'staging')).toHaveLength(40);
  });
});

describe('staleness', () => {
  const daily = { cron: '0 3 * * *', timeZone: 'Australia/Perth', toleranceMinutes: 120 };
  it('fires after a missed run, not while a run may still be going', () => {
    // 03:00 Perth is 19:00 UTC the day before.
    const lastRun = new Date('2026-03-02T19:00:30Z');
    expect(previousFire(daily.cron, daily.timeZone, new Date('2026-03-03T12:00:00Z'))?.toISOString()).toBe('2026-03-02T19:00:00.000Z');
    expect(checkStaleness({ ...daily, newestVerified: lastRun, now: new Date('2026-03-03T12:00:00Z') }).stale).toBe(false);
    // The next run fired at 19:00; at 20:00 it may still be running.
    expect(checkStaleness({ ...daily, newestVerified: lastRun, now: new Date('2026-03-03T20:00:00Z') }).stale).toBe(false);
    // At 21:30 it should be done: missed.
    const missed = checkStaleness({ ...daily, newestVerified: lastRun, now: new Date('2026-03-03T21:30:00Z') });
    expect(missed.stale).toBe(true);
    expect(missed.message).toMatch(/missed or failed/);
    expect(checkStaleness({ ...daily, newestVerified: undefined, now: new Date('2026-03-03T21:30:00Z') }).stale).toBe(true);
  });
});

describe('sidecar', () => {
  const meta = {
    format: 'berth.backup/1',
    id: '20260301T030000Z-0001',
    app: 'web',
    environment: 'production',
    tables: { 'public.a': 3 },
  } as unknown as BackupMeta;
  it('round-trips and detects a torn write, a changed value and a missing checksum', () => {
    const text = encodeMeta(meta);
    expect(decodeMeta(text)).toEqual({ ok: true, meta });
    expect(decodeMeta(text.slice(0, text.length - 20)).ok).toBe(false);
    expect(decodeMeta(text.replace('"public.a": 3', '"public.a": 4'))).toEqual({ ok: false, problem: expect.stringMatching(/checksum/) });
    expect(decodeMeta(JSON.stringify({ meta })).ok).toBe(false);
  });
});

describe('COPY row counter', () => {
  it('counts rows per table across chunk boundaries, with quoted names and a row that is a lone backslash', async () => {
    const sql = [
      'SET x = 1;',
      'COPY public.items (id, name) FROM stdin;',
      '1\ta\\nb',
      '2\t\\\\',
      '\\',
      '\\.',
      'COPY "odd schema"."Order ""Items""" (x) FROM stdin;',
      '\\.',
      'COPY public.t (x) FROM stdin;',
      '',
      '\\.x',
      '\\.',
      '',
    ].join('\n');
    for (const size of [1, 2, 3, 7, 1000]) {
      const counter = new CopyCounter();
      const buffer = Buffer.from(sql);
      for (let i = 0; i < buffer.length; i += size) counter.write(buffer.subarray(i, i + size));
      counter.end();
      await new Promise((resolve) => counter.on('finish', resolve));
      expect(counter.counts).toEqual({ 'public.items': 3, 'odd schema.Order "Items"': 0, 'public.t': 2 });
    }
  });
});

it('S3 part sizes keep any archive far below 10,000 parts', () => {
  for (const size of [0, 1e6, 16e9, 100e9, 5e12]) {
    const part = partSizeFor(size);
    expect(part).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(size / part).toBeLessThanOrEqual(2_000);
  }
});

it('restore without an id takes the newest good backup that is not the safety copy of a previous restore', () => {
  const entry = (id: string, reason: string, status = 'verified') => ({
    id,
    meta: { id, reason, status } as BackupMeta,
    problem: undefined,
    archiveBytes: 1,
    keys: [],
  });
  const catalog = [entry('3', 'safety'), entry('2', 'manual', 'failed'), entry('1', 'scheduled')];
  expect(selectBackup(catalog, undefined, 'web', { skipSafety: true }).id).toBe('1');
  expect(selectBackup(catalog, undefined, 'web').id).toBe('3');
  expect(() => selectBackup(catalog, '2', 'web')).toThrow(/Backup 2 is failed/);
});
