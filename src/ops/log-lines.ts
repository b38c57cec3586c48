/**
 * Pure pieces of `berth logs`: splitting the kubelet's timestamp off a line, remembering where a
 * stream got to so a dropped one resumes without repeating lines (stern: ask again from the last
 * second seen, skip what was already printed), prefixes and their colours.
 */

import type { LogTarget } from './logs.ts';
export interface LogLine {
  /** Nanoseconds since the epoch, from the kubelet's RFC 3339 timestamp; undefined when missing. */
  at: bigint | undefined;
  timestamp: string | undefined;
  text: string;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) /;

export function splitTimestamp(raw: string): LogLine {
  const match = STAMP.exec(raw);
  if (!match) return { at: undefined, timestamp: undefined, text: raw };
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return { at: undefined, timestamp: undefined, text: raw };
  const fraction = (match[2] ?? '.').slice(1).padEnd(9, '0').slice(0, 9);
  return { at: BigInt(seconds) * 1_000_000n + BigInt(fraction), timestamp: match[0].trimEnd(), text: raw.slice(match[0].length) };
}

/**
 * Where a stream got to. `sinceTime` has one-second resolution, so a resumed stream starts at
 * the last second seen and the lines already printed from that second are skipped.
 */
export class ResumePoint {
  private last: bigint | undefined;
  /** Lines printed at exactly `last` (several lines can share a timestamp). */
  private atLast = 0;
  /** While resuming: lines before `last`, and this many at `last`, are repeats. */
  private skipAtLast = 0;
  private resuming = false;

  /** Records a line; false when it is one the stream already delivered before it dropped. */
  accept(line: LogLine): boolean {
    if (line.at === undefined) return !this.resuming;
    if (this.resuming && this.last !== undefined) {
      if (line.at < this.last) return false;
      if (line.at === this.last && this.skipAtLast > 0) {
        this.skipAtLast--;
        return false;
      }
      this.resuming = false;
    }
    if (line.at === this.last) this.atLast++;
    else {
      this.last = line.at;
      this.atLast = 1;
    }
    return true;
  }

  /** The sinceTime to resume from, or undefined when nothing was seen yet. */
  resume(): string | undefined {
    if (this.last === undefined) return undefined;
    this.resuming = true;
    this.skipAtLast = this.atLast;
    const seconds = Number(this.last / 1_000_000_000n);
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/** The part of a pod name that tells pods of one workload apart (`web-7d9f8c6b5-x2k4q` → `x2k4q`). */
export function podSuffix(pod: string): string {
  return pod.slice(pod.lastIndexOf('-') + 1) || pod;
}

/** 32-bit FNV-1a, as stern uses to give each pod a stable colour. */
export function fnv32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const PALETTE = [36, 32, 35, 33, 34, 31, 96, 92, 95, 93, 94, 91];

/** The ANSI colour code of a pod: the same pod always gets the same colour. */
export function podColour(pod: string): number {
  return PALETTE[fnv32(pod) % PALETTE.length]!;
}

/** `[app/process/pod-suffix]`, as `berth logs` and the admin page prefix each line. */
export function prefixOf(target: LogTarget): string {
  // The process's one container goes unnamed; init containers (the migration) and sidecars are named.
  const named = target.init || target.sidecars;
  return `[${target.app}/${target.process}/${podSuffix(target.pod)}${named ? `:${target.container}` : ''}]`;
}
