/** The overview: every app of every environment, with what `berth status` shows. */
import { html } from 'hono/html';
import type { AppStatus, EnvironmentStatus, ReleaseSummary } from '../../ops/status.ts';
import { age, badge, type Html } from './layout.ts';

export function overviewBody(environments: { name: string; status?: EnvironmentStatus; error?: string }[]): Html {
  return html`<h1>Apps</h1>
${environments.map(
  (e) => html`<section aria-labelledby="env-${e.name}">
<h2 id="env-${e.name}">${e.name}</h2>
<p class="live-note" id="note-${e.name}" aria-live="polite">${e.status ? 'Read just now' : ''}</p>
${
  e.status
    ? html`<div data-live="/events/overview/${encodeURIComponent(e.name)}" data-note="#note-${e.name}">${environmentTable(e.status)}</div>`
    : html`<p class="problem">Could not read ${e.name}: ${e.error}</p>`
}
</section>`,
)}`;
}

/** The part the live updates replace. */
export function environmentTable(status: EnvironmentStatus, now = Date.now()): Html {
  const lock = status.lock;
  return html`<p class="muted">Namespace ${status.namespace} · ${status.apps.length} apps · ${
    lock && !lock.expired ? html`<strong>deploy lock held by ${lock.user}</strong> (${lock.command}, since ${age(lock.since, now)})` : 'no deploy running'
  }</p>
<div class="scroll"><table>
<thead><tr><th scope="col">App</th><th scope="col">State</th><th scope="col">Release</th><th scope="col">Tag</th><th scope="col">Ready</th><th scope="col">Problems</th><th scope="col" class="hide-narrow">Cron</th><th scope="col">Backup</th></tr></thead>
<tbody>
${status.apps.map((app) => appRow(status.environment, app, now))}
</tbody></table></div>`;
}

function appRow(environment: string, app: AppStatus, now: number): Html {
  const problems = app.processes.filter((p) => p.state !== 'healthy' && p.state !== 'stopped');
  const failedLast = app.last && app.last !== app.current && app.last.result !== 'succeeded' ? app.last : undefined;
  return html`<tr data-app="${app.app}" data-state="${app.state}">
<th scope="row"><a href="/apps/${encodeURIComponent(environment)}/${encodeURIComponent(app.app)}">${app.app}</a></th>
<td>${badge(app.state)}</td>
<td>${app.current ? release(app.current, now) : html`<span class="muted">none</span>`}${
    failedLast
      ? html`<div class="problem">r${failedLast.revision} ${failedLast.kind} ${failedLast.result}${failedLast.cause ? html`: ${failedLast.cause}` : ''}</div>`
      : ''
  }</td>
<td>${app.tag ?? '-'}</td>
<td class="num">${app.processes.map((p) => html`<div>${p.process} ${p.ready}/${p.desired}${p.old ? html` <span class="muted">(${p.old} old)</span>` : ''}${p.restarts ? html` <span class="muted">↻${p.restarts}</span>` : ''}</div>`)}</td>
<td>${problems.map(
    (p) => html`<div class="problem">${p.process}: ${p.detail ?? p.state}${p.crashLooping.length ? html` (${p.crashLooping.join(', ')})` : ''}</div>`,
  )}</td>
<td class="hide-narrow">${app.cron.map(
    (c) =>
      html`<div>${c.task}: ${c.missing ? 'missing' : c.lastRun ? html`${badge(c.lastRun.result)} ${age(c.lastRun.startedAt, now)} ago` : 'never ran'}${
        c.missedAt ? html` <span class="problem">missed ${age(c.missedAt, now)} ago</span>` : ''
      }</div>`,
  )}</td>
<td>${
    app.backup
      ? html`${app.backup.lastGoodAt ? `${age(app.backup.lastGoodAt, now)} ago` : html`<span class="problem">none yet</span>`}${
          app.backup.lastRun?.result === 'failed' ? html` <span class="problem">last run failed</span>` : ''
        }`
      : html`<span class="muted">-</span>`
  }</td>
</tr>`;
}

export function release(r: ReleaseSummary, now = Date.now()): Html {
  return html`r${r.revision} <span class="muted">${r.kind}${r.rollbackOf ? ` of r${r.rollbackOf}` : ''} · ${r.user} · ${age(r.createdAt, now)} ago</span>`;
}
