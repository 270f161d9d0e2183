// What the radio bearer reports, drawn for the radio panel: floor and
// group state per talkgroup, the bearer badge, the emergency banner
// across the console, the link-down alarm and the radio message log;
// dual running (fallback badge, bearer alarms) and patches.
//
// Everything from the server goes through textContent (dom.js h()).
import { h, fill } from '../dom.js';

const BEARER_TEXT = { esn: 'ESN', tetra: 'TETRA', gateway: 'Gateway' };
const GROUP_TEXT = {
  joining: 'Joining group call…',
  joined: 'In group call',
  failed: 'Group call failed',
};
const MSG_KEEP = 20;
const TONE_HZ = 1000;
const TONE_S = 0.1;

// The badge: what the server says carries the talkgroup now, else a
// gateway stream from the configuration, else nothing.
export function bearerBadge(res, st) {
  if (st && st.bearer) return BEARER_TEXT[st.bearer] || st.bearer;
  if (res && res.rtp_local) return BEARER_TEXT.gateway;
  return '';
}

// Who talks: the alias big, the MCPTT ID small (only the ID when the
// network gave no alias)
function talkerNodes(f) {
  const id = f.talker || '';
  if (f.alias) {
    return [h('span', { class: 'tg-talker-alias', text: f.alias }),
      id ? h('span', { class: 'tg-talker-id mono', text: id }) : null];
  }
  return h('span', { class: 'tg-talker-alias', text: id || 'unknown' });
}

const withReason = (text, reason) => reason ? `${text}: ${reason}` : text;

// One line of floor state: [text or nodes, css kind]
function floorLine(f, mine) {
  switch (f.state) {
    case 'requesting': return ['Requesting…', 'warn'];
    case 'granted': return [mine ? 'GRANTED — TX' :
      `GRANTED — TX${f.holder ? ` (${f.holder})` : ''}`, 'tx'];
    case 'queued': return [`Queued at position ${f.queue_position || '?'}`,
      'warn'];
    case 'denied': return [withReason('Denied', f.reason), 'bad'];
    case 'taken': return [['Taken by ', talkerNodes(f)], 'rx'];
    case 'revoked': return [withReason('Revoked', f.reason), 'bad'];
    case 'released': return ['Released', 'neutral'];
    case 'no_answer': return ['No answer from floor control', 'bad'];
    default: return ['Idle', 'neutral'];
  }
}

// The floor, group and badge part of a talkgroup tile
export function floorView() {
  const badge = h('span', { class: 'badge tg-badge', hidden: true });
  const floor = h('div', { class: 'tg-floor', 'data-floor': 'idle',
    role: 'status' });
  const group = h('div', { class: 'tg-group', hidden: true });
  const patch = h('div', { class: 'tg-patch', hidden: true });
  const show = (res, st, myPos, nameOf = (id) => id) => {
    const b = bearerBadge(res, st);
    badge.hidden = !b;
    // dual running: a talkgroup away from its preferred bearer says so
    badge.textContent = st && st.failed_over ? `${b} (fallback)` : b;
    badge.dataset.bearer = (st && st.bearer) || (b ? 'gateway' : '');
    badge.dataset.failedOver = String(!!(st && st.failed_over));
    badge.title = st && st.preferred ? `preferred: ${
      BEARER_TEXT[st.preferred] || st.preferred}` : '';
    const p = st && st.patch;
    patch.hidden = !p;
    patch.dataset.carrying = (p && p.carrying) || '';
    if (p) {
      const who = p.alias || p.talker;
      fill(patch, [h('span', { class: 'badge tg-patch-badge',
        text: `Patched ⇄ ${nameOf(p.with)}` }),
      p.carrying === 'in' && who ? h('span', { class: 'tg-patch-talker',
        text: ` via patch: ${who}` }) : null]);
    }
    const f = (st && st.floor) || { state: 'idle' };
    const [text, kind] = floorLine(f, f.holder && f.holder === myPos);
    floor.dataset.floor = f.state || 'idle';
    floor.dataset.kind = kind;
    floor.hidden = !(st && st.bearer);
    fill(floor, text);
    const g = (st && st.group) || 'idle';
    group.dataset.group = g;
    group.hidden = g === 'idle';
    group.textContent = g === 'failed'
      ? withReason(GROUP_TEXT.failed, st.group_reason) : GROUP_TEXT[g] || g;
  };
  return { badge, floor, group, patch, show };
}

// The permission tone: ~100 ms of 1 kHz into the headset's output
export function permissionTone(engine) {
  const c = engine && engine.chan && engine.chan.headset;
  const ctx = c && c.ctx;
  if (!ctx || ctx.state === 'closed') return false;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  const t = ctx.currentTime;
  osc.frequency.value = TONE_HZ;
  // short ramps: no click at either end
  gain.gain.setValueAtTime(0, t);
  gain.gain.linearRampToValueAtTime(0.3, t + 0.005);
  gain.gain.setValueAtTime(0.3, t + TONE_S - 0.005);
  gain.gain.linearRampToValueAtTime(0, t + TONE_S);
  osc.connect(gain).connect(ctx.destination);
  osc.start(t);
  osc.stop(t + TONE_S);
  osc.onended = () => gain.disconnect();
  return true;
}

// The emergency banner across the top of the console: one row per
// talkgroup in emergency, with who raised it, Acknowledge and who did.
export function emergencyBanner({ nameOf, me, onAck }) {
  const el = h('div', { class: 'em-banner', id: 'radio-emergency',
    role: 'alert', hidden: true });
  const rows = new Map();      // talkgroup -> row
  const place = (anchor) => {
    const view = anchor.closest('[data-view=position]');
    if (view && el.parentNode !== view) {
      view.insertBefore(el, view.querySelector('.workspace'));
    } else if (!view && !el.parentNode) {
      anchor.prepend(el);
    }
  };
  const row = (id) => {
    const ack = h('button', { type: 'button', class: 'btn em-ack',
      text: 'Acknowledge', onclick: () => onAck(id) });
    const r = {
      what: h('span', { class: 'em-what' }),
      by: h('span', { class: 'em-by' }),
      acks: h('span', { class: 'em-acks' }),
      ack,
    };
    r.el = h('div', { class: 'em-row', 'data-talkgroup': id },
      h('strong', { class: 'em-title', text: 'EMERGENCY' }), r.what, r.by,
      ack, r.acks);
    return r;
  };
  const show = (st, anchor) => {
    const id = st.talkgroup;
    const em = st.emergency || {};
    let r = rows.get(id);
    if (!em.on) {
      if (r) r.el.remove();
      rows.delete(id);
      el.hidden = rows.size === 0;
      return;
    }
    if (!r) {
      r = row(id);
      rows.set(id, r);
      el.append(r.el);
    }
    const acks = em.acks || [];
    r.what.textContent = nameOf(id);
    const who = em.by_alias ? `${em.by_alias} (${em.by})` : em.by;
    r.by.textContent = who ? `raised by ${who}` : '';
    r.acks.textContent = acks.length
      ? `Acknowledged by ${acks.join(', ')}` : 'Not acknowledged';
    r.acks.dataset.count = String(acks.length);
    r.ack.disabled = acks.includes(me);
    r.ack.textContent = acks.includes(me) ? 'Acknowledged' : 'Acknowledge';
    el.classList.toggle('em-unacked', [...rows.values()].some((x) =>
      x.acks.dataset.count === '0'));
    el.hidden = false;
    place(anchor);
  };
  const clearAll = () => {
    for (const r of rows.values()) r.el.remove();
    rows.clear();
    el.hidden = true;
  };
  return { el, show, clearAll, remove: () => el.remove() };
}

// "ESN link down: reason" while a bearer says it is down, one line per
// bearer (ESN and TETRA may be down at once)
export function linkAlarm() {
  const el = h('div', { class: 'radio-alarm', id: 'radio-link-alarm',
    role: 'alert', hidden: true });
  const down = new Map();
  const show = (d) => {
    if (!d) return;
    const name = BEARER_TEXT[d.bearer] || d.bearer || 'Radio';
    if (d.up) down.delete(d.bearer);
    else down.set(d.bearer, withReason(`${name} link down`,
      d.reason || 'no reason given'));
    el.dataset.bearer = [...down.keys()].join(' ');
    el.hidden = !down.size;
    el.textContent = [...down.values()].join(' · ');
  };
  return { el, show };
}

// Failover and failback of talkgroups between bearers, newest first
export function bearerAlarms(nameOf) {
  const list = h('ol', { class: 'radio-msgs', id: 'radio-alarms' });
  const el = h('section', { class: 'radio-log radio-bearer-alarms',
    role: 'alert', hidden: true },
  h('h3', { class: 'radio-log-title', text: 'Bearer alarms' }), list);
  const add = (a) => {
    if (!a || !a.talkgroup) return;
    const when = a.at ? new Date(a.at) : new Date();
    list.prepend(h('li', { class: 'radio-alarm-item',
      'data-kind': a.kind || '' },
    h('span', { class: 'mono muted', text: hhmmss(when) }), ' ',
    h('strong', { text: `${nameOf(a.talkgroup)}: ${a.kind === 'failback'
      ? 'back on' : 'moved to'} ${BEARER_TEXT[a.to] || a.to}` }),
    a.reason ? h('span', { class: 'muted', text: ` (${a.reason})` }) : null));
    while (list.children.length > MSG_KEEP) list.lastChild.remove();
    el.hidden = false;
  };
  return { el, add };
}

// Patches between talkgroups: make one from two pickers, dissolve one
export function patchBar({ talkgroups, onPatch }) {
  const options = () => talkgroups().map((t) => h('option',
    { value: t.id, text: t.name || t.id }));
  const a = h('select', { id: 'patch-a', class: 'patch-pick' });
  const b = h('select', { id: 'patch-b', class: 'patch-pick' });
  const refresh = () => {
    fill(a, options());
    fill(b, options());
    if (b.options.length > 1) b.selectedIndex = 1;
  };
  const list = h('ul', { class: 'patch-list', id: 'patch-list' });
  const make = h('button', { type: 'button', class: 'btn btn-small',
    id: 'patch-make', text: 'Patch',
    onclick: () => onPatch(a.value, b.value, true) });
  const el = h('section', { class: 'patch-bar', 'aria-label': 'Patches' },
    h('span', { class: 'muted', text: 'Patch ' }), a,
    h('span', { text: ' ⇄ ' }), b, ' ', make, list);
  const show = (patches, nameOf) => {
    fill(list, (patches || []).map((p) => h('li', { class: 'patch-item',
      'data-patch': p.id },
    h('span', { text: `${nameOf(p.a)} ⇄ ${nameOf(p.b)}` }), ' ',
    h('button', { type: 'button', class: 'btn btn-small patch-dissolve',
      text: 'Dissolve', onclick: () => onPatch(p.a, p.b, false) }))));
  };
  return { el, show, refresh };
}

function messageText(m) {
  if (m.type === 'status') return `status ${m.status}`;
  if (m.type === 'location') {
    const n = (v) => (Number.isFinite(v) ? v.toFixed(5) : '?');
    return `location ${n(m.lat)}, ${n(m.lon)}`;
  }
  return m.text || '';
}

const hhmmss = (d) => [d.getHours(), d.getMinutes(), d.getSeconds()]
  .map((n) => String(n).padStart(2, '0')).join(':');

// Incoming radio text and status messages, newest first, the latest 20
export function messageLog() {
  const list = h('ol', { class: 'radio-msgs', id: 'radio-messages',
    'aria-label': 'Radio messages' });
  const el = h('section', { class: 'radio-log', hidden: true },
    h('h3', { class: 'radio-log-title', text: 'Radio messages' }), list);
  const add = (m) => {
    if (!m) return;
    const li = h('li', { class: 'radio-msg', 'data-type': m.type || '' },
      h('span', { class: 'mono muted', text: hhmmss(new Date()) }), ' ',
      h('span', { class: 'radio-msg-type', text: m.type || '?' }), ' ',
      h('span', { class: 'radio-msg-from', text: m.from || '?' }),
      m.to ? h('span', { class: 'muted', text: ` → ${m.to}` }) : null, ' ',
      h('span', { class: 'radio-msg-text', text: messageText(m) }));
    list.prepend(li);
    while (list.children.length > MSG_KEEP) list.lastChild.remove();
    el.hidden = false;
  };
  return { el, add };
}

// What the PTT button adds to "TX" for this position: the floor of the
// talkgroups it holds, best first
const PTT_FLOOR_RANK = ['granted', 'queued', 'requesting', 'denied',
  'revoked', 'no_answer'];

export function pttFloor(states, myPos) {
  let best = null;
  for (const st of states) {
    const f = st.floor || {};
    if (!myPos || f.holder !== myPos) continue;
    const i = PTT_FLOOR_RANK.indexOf(f.state);
    if (i >= 0 && (!best || i < PTT_FLOOR_RANK.indexOf(best.state))) {
      best = f;
    }
  }
  return best;
}

export const PTT_FLOOR_TEXT = {
  granted: () => 'GRANTED',
  queued: (f) => `QUEUED #${f.queue_position || '?'}`,
  requesting: () => 'Requesting…',
  denied: () => 'DENIED',
  revoked: () => 'REVOKED',
  no_answer: () => 'NO ANSWER',
};
