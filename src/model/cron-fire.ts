/**
 * When a CronJob schedule last fired. croner reads 5-part schedules as the CronJob controller
 * does (either day field matches when both are set). UTC goes by a fixed offset: croner's time
 * zone path builds an Intl formatter first, which costs a command 30–90 ms for the default zone.
 */
import { Cron } from 'croner';

const UTC = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT']);

/** The schedule's latest fire time at or before `at`; `timeZone` undefined is this machine's zone. */
export function previousFire(cron: string, timeZone: string | undefined, at: Date): Date | undefined {
  const zone = timeZone !== undefined && UTC.has(timeZone) ? { utcOffset: 0 } : { timezone: timeZone };
  const job = new Cron(cron, { ...zone, paused: true, mode: '5-part' });
  return job.previousRuns(1, new Date(at.getTime() + 1))[0];
}
