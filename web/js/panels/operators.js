// Operator accounts: list, lock/unlock, reset password, remove, add.
import { h, fill } from '../dom.js';
import { roleLabel, ROLES, shortLocal } from '../fmt.js';
import * as ui from '../ui.js';
import { passwordPair, formError } from './forms.js';

// The store keeps skills comma separated; the API may give an array
function skillsText(skills) {
  if (Array.isArray(skills)) return skills.join(', ');
  return skills ? String(skills) : '';
}

function lockedUntil(op) {
  const t = Number(op.locked_until) * 1000;
  return Number.isFinite(t) && t > Date.now() ? t : 0;
}

function status(op) {
  if (op.locked) return h('span', { class: 'pill pill-bad', text: 'Locked' });
  const until = lockedUntil(op);
  if (until) {
    return h('span', { class: 'pill pill-warn',
      text: `Locked out to ${shortLocal(until)}` });
  }
  return h('span', { class: 'pill pill-ok', text: 'Active' });
}

async function resetPassword(control, op) {
  await ui.dialog(`Reset password: ${op.username}`, (body, close) => {
    const pw = passwordPair('reset');
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'form', novalidate: true },
      h('p', { class: 'dialog-text',
        text: 'Give the new password to the operator in person. ' +
          '12 to 128 characters.' }),
      pw.el, err,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', text: 'Cancel',
          onclick: () => close() }),
        h('button', { type: 'submit', class: 'btn btn-primary',
          text: 'Set password' })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const bad = pw.problem();
      if (bad) return formError(err, bad);
      try {
        await control.request('operator.password',
          { username: op.username, password: pw.value() });
        ui.toast(`Password of ${op.username} changed.`, { kind: 'ok' });
        close(true);
      } catch (e) {
        formError(err, `${e.code || ''} ${e.reason}`.trim());
      }
      return undefined;
    });
    body.append(form);
  });
}

export default {
  mount(el, ctx) {
    const { control, sess } = ctx;
    const me = sess.operator && sess.operator.username;
    const ops = new Map();
    const count = h('span', { class: 'muted', id: 'operators-count' });
    const tbody = h('tbody', { id: 'operators-body' });
    const act = (label, fn, cls = 'btn btn-small') =>
      h('button', { type: 'button', class: cls, text: label, onclick: fn });

    const change = async (op, what) => {
      try {
        const r = await control.request(`operator.${what}`,
          { username: op.username });
        if (r && r.username) upsert(r);
      } catch { /* toast shown by the client */ }
    };
    const remove = async (op) => {
      const ok = await ui.confirm('Remove operator?',
        `Remove ${op.display_name || op.username} (${op.username})? ` +
        'Their session ends and they can no longer log in.',
        { ok: 'Remove', danger: true });
      if (!ok) return;
      try {
        await control.request('operator.remove', { username: op.username });
        ops.delete(op.username);
        render();
      } catch { /* toast shown by the client */ }
    };

    const row = (op) => {
      const self = op.username === me;
      const locked = op.locked || lockedUntil(op);
      return h('tr', { 'data-username': op.username },
        h('td', { class: 'mono' }, op.username,
          self ? h('span', { class: 'badge', text: 'You' }) : null),
        h('td', { text: op.display_name || '' }),
        h('td', {}, h('span', { class: 'chips' }, (op.roles || []).map(
          (r) => h('span', { class: 'chip', text: roleLabel(r) })))),
        h('td', { class: 'num col-opt', text: String(op.ptz_priority ?? '') }),
        h('td', { class: 'col-opt', text: skillsText(op.skills) }),
        h('td', {}, status(op)),
        h('td', { class: 'actions' },
          locked ? act('Unlock', () => change(op, 'unlock'))
            : self ? null : act('Lock', () => change(op, 'lock')),
          act('Password…', () => resetPassword(control, op)),
          self ? null : act('Remove…', () => remove(op),
            'btn btn-small btn-danger-ghost')));
    };
    const render = () => {
      const list = [...ops.values()].sort((a, b) =>
        a.username.localeCompare(b.username));
      fill(tbody, list.map(row));
      count.textContent = `${list.length} operator` +
        (list.length === 1 ? '' : 's');
    };
    const upsert = (op) => {
      if (!op || !op.username) return;
      if (op.removed) ops.delete(op.username);
      else ops.set(op.username, op);
      render();
    };

    const load = async () => {
      try {
        const r = await control.request('operator.list');
        ops.clear();
        for (const op of r.operators || []) ops.set(op.username, op);
        render();
      } catch { /* toast shown by the client */ }
    };

    el.append(
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'btn btn-primary',
          id: 'operator-add', text: 'Add operator…',
          onclick: () => addOperator(control, upsert) }),
        count),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table', id: 'operators' },
          h('thead', {}, h('tr', {},
            ['Username', 'Name', 'Roles', 'PTZ', 'Skills', 'Status', '']
              .map((t, i) => h('th', { scope: 'col', text: t,
                class: i === 3 || i === 4 ? 'col-opt' : null })))),
          tbody)));
    const offReady = control.onReady(load);
    const offUpd = control.on('operator.update', upsert);
    return () => {
      offReady();
      offUpd();
    };
  },
};

function addOperator(control, upsert) {
  return ui.dialog('Add operator', (body, close) => {
    const input = (id, label, attrs = {}) => {
      const el = h('input', { id, name: id, ...attrs });
      return [el, h('div', { class: 'field' },
        h('label', { for: id, text: label }), el)];
    };
    const [user, userF] = input('new-username', 'Username', {
      required: true, autocomplete: 'off', maxlength: '63',
      pattern: '[a-z][a-z0-9._\\-]{0,62}', spellcheck: 'false',
      autocapitalize: 'none' });
    const [name, nameF] = input('new-name', 'Display name',
      { maxlength: '127', autocomplete: 'off' });
    const [prio, prioF] = input('new-ptz', 'PTZ priority (0–100)',
      { type: 'number', min: '0', max: '100', step: '1', value: '50' });
    const [skills, skillsF] = input('new-skills', 'Skills (comma separated)',
      { maxlength: '255', autocomplete: 'off', placeholder: 'e.g. welsh,bsl' });
    const boxes = ROLES.map((r) => h('input', { type: 'checkbox',
      id: `new-role-${r}`, value: r }));
    const pw = passwordPair('new');
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'form form-grid', novalidate: true },
      userF, nameF,
      h('fieldset', { class: 'field field-wide roles-field' },
        h('legend', { text: 'Roles' }),
        h('div', { class: 'checks' }, boxes.map((b) => h('label',
          { class: 'check', for: b.id }, b, roleLabel(b.value))))),
      prioF, skillsF, pw.el, err,
      h('div', { class: 'dialog-actions field-wide' },
        h('button', { type: 'button', class: 'btn', text: 'Cancel',
          onclick: () => close() }),
        h('button', { type: 'submit', class: 'btn btn-primary',
          id: 'new-submit', text: 'Add operator' })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const roles = boxes.filter((b) => b.checked).map((b) => b.value);
      const p = Number(prio.value);
      const bad = !/^[a-z][a-z0-9._-]{0,62}$/.test(user.value)
        ? 'Username: 1–63 of a–z, 0–9, . _ - starting with a letter.'
        : !roles.length ? 'Choose at least one role.'
          : !Number.isInteger(p) || p < 0 || p > 100
            ? 'PTZ priority must be a whole number from 0 to 100.'
            : pw.problem();
      if (bad) return formError(err, bad);
      const params = { username: user.value, password: pw.value(), roles,
        ptz_priority: p };
      if (name.value.trim()) params.display_name = name.value.trim();
      if (skills.value.trim()) params.skills = skills.value.trim();
      try {
        const op = await control.request('operator.add', params);
        upsert(op);
        ui.toast(`Operator ${user.value} added.`, { kind: 'ok' });
        close(true);
      } catch (e) {
        formError(err, `${e.code || ''} ${e.reason}`.trim());
      }
      return undefined;
    });
    body.append(form);
  }, { wide: true });
}
