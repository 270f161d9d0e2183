// Position view: top bar, connection banner and the panel host.
import { h, fill, mark } from './dom.js';
import { clockLocal, clockUtc, dateLocal, roleLabel } from './fmt.js';
import * as ui from './ui.js';
import info from './panels/info.js';
import { PANELS } from './panels/index.js';

const LINK_TEXT = {
  connecting: ['amber', 'Connecting'],
  open: ['green', 'Connected'],
  down: ['red', 'Offline'],
  closed: ['red', 'Closed'],
  idle: ['amber', 'Starting'],
};

export function panelsFor(sess) {
  const roles = new Set(sess.roles || []);
  const names = (sess.layout && sess.layout.panels) || [];
  return names.filter((n, i) => PANELS[n] && names.indexOf(n) === i &&
    (PANELS[n].roles || []).some((r) => roles.has(r)));
}

function topBar(sess, control, onLogout) {
  const op = sess.operator || {};
  const pos = sess.position || {};
  const site = sess.site || {};
  const local = h('span', { class: 'clock-main', id: 'clock-local' });
  const utc = h('span', { class: 'clock-sub', id: 'clock-utc' });
  const dot = h('span', { class: 'link-dot', 'aria-hidden': 'true' });
  const linkText = h('span', { class: 'link-text' });
  const link = h('div', { class: 'link', id: 'link', role: 'status',
    'aria-live': 'polite' }, dot, linkText);

  const tick = () => {
    const d = new Date();
    local.textContent = clockLocal(d);
    utc.textContent = `${clockUtc(d)} UTC · ${dateLocal(d)}`;
  };
  const showLink = ({ state }) => {
    const [color, text] = LINK_TEXT[state] || LINK_TEXT.idle;
    link.dataset.state = state;
    link.dataset.color = color;
    linkText.textContent = text;
  };
  tick();
  showLink({ state: control.state });

  const bar = h('header', { class: 'topbar' },
    h('div', { class: 'tb-brand' }, mark(30),
      h('span', { class: 'tb-name', text: 'OpenICCS' })),
    h('div', { class: 'tb-block tb-where' },
      h('span', { class: 'tb-label', text: site.name || site.id || 'Site' }),
      h('span', { class: 'tb-value', id: 'tb-position' },
        pos.name || pos.id || '?',
        h('span', { class: 'tb-id', text: pos.id || '' }),
        pos.spare ? h('span', { class: 'badge badge-spare', text: 'Spare' })
          : null)),
    h('div', { class: 'tb-block tb-who' },
      h('span', { class: 'tb-label', text: 'Operator' }),
      h('span', { class: 'tb-value', id: 'tb-operator' },
        op.display_name || op.username || '?',
        h('span', { class: 'tb-roles' }, (sess.roles || []).map((r) =>
          h('span', { class: 'chip', text: roleLabel(r) }))))),
    h('div', { class: 'tb-spacer' }),
    h('div', { class: 'tb-clock', title: 'Local time; UTC below' },
      local, utc),
    link,
    h('button', { type: 'button', class: 'btn btn-icon', text: '?',
      title: 'Keyboard shortcuts (F1)', 'aria-label': 'Keyboard shortcuts',
      onclick: () => ui.showShortcuts() }),
    h('button', { type: 'button', class: 'btn btn-logout', id: 'logout',
      text: 'Log out', title: 'Log out (Alt+L)', onclick: onLogout }));
  return { bar, tick, showLink };
}

function banner(el, { state, attempt, retryAt }) {
  if (state === 'open' || state === 'closed' || state === 'idle') {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.dataset.state = state;
  const secs = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))
    : 0;
  el.textContent = state === 'down'
    ? `Connection to the ICCS server lost. Reconnecting` +
      (secs ? ` in ${secs} s` : '') + ` (attempt ${attempt})…`
    : 'Reconnecting to the ICCS server…';
}

function panelFrame(n, title, name) {
  const tools = h('div', { class: 'panel-tools' });
  const body = h('div', { class: 'panel-body' });
  const el = h('section', { class: `panel panel-${name}`, tabindex: '-1',
    'data-panel': name, 'aria-labelledby': `panel-title-${name}` },
  h('header', { class: 'panel-head' },
    h('h2', { id: `panel-title-${name}` }, title),
    h('kbd', { class: 'panel-key', title: `Alt+${n}`,
      text: n <= 9 ? `Alt+${n}` : '' }),
    tools),
  body);
  return { el, body, tools };
}

// root: where to draw; sess: session info; control: the Control link;
// onLogout(): ends the session. Returns a teardown function.
export function showPosition(root, { sess, control, onLogout }) {
  const tickers = new Set();
  const every = (fn) => {
    tickers.add(fn);
    return () => tickers.delete(fn);
  };
  const askLogout = async () => {
    const p = sess.position || {};
    if (await ui.confirm('Log out?',
      `End your session at ${p.name || p.id || 'this position'}?`,
      { ok: 'Log out', danger: true })) onLogout();
  };
  const top = topBar(sess, control, askLogout);
  const ban = h('div', { class: 'banner', id: 'banner', role: 'alert',
    hidden: true });
  const grid = h('div', { class: 'panels' });
  const side = h('div', { class: 'side' });

  const names = panelsFor(sess);
  const frames = [];
  const cleanups = [];
  const ctx = { control, sess, every, toast: ui.toast };
  names.forEach((name, i) => {
    const mod = PANELS[name];
    const f = panelFrame(i + 1, mod.title, name);
    grid.append(f.el);
    frames.push(f);
    cleanups.push(mod.mount(f.body, { ...ctx, tools: f.tools }));
  });
  const f = panelFrame(names.length + 1, info.title, 'position');
  (names.length ? side : grid).append(f.el);
  frames.push(f);
  cleanups.push(info.mount(f.body, { ...ctx, tools: f.tools }));

  const ws = h('div', { class: names.length ? 'workspace' :
    'workspace workspace-single' }, grid, names.length ? side : null);
  fill(root, h('div', { class: 'position-view', 'data-view': 'position' },
    top.bar, ban, ws));

  const state = (s) => {
    top.showLink(s);
    banner(ban, s);
  };
  cleanups.push(control.on('state', state));
  state({ state: control.state, attempt: control.attempt,
    retryAt: control.retryAt });
  const timer = setInterval(() => {
    top.tick();
    if (!ban.hidden) banner(ban, { state: control.state,
      attempt: control.attempt, retryAt: control.retryAt });
    for (const fn of tickers) fn(Date.now());
  }, 1000);

  ui.setShortcutHandlers({
    panel: (n) => {
      const fr = frames[n - 1];
      if (!fr) return;
      fr.el.focus();
      fr.el.scrollIntoView({ block: 'nearest' });
    },
    logout: askLogout,
  });

  return () => {
    clearInterval(timer);
    ui.setShortcutHandlers({});
    for (const c of cleanups) if (typeof c === 'function') c();
  };
}
