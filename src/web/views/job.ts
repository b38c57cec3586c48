/** One action's page: its steps as they happen and its true outcome (the library call's result or error). */
import { html } from 'hono/html';
import type { Job } from '../jobs.ts';
import { badge, type Html, when } from './layout.ts';

export function jobBody(job: Job, back: string): Html {
  return html`<h1>${job.title}</h1>
<p class="muted">by ${job.who} · started ${when(job.startedAt)}</p>
<p class="live-note" id="job-note" aria-live="polite"></p>
<div ${job.state === 'running' ? html`data-live="/events/jobs/${job.id}" data-note="#job-note"` : ''}>${jobState(job)}</div>
<p><a href="${back}">Back to ${job.app}</a></p>`;
}

/** The part the live updates replace. */
export function jobState(job: Job): Html {
  return html`<div role="status" class="card ${job.state === 'failed' ? 'bad' : ''}" data-state="${job.state}">
<p>${badge(job.state)} ${job.outcome ?? 'working…'}</p>
${job.hint ? html`<p class="note">${job.hint}</p>` : ''}
</div>
<ol class="steps">${job.steps.map((s) => html`<li>${s.text} <span class="muted">${when(s.at)}</span></li>`)}</ol>`;
}
