// Bootstrap and view switching: login <-> position.
//
// The session token lives in sessionStorage, so a reload keeps the session
// (hello again with the same token) but closing the tab does not leave a
// bearer secret behind.
import { h, fill, mark } from './dom.js';
import { Control } from './api.js';
import { showLogin } from './login.js';
import { showPosition } from './position.js';
import * as ui from './ui.js';

const TOKEN_KEY = 'iccs.token';

// Exposed for the browser tests and for diagnosis from the devtools
// console: the live control link and the session info.
const app = { control: null, sess: null, view: null };
window.iccs = app;

const root = () => document.getElementById('app');
let teardown = null;

function leave() {
  if (teardown) teardown();
  teardown = null;
  if (app.control) app.control.close();
  app.control = null;
  app.sess = null;
}

function toLogin(notice) {
  leave();
  sessionStorage.removeItem(TOKEN_KEY);
  app.view = 'login';
  ui.setShortcutHandlers({});
  showLogin(root(), { notice, onLogin: (res) => {
    sessionStorage.setItem(TOKEN_KEY, res.token);
    const { token, ...sess } = res;
    startSession(token, sess);
  } });
}

function splash(control) {
  const text = h('p', { id: 'splash-text', text: 'Restoring your session…' });
  fill(root(), h('main', { class: 'splash', 'data-view': 'splash' },
    mark(56), text));
  return control.on('state', ({ state, retryAt }) => {
    if (state !== 'down') return;
    const s = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
    text.textContent = `Cannot reach the ICCS server. Retrying in ${s} s…`;
  });
}

async function logout() {
  const control = app.control;
  if (control) await control.logout();
  toLogin();
}

function enter(control, sess) {
  if (teardown) teardown();
  app.sess = sess;
  app.view = 'position';
  teardown = showPosition(root(), { sess, control, onLogout: logout });
}

function startSession(token, sess) {
  leave();
  const control = new Control(token, { onError: ui.toastError });
  app.control = control;
  control.on('ended', ({ reason }) => {
    if (app.control === control) toLogin(reason);
  });
  if (sess) {
    enter(control, sess);
  } else {
    app.view = 'splash';
    teardown = splash(control);
    const off = control.on('ready', (info) => {
      off();
      enter(control, info);
    });
  }
  control.start();
}

function boot() {
  ui.installShortcuts();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) startSession(token, null);
  else toLogin();
}

boot();
