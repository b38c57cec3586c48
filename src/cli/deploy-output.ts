/**
 * How a deploy's events reach people and scripts: on a terminal, a live line per process
 * (`api: 2/3 ready on r42 · 1 pulling image`) redrawn in place; without one, a plain line per
 * change; with --json, one JSON object per line (NDJSON) on stdout.
 */
import type { DeployEvent } from '../deploy/events.ts';
import { formatDiagnosis } from '../deploy/diagnose.ts';
import type { Output } from './output.ts';

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
    const paint = this.out.paint.bind(this.out);
    switch (event.type) {
      case 'progress': {
        const { progress } = event;
        const line = `${event.app}${event.process === 'web' ? '' : `/${event.process}`}: ${progress.ready}/${progress.desired} ready${event.revision ? ` on r${event.revision}` : ''}${progress.old ? ` · ${progress.old} old` : ''}${progress.notes.length ? ` · ${progress.notes.join(', ')}` : ''}`;
        this.setLine(`${event.app}/${event.process}`, line);
        return;
      }
      case 'rollout-done':
        this.setLine(`${event.app}/${event.process}`, `${event.app}${event.process === 'web' ? '' : `/${event.process}`}: ${paint('green', 'rolled out')}`);
        return;
      case 'lock-wait':
        return this.message(
          `waiting for the deploy lock: ${event.holder.user}@${event.holder.host} is running "${event.holder.command}" since ${event.holder.since ?? '?'}`,
        );
      case 'locked':
        return this.message(paint('gray', `locked ${event.environment} for this deploy`));
      case 'database':
        return this.message(
          event.created ? `${event.app}: created database ${event.database}` : paint('gray', `${event.app}: database ${event.database} ready`),
        );
      case 'applied':
        return;
      case 'unchanged':
        return this.message(`${event.app}: unchanged${event.revision ? ` (r${event.revision} is current)` : ''}`);
      case 'release':
        if (event.result === 'deploying') this.message(`${event.app}: ${event.kind === 'rollback' ? 'rolling back as' : 'releasing'} r${event.revision}`);
        return;
      case 'health':
        return this.message(`${event.app}: health check ${event.url} ${event.ok ? paint('green', event.detail) : paint('red', event.detail)}`);
      case 'failed':
        return this.message(`${paint('red', 'failed')} ${formatDiagnosis(event.diagnosis, paint)}`);
      case 'rollback':
        return this.message(`${event.app}: rolling back to r${event.to}${event.from ? ` (r${event.from} failed)` : ''}`);
      case 'rollback-done':
        return this.message(`${event.app}: rollback r${event.revision} ${event.ok ? paint('green', 'healthy') : paint('red', 'did not become healthy')}`);
      case 'pruned':
        if (event.objects.length) this.message(paint('gray', `${event.app ? `${event.app}: ` : ''}removed ${event.objects.join(', ')}`));
        if (event.kept.length) this.message(paint('gray', `kept (berth.dev/prune: never): ${event.kept.join(', ')}`));
        return;
      case 'warning':
        this.clear();
        this.out.warn(event.message);
        this.redraw();
        return;
      case 'reconnect':
        return this.message(paint('gray', `lost the API connection (${event.reason}); reconnecting`));
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

  private message(text: string): void {
    this.clear();
    this.write(`${text}\n`);
    this.redraw();
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

function jsonFields(event: DeployEvent): Record<string, unknown> {
  const { type: _type, ...rest } = event;
  return rest;
}
