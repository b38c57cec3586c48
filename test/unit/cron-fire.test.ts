// A schedule's previous fire time: UTC goes by a fixed offset (fast), and must agree with
// croner's time-zone path for every schedule and moment.
import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { previousFire } from '../../src/model/cron-fire.ts';

describe('previousFire', () => {
  it('in UTC agrees with the time-zone path', () => {
    const schedules = ['0 3 * * *', '*/15 * * * *', '30 2 1 * *', '0 0 * * 0', '5 4 * * 1-5', '0 12 15 * 3', '@daily'];
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        (cron, at) => {
          const viaZone = new Cron(cron, { timezone: 'UTC', paused: true, mode: '5-part' }).previousRuns(1, new Date(at.getTime() + 1))[0];
          expect(previousFire(cron, 'UTC', at)?.toISOString()).toBe(viaZone?.toISOString());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses the named zone otherwise', () => {
    expect(previousFire('0 3 * * *', 'Australia/Perth', new Date('2026-03-03T12:00:00Z'))?.toISOString()).toBe('2026-03-02T19:00:00.000Z');
    expect(previousFire('0 3 * * *', 'Etc/UTC', new Date('2026-03-03T12:00:00Z'))?.toISOString()).toBe('2026-03-03T03:00:00.000Z');
  });
});
