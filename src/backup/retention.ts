/**
 * GFS retention, pure: which of one app's backups to keep and which to delete, given the policy
 * and the time. Rules, in order of precedence:
 *  - the newest verified backup is always kept, whatever its age (retention that deletes every
 *    backup is the classic failure: a clock jump or a run of failures must not cause it);
 *  - only verified backups count towards the daily / weekly / monthly slots: the newest verified
 *    backup of each of the last `daily` days (UTC), `weekly` ISO weeks and `monthly` months that
 *    have one is kept; verified backups older than `maxAgeDays` go even if a slot chose them;
 *  - a complete but not yet verified backup is kept while it is newer than the newest verified
 *    one (its verification may still come), or while nothing is verified at all;
 *  - a running backup is kept for a day (it may still be running), a failed or corrupt one for a
 *    week (so its failure can be read), then deleted.
 */

import type { RetentionPolicy } from '../config/backup-settings.ts';

export type { RetentionPolicy } from '../config/backup-settings.ts';

export type RetentionStatus = 'running' | 'failed' | 'complete' | 'verified' | 'corrupt';

export interface RetentionItem {
  id: string;
  startedAt: Date;
  status: RetentionStatus;
}

export interface RetentionDecision {
  id: string;
  keep: boolean;
  /** Why, for the dry run: `newest verified`, `daily 2026-03-01`, `older than 365 days`… */
  reason: string;
}

const DAY = 86_400_000;

export function planRetention(items: readonly RetentionItem[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const newestFirst = [...items].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : -1));
  const verified = newestFirst.filter((i) => i.status === 'verified');
  const newestGood = verified[0];
  const slots = new Map<string, string>();
  for (const [kind, count, bucket] of [
    ['daily', policy.daily, dayOf],
    ['weekly', policy.weekly, isoWeekOf],
    ['monthly', policy.monthly, monthOf],
  ] as const) {
    const seen = new Set<string>();
    for (const item of verified) {
      if (seen.size >= count) break;
      const key = bucket(item.startedAt);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!slots.has(item.id)) slots.set(item.id, `${kind} ${key}`);
    }
  }
  const age = (item: RetentionItem) => (now.getTime() - item.startedAt.getTime()) / DAY;
  return newestFirst.map((item): RetentionDecision => {
    if (item === newestGood) return { id: item.id, keep: true, reason: 'newest verified backup' };
    switch (item.status) {
      case 'verified': {
        if (age(item) > policy.maxAgeDays) return { id: item.id, keep: false, reason: `older than ${policy.maxAgeDays} days` };
        const slot = slots.get(item.id);
        return slot ? { id: item.id, keep: true, reason: slot } : { id: item.id, keep: false, reason: 'outside the daily/weekly/monthly slots' };
      }
      case 'complete':
        if (!newestGood) return { id: item.id, keep: true, reason: 'not verified yet, and no backup is' };
        return item.startedAt > newestGood.startedAt
          ? { id: item.id, keep: true, reason: 'newer than the newest verified backup; awaiting verification' }
          : { id: item.id, keep: false, reason: 'never verified, and a newer backup is' };
      case 'running':
        return age(item) < 1
          ? { id: item.id, keep: true, reason: 'may still be running' }
          : { id: item.id, keep: false, reason: 'abandoned (running for over a day)' };
      default:
        return age(item) < 7
          ? { id: item.id, keep: true, reason: `${item.status}; kept a week for inspection` }
          : { id: item.id, keep: false, reason: `${item.status}, over a week old` };
    }
  });
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** ISO 8601 week, e.g. 2026-W09 (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
