/**
 * Secret values come from stdin or a hidden prompt, never from argv (shell history, `ps`). One
 * key: stdin is the value (one trailing newline dropped). Several: stdin holds KEY=VALUE lines.
 */
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.ts';

export async function readSecretValues(
  keys: string[],
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void },
  prompt: (text: string) => void,
): Promise<Record<string, string>> {
  if (stdin.isTTY && stdin.setRawMode) {
    const values: Record<string, string> = {};
    for (const key of keys) values[key] = await hiddenLine(stdin as Readable & { setRawMode: (raw: boolean) => void }, prompt, `${key} (input hidden): `);
    return check(values);
  }
  const text = await readAll(stdin);
  if (keys.length === 1) return check({ [keys[0]!]: text.replace(/\r?\n$/, '') });
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!keys.includes(key))
      throw new UsageError(`stdin has a line for ${key || '(no KEY=)'}, which was not named on the command line`, {
        hint: `Give one KEY=VALUE line for each of ${keys.join(', ')}.`,
      });
    values[key] = line.slice(eq + 1);
  }
  const missing = keys.filter((k) => !(k in values));
  if (missing.length)
    throw new UsageError(`stdin has no value for ${missing.join(', ')}`, { hint: 'With several keys, stdin holds one KEY=VALUE line per key.' });
  return check(values);
}

function check(values: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(values)) {
    if (value === '') throw new UsageError(`The value for ${key} is empty`, { hint: `printf %s "$VALUE" | berth secret set APP ${key}` });
  }
  return values;
}

async function readAll(stdin: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text;
}

/** Reads a line without echoing it. Ctrl-C abandons. */
function hiddenLine(stdin: Readable & { setRawMode: (raw: boolean) => void }, prompt: (text: string) => void, question: string): Promise<string> {
  prompt(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      prompt('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          done();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          done();
          reject(new UsageError('Cancelled: nothing was changed'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
