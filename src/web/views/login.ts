/** The login form: the token from `berth web`'s URL, or one from the cluster's tokens Secret. */
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
