/** `berth status` for people: one table of processes, one of cron tasks, the lock on top. */
import type { AppStatus, EnvironmentStatus, ProcessStatus, ReleaseSummary } from '../ops/status.ts';
import type { Colour } from './output.ts';
import { age, table } from './table.ts';

type Paint = (colour: Colour, text: string) => string;

export function formatStatus(status: EnvironmentStatus, paint: Paint, now: number): string[] {
  const lines: string[] = [];
  const head = `${paint('bold', status.environment)} ${paint('gray', `(namespace ${status.namespace})`)}`;
  const lock = status.lock;
  if (lock && !lock.expired) {
    lines.push(`${head} · ${paint('yellow', 'locked')} by ${lock.user}@${lock.host} for ${age(lock.since, now)}: ${lock.command}`);
  } else if (lock?.expired) {
    lines.push(`${head} · ${paint('gray', `expired lock of ${lock.user}@${lock.host} (the next deploy takes it)`)}`);
  } else {
    lines.push(head);
  }
  if (status.apps.length === 0 || status.apps.every((a) => a.state === 'not deployed' && !a.last)) {
    lines.push(`Nothing is deployed in ${status.environment} yet: berth deploy --env ${status.environment}`);
    return lines;
  }

  const rows: string[][] = [['APP', 'PROCESS', 'READY', 'RESTARTS', 'STATE', 'RELEASE']];
  for (const app of status.apps) {
    const release = releaseCell(app, paint, now);
    if (app.processes.length === 0) {
      rows.push([app.app, '-', '-', '-', stateCell(app.state, undefined, paint), release]);
      continue;
    }
    app.processes.forEach((p, i) => {
      rows.push([
        i === 0 ? app.app : '',
        p.process,
        // The newest release is the one applied to the Deployments, whatever its result.
        readyCell(p, app.last),
        p.restarts ? paint(p.crashLooping.length ? 'red' : 'yellow', String(p.restarts)) : '0',
        processState(p, paint),
        i === 0 ? release : '',
      ]);
    });
    const failedAfter = app.last && app.last !== app.current && app.last.result !== 'succeeded' && app.last.result !== 'deploying' ? app.last : undefined;
    if (failedAfter) rows.push(['', '', '', '', '', paint('red', lastFailure(failedAfter, now))]);
  }
  lines.push(...table(rows).map((line, i) => (i === 0 ? paint('gray', line) : line)));

  const backups = status.apps.filter((a) => a.backup);
  if (backups.length) {
    lines.push('');
    const rows: string[][] = [['BACKUP', 'SCHEDULE', 'LAST GOOD', 'LAST RUN']];
    for (const { app, backup } of backups) {
      const b = backup!;
      const good = b.lastGoodAt ? `${age(b.lastGoodAt, now)} ago` : paint('red', 'none yet');
      const run = b.lastRun
        ? b.lastRun.result === 'failed'
          ? paint('red', `failed ${age(b.lastRun.finishedAt ?? b.lastRun.startedAt, now)} ago`)
          : b.lastRun.result === 'running'
            ? paint('yellow', `running for ${age(b.lastRun.startedAt, now)}`)
            : `succeeded ${age(b.lastRun.finishedAt ?? b.lastRun.startedAt, now)} ago`
        : paint('gray', 'never ran');
      rows.push([app, b.schedule, good, `${b.missedAt ? `${paint('red', `missed the run due ${age(b.missedAt, now)} ago`)}; ` : ''}${run}`]);
    }
    lines.push(...table(rows).map((line, i) => (i === 0 ? paint('gray', line) : line)));
  }

  const cron = status.apps.flatMap((a) => a.cron.map((c) => ({ app: a.app, ...c })));
  if (cron.length) {
    lines.push('');
    const cronRows: string[][] = [['CRON', 'SCHEDULE', 'LAST RUN', 'LAST SUCCESS']];
    for (const c of cron) {
      const run = c.lastRun;
      const last = c.missing
        ? paint('red', 'not deployed')
        : !run
          ? paint('gray', 'never ran')
          : run.result === 'running'
            ? paint('yellow', `running for ${age(run.startedAt, now)}`)
            : run.result === 'failed'
              ? paint('red', `failed ${age(run.finishedAt ?? run.startedAt, now)} ago${run.reason ? ` (${run.reason})` : ''}`)
              : paint('green', `succeeded ${age(run.finishedAt ?? run.startedAt, now)} ago`);
      // A run the schedule called for and that never started (field notes C5).
      const missed = c.missedAt ? `${paint('red', `missed the run due ${age(c.missedAt, now)} ago`)}; ` : '';
      cronRows.push([
        `${c.app}/${c.task}`,
        `${c.schedule}${c.suspended ? ' (suspended)' : ''}`,
        `${missed}${last}`,
        c.lastSuccessAt ? `${age(c.lastSuccessAt, now)} ago` : '-',
      ]);
    }
    lines.push(...table(cronRows).map((line, i) => (i === 0 ? paint('gray', line) : line)));
  }
  return lines;
}

function readyCell(p: ProcessStatus, applied: ReleaseSummary | undefined): string {
  if (p.state === 'missing') return '-';
  // Pods of an older release still run: how many of the desired run the newest one.
  if (p.old > 0) return `${p.ready}/${p.desired} · ${p.onLatest}/${p.desired} on ${applied ? `r${applied.revision}` : 'latest'}, ${p.old} old`;
  return `${p.ready}/${p.desired}`;
}

function processState(p: ProcessStatus, paint: Paint): string {
  if (p.crashLooping.length) return paint('red', `crash loop: ${p.crashLooping.map(podSuffix).join(', ')}`);
  return stateCell(p.state, p.detail, paint);
}

function stateCell(state: string, detail: string | undefined, paint: Paint): string {
  const colour: Colour = state === 'healthy' ? 'green' : state === 'progressing' ? 'yellow' : state === 'stopped' ? 'gray' : 'red';
  const text = detail && state !== 'healthy' ? `${state}: ${detail}` : state;
  return paint(colour, text.length > 70 ? `${text.slice(0, 69)}…` : text);
}

function releaseCell(app: AppStatus, paint: Paint, now: number): string {
  const r = app.current ?? app.last;
  if (!r) return paint('gray', app.tag ? `${app.tag} (no release record)` : 'no releases');
  const what = r.kind === 'rollback' ? `rollback to r${r.rollbackOf}` : r.kind;
  const text = `r${r.revision} ${r.tag} · ${what} by ${r.user} ${age(r.finishedAt ?? r.createdAt, now)} ago`;
  return r.result === 'succeeded' ? text : paint(r.result === 'deploying' ? 'yellow' : 'red', `${text} (${r.result})`);
}

function lastFailure(r: ReleaseSummary, now: number): string {
  return `r${r.revision} ${r.tag} ${r.kind} ${r.result}${r.rolledBackBy ? `, rolled back by r${r.rolledBackBy}` : ''} · ${r.user} ${age(r.createdAt, now)} ago`;
}

/** The part of a pod name that tells pods of one Deployment apart. */
export function podSuffix(pod: string): string {
  return pod.split('-').slice(-2).join('-');
}
