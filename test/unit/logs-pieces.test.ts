import { describe, expect, it } from 'vitest';
import { prefixOf } from '../../src/cli/log-output.ts';
import { podColour, ResumePoint, splitTimestamp } from '../../src/ops/log-lines.ts';

const line = (ts: string, text: string) => splitTimestamp(`${ts} ${text}`);

describe('log lines', () => {
  it('splits the kubelet timestamp off, nanoseconds kept', () => {
    expect(splitTimestamp('2026-01-01T00:00:01.5Z hello world')).toMatchObject({ timestamp: '2026-01-01T00:00:01.5Z', text: 'hello world' });
    expect(line('2026-01-01T00:00:01.000000001Z', 'a').at! - line('2026-01-01T00:00:01Z', 'b').at!).toBe(1n);
    expect(splitTimestamp('no timestamp here')).toEqual({ at: undefined, timestamp: undefined, text: 'no timestamp here' });
  });

  it('resumes from the last second seen and skips exactly the lines already printed', () => {
    const point = new ResumePoint();
    const first = [line('2026-01-01T00:00:01.2Z', 'a'), line('2026-01-01T00:00:02.1Z', 'b'), line('2026-01-01T00:00:02.1Z', 'c')];
    expect(first.map((l) => point.accept(l))).toEqual([true, true, true]);
    expect(point.resume()).toBe('2026-01-01T00:00:02Z');
    // The server sends everything from 00:00:02 again, then what is new.
    const again = [
      line('2026-01-01T00:00:02.1Z', 'b'),
      line('2026-01-01T00:00:02.1Z', 'c'),
      line('2026-01-01T00:00:02.1Z', 'd'),
      line('2026-01-01T00:00:03Z', 'e'),
    ];
    expect(again.map((l) => point.accept(l))).toEqual([false, false, true, true]);
  });

  it('gives a pod the same colour every time and prefixes init containers with their name', () => {
    expect(podColour('web-7d9f8c6b5-x2k4q')).toBe(podColour('web-7d9f8c6b5-x2k4q'));
    const target = { pod: 'web-7d9f8c6b5-x2k4q', podUid: 'u', app: 'shop', process: 'web', container: 'shop', init: false, sidecars: false, containerId: 'c' };
    expect(prefixOf(target)).toBe('[shop/web/x2k4q]');
    expect(prefixOf({ ...target, container: 'migrate', init: true })).toBe('[shop/web/x2k4q:migrate]');
    expect(prefixOf({ ...target, process: 'cron-nightly', container: 'nightly' })).toBe('[shop/cron-nightly/x2k4q]');
    expect(prefixOf({ ...target, container: 'proxy', sidecars: true })).toBe('[shop/web/x2k4q:proxy]');
  });
});
