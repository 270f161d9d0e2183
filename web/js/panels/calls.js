// Calls panel (call takers): ready / not ready, the call offered to this
// position with one big Answer button, and the call in hand with caller
// id, queue, timer and its controls (hold, transfer to a queue or a
// position, consult an outside number then complete, conference or
// cancel, hang up); dial out; position-to-position intercom; for
// supervisors listen-in, whisper and barge on other positions' calls.
// Queue panel: every waiting call with its wait time and priority.
//
// The server decides everything (phone.h): the panel shows call.state
// after every (re)connect and follows call.update events; a refused
// action comes back as the console's error toast.
import { h, fill } from '../dom.js';
import { duration } from '../fmt.js';
import { acquireAudio } from '../audio/engine.js';
import { intercomView, intercomPick } from './intercom.js';

const STATE_TEXT = { queued: 'Waiting', ringing: 'Ringing', connected:
  'Connected', held: 'On hold', dialing: 'Dialling', ended: 'Ended' };
const LINK_TEXT = { consult: 'Consulting', conference: 'Conference',
  transfer: 'Transferring', bridge: 'Transferred' };

// Shared by both panels: the calls the server told us about
function callStore(control, onChange) {
  const calls = new Map();
  const icoms = new Map();      // intercoms of this position
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
      icoms.clear();
      for (const i of st.intercoms || []) icoms.set(i.id, i);
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
  const offIcom = control.on('intercom.update', (i) => {
    if (!i || !i.id) return;
    if (i.state === 'ended') icoms.delete(i.id);
    else icoms.set(i.id, i);
    onChange();
  });
  const offSilent = control.on('call.silent', (d) => {
    const c = d && calls.get(d.id);
    if (c) { c.silent = d.silent; onChange(); }
  });
  return {
    calls, load, put, icoms,
    queues: () => queues,
    positions: () => positions,
    ready: () => ready,
    setReady: (r) => { ready = r; onChange(); },
    stop() { offReady(); offCall(); offQueue(); offIcom(); offSilent(); },
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
    const dialNum = h('input', { id: 'call-dial-number', type: 'tel',
      size: 12, placeholder: 'Number', 'aria-label': 'Number to dial' });
    const dialBtn = h('button', { type: 'button', id: 'call-dial',
      class: 'btn btn-small', text: 'Dial', onclick: async () => {
        if (!dialNum.value) return;
        store.put(await request('call.dial', { to: dialNum.value }));
      } });
    tools.append(readyBtn, dialNum, dialBtn);
    const box = h('div', { class: 'call-box', id: 'call-box' });
    const icomBox = h('div', { class: 'intercom-box', id: 'intercom' });
    const supBox = h('div', { class: 'supervise-box', id: 'supervise' });
    el.append(box, icomBox, supBox);
    const isSup = (sess.roles || []).includes('supervisor');

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
    const btn = (id, text, cls, onclick) => h('button', { type: 'button',
      id, class: `btn ${cls} ${id}`, text, onclick });

    // consult an outside number or a position with the caller on hold
    const consultPick = (c) => {
      const num = h('input', { id: 'call-consult-number', type: 'text',
        size: 12, placeholder: 'Number or position',
        'aria-label': 'Number or position to consult' });
      return h('span', { class: 'call-consult' }, num,
        btn('call-consult', 'Consult', '', () => num.value &&
          act('call.consult', c, { to: num.value })));
    };
    // the first leg of a consult carries its three ways out
    const linkControls = (c) => (c.link_kind === 'consult' && !c.second
      ? [btn('call-complete', 'Complete transfer', 'btn-primary',
        () => act('call.consult_complete', c)),
      c.intercom ? null : btn('call-conference', 'Conference', '',
        () => act('call.conference', c)),
      btn('call-consult-cancel', 'Cancel consult', '',
        () => act('call.consult_cancel', c))] : []);

    const callCard = (c) => {
      const timerFrom = c.answered || c.arrival;
      const hangup = btn('call-hangup', c.state === 'dialing' ? 'Cancel' :
        'Hang up', 'btn-danger', () => act('call.hangup', c));
      let controls;
      if (c.state === 'ringing') {
        controls = [btn('call-answer', 'Answer', 'btn-primary btn-large',
          () => act('call.answer', c))];
      } else if (c.link_kind || c.state === 'dialing') {
        controls = [...linkControls(c), hangup];
      } else {
        controls = [btn('call-hold', c.state === 'held' ? 'Resume' : 'Hold',
          '', () => act('call.hold', c, { on: c.state !== 'held' })),
        transferPick(c), consultPick(c), hangup];
      }
      return h('article', { class: `call call-${c.state}`,
        'data-call': String(c.id), 'data-state': c.state },
      h('div', { class: 'call-head' },
        h('span', { class: 'call-number', text: c.number }),
        h('span', { class: 'call-queue', text: c.queue_name || c.queue }),
        h('span', { class: 'pill', text: STATE_TEXT[c.state] || c.state }),
        c.link_kind ? h('span', { class: 'pill call-link',
          text: LINK_TEXT[c.link_kind] }) : null,
        c.silent ? h('span', { class: 'pill pill-warn call-silent',
          text: 'Silent caller' }) : null,
        c.supervisor ? h('span', { class: 'pill call-supervised',
          text: `${c.supervisor.mode}: ${c.supervisor.position}` }) : null),
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

    // supervisor: other positions' calls in progress
    const supCard = (c) => h('div', { class: 'sup-call',
      'data-call': String(c.id) },
    h('span', { text: `${c.position}: ${callerText(c)} ` }),
    ['listen', 'whisper', 'barge', 'off'].map((m) => btn(`sup-${m}`,
      m[0].toUpperCase() + m.slice(1), c.supervisor?.mode === m &&
        c.supervisor.position === myPos ? 'btn-primary' : '',
      () => act('call.supervise', c, { mode: m }))));

    const show = () => {
      const my = mine();
      const icoms = [...store.icoms.values()];
      readyBtn.textContent = store.ready() ? 'Ready' : 'Not ready';
      readyBtn.classList.toggle('btn-primary', store.ready());
      readyBtn.setAttribute('aria-pressed', String(store.ready()));
      const supTalk = [...store.calls.values()].some((c) =>
        c.supervisor?.position === myPos && c.supervisor.mode !== 'listen');
      talk(my.some((c) => c.state === 'connected') || supTalk ||
        icoms.some((i) => i.state === 'connected'));
      // a number being typed is not wiped by the next event
      const typing = document.activeElement?.tagName === 'INPUT' &&
        box.contains(document.activeElement);
      if (!typing) {
        fill(box, my.length ? my.map(callCard) : h('p', { class: 'muted',
          text: store.ready() ? 'Waiting for a call…' :
            'Not ready: press Ready to take calls.' }));
      }
      fill(icomBox, intercomView(request, myPos, icoms,
        store.positions(), pick));
      fill(supBox, isSup ? [...store.calls.values()].filter((c) =>
        c.position && c.position !== myPos && c.state === 'connected')
        .map(supCard) : []);
    };
    const pick = intercomPick();
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
