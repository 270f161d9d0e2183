// Radio panel: the talkgroups this operator may see, each a large tile to
// monitor (speaker) or select (headset, and where PTT transmits), with
// its volume and an activity light; the PTT button, the headset and
// speaker meters with their mutes, and the output device per channel.
//
// Routing lives on the server, per position: the panel shows audio.state
// after every (re)connect and follows audio.update, and changes nothing
// locally until the server answers.
import { h, fill } from '../dom.js';
import { acquireAudio, CHANNELS, sinkSupported } from '../audio/engine.js';
import { Ptt, pedalKey, DEFAULT_PEDAL } from '../audio/ptt.js';
import { testSounds } from './sounds.js';
import {
  floorView, permissionTone, emergencyBanner, linkAlarm, messageLog,
  pttFloor, PTT_FLOOR_TEXT, bearerAlarms, patchBar,
} from './radio-floor.js';
import { radioCalls, callKinds } from './radio-calls.js';

const CHANNEL_TEXT = { headset: 'Headset', speaker: 'Speaker', off: 'Off' };
const LINK_TEXT = {
  open: ['ok', 'Audio connected'],
  connecting: ['warn', 'Audio connecting'],
  down: ['bad', 'Audio reconnecting'],
  closed: ['bad', 'Audio closed'],
  idle: ['neutral', 'Audio starting'],
};
const PTT_TEXT = { idle: 'PTT', pending: 'Keying…', tx: 'TX' };
const ACTIVE = 0.01;           // peak (0..1) above which a channel is busy
const DB_FLOOR = -60;

const bearerText = (tg) => [
  tg.esn_group ? `ESN ${tg.esn_group}` : null,
  tg.tetra_gssi !== undefined ? `TETRA GSSI ${tg.tetra_gssi}` : null,
].filter(Boolean).join(' · ') || 'no bearer';

function meterWidth(v) {
  if (!(v > 0)) return 0;
  const db = 20 * Math.log10(v);
  return Math.max(0, Math.min(1, (db - DB_FLOOR) / -DB_FLOOR));
}

function tgTile(tg, act, nameOf) {
  const fv = floorView();
  const light = h('span', { class: 'tg-light', 'aria-hidden': 'true' });
  const route = h('span', { class: 'tg-route' });
  const mon = h('button', { type: 'button', class: 'btn tg-monitor',
    text: 'Monitor', onclick: () => act.monitor(tg.id) });
  const sel = h('button', { type: 'button', class: 'btn tg-select',
    text: 'Select', onclick: () => act.select(tg.id) });
  // raise an emergency on the talkgroup's network; pressed: cancel it
  const em = h('button', { type: 'button', class: 'btn tg-emergency',
    text: 'Emergency', 'aria-pressed': 'false',
    title: 'Raise an emergency on this talkgroup (pressed: cancel it)',
    onclick: () => act.emergency(tg.id,
      em.getAttribute('aria-pressed') !== 'true') });
  const volText = h('output', { class: 'tg-vol-value mono' });
  const vol = h('input', { type: 'range', min: 0, max: 100, step: 1,
    class: 'tg-volume', 'aria-label': `Volume ${tg.name || tg.id}`,
    oninput: () => { volText.textContent = vol.value; },
    onchange: () => act.volume(tg.id, Number(vol.value)) });
  const el = h('article', { class: 'tg', 'data-talkgroup': tg.id,
    'aria-label': `Talkgroup ${tg.name || tg.id}` },
  h('div', { class: 'tg-head' }, light,
    h('span', { class: 'tg-name', text: tg.name || tg.id }), fv.badge,
    route),
  h('div', { class: 'tg-bearer muted', text: bearerText(tg),
    title: tg.preferred_bearer ? `preferred: ${tg.preferred_bearer}` : '' }),
  fv.floor, fv.group, fv.patch,
  h('div', { class: 'tg-actions' }, mon, sel,
    h('button', { type: 'button', class: 'btn tg-recall', text: 'Recall',
      title: 'Replay the last transmission in the headset',
      onclick: () => act.recall(tg.id) }), em),
  h('label', { class: 'tg-vol' }, h('span', { text: 'Vol' }), vol, volText));
  const show = (st) => {
    const s = st || { monitored: false, selected: false, volume: 100,
      channel: 'off' };
    el.dataset.channel = s.channel || 'off';
    el.classList.toggle('tg-selected', !!s.selected);
    el.classList.toggle('tg-monitored', !!s.monitored && !s.selected);
    mon.setAttribute('aria-pressed', String(!!s.monitored));
    sel.setAttribute('aria-pressed', String(!!s.selected));
    route.textContent = CHANNEL_TEXT[s.channel] || CHANNEL_TEXT.off;
    if (document.activeElement !== vol && Number.isFinite(s.volume)) {
      vol.value = String(s.volume);
      volText.textContent = String(s.volume);
    }
  };
  const lit = (on) => {
    if ((el.dataset.active === 'true') !== on) {
      el.dataset.active = String(on);
    }
  };
  // what the bearer reports (radio.state, radio.floor)
  const radio = (st, myPos) => {
    fv.show(tg, st, myPos, nameOf);
    el.dataset.floor = (st && st.floor && st.floor.state) || 'idle';
    em.setAttribute('aria-pressed',
      String(!!(st && st.emergency && st.emergency.on)));
  };
  radio(null, '');
  return { el, show, lit, radio, name: tg.name || tg.id };
}

function outputStrip(ch, act) {
  const fillBar = h('div', { class: 'meter-fill' });
  const meter = h('div', { class: 'meter', role: 'meter',
    'aria-label': `${CHANNEL_TEXT[ch]} level`, 'aria-valuemin': '0',
    'aria-valuemax': '1' }, fillBar);
  const mute = h('button', { type: 'button', class: 'btn btn-small out-mute',
    id: `mute-${ch}`, text: 'Mute', 'aria-pressed': 'false',
    onclick: () => act.mute(ch, mute.getAttribute('aria-pressed') !==
      'true') });
  const pick = h('select', { class: 'out-device', id: `sink-${ch}`,
    'aria-label': `${CHANNEL_TEXT[ch]} output device`,
    onchange: () => act.sink(ch, pick.value) });
  pick.hidden = !sinkSupported();
  const el = h('div', { class: 'out', 'data-channel': ch },
    h('span', { class: 'out-name', text: CHANNEL_TEXT[ch] }),
    meter, mute, pick);
  return { el, fillBar, mute, pick };
}

export default {
  title: 'Radio',
  roles: ['dispatcher', 'supervisor'],
  mount(el, { control, sess, tools, toast, every }) {
    const { engine, release } = acquireAudio(control);
    const tiles = new Map();     // talkgroup id -> tile
    let audio = { talkgroups: [], mute: {}, ptt: false };
    const linkPill = h('span', { class: 'pill', id: 'audio-link' });
    const resumeBtn = h('button', { type: 'button', id: 'audio-resume',
      class: 'btn btn-small btn-primary', text: 'Start audio', hidden: true,
      onclick: () => engine.resume() });
    tools.append(resumeBtn, linkPill);
    const grid = h('div', { class: 'tg-grid', id: 'tg-grid' },
      h('p', { class: 'muted', text: 'Loading talkgroups…' }));
    const outs = {};
    const sounds = testSounds(control, sess, toast);   // null: not allowed
    const ptt = new Ptt(control, engine, { onChange: () => showPtt() });
    const myPos = (sess.position && sess.position.id) || '';
    const rcalls = radioCalls({ control, myPos, toast,
      onChange: () => showPtt() });
    ptt.target = rcalls.target;
    if (every) every(() => rcalls.tick());
    const me = (sess.operator && sess.operator.username) || '';
    const radioState = new Map();     // talkgroup id -> radio.state entry
    let tones = 0;
    const nameOf = (id) => (tiles.get(id) && tiles.get(id).name) || id;
    const banner = emergencyBanner({ nameOf, me,
      onAck: (id) => request('radio.emergency_ack', { talkgroup: id })
        .then((st) => { if (st && st.talkgroup) onRadio(st, false); }) });
    const alarm = linkAlarm();
    const log = messageLog();
    const balarms = bearerAlarms(nameOf);
    let tgList = [];
    const patches = patchBar({ talkgroups: () => tgList,
      onPatch: (a, b, on) => request('radio.patch', { a, b, on })
        .then((r) => { if (r) patches.show(r.patches, nameOf); }) });

    const apply = (entry) => {
      if (!entry || !entry.id) return;
      const list = audio.talkgroups.filter((t) => t.id !== entry.id);
      audio = { ...audio, talkgroups: [...list, entry] };
      const t = tiles.get(entry.id);
      if (t) t.show(entry);
    };
    const request = (op, params) => control.request(op, params)
      .catch(() => null);     // refused: the toast says why
    const entryOf = (id) => audio.talkgroups.find((t) => t.id === id) || {};
    const act = {
      monitor: async (id) => apply(await request('radio.monitor',
        { talkgroup: id, on: !entryOf(id).monitored })),
      select: async (id) => apply(await request('radio.select',
        { talkgroup: id, on: !entryOf(id).selected })),
      volume: async (id, volume) => apply(await request('audio.volume',
        { resource: id, volume })),
      recall: (id) => request('recording.recall', { resource: id }),
      emergency: (id, on) => request('radio.emergency_raise',
        { talkgroup: id, on }).then((st) => {
        if (st && st.talkgroup) onRadio(st, false);
      }),
      mute: async (ch, on) => {
        const r = await request('audio.mute', { channel: ch, on });
        if (r && r.mute) showState({ ...audio, mute: r.mute });
      },
      sink: (ch, id) => engine.setSink(ch, id).catch((err) => {
        control.onError({ code: 0, op: 'output device',
          reason: err.message || String(err) });
        outs[ch].pick.value = engine.sink(ch);
      }),
    };
    for (const ch of CHANNELS) outs[ch] = outputStrip(ch, act);

    const pttBtn = h('button', { type: 'button', class: 'ptt', id: 'ptt',
      'aria-label': 'Press to talk (hold)' });
    const pttWhere = h('span', { class: 'ptt-where', id: 'ptt-where' });
    const pedalText = h('kbd', { id: 'ptt-pedal' });
    const pedalBtn = h('button', { type: 'button', class: 'btn btn-small',
      id: 'ptt-pedal-set', text: 'Set pedal key',
      onclick: async () => {
        pedalBtn.textContent = 'Press the pedal (Esc: cancel)';
        await ptt.captureKey();
        pedalBtn.textContent = 'Set pedal key';
        showPedal();
      } });
    const micText = h('span', { class: 'muted', id: 'mic-state' });
    const showPedal = () => {
      pedalText.textContent = pedalKey();
      pedalText.title = pedalKey() === DEFAULT_PEDAL ? 'default' : 'yours';
    };
    showPedal();

    // pointer capture: the press ends where the finger or mouse lets go,
    // even off the button
    pttBtn.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      ev.preventDefault();
      pttBtn.setPointerCapture(ev.pointerId);
      ptt.press('button');
    });
    for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      pttBtn.addEventListener(ev, () => ptt.release('button'));
    }
    pttBtn.addEventListener('contextmenu', (ev) => ev.preventDefault());

    const radioEl = h('div', { class: 'radio' }, alarm.el, balarms.el, grid,
      h('div', { class: 'radio-bottom' },
        h('div', { class: 'outs' }, CHANNELS.map((ch) => outs[ch].el)),
        h('div', { class: 'ptt-box' }, pttBtn, callKinds(ptt),
          h('div', { class: 'ptt-help muted' },
            'Hold the button, Space or the pedal ', pedalText, ' ',
            pedalBtn, ' ', micText, pttWhere))),
      rcalls.el, h('div', { id: 'patch-slot' }), log.el,
      sounds ? sounds.el : null);
    el.append(radioEl);

    // Our position was granted the floor just now: the permission tone
    const grantedNow = (f, prev) => f.state === 'granted' && f.tx &&
      f.holder === myPos && !(prev && prev.state === 'granted' &&
        prev.tx && prev.holder === myPos);

    function onRadio(st, live) {
      if (!st || !st.talkgroup) return;
      const prev = radioState.get(st.talkgroup);
      const pf = prev && prev.floor;
      radioState.set(st.talkgroup, st);
      const t = tiles.get(st.talkgroup);
      if (t) t.radio(st, myPos);
      banner.show(st, el);
      const f = st.floor || {};
      if (live && grantedNow(f, pf) && permissionTone(engine)) {
        radioEl.dataset.permissionTones = String(++tones);
      }
      if (live && f.state === 'denied' && f.holder === myPos &&
        !(pf && pf.state === 'denied')) {
        toast(f.reason || 'the network refused the floor', { kind: 'error',
          title: `Floor denied · ${nameOf(st.talkgroup)}` });
      }
      showPtt();
    }

    function showPtt() {
      const s = ptt.state();
      const f = s === 'idle' ? null : pttFloor(radioState.values(), myPos);
      pttBtn.dataset.state = s;
      pttBtn.dataset.floor = f ? f.state : '';
      pttBtn.textContent = f ? PTT_FLOOR_TEXT[f.state](f) : PTT_TEXT[s];
      const ids = ptt.tx ? ptt.talkgroups : [];
      pttWhere.textContent = ptt.tx && ptt.call
        ? ' · Transmitting in the private call'
        : ids.length ? ` · Transmitting on ${ids.map(
          (id) => (tiles.get(id) && tiles.get(id).name) || id).join(', ')}`
          : '';
      for (const [id, t] of tiles) {
        t.el.classList.toggle('tg-tx', ptt.tx && ids.includes(id));
      }
    }

    function showState(st) {
      audio = { talkgroups: st.talkgroups || [], mute: st.mute || {},
        ptt: !!st.ptt };
      for (const [id, t] of tiles) {
        t.show(audio.talkgroups.find((x) => x.id === id));
      }
      for (const ch of CHANNELS) {
        const on = !!audio.mute[ch];
        outs[ch].mute.setAttribute('aria-pressed', String(on));
        outs[ch].mute.textContent = on ? 'Muted' : 'Mute';
        outs[ch].el.classList.toggle('out-muted', on);
      }
      ptt.serverSays(audio.ptt);
      showPtt();
    }

    function showEngine() {
      const [kind, text] = LINK_TEXT[engine.link.state] || LINK_TEXT.idle;
      linkPill.className = `pill pill-${kind}`;
      linkPill.dataset.state = engine.link.state;
      linkPill.textContent = text;
      linkPill.title = engine.link.error ? engine.link.error.reason : '';
      resumeBtn.hidden = !engine.suspended();
      for (const ch of CHANNELS) {
        const pick = outs[ch].pick;
        if (document.activeElement !== pick &&
          [...pick.options].some((o) => o.value === engine.sink(ch))) {
          pick.value = engine.sink(ch);
        }
      }
      const m = engine.mic;
      micText.dataset.state = m.state;
      micText.textContent = m.state === 'denied'
        ? ` · Microphone unavailable: ${m.reason}` : '';
    }

    async function listDevices() {
      if (!sinkSupported()) return;
      let devs = [];
      try {
        devs = await engine.outputs();
      } catch {
        devs = [];
      }
      for (const ch of CHANNELS) {
        const cur = engine.sink(ch);
        fill(outs[ch].pick, h('option', { value: '', text: 'Default output' }),
          devs.map((d, i) => h('option', { value: d.deviceId,
            text: d.label || `Output ${i + 1}` })));
        outs[ch].pick.value = devs.some((d) => d.deviceId === cur) ? cur : '';
      }
    }

    async function load() {
      try {
        const [res, st, rs] = await Promise.all([
          control.request('resource.list', { type: 'talkgroup' },
            { quiet: true }),
          control.request('audio.state', {}, { quiet: true }),
          // a server without radio state still has the audio routing
          control.request('radio.state', {}, { quiet: true })
            .catch(() => null)]);
        tiles.clear();
        const list = res.resources || [];
        tgList = list;
        fill(grid, list.length ? list.map((tg) => {
          const t = tgTile(tg, act, nameOf);
          tiles.set(tg.id, t);
          return t.el;
        }) : h('p', { class: 'muted', text: 'No talkgroups for your roles.' }));
        showState(st);
        radioState.clear();
        banner.clearAll();
        for (const x of (rs && rs.talkgroups) || []) onRadio(x, false);
        // patches need two talkgroups with a bearer
        const slot = radioEl.querySelector('#patch-slot');
        if (slot && rs && list.length > 1) {
          fill(slot, patches.el);
          patches.refresh();
          patches.show(rs.patches, nameOf);
        }
        for (const a of (rs && rs.alarms) || []) balarms.add(a);
        // a console that opens while a link is down shows the alarm now
        for (const [bearer, l] of Object.entries((rs && rs.links) || {})) {
          alarm.show({ bearer, up: l.up, reason: l.reason });
        }
        if (sounds) sounds.load(list);
      } catch (err) {
        fill(grid, h('p', { class: 'error-text',
          text: `Radio unavailable: ${err.reason || err.message}` }));
      }
    }

    // Meters and activity lights, once per animation frame
    let raf = 0;
    const draw = () => {
      const lvl = {};
      for (const ch of CHANNELS) {
        lvl[ch] = engine.level(ch);
        const w = meterWidth(lvl[ch]);
        outs[ch].fillBar.style.transform = `scaleX(${w.toFixed(3)})`;
        outs[ch].fillBar.dataset.hot = String(w > 0.9);
      }
      for (const [id, t] of tiles) {
        const ch = (entryOf(id).channel) || 'off';
        t.lit(ch !== 'off' && !audio.mute[ch] && lvl[ch] > ACTIVE);
      }
      raf = requestAnimationFrame(draw);
    };
    raf = requestAnimationFrame(draw);

    const offReady = control.onReady(load);
    const offUpdate = control.on('audio.update', (st) => {
      if (st) showState(st);
    });
    const offRadio = ['radio.floor', 'radio.emergency'].map((ev) =>
      control.on(ev, (d) => onRadio(d, true)));
    const offLink = control.on('radio.link', (d) => alarm.show(d));
    const offMsg = control.on('radio.message', (d) => log.add(d));
    const offAlarm = control.on('radio.alarm', (d) => balarms.add(d));
    const offPatch = control.on('radio.patch', () =>
      request('radio.state', {}).then((r) => {
        if (r) patches.show(r.patches, nameOf);
      }));
    const offEngine = engine.on(showEngine);
    showEngine();
    showPtt();
    listDevices();
    const devices = navigator.mediaDevices;
    if (devices) devices.addEventListener('devicechange', listDevices);
    let labelled = false;
    const offMic = engine.on(() => {
      if (engine.mic.state === 'open' && !labelled) {
        labelled = true;
        listDevices();     // labels appear once the mic is allowed
      }
    });

    return () => {
      cancelAnimationFrame(raf);
      offReady();
      offUpdate();
      for (const off of offRadio) off();
      offLink();
      offMsg();
      offAlarm();
      offPatch();
      banner.remove();
      offEngine();
      offMic();
      if (devices) devices.removeEventListener('devicechange', listDevices);
      rcalls.stop();
      ptt.stop();
      release();
    };
  },
};
