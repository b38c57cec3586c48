/**
 * How a deploy's events reach people and scripts: on a terminal, a live line per process
 * (`api: 2/3 ready on r42 · 1 pulling image`) redrawn in place; without one, a plain line per
 * change; with --json, one JSON object per line (NDJSON) on stdout.
 */
import type { DeployEvent } from '../deploy/events.ts';
import type { PlannedChange } from '../deploy/run.ts';
import { formatDiagnosis } from '../deploy/diagnose.ts';
import type { Colour, Output } from './output.ts';

export class DeployReporter {
  private readonly live = new Map<string, string>();
  private drawn = 0;
  private readonly out: Output;
  private readonly tty: boolean;
  private readonly write: (text: string) => void;

  constructor(out: Output, stderr: { write(text: string): unknown; isTTY?: boolean }) {
    this.out = out;
    this.tty = Boolean(stderr.isTTY) && !out.json;
    this.write = (text) => stderr.write(text);
  }

  readonly emit = (event: DeployEvent): void => {
    if (this.out.json) {
      this.out.event(event.type, jsonFields(event));
      return;
    }
    if (event.type === 'progress' || event.type === 'rollout-done') {
      this.setLine(`${event.app}/${event.process}`, progressLine(event, this.out));
      return;
    }
    if (event.type === 'warning') {
      this.clear();
      this.out.warn(event.message);
      this.redraw();
      return;
    }
    for (const line of messageLines(event, this.out)) {
      this.clear();
      this.write(`${line}\n`);
      this.redraw();
    }
  };

  /** Clears the live block before the final summary. */
  finish(): void {
    this.clear();
    this.live.clear();
  }

  private setLine(key: string, line: string): void {
    if (this.live.get(key) === line) return;
    this.live.set(key, line);
    if (this.tty) {
      this.clear();
      this.redraw();
    } else {
      this.write(`${line}\n`);
    }
  }

  private clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.write(`\u001b[${this.drawn}A\u001b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.tty) return;
    for (const line of this.live.values()) this.write(`${line}\n`);
    this.drawn = this.live.size;
  }
}

function progressLine(event: Extract<DeployEvent, { type: 'progress' | 'rollout-done' }>, out: Output): string {
  const name = `${event.app}${event.process === 'web' ? '' : `/${event.process}`}`;
  if (event.type === 'rollout-done') return `${name}: ${out.paint('green', 'rolled out')}`;
  const { progress } = event;
  const old = progress.old ? ` · ${progress.old} old` : '';
  const notes = progress.notes.length ? ` · ${progress.notes.join(', ')}` : '';
  return `${name}: ${progress.ready}/${progress.desired} ready${event.revision ? ` on r${event.revision}` : ''}${old}${notes}`;
}

/** The lines an event prints above the live block; none for events only scripts need. */
function messageLines(event: DeployEvent, out: Output): string[] {
  const paint = out.paint.bind(out);
  switch (event.type) {
    case 'lock-wait':
      return [`waiting for the deploy lock: ${event.holder.user}@${event.holder.host} is running "${event.holder.command}" since ${event.holder.since ?? '?'}`];
    case 'locked':
      return [paint('gray', `locked ${event.environment} for this deploy`)];
    case 'database':
      if (event.unchecked) return [paint('yellow', `${event.app}: database ${event.database} not checked (${event.unchecked}); deploying with it as it is`)];
      return [event.created ? `${event.app}: created database ${event.database}` : paint('gray', `${event.app}: database ${event.database} ready`)];
    case 'backup':
      return [
        event.taken
          ? `${event.app}: backed up its database before the migrations: ${event.id}`
          : paint('yellow', `${event.app}: no backup before its migrations (${event.reason})`),
      ];
    case 'unchanged':
      return [`${event.app}: unchanged${event.revision ? ` (r${event.revision} is current)` : ''}`];
    case 'release':
      return event.result === 'deploying' ? [`${event.app}: ${event.kind === 'rollback' ? 'rolling back as' : 'releasing'} r${event.revision}`] : [];
    case 'health':
      return [`${event.app}: health check ${event.url} ${event.ok ? paint('green', event.detail) : paint('red', event.detail)}`];
    case 'failed':
      return [`${paint('red', 'failed')} ${formatDiagnosis(event.diagnosis, paint)}`];
    case 'rollback':
      return [`${event.app}: rolling back to r${event.to}${event.from ? ` (from r${event.from})` : ''}`];
    case 'rollback-done':
      return [`${event.app}: rollback r${event.revision} ${event.ok ? paint('green', 'healthy') : paint('red', 'did not become healthy')}`];
    case 'pruned':
      return [
        ...(event.objects.length ? [paint('gray', `${event.app ? `${event.app}: ` : ''}removed ${event.objects.join(', ')}`)] : []),
        ...(event.kept.length ? [paint('gray', `kept (berth.dev/prune: never): ${event.kept.join(', ')}`)] : []),
      ];
    case 'reconnect':
      return [paint('gray', `lost the API connection (${event.reason}); reconnecting`)];
    default:
      return [];
  }
}

function jsonFields(event: DeployEvent): Record<string, unknown> {
  const { type: _type, ...rest } = event;
  return rest;
}

/** A dry run's changes for people: one header per object, one line per changed field. */
export function formatChanges(changes: PlannedChange[], paint: (colour: Colour, text: string) => string, maxFields = 20): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    const head = change.action === 'create' ? paint('green', '+ create') : change.action === 'delete' ? paint('red', '- delete') : paint('yellow', '~ update');
    lines.push(`${head} ${change.object}`);
    for (const field of change.fields.slice(0, maxFields)) {
      lines.push(`    ${field.path}: ${paint('red', show(field.before))} → ${paint('green', show(field.after))}`);
    }
    if (change.fields.length > maxFields) lines.push(`    … ${change.fields.length - maxFields} more fields`);
  }
  return lines;
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}
