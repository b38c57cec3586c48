/** The login form (the token from `berth web`'s URL, or from the cluster's tokens Secret) and the error page. */
import { html } from 'hono/html';
import type { Html } from './layout.ts';

export function loginBody(message?: string): Html {
  return html`<section class="login card">
<h1>Log in</h1>
${message ? html`<p class="problem" role="alert">${message}</p>` : ''}
<form method="post" action="/login">
<p><label for="token">Access token</label></p>
<p><input type="password" id="token" name="token" autocomplete="current-password" required></p>
<p><button type="submit" class="primary">Log in</button></p>
</form>
<p class="note">Locally, <code>berth web</code> prints a URL with a one-time token. In the cluster, tokens come from the admin page's Secret.</p>
</section>`;
}

export function errorBody(status: number, message: string, hint?: string): Html {
  return html`<section class="card bad" role="alert">
<h1>${status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 413 ? 'Too large' : status === 429 ? 'Slow down' : status >= 500 ? 'Something failed' : 'Bad request'}</h1>
<p>${message}</p>
${hint ? html`<p class="note">${hint}</p>` : ''}
<p>Nothing was changed. <a href="/">Back to the overview</a></p>
</section>`;
}
