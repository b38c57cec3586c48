/** An app's page: its state, its releases (rollback to any earlier good one), restart, recent logs, recent actions. */
import { html } from 'hono/html';
import type { Release } from '../../deploy/releases.ts';
import type { AppStatus } from '../../ops/status.ts';
import type { Job } from '../jobs.ts';
import type { Session } from '../sessions.ts';
import { age, badge, csrfField, type Html, when } from './layout.ts';

export interface LogRow {
  prefix: string;
  text: string;
}

export interface AppView {
  environment: string;
  app: string;
  status: AppStatus | undefined;
  releases: Release[];
  logs: LogRow[];
  logsError?: string;
  jobs: Job[];
  hasBackups: boolean;
  session: Session;
}

export function appBody(view: AppView): Html {
  const { app, environment, status, session } = view;
  const operator = session.user.role === 'operator';
  const base = `/apps/${encodeURIComponent(environment)}/${encodeURIComponent(app)}`;
  const current = view.releases.find((r) => r.result === 'succeeded');
  return html`<h1>${app} <span class="muted">in ${environment}</span> ${badge(status?.state ?? 'unknown')}</h1>
<div class="actions">
${view.hasBackups ? html`<a class="button" href="${base}/backups">Backups</a>` : ''}
${
  operator && current
    ? html`<form method="post" action="${base}/restart" class="inline">${csrfField(session)}<button type="submit">Restart ${app}</button></form>`
    : ''
}
</div>
${status ? processes(status) : ''}
<h2>Releases</h2>
${view.releases.length === 0 ? html`<p>No releases yet: <code>berth deploy ${app} --env ${environment}</code></p>` : releasesTable(view, base, current)}
${failures(view.releases)}
<h2>Recent logs</h2>
${view.logsError ? html`<p class="problem">Could not read the logs: ${view.logsError}</p>` : ''}
${
  view.logs.length
    ? html`<pre class="logs" tabindex="0" aria-label="Recent log lines">${view.logs.map((l) => html`<span class="prefix">${l.prefix}</span> ${l.text}\n`)}</pre>`
    : html`<p class="muted">No log lines.</p>`
}
${jobList(view.jobs)}`;
}

function processes(status: AppStatus): Html {
  return html`<div class="scroll"><table>
<thead><tr><th scope="col">Process</th><th scope="col">State</th><th scope="col">Ready</th><th scope="col">Restarts</th><th scope="col">Detail</th></tr></thead>
<tbody>${status.processes.map(
    (p) =>
      html`<tr><th scope="row">${p.process}</th><td>${badge(p.state)}</td><td class="num">${p.ready}/${p.desired}${p.old ? ` (${p.old} old)` : ''}</td><td class="num">${p.restarts}</td><td>${p.detail ?? ''}${p.crashLooping.length ? html` <span class="problem">(${p.crashLooping.join(', ')})</span>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

function releasesTable(view: AppView, base: string, current: Release | undefined): Html {
  const operator = view.session.user.role === 'operator';
  return html`<div class="scroll"><table>
<thead><tr><th scope="col">Rev</th><th scope="col">Kind</th><th scope="col">Result</th><th scope="col">Tag</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Note</th><th scope="col"><span class="hide-narrow">Action</span></th></tr></thead>
<tbody>${view.releases.map(
    (r) => html`<tr data-revision="${r.revision}">
<th scope="row">r${r.revision}${r === current ? html` <span class="badge quiet">current</span>` : ''}</th>
<td>${r.kind}${r.rollbackOf ? ` of r${r.rollbackOf}` : ''}</td>
<td>${badge(r.result)}${r.rolledBackBy ? html` <span class="muted">rolled back by r${r.rolledBackBy}</span>` : ''}</td>
<td>${r.tag}</td><td>${r.user}</td><td>${when(r.createdAt)}</td>
<td>${[r.message, r.gitSha && `git ${r.gitSha.slice(0, 12)}`].filter(Boolean).join(' · ')}${r.diagnosis ? html`<div class="problem">${r.diagnosis.cause}</div>` : ''}</td>
<td>${
      operator && r.result === 'succeeded' && r !== current
        ? html`<form method="post" action="${base}/rollback" class="inline">${csrfField(view.session)}<input type="hidden" name="to" value="${r.revision}"><button type="submit">Roll back to r${r.revision}</button></form>`
        : ''
    }</td>
</tr>`,
  )}</tbody></table></div>
<p class="note">A rollback puts the release back exactly (images, env, secrets) as a new release; it does not undo database migrations.</p>`;
}

/** The newest failed release's diagnosis, in full: what a person needs to act. */
function failures(releases: Release[]): Html {
  const failed = releases.find((r) => r.result === 'failed' && r.diagnosis);
  if (!failed?.diagnosis) return html``;
  const d = failed.diagnosis;
  return html`<section class="card bad" aria-labelledby="diagnosis">
<h2 id="diagnosis">Why r${failed.revision} failed</h2>
<p>${d.cause}</p>
${d.events.length ? html`<details><summary>Events (${d.events.length})</summary><ul>${d.events.map((e) => html`<li>${e}</li>`)}</ul></details>` : ''}
${
  d.logs?.lines.length
    ? html`<details open><summary>Last log lines of ${d.logs.container}${d.logs.previous ? ' (previous instance)' : ''}</summary><pre class="logs">${d.logs.lines.join('\n')}</pre></details>`
    : ''
}
${d.next.length ? html`<p class="note">To look further:</p><ul class="note">${d.next.map((n) => html`<li><code>${n}</code></li>`)}</ul>` : ''}
</section>`;
}

export function jobList(jobs: Job[]): Html {
  if (jobs.length === 0) return html``;
  return html`<h2>Actions from this page</h2>
<ul>${jobs
    .slice(0, 10)
    .map((j) => html`<li><a href="/jobs/${j.id}">${j.title}</a> ${badge(j.state)} <span class="muted">${j.who} · ${age(j.startedAt)} ago</span></li>`)}</ul>`;
}
