/**
 * Keeps a long stream's dead chunks from piling up in memory. Every chunk read from pg_dump's pipe
 * or made by zlib is a fresh buffer outside V8's heap. V8 collects them only when its young
 * generation fills with JavaScript objects (a chunk makes only a few) or when such memory has
 * grown 64 MB past the last collection, so a backup carried 30–70 MB of dead buffers, plus what
 * malloc kept of them: the berth process peaked at 150–185 MB, less on a small database than on a
 * large one. A young-generation collection after every 16 MiB streamed frees them while they are
 * young, whatever the database's size, for about a millisecond each. (`--max-semi-space-size=2`,
 * which the backup CronJob also sets, has a similar effect but cannot be set from inside a running
 * process; V8's `gc` can, through a fresh context once the flag is on.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const EVERY = 16 * 1024 * 1024;

let collect: ((options: { type: 'minor' }) => void) | null | undefined;
let streamed = 0;

function minorCollection(): ((options: { type: 'minor' }) => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as (options: { type: 'minor' }) => void;
    } catch {
      // Without it memory is only less flat.
      collect = null;
    }
  }
  return collect;
}

/** Counts bytes that went through a stream; collects the young generation every 16 MiB. */
export function scavengeAfter(bytes: number): void {
  streamed += bytes;
  if (streamed < EVERY) return;
  streamed = 0;
  minorCollection()?.({ type: 'minor' });
}
