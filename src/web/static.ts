/**
 * The page's one stylesheet and one script, served from /static. They live here as strings so
 * the bundled CLI (and berth's image, which holds only the bundle) carries them; the script is
 * plain browser JavaScript with no build step. The version in their URLs is a hash of both, so
 * a browser never mixes a new page with an old script.
 */
import { createHash } from 'node:crypto';

export const APP_CSS = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1f21; --muted: #5f6368; --line: #d9dcdf; --card: #fff;
  --good: #17692f; --good-bg: #e3f4e6; --bad: #a3141c; --bad-bg: #fde7e8; --busy: #7a4b00; --busy-bg: #fdf0d5; --link: #0b57d0; --focus: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121416; --fg: #e6e7e8; --muted: #a2a7ad; --line: #33383d; --card: #1b1e21;
    --good: #7fd99a; --good-bg: #163321; --bad: #ff9aa0; --bad-bg: #3d1518; --busy: #f5c871; --busy-bg: #3a2c10; --link: #8ab4f8; --focus: #8ab4f8; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; justify-content: space-between; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; text-decoration: none; }
.who { display: flex; gap: .6rem; align-items: center; margin: 0; color: var(--muted); }
main { padding: 1rem; max-width: 78rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--line); border-radius: 6px; background: var(--card); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); white-space: nowrap; }
tbody th { font-weight: 600; }
tbody tr:last-child > * { border-bottom: 0; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .82rem; font-weight: 600; white-space: nowrap; }
.good { color: var(--good); background: var(--good-bg); } .bad { color: var(--bad); background: var(--bad-bg); }
.busy { color: var(--busy); background: var(--busy-bg); } .quiet { color: var(--muted); border: 1px solid var(--line); }
.muted, .note { color: var(--muted); font-size: .88rem; }
.problem { color: var(--bad); }
.live-note { color: var(--muted); font-size: .85rem; margin: .2rem 0 .6rem; }
button, .button { display: inline-flex; align-items: center; text-decoration: none; font: inherit; padding: .4rem .8rem; min-height: 2.4rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--link); color: var(--bg); border-color: var(--link); }
button.danger { color: var(--bad); border-color: var(--bad); }
button.link { border: 0; background: none; color: var(--link); padding: 0; min-height: 0; text-decoration: underline; }
button:disabled { opacity: .5; cursor: not-allowed; }
form.inline { display: inline-flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .15rem 0; }
input[type=text], input[type=password] { font: inherit; padding: .4rem .5rem; min-height: 2.4rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); width: 16rem; max-width: 100%; }
label { display: inline-flex; gap: .35rem; align-items: center; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; background: var(--card); padding: .8rem 1rem; margin: .6rem 0; }
.card.bad { border-color: var(--bad); }
pre.logs { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .6rem; overflow-x: auto; font-size: .8rem; line-height: 1.35; max-height: 28rem; }
pre.logs .prefix { color: var(--muted); }
ol.steps { padding-left: 1.3rem; }
details summary { cursor: pointer; color: var(--link); }
.login { max-width: 26rem; margin: 3rem auto; }
@media (max-width: 40rem) { main { padding: .6rem; } th, td { padding: .4rem; } .hide-narrow { display: none; } }
`;

export const APP_JS = `'use strict';
(function () {
  // Regions that stay current: the server sends their new HTML as server-sent events.
  document.querySelectorAll('[data-live]').forEach(function (region) {
    var note = document.querySelector(region.getAttribute('data-note') || '#none');
    var source = new EventSource(region.getAttribute('data-live'));
    source.addEventListener('html', function (event) {
      region.innerHTML = event.data;
      if (note) note.textContent = 'Live · updated ' + new Date().toLocaleTimeString();
    });
    source.addEventListener('end', function () { source.close(); if (note) note.textContent = 'Finished'; });
    source.onerror = function () { if (note && source.readyState !== 2) note.textContent = 'Connection lost · reconnecting…'; };
  });
  // A restore asks for the app's name: the button waits for it (the server checks it again).
  document.querySelectorAll('input[data-confirm]').forEach(function (input) {
    var button = input.form && input.form.querySelector('button[type=submit]');
    if (!button) return;
    var check = function () { button.disabled = input.value.trim() !== input.getAttribute('data-confirm'); };
    input.addEventListener('input', check);
    check();
  });
  // Deleting asks once more.
  document.querySelectorAll('form[data-ask]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-ask'))) event.preventDefault();
    });
  });
})();
`;

export const ASSET_VERSION = createHash('sha256').update(APP_CSS).update(APP_JS).digest('hex').slice(0, 12);
