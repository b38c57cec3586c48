import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSecretValues } from '../../src/cli/secret-input.ts';

function piped(text: string) {
  const stream = new PassThrough();
  stream.end(text);
  return stream;
}

describe('secret values', () => {
  it('one key: stdin is the value, one trailing newline dropped', async () => {
    expect(await readSecretValues(['TOKEN'], piped('abc def\n'), () => undefined)).toEqual({ TOKEN: 'abc def' });
    expect(await readSecretValues(['TOKEN'], piped('line1\nline2\n'), () => undefined)).toEqual({ TOKEN: 'line1\nline2' });
  });

  it('several keys: KEY=VALUE lines, every key named and no other', async () => {
    expect(await readSecretValues(['A', 'B'], piped('A=1\nB=x=y\n'), () => undefined)).toEqual({ A: '1', B: 'x=y' });
    await expect(readSecretValues(['A', 'B'], piped('A=1\n'), () => undefined)).rejects.toThrow(/stdin has no value for B/);
    await expect(readSecretValues(['A'], piped(''), () => undefined)).rejects.toThrow(/The value for A is empty/);
    await expect(readSecretValues(['A', 'B'], piped('A=1\nC=2\n'), () => undefined)).rejects.toThrow(/stdin has a line for C/);
  });

  it('on a terminal: a hidden prompt per key, nothing echoed, backspace honoured', async () => {
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: false,
      setRawMode(raw: boolean) {
        stdin.raw = raw;
      },
    });
    const prompts: string[] = [];
    const values = readSecretValues(['A', 'B'], stdin, (text) => prompts.push(text));
    stdin.write('s3cx\u007fret\r');
    await new Promise((resolve) => setImmediate(resolve));
    stdin.write('two\n');
    expect(await values).toEqual({ A: 's3cret', B: 'two' });
    expect(prompts.join('')).toBe('A (input hidden): \nB (input hidden): \n');
    expect(stdin.raw).toBe(false);
  });
});
