/**
 * When the scheduled backup should last have run, and whether the newest verified backup is
 * recent enough (C5 in the field notes: QuickStack compares the newest backup with the cron's
 * previous fire time). The tolerance is applied to `now`: a run that fired a minute ago and is
 * still dumping is not yet missed; one that fired longer ago than the tolerance must have
 * produced a verified backup that started at or after its fire time.
 */
import { previousFire } from '../model/cron-fire.ts';

export { previousFire };

export interface Staleness {
  stale: boolean;
  /** The run that should have produced a verified backup by now. */
  due: Date | undefined;
  newestVerified: Date | undefined;
  message: string;
}

/** A backup may start a little before its fire time is recorded (clock skew between nodes). */
const SKEW_MS = 5 * 60_000;

export function checkStaleness(input: {
  cron: string;
  timeZone: string | undefined;
  newestVerified: Date | undefined;
  now: Date;
  toleranceMinutes: number;
}): Staleness {
  const due = previousFire(input.cron, input.timeZone, new Date(input.now.getTime() - input.toleranceMinutes * 60_000));
  const { newestVerified } = input;
  if (!due) return { stale: false, due, newestVerified, message: 'the schedule has not fired yet' };
  if (!newestVerified) return { stale: true, due, newestVerified, message: `no verified backup exists; one was due from the run at ${due.toISOString()}` };
  if (newestVerified.getTime() < due.getTime() - SKEW_MS) {
    return {
      stale: true,
      due,
      newestVerified,
      message: `the newest verified backup (${newestVerified.toISOString()}) is older than the run due at ${due.toISOString()}: a scheduled run was missed or failed`,
    };
  }
  return {
    stale: false,
    due,
    newestVerified,
    message: `the newest verified backup (${newestVerified.toISOString()}) covers the run due at ${due.toISOString()}`,
  };
}
