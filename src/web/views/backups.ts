/** An app's backups: the list (size, age, status, verification, schema) and, for operators, create, verify, restore and delete. */
import { html } from 'hono/html';
import type { Deletion } from '../../backup/deletions.ts';
import type { BackupRow } from '../../backup/listing.ts';
import { formatBytes } from '../../cli/format-bytes.ts';
import type { Job } from '../jobs.ts';
import type { Session } from '../sessions.ts';
import { jobList } from './app.ts';
import { age, badge, csrfField, type Html, when } from './layout.ts';

export interface BackupsView {
  environment: string;
  app: string;
  database: string;
  store: string;
  backups: BackupRow[];
  /** Who deleted which backup lately (newest first). */
  deleted: Deletion[];
  jobs: Job[];
  session: Session;
}

export function backupsBody(view: BackupsView): Html {
  const { app, environment, session } = view;
  const operator = session.user.role === 'operator';
  const base = `/apps/${encodeURIComponent(environment)}/${encodeURIComponent(app)}/backups`;
  const now = Date.now();
  return html`<h1>Backups of ${app} <span class="muted">in ${environment}</span></h1>
<p class="muted">Database ${view.database} · store ${view.store}</p>
${
  operator
    ? html`<form method="post" action="${base}/create" class="inline card">${csrfField(session)}
<label><input type="checkbox" name="verify" value="1" checked> verify after (read the whole archive back)</label>
<button type="submit" class="primary">Back up now</button></form>`
    : ''
}
${
  view.backups.length === 0
    ? html`<p>No backups yet.</p>`
    : html`<div class="scroll"><table>
<thead><tr><th scope="col">Backup</th><th scope="col">Status</th><th scope="col">Size</th><th scope="col">Age</th><th scope="col">Verified</th><th scope="col">Schema</th><th scope="col">Reason</th>${
        operator ? html`<th scope="col">Actions</th>` : ''
      }</tr></thead>
<tbody>${view.backups.map(
        (b) => html`<tr data-backup="${b.id}" data-status="${b.status}">
<th scope="row"><span title="sha256 ${b.sha256 ?? '-'}">${b.id}</span><div class="muted">${when(b.startedAt)}</div></th>
<td>${badge(b.status)}${b.problem ? html`<div class="problem">${b.problem}</div>` : ''}${b.failure ? html`<div class="problem">${b.failure.code}: ${b.failure.message}</div>` : ''}</td>
<td class="num">${formatBytes(b.bytes)}</td>
<td class="num">${b.startedAt ? age(b.startedAt, now) : '-'}</td>
<td>${b.verifiedAt ? html`${age(b.verifiedAt, now)} ago${b.restoreTestedAt ? ' + test restore' : ''}${b.verifiedBy ? ` by ${b.verifiedBy}` : ''}` : '-'}</td>
<td>${badge(b.compatibility)}</td>
<td>${b.reason ?? '-'}${b.by ? html` <span class="muted">by ${b.by}</span>` : ''}</td>
${operator ? html`<td>${actions(view, base, b)}</td>` : ''}
</tr>`,
      )}</tbody></table></div>`
}
${
  view.deleted.length
    ? html`<h2>Deleted lately</h2><ul class="deleted">${view.deleted
        .slice(0, 5)
        .map((d) => html`<li data-deleted="${d.id}">${d.id} <span class="muted">deleted ${age(d.at, now)} ago${d.by ? ` by ${d.by}` : ''}</span></li>`)}</ul>`
    : ''
}
<p class="note">A restore takes a safety backup first, restores beside the live database, checks every row count, swaps the two in one transaction and restarts the app's pods. The replaced database is kept.</p>
${jobList(view.jobs)}`;
}

function actions(view: BackupsView, base: string, b: BackupRow): Html {
  const { session, app } = view;
  const usable = b.status === 'verified' || b.status === 'complete';
  return html`${
    usable
      ? html`<form method="post" action="${base}/verify" class="inline">${csrfField(session)}<input type="hidden" name="backup" value="${b.id}">
<label><input type="checkbox" name="restoreTest" value="1"> test restore</label><button type="submit">Verify</button></form>
<details><summary>Restore…</summary><form method="post" action="${base}/restore" class="inline">${csrfField(session)}<input type="hidden" name="backup" value="${b.id}">
<label>Type <strong>${app}</strong> to confirm <input type="text" name="confirm" autocomplete="off" data-confirm="${app}" required></label>
<button type="submit" class="danger">Restore ${b.id}</button></form></details>`
      : ''
  }
<form method="post" action="${base}/delete" class="inline" data-ask="Delete backup ${b.id} of ${app}?">${csrfField(session)}<input type="hidden" name="backup" value="${b.id}"><button type="submit" class="danger">Delete</button></form>`;
}
