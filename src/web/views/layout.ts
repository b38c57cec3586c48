/**
 * The page around every view: one stylesheet and one script from /static (no inline script or
 * style, so the Content-Security-Policy can be `default-src 'self'`), the signed-in user and
 * their role, and a logout button that posts with the session's CSRF token.
 */
import { html } from 'hono/html';
import type { Session } from '../sessions.ts';
import { ASSET_VERSION } from '../static.ts';

export type Html = ReturnType<typeof html>;

export interface PageOptions {
  title: string;
  session?: Session;
  /** Breadcrumbs after "berth": [label, href?]. */
  trail?: [string, string?][];
}

export function page(options: PageOptions, body: Html): Html {
  const { session } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title} · berth</title>
<link rel="stylesheet" href="/static/app.css?v=${ASSET_VERSION}">
<script src="/static/app.js?v=${ASSET_VERSION}" defer></script>
</head>
<body>
<header class="top">
  <nav aria-label="Breadcrumb"><a href="/" class="brand">berth</a>${(options.trail ?? []).map(([label, href]) => (href ? html` / <a href="${href}">${label}</a>` : html` / <span aria-current="page">${label}</span>`))}</nav>
  ${
    session
      ? html`<form method="post" action="/logout" class="who">
  <span>${session.user.name} · <strong>${session.user.role}</strong></span>
  ${csrfField(session)}<button type="submit" class="link">Log out</button>
</form>`
      : ''
  }
</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

export function csrfField(session: Session): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrf}">`;
}

/** Ages for people: 45s, 12m, 3h, 2d. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

/** `2026-03-01 14:03:22 UTC`, and the machine-readable time for <time>. */
export function when(iso: string | undefined): Html {
  if (!iso) return html`-`;
  return html`<time datetime="${iso}" title="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

export function badge(state: string): Html {
  const tone = /^(healthy|succeeded|verified|ok|compatible)$/.test(state)
    ? 'good'
    : /^(failing|failed|corrupt|damaged|missing|interrupted)$/.test(state)
      ? 'bad'
      : /^(progressing|running|deploying|needs-migration|complete)$/.test(state)
        ? 'busy'
        : 'quiet';
  return html`<span class="badge ${tone}">${state}</span>`;
}
