// Private radio calls inside the radio panel: dial a radio by call sign
// or id, answer or decline a radio's call (every dispatcher sees the offer;
// the first to answer gets it, the others see who), hang up. While this
// position has a connected call, PTT (button, Space, pedal) talks in the
// call under its floor control instead of on the selected talkgroups.
//
// State comes from the server only: radio.calls after every (re)connect,
// then the radio.call events.
import { h, fill } from '../dom.js';
import { duration } from '../fmt.js';

const STATE_TEXT = {
  ringing: (c) => (c.incoming ? 'Calling you' : 'Ringing'),
  connected: () => 'Connected',
  ended: (c) => `Ended${c.reason ? `: ${c.reason}` : ''}`,
};

const FLOOR_TEXT = {
  idle: () => 'Nobody talks',
  requesting: () => 'Requesting…',
  granted: (c) => (c.floor.ptt ? 'You talk' : 'Granted'),
  queued: () => 'Queued',
  denied: () => 'Floor denied',
  taken: (c) => `${c.floor.talker_alias || c.floor.talker || 'Radio'} talks`,
  revoked: () => 'Floor revoked',
  no_answer: () => 'No floor answer',
};

const who = (c) => c.alias || c.peer;

export function radioCalls({ control, myPos, toast, onChange }) {
  const calls = new Map();     // call id -> radio.call data
  const list = h('ul', { class: 'rcall-list', id: 'rcall-list' });
  const to = h('input', { type: 'text', id: 'rcall-to', class: 'rcall-to',
    placeholder: 'Call sign or radio id', 'aria-label': 'Radio to call',
    autocomplete: 'off', maxlength: 127 });
  const emerg = h('input', { type: 'checkbox', id: 'rcall-emergency' });
  const request = (op, params) => control.request(op, params)
    .catch(() => null);

  const dial = async (ev) => {
    ev.preventDefault();
    const target = to.value.trim();
    if (!target) return;
    const r = await request('radio.call', { to: target,
      emergency: emerg.checked });
    if (r) {
      to.value = '';
      emerg.checked = false;
      show(r);
    }
  };
  const form = h('form', { class: 'rcall-dial', onsubmit: dial },
    to, h('label', { class: 'rcall-emerg' }, emerg, ' Emergency'),
    h('button', { type: 'submit', class: 'btn', id: 'rcall-dial',
      text: 'Call radio' }));

  function row(c) {
    const mine = c.position === myPos;
    const offered = c.incoming && c.state === 'ringing' && !c.position;
    const btn = (text, cls, fn) => h('button', { type: 'button',
      class: `btn btn-small ${cls}`, text, onclick: fn });
    const actions = [];
    if (offered) {
      actions.push(btn('Answer', 'btn-primary rcall-answer', () =>
        request('radio.call_answer', { call: c.call, accept: true })
          .then((r) => r && show(r))));
      actions.push(btn('Decline', 'rcall-decline', () =>
        request('radio.call_answer', { call: c.call, accept: false })
          .then((r) => r && show(r))));
    }
    if (mine && c.state !== 'ended') {
      actions.push(btn('Hang up', 'btn-danger rcall-hangup', () =>
        request('radio.call_hangup', { call: c.call })
          .then((r) => r && show(r))));
    }
    const where = c.position && !mine ? ` · at ${c.position}` : '';
    return h('li', { class: 'rcall', 'data-call': c.call,
      'data-state': c.state, 'data-floor': c.floor ? c.floor.state : '',
      'data-emergency': String(!!c.emergency) },
    h('div', { class: 'rcall-head' },
      c.emergency ? h('span', { class: 'badge badge-emergency',
        text: 'EMERGENCY' }) : null,
      h('strong', { class: 'rcall-who', text: who(c) }),
      c.alias ? h('span', { class: 'mono muted', text: ` ${c.peer}` }) : null),
    h('div', { class: 'rcall-state' },
      h('span', { class: 'rcall-status',
        text: STATE_TEXT[c.state] ? STATE_TEXT[c.state](c) : c.state }),
      c.state === 'connected' && c.floor ? h('span', { class: 'rcall-floor',
        text: ` · ${(FLOOR_TEXT[c.floor.state] || (() => ''))(c)}` })
        : null,
      h('span', { class: 'rcall-since muted', 'data-since': String(c.since),
        text: ` · ${duration(c.since)}` }),
      where ? h('span', { class: 'rcall-where muted', text: where }) : null),
    h('div', { class: 'rcall-actions' }, actions));
  }

  function render() {
    fill(list, [...calls.values()].map(row));
    el.hidden = false;
  }

  function show(c, live = false) {
    if (!c || !c.call) return;
    const prev = calls.get(c.call);
    calls.set(c.call, c);
    if (live && c.incoming && c.state === 'ringing' && !c.position &&
      !prev) {
      toast(`${who(c)} is calling`, { kind: c.emergency ? 'error' : 'info',
        title: c.emergency ? 'Emergency private call' : 'Private call' });
    }
    if (c.state === 'ended') {
      setTimeout(() => {
        if (calls.get(c.call) === c) {
          calls.delete(c.call);
          render();
        }
      }, 10000);
    }
    render();
    onChange();
  }

  const el = h('section', { class: 'rcalls', id: 'rcalls',
    'aria-label': 'Private radio calls' },
  h('h3', { class: 'rcalls-title', text: 'Private calls' }), form, list);

  const load = () => request('radio.calls', {}).then((r) => {
    calls.clear();
    for (const c of (r && r.calls) || []) show(c);
    render();
  });
  const offReady = control.onReady(load);
  const offCall = control.on('radio.call', (d) => show(d, true));

  return {
    el,
    // The call PTT talks in: this position's connected call, or null
    target() {
      for (const c of calls.values()) {
        if (c.position === myPos && c.state === 'connected') return c.call;
      }
      return null;
    },
    tick() {
      for (const s of list.querySelectorAll('.rcall-since')) {
        s.textContent = ` · ${duration(Number(s.dataset.since))}`;
      }
    },
    stop() {
      offReady();
      offCall();
    },
  };
}

// Hold-to-talk buttons for the two special group calls: the press goes
// through the same Ptt (so the microphone and release rules are the
// same), with the kind of call the network is asked for.
export function callKinds(ptt) {
  const hold = (id, text, mode, title) => {
    const b = h('button', { type: 'button', id, class: 'btn ptt-kind',
      text, title, 'data-mode': mode });
    b.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      b.setPointerCapture(ev.pointerId);
      ptt.mode = mode;
      ptt.press('button');
    });
    for (const evn of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      b.addEventListener(evn, () => {
        ptt.release('button');
        ptt.mode = null;
      });
    }
    b.addEventListener('contextmenu', (ev) => ev.preventDefault());
    return b;
  };
  return h('div', { class: 'ptt-kinds' },
    hold('ptt-peril', 'Imminent peril', 'imminent_peril',
      'Hold: talk in an imminent peril call (takes the floor from ' +
      'normal talkers)'),
    hold('ptt-broadcast', 'Broadcast', 'broadcast',
      'Hold: broadcast to the selected talkgroups (radios only listen)'));
}
