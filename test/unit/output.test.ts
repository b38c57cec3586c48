import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.ts';

function stream(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const s = new Writable({
    write(chunk, _e, done) {
      s.text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  s.isTTY = isTTY;
  s.text = '';
  return s;
}

function output(env: Record<string, string>, tty = true, json = false) {
  const stdout = stream(tty);
  const stderr = stream(tty);
  return { out: new Output({ stdout, stderr, env, json, noColor: false }), stdout, stderr };
}

describe('output', () => {
  it('colours a terminal, and not when NO_COLOR is set or output is piped', () => {
    expect(output({}).out.paint('red', 'x')).toBe('\u001b[31mx\u001b[0m');
    expect(output({ NO_COLOR: '1' }).out.paint('red', 'x')).toBe('x');
    expect(output({}, false).out.paint('red', 'x')).toBe('x');
    expect(output({ FORCE_COLOR: '1' }, false).out.paint('red', 'x')).toBe('\u001b[31mx\u001b[0m');
  });

  it('keeps stdout to the JSON document under --json, progress to stderr', () => {
    const { out, stdout, stderr } = output({}, false, true);
    out.print('human text');
    out.info('progress');
    out.warn('careful');
    out.result({ ok: true });
    expect(JSON.parse(stdout.text)).toEqual({ ok: true });
    expect(stderr.text).toBe('warning careful\n');
  });
});
