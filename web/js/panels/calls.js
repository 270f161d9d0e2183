// Calls panel (call takers): ready / not ready, the call offered to this
// position with one big Answer button, and the call in hand with caller
// id, queue, timer and its controls (hold, transfer to a queue, hang up).
// Queue panel: every waiting call with its wait time and priority.
//
// The server decides everything (phone.h): the panel shows call.state
// after every (re)connect and follows call.update events; a refused
// action comes back as the console's error toast.
import { h, fill } from '../dom.js';
import { duration } from '../fmt.js';
import { acquireAudio } from '../audio/engine.js';

const STATE_TEXT = { queued: 'Waiting', ringing: 'Ringing', connected:
  'Connected', held: 'On hold', ended: 'Ended' };

// Shared by both panels: the calls the server told us about
function callStore(control, onChange) {
  const calls = new Map();
  let queues = [];
  let positions = [];
  let ready = false;
  const put = (c) => {
    if (!c || !c.id) return;
    if (c.state === 'ended') calls.delete(c.id);
    else calls.set(c.id, c);
    onChange();
  };
  const load = () => control.request('call.state', {}, { quiet: true })
    .then((st) => {
      calls.clear();
      for (const c of st.calls || []) put(c);
      queues = st.queues || [];
      positions = st.positions || [];
      ready = !!st.ready;
      onChange();
    }).catch(() => {});
  const offReady = control.onReady(load);
  const offCall = control.on('call.update', put);
  const offQueue = control.on('queue.update', (d) => {
    queues = (d && d.queues) || queues;
    onChange();
  });
  return {
    calls, load,
    queues: () => queues,
    positions: () => positions,
    ready: () => ready,
    setReady: (r) => { ready = r; onChange(); },
    stop() { offReady(); offCall(); offQueue(); },
  };
}

const callerText = (c) => [c.caller_name, c.caller || 'withheld']
  .filter(Boolean).join(' · ');

export default {
  title: 'Calls',
  roles: ['calltaker', 'supervisor'],
  mount(el, { control, sess, tools, every }) {
    const myPos = (sess.position && sess.position.id) || '';
    const { engine, release } = acquireAudio(control);
    const request = (op, params) => control.request(op, params)
      .catch(() => null);
    const readyBtn = h('button', { type: 'button', id: 'call-ready',
      class: 'btn btn-small', onclick: async () => {
        const st = await request('call.ready', { on: !store.ready() });
        if (st) store.setReady(!!st.ready);
      } });
    tools.append(readyBtn);
    const box = h('div', { class: 'call-box', id: 'call-box' });
    el.append(box);

    const mine = () => [...store.calls.values()].filter(
      (c) => c.position === myPos);
    let talking = false;
    const talk = (on) => {
      if (on === talking) return;
      talking = on;
      if (on) engine.openMic().then(() => engine.setTransmitting(talking));
      else engine.setTransmitting(false);
    };
    const act = (op, c, extra = {}) => request(op, { call: c.id, ...extra })
      .then((r) => { if (r && r.id) store.calls.set(r.id, r); show(); });

    const callCard = (c) => {
      const timerFrom = c.answered || c.arrival;
      const btn = (id, text, cls, onclick) => h('button', { type: 'button',
        id, class: `btn ${cls}`, text, onclick });
      const controls = c.state === 'ringing'
        ? [btn('call-answer', 'Answer', 'btn-primary btn-large',
          () => act('call.answer', c))]
        : [btn('call-hold', c.state === 'held' ? 'Resume' : 'Hold', '',
          () => act('call.hold', c, { on: c.state !== 'held' })),
        transferPick(c),
        btn('call-hangup', 'Hang up', 'btn-danger',
          () => act('call.hangup', c))];
      return h('article', { class: `call call-${c.state}`,
        'data-call': String(c.id), 'data-state': c.state },
      h('div', { class: 'call-head' },
        h('span', { class: 'call-number', text: c.number }),
        h('span', { class: 'call-queue', text: c.queue_name || c.queue }),
        h('span', { class: 'pill', text: STATE_TEXT[c.state] || c.state })),
      h('div', { class: 'call-caller', text: callerText(c) }),
      h('div', { class: 'call-meta muted' }, `trunk ${c.trunk} · `,
        h('span', { class: 'call-timer since mono',
          'data-since': String(timerFrom), text: duration(timerFrom) })),
      h('div', { class: 'call-actions' }, controls));
    };
    const transferPick = (c) => {
      const pick = h('select', { id: 'call-transfer-to',
        'aria-label': 'Transfer to' },
      h('option', { value: '', text: 'Transfer to…' }),
      h('optgroup', { label: 'Queues' }, store.queues()
        .filter((q) => q.id !== c.queue).map((q) =>
          h('option', { value: q.id, text: q.name || q.id }))),
      h('optgroup', { label: 'Positions' }, store.positions()
        .filter((p) => p.id !== myPos).map((p) =>
          h('option', { value: p.id, text: p.id }))));
      pick.addEventListener('change', () => {
        if (pick.value) act('call.transfer', c, { to: pick.value });
      });
      return pick;
    };

    const show = () => {
      const my = mine();
      readyBtn.textContent = store.ready() ? 'Ready' : 'Not ready';
      readyBtn.classList.toggle('btn-primary', store.ready());
      readyBtn.setAttribute('aria-pressed', String(store.ready()));
      talk(my.some((c) => c.state === 'connected'));
      fill(box, my.length ? my.map(callCard) : h('p', { class: 'muted',
        text: store.ready() ? 'Waiting for a call…' :
          'Not ready: press Ready to take calls.' }));
    };
    const store = callStore(control, show);
    if (every) every(() => {
      for (const t of box.querySelectorAll('.call-timer')) {
        t.textContent = duration(Number(t.dataset.since));
      }
    });
    show();
    return () => { talk(false); store.stop(); release(); };
  },
};

export const queue = {
  title: 'Queues',
  roles: ['calltaker', 'supervisor'],
  mount(el, { control, every }) {
    const list = h('div', { class: 'queue-list', id: 'queue-list' });
    el.append(list);
    const show = () => {
      const qs = [...store.queues()].sort((a, b) => b.priority - a.priority);
      const waiting = [...store.calls.values()].filter(
        (c) => c.state === 'queued' || c.state === 'ringing');
      fill(list, qs.map((q) => h('section', { class: 'queue',
        'data-queue': q.id },
      h('h3', {}, `${q.name || q.id} `, h('span', { class: 'muted',
        text: `priority ${q.priority}` })),
      h('ul', { class: 'queue-calls' }, waiting.filter((c) => c.queue === q.id)
        .sort((a, b) => a.arrival - b.arrival).map((c) => h('li', {
          class: `queue-call call-${c.state}`, 'data-call': String(c.id) },
        h('span', { class: 'mono', text: c.number }), ' ',
        h('span', { text: callerText(c) }), ' ',
        h('span', { class: 'since mono', 'data-since': String(c.arrival),
          text: duration(c.arrival) }), ' ',
        h('span', { class: 'muted', text: STATE_TEXT[c.state] })))))));
    };
    const store = callStore(control, show);
    if (every) every(() => {
      for (const t of list.querySelectorAll('.since')) {
        t.textContent = duration(Number(t.dataset.since));
      }
    });
    show();
    return () => store.stop();
  },
};
