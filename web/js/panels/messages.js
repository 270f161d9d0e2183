// Messages panel: status and text messages with radios, over whichever
// bearer carries them (TETRA SDS, ESN).  Inbox: what radios sent
// (radio.message text and status), newest first.  Outbox: what this
// console sent with radio.send, and a form to send a text or one of the
// canned statuses to a radio ("tetra:<ISSI>", "sip:...") or a talkgroup.
//
// Status meanings are the control room's own (Airwave status plans are
// not public): CANNED below is the demo's plan.
import { h, fill } from '../dom.js';

export const CANNED = [
  { status: 32768, text: 'Acknowledge' },
  { status: 32769, text: 'Proceed' },
  { status: 32770, text: 'Return to base' },
  { status: 32771, text: 'At scene' },
  { status: 32772, text: 'Call control' },
];
const KEEP = 50;
const statusText = (n) => {
  const c = CANNED.find((x) => x.status === n);
  return c ? `${c.text} (${n})` : `status ${n}`;
};
const hhmmss = (d) => [d.getHours(), d.getMinutes(), d.getSeconds()]
  .map((n) => String(n).padStart(2, '0')).join(':');

function row(m, dir) {
  return h('li', { class: 'msg', 'data-type': m.type, 'data-dir': dir },
    h('span', { class: 'mono muted', text: hhmmss(new Date()) }), ' ',
    h('span', { class: 'msg-peer', text: dir === 'in'
      ? (m.alias ? `${m.alias} (${m.from})` : m.from || '?')
      : `→ ${m.to}` }), ' ',
    m.bearer ? h('span', { class: 'badge', text: m.bearer.toUpperCase() })
      : null, ' ',
    h('span', { class: 'msg-text', text: m.type === 'status'
      ? statusText(m.status) : m.text || '' }));
}

export default {
  title: 'Messages',
  roles: ['dispatcher', 'supervisor'],
  mount(el, { control, toast }) {
    const inbox = h('ol', { class: 'msg-list', id: 'msg-inbox',
      'aria-label': 'Inbox' });
    const outbox = h('ol', { class: 'msg-list', id: 'msg-outbox',
      'aria-label': 'Outbox' });
    const to = h('input', { id: 'msg-to', class: 'input', required: true,
      placeholder: 'tetra:2345, sip:…, or a talkgroup id' });
    const text = h('input', { id: 'msg-text', class: 'input',
      maxlength: 200, placeholder: 'Text' });
    const canned = h('select', { id: 'msg-status', class: 'input' },
      h('option', { value: '', text: 'Status…' }),
      CANNED.map((c) => h('option', { value: String(c.status),
        text: `${c.text} (${c.status})` })));
    const add = (list, li) => {
      list.prepend(li);
      while (list.children.length > KEEP) list.lastChild.remove();
    };
    const send = async (ev) => {
      ev.preventDefault();
      const p = { to: to.value.trim() };
      if (text.value) p.text = text.value;
      else if (canned.value) p.status = Number(canned.value);
      else return;
      try {
        const r = await control.request('radio.send', p);
        add(outbox, row({ ...r, type: r.kind }, 'out'));
        text.value = '';
        canned.value = '';
      } catch (err) {
        if (toast) toast(err.reason || String(err), { kind: 'error' });
      }
    };
    const form = h('form', { class: 'msg-form', id: 'msg-form',
      onsubmit: send }, to, text, canned,
    h('button', { type: 'submit', class: 'btn btn-primary', id: 'msg-send',
      text: 'Send' }));
    fill(el, h('div', { class: 'messages' }, form,
      h('h3', { text: 'Inbox' }), inbox, h('h3', { text: 'Outbox' }),
      outbox));
    const off = control.on('radio.message', (m) => {
      if (m && (m.type === 'text' || m.type === 'status')) {
        add(inbox, row(m, 'in'));
      }
    });
    return () => off();
  },
};
