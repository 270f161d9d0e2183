// Login view: username, password and position, with a clear message for
// every answer docs/API.md lists.
import { h, fill, mark } from './dom.js';
import { login, loginInfo } from './api.js';

export const LAST_POSITION_KEY = 'iccs.lastPosition';

const MESSAGES = {
  0: ['Cannot reach the ICCS server.',
    'Check the network connection, then try again.'],
  400: ['The login request was refused.', null],
  401: ['Wrong username or password.', 'Check both and try again.'],
  403: ['You are not allowed to log in at this position.',
    'Your roles do not permit this position. Choose another one.'],
  404: ['Unknown position.', 'This position is not configured on this node.'],
  409: ['This position is in use by another operator.',
    'Choose a free position, or ask a supervisor.'],
  423: ['This account is locked.',
    'Too many failed attempts, or locked by an administrator. ' +
    'Wait for the lockout to end or ask an administrator.'],
  429: ['Too many attempts.', 'Wait a moment before trying again.'],
};

function messageFor(err) {
  const [text, hint] = MESSAGES[err.code] ||
    [`Login failed (error ${err.code}).`, null];
  return { text, hint, reason: err.code ? err.reason : null, code: err.code };
}

function wantedPosition() {
  const fromUrl = new URLSearchParams(location.search).get('position');
  return fromUrl || localStorage.getItem(LAST_POSITION_KEY) || '';
}

function fillPositions(select, info, wanted) {
  const bySite = new Map();
  for (const p of info.positions || []) {
    if (!bySite.has(p.site)) bySite.set(p.site, []);
    bySite.get(p.site).push(p);
  }
  const home = info.site && info.site.id;
  const sites = [...bySite.keys()].sort((a, b) =>
    (a === home ? -1 : b === home ? 1 : String(a).localeCompare(b)));
  const groups = sites.map((site) => h('optgroup', {
    label: site === home && info.site.name ? info.site.name : site },
  bySite.get(site).map((p) => h('option', { value: p.id,
    text: `${p.id} · ${p.name}${p.spare ? ' (spare)' : ''}` }))));
  fill(select, h('option', { value: '', text: 'Choose a position…',
    disabled: true }), groups);
  const known = (info.positions || []).some((p) => p.id === wanted);
  select.value = known ? wanted : '';
  return known;
}

// root: where to draw; opts.notice: why we are here (e.g. session ended);
// opts.onLogin(result): called with the 201 body of POST /api/v1/session.
export function showLogin(root, { notice, onLogin }) {
  const user = h('input', { id: 'login-user', name: 'username',
    autocomplete: 'username', required: true, autocapitalize: 'none',
    spellcheck: 'false' });
  const pass = h('input', { id: 'login-pass', name: 'password',
    type: 'password', autocomplete: 'current-password', required: true });
  const pos = h('select', { id: 'login-position', name: 'position',
    required: true }, h('option', { value: '', text: 'Loading positions…' }));
  const submit = h('button', { type: 'submit', id: 'login-submit',
    class: 'btn btn-primary btn-block', text: 'Log in' });
  const msg = h('div', { id: 'login-message', class: 'login-message',
    role: 'alert', hidden: true });
  const place = h('p', { class: 'login-place', id: 'login-place',
    text: location.host });

  const say = (kind, text, hint, detail) => {
    msg.hidden = false;
    msg.className = `login-message login-message-${kind}`;
    msg.dataset.kind = kind;
    delete msg.dataset.code;
    fill(msg, h('strong', { class: 'login-message-text', text }),
      hint ? h('span', { text: hint }) : null,
      detail ? h('span', { class: 'login-message-detail', text: detail })
        : null);
  };

  let unreachable = false;
  const load = async () => {
    const wanted = wantedPosition();
    try {
      const info = await loginInfo();
      if (unreachable) msg.hidden = true;
      unreachable = false;
      const name = info.site && (info.site.name || info.site.id);
      place.textContent = `${name || ''} · node ${info.node || '?'}`;
      const known = fillPositions(pos, info, wanted);
      pos.dataset.loaded = 'true';
      if (wanted && !known) {
        say('warn', `Position ${wanted} is not known on this node.`,
          'Choose a position from the list.');
      }
    } catch {
      unreachable = true;
      fill(pos, h('option', { value: wanted, text: wanted || '—' }));
      say('error', MESSAGES[0][0], 'The position list could not be loaded.');
      setTimeout(() => { if (root.contains(pos)) load(); }, 5000);
    }
  };

  const onSubmit = async (ev) => {
    ev.preventDefault();
    if (!pos.value) {
      say('error', 'Choose a position.', null);
      pos.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      const res = await login(user.value.trim(), pass.value, pos.value);
      localStorage.setItem(LAST_POSITION_KEY, pos.value);
      onLogin(res);
    } catch (err) {
      const m = messageFor(err);
      say('error', m.text, m.hint,
        m.reason ? `Server: ${m.reason} (${m.code})` : null);
      msg.dataset.code = String(m.code);
      pass.value = '';
      if (m.code === 403 || m.code === 404 || m.code === 409) pos.focus();
      else (user.value ? pass : user).focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  };

  const field = (label, input) => h('div', { class: 'field' },
    h('label', { for: input.id, text: label }), input);

  fill(root, h('main', { class: 'login-view', 'data-view': 'login' },
    h('form', { class: 'login-card', id: 'login-form', onsubmit: onSubmit,
      novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'login-brand' }, mark(44),
      h('div', {},
        h('h1', { id: 'login-title', text: 'OpenICCS' }),
        h('p', { class: 'login-sub',
          text: 'Integrated Communication Control System' }))),
    place,
    msg,
    field('Username', user),
    field('Password', pass),
    field('Position', pos),
    submit,
    h('p', { class: 'login-legal',
      text: 'Authorised users only. All activity is recorded and audited.' })
    )));

  if (notice) say('warn', 'Your session has ended.', `Reason: ${notice}.`);
  user.focus();
  load();
}
