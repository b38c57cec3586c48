/**
 * Counts the rows of each table in pg_restore's SQL output (`pg_restore -f -`): the lines between
 * `COPY schema.table (...) FROM stdin;` and `\.`. COPY's text format escapes newlines inside
 * values, so one line is one row. This reads the whole archive through, which `pg_restore -l`
 * (the table of contents only) does not: a truncated dump passes `-l` but not this.
 */
import { Writable } from 'node:stream';

const NEWLINE = 0x0a;
const COPY_LINE = /^COPY ((?:"(?:[^"]|"")*"|[^".\s]+)\.(?:"(?:[^"]|"")*"|[^".\s(]+)) /;

function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part;
}

/** `public."Order Items"` → `public.Order Items` (the sidecar's `schema.table` keys). */
export function copyTableKey(qualified: string): string {
  const match = /^((?:"(?:[^"]|"")*"|[^".]+))\.(.+)$/.exec(qualified);
  return match ? `${unquote(match[1]!)}.${unquote(match[2]!)}` : qualified;
}

export class CopyCounter extends Writable {
  readonly counts: Record<string, number> = {};
  private table: string | undefined;
  /** A partial line carried between chunks (only outside COPY data, or a possible `\.`). */
  private carry = '';
  private lineStart = true;
  private atEndMarker = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let position = 0;
    while (position < chunk.length) {
      if (this.table === undefined) {
        const end = chunk.indexOf(NEWLINE, position);
        if (end < 0) {
          if (this.carry.length < 4096) this.carry += chunk.toString('utf8', position);
          break;
        }
        const line = this.carry + chunk.toString('utf8', position, Math.min(end, position + 4096));
        this.carry = '';
        position = end + 1;
        const match = COPY_LINE.exec(line);
        if (match && line.endsWith('FROM stdin;')) {
          this.table = copyTableKey(match[1]!);
          this.counts[this.table] ??= 0;
          this.lineStart = true;
        }
        continue;
      }
      // Inside COPY data: count newlines; a line that is exactly `\.` ends the table.
      const end = chunk.indexOf(NEWLINE, position);
      const stop = end < 0 ? chunk.length : end;
      const segment = stop - position;
      if (this.lineStart || this.atEndMarker > 0) {
        // Track whether this line so far is a prefix of `\.`.
        const soFar = this.atEndMarker;
        let ok = soFar + segment <= 2;
        for (let i = 0; ok && i < segment; i++) ok = chunk[position + i] === (soFar + i === 0 ? 0x5c : 0x2e);
        this.atEndMarker = ok ? soFar + segment : 0;
      }
      if (end < 0) {
        this.lineStart = false;
        break;
      }
      if (this.atEndMarker === 2) {
        this.table = undefined;
      } else {
        this.counts[this.table]! += 1;
      }
      this.atEndMarker = 0;
      this.lineStart = true;
      position = end + 1;
    }
    done();
  }
}
