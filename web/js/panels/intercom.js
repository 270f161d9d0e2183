// Position-to-position intercom: call a position, answer, hang up.
// intercomView() draws it inside the calls panel (call takers,
// supervisors); the default export is the panel of a layout without the
// calls panel (dispatchers), with its own state from intercom.state and
// the microphone open while an intercom is connected.
import { h, fill } from '../dom.js';
import { acquireAudio } from '../audio/engine.js';

const btn = (id, text, cls, onclick) => h('button', { type: 'button',
  id, class: `btn ${cls} ${id}`, text, onclick });

function card(request, myPos, i) {
  const incoming = i.to === myPos;
  const other = incoming ? i.from : i.to;
  const hang = btn('icom-hangup', i.state === 'ringing' ? (incoming ?
    'Reject' : 'Cancel') : 'Hang up', 'btn-danger', () =>
    request('intercom.hangup', { id: i.id }));
  return h('article', { class: `intercom intercom-${i.state}`,
    'data-intercom': String(i.id), 'data-state': i.state },
  h('span', { text: `Intercom ${incoming ? 'from' : 'to'} ${other}` }),
  ' ', h('span', { class: 'pill', text: i.state }), ' ',
  i.state === 'ringing' && incoming
    ? btn('icom-answer', 'Answer', 'btn-primary', () =>
      request('intercom.answer', { id: i.id })) : null, hang);
}

// The chosen position survives redraws (events redraw the panel)
export function intercomPick() {
  return { to: '' };
}

// The intercoms of this position, or the picker to call one
export function intercomView(request, myPos, icoms, positions, pick) {
  if (icoms.length) return icoms.map((i) => card(request, myPos, i));
  const sel = h('select', { id: 'icom-to', 'aria-label': 'Intercom to' },
    h('option', { value: '', text: 'Intercom to…' }),
    positions.filter((p) => p.id !== myPos).map((p) =>
      h('option', { value: p.id, text: p.id })));
  sel.value = pick.to;
  sel.addEventListener('change', () => { pick.to = sel.value; });
  return [h('div', { class: 'intercom-call' }, sel,
    btn('icom-call', 'Call', '', () => sel.value &&
      request('intercom.call', { to: sel.value })))];
}

export default {
  title: 'Intercom',
  roles: ['dispatcher'],
  mount(el, { control, sess }) {
    const myPos = (sess.position && sess.position.id) || '';
    const { engine, release } = acquireAudio(control);
    const request = (op, params) => control.request(op, params)
      .catch(() => null);
    const box = h('div', { class: 'intercom-box', id: 'intercom' });
    el.append(box);
    const icoms = new Map();
    const pick = intercomPick();
    let positions = [];
    let talking = false;
    const show = () => {
      const list = [...icoms.values()];
      const on = list.some((i) => i.state === 'connected');
      if (on !== talking) {
        talking = on;
        if (on) engine.openMic().then(() => engine.setTransmitting(talking));
        else engine.setTransmitting(false);
      }
      fill(box, intercomView(request, myPos, list, positions, pick));
    };
    const load = () => control.request('intercom.state', {}, { quiet: true })
      .then((st) => {
        icoms.clear();
        for (const i of st.intercoms || []) icoms.set(i.id, i);
        positions = st.positions || [];
        show();
      }).catch(() => {});
    const offReady = control.onReady(load);
    const offIcom = control.on('intercom.update', (i) => {
      if (!i || !i.id) return;
      if (i.state === 'ended') icoms.delete(i.id);
      else icoms.set(i.id, i);
      show();
    });
    show();
    return () => {
      if (talking) engine.setTransmitting(false);
      offReady(); offIcom(); release();
    };
  },
};
