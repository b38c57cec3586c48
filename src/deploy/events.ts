/**
 * What a deploy reports while it runs. The CLI turns these into a live display, plain lines or
 * NDJSON (`--json`); the admin page will stream the same events.
 */
import type { LockHolder } from './lock.ts';
import type { Diagnosis } from './diagnose.ts';
import type { Progress } from './verdict.ts';

export type DeployEvent =
  | { type: 'lock-wait'; holder: LockHolder }
  | { type: 'locked'; environment: string }
  /** `unchecked`: no admin credential here, so the database was not checked (why, and that its Secret exists). */
  | { type: 'database'; app: string; database: string; created: boolean; unchecked?: string }
  | { type: 'applied'; app: string; changed: number; total: number; dryRun: boolean }
  | ({ type: 'backup'; app: string } & ({ taken: true; id: string; restoreCommand: string } | { taken: false; reason: string }))
  | { type: 'unchanged'; app: string; revision: number | undefined }
  | { type: 'release'; app: string; revision: number; kind: string; result: string }
  | { type: 'progress'; app: string; process: string; revision: number | undefined; progress: Progress; waitingFor?: string }
  | { type: 'rollout-done'; app: string; process: string }
  | { type: 'health'; app: string; url: string; ok: boolean; detail: string }
  | { type: 'failed'; app: string; diagnosis: Diagnosis }
  | { type: 'rollback'; app: string; from: number | undefined; to: number }
  | { type: 'rollback-done'; app: string; revision: number; ok: boolean }
  | { type: 'pruned'; app?: string; objects: string[]; kept: string[] }
  | { type: 'warning'; message: string }
  | { type: 'reconnect'; reason: string };

export type Emit = (event: DeployEvent) => void;
