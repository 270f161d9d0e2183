// Toasts, dialogs and keyboard shortcuts shared by every view.
import { h } from './dom.js';

const TOAST_MS = { info: 5000, ok: 4000, error: 9000 };
const MAX_TOASTS = 5;

function toastHost() {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', role: 'region',
      'aria-label': 'Notifications' });
    document.body.append(host);
  }
  return host;
}

export function toast(text, { kind = 'info', title } = {}) {
  const host = toastHost();
  const el = h('div', { class: `toast toast-${kind}`,
    role: kind === 'error' ? 'alert' : 'status' },
  h('div', { class: 'toast-text' },
    title ? h('strong', { class: 'toast-title', text: title }) : null,
    h('span', { text })),
  h('button', { class: 'toast-close', type: 'button',
    'aria-label': 'Dismiss', text: '×', onclick: () => el.remove() }));
  host.prepend(el);
  while (host.children.length > MAX_TOASTS) host.lastChild.remove();
  setTimeout(() => el.remove(), TOAST_MS[kind] || 5000);
  return el;
}

// An ApiError as a toast: "403 · operator.add" / reason
export function toastError(err) {
  const code = err && err.code ? `Error ${err.code}` : 'Connection problem';
  const op = err && err.op ? ` · ${err.op}` : '';
  toast((err && (err.reason || err.message)) || 'request failed',
    { kind: 'error', title: code + op });
}

// A modal dialog. build(body, close) fills it; resolves with close(value).
// Esc (the dialog's cancel event) resolves with undefined.
export function dialog(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const body = h('div', { class: 'dialog-body' });
    const dlg = h('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog',
      'aria-labelledby': 'dlg-title' },
    h('h2', { id: 'dlg-title', class: 'dialog-title', text: title }), body);
    let done = false;
    const close = (value) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(value);
    };
    dlg.addEventListener('close', () => close(undefined));
    build(body, close);
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector('[autofocus], input, select, button');
    if (first) first.focus();
  });
}

export function confirm(title, text, { ok = 'OK', danger = false } = {}) {
  return dialog(title, (body, close) => {
    body.append(
      h('p', { class: 'dialog-text', text }),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', text: 'Cancel',
          onclick: () => close(false) }),
        h('button', { type: 'button', autofocus: true,
          class: danger ? 'btn btn-danger' : 'btn btn-primary', text: ok,
          onclick: () => close(true) })));
  }).then((v) => v === true);
}

export function isDialogOpen() {
  return !!document.querySelector('dialog[open]');
}

const SHORTCUTS = [
  [['F1', '?'], 'Show this list of shortcuts'],
  [['Alt+1 … Alt+9'], 'Go to panel 1 to 9'],
  [['Alt+L'], 'Log out (asks first)'],
  [['Space (hold)', 'F8 (pedal)'], 'Press to talk on the selected talkgroups'],
  [['Esc'], 'Close a dialog'],
  [['Tab', 'Shift+Tab'], 'Move between controls'],
];

export function showShortcuts() {
  if (document.getElementById('shortcuts-list')) return undefined;
  return dialog('Keyboard shortcuts', (body, close) => {
    body.append(h('dl', { id: 'shortcuts-list', class: 'shortcuts' },
      SHORTCUTS.map(([ks, what]) => [
        h('dt', {}, ks.map((k, i) => [i ? ' or ' : '', h('kbd', { text: k })])),
        h('dd', { text: what })])),
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', text: 'Close',
        onclick: () => close() })));
  });
}

function typing(target) {
  const t = target && target.tagName;
  return t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' ||
    (target && target.isContentEditable);
}

// Global keys. The position view sets handlers; the login view clears them.
const keys = { panel: null, logout: null };

export function setShortcutHandlers(handlers) {
  keys.panel = handlers.panel || null;
  keys.logout = handlers.logout || null;
}

export function installShortcuts() {
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'F1' || (ev.key === '?' && !typing(ev.target) &&
      !ev.ctrlKey && !ev.altKey)) {
      ev.preventDefault();
      if (!isDialogOpen()) showShortcuts();
      return;
    }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || isDialogOpen()) return;
    const digit = /^Digit([1-9])$/.exec(ev.code);
    if (digit && keys.panel) {
      ev.preventDefault();
      keys.panel(Number(digit[1]));
    } else if (ev.code === 'KeyL' && keys.logout) {
      ev.preventDefault();
      keys.logout();
    }
  });
}
