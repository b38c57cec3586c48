/** The one error page: what was refused and why, and that nothing was changed. */
import { html } from 'hono/html';
import type { Html } from './layout.ts';

export function errorBody(status: number, message: string, hint?: string): Html {
  return html`<section class="card bad" role="alert">
<h1>${status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 413 ? 'Too large' : status === 429 ? 'Slow down' : status >= 500 ? 'Something failed' : 'Bad request'}</h1>
<p>${message}</p>
${hint ? html`<p class="note">${hint}</p>` : ''}
<p>Nothing was changed. <a href="/">Back to the overview</a></p>
</section>`;
}
