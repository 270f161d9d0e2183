// CCTV panel: the cameras this operator may see (with search), a 1/4/9
// view of live video, PTZ by dragging on the picture (joystick: the
// further from the centre, the faster), by buttons and zoom, presets,
// snapshot, and the control lock shown to everyone.
//
// The lock lives on the server: a PTZ command takes it, a colleague with
// a higher PTZ priority takes it over (we are told, with a toast), it
// goes after 15 s without a command or by "Release".  The panel only
// shows camera.lock events and the replies.
import { h, fill } from '../dom.js';
import { VideoChannel } from '../video/player.js';

const LAYOUTS = [1, 4, 9];
const SEND_EVERY_MS = 150;      // joystick: at most this often
const STEP = 0.05;              // joystick velocity quantum

const q = (v) => Math.round(Math.max(-1, Math.min(1, v)) / STEP) * STEP;

function lockText(cam, me) {
  if (!cam || !cam.ptz) return 'Fixed camera';
  if (!cam.lock) return 'PTZ free';
  if (cam.lock.operator === me) return 'You control this camera';
  return `Controlled by ${cam.lock.operator} (${cam.lock.position})`;
}

function tile(token, idx, onPick, onSwitch) {
  const video = h('video', { class: 'cam-video', muted: true,
    playsinline: true, autoplay: true });
  const label = h('div', { class: 'cam-label' });
  const status = h('div', { class: 'cam-status' });
  const el = h('div', { class: 'cam-tile', 'data-tile': String(idx),
    onclick: () => onPick(idx) }, video, label, status);
  const t = { el, video, camera: null };
  t.chan = new VideoChannel(token, video, {
    onState: (s) => {
      el.dataset.state = s.state;
      status.textContent = s.state === 'offline' ?
        `Offline: ${s.reason || ''}` : s.state === 'loading' ? 'Loading…' :
          s.state === 'reconnecting' ? 'Reconnecting…' :
            s.state === 'error' ? s.reason : '';
      if (s.state === 'live' && onSwitch) onSwitch(s.camera, s.switchMs);
    },
  });
  t.show = (cam) => {
    t.camera = cam ? cam.id : null;
    label.textContent = cam ? cam.name : '';
    el.dataset.camera = t.camera || '';
    t.chan.view(t.camera);
  };
  return t;
}

// Drag on the picture, joystick style: velocity from how far the pointer
// went from where it was pressed (half the picture = full speed); a
// click without a drag moves nothing
function joystick(el, send) {
  let start = null;
  let sent = false;
  let last = { pan: 0, tilt: 0, zoom: 0 };
  let lastAt = 0;
  const dead = (v) => (Math.abs(v) < 0.1 ? 0 : v);
  el.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || ev.target.closest('button')) return;
    start = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
    sent = false;
  });
  el.addEventListener('pointermove', (ev) => {
    if (!start) return;
    const r = el.getBoundingClientRect();
    const v = {
      pan: q(dead((ev.clientX - start.x) / (r.width / 2))),
      tilt: q(dead(-(ev.clientY - start.y) / (r.height / 2))),
      zoom: 0,
    };
    const now = performance.now();
    if ((v.pan !== last.pan || v.tilt !== last.tilt) &&
        now - lastAt >= SEND_EVERY_MS) {
      // captured only once it is a drag: a click still picks a tile
      if (!sent) el.setPointerCapture(start.id);
      last = v;
      lastAt = now;
      sent = true;
      send(v);
    }
  });
  const up = () => {
    if (!start) return;
    start = null;
    if (sent) send({ pan: 0, tilt: 0, zoom: 0 });
    last = { pan: 0, tilt: 0, zoom: 0 };
  };
  el.addEventListener('pointerup', up);
  el.addEventListener('pointercancel', up);
}

// A button that moves while held
function holdButton(text, label, v, send) {
  const b = h('button', { type: 'button', class: 'btn ptz-btn', text,
    'aria-label': label, 'data-ptz': label });
  b.addEventListener('pointerdown', () => send(v));
  for (const e of ['pointerup', 'pointerleave', 'pointercancel']) {
    b.addEventListener(e, () => { if (b.dataset.down) send({ pan: 0,
      tilt: 0, zoom: 0 }); delete b.dataset.down; });
  }
  b.addEventListener('pointerdown', () => { b.dataset.down = '1'; });
  return b;
}

function download(blob, name, ext) {
  const a = h('a', { href: URL.createObjectURL(blob),
    download: `${name}-${new Date().toISOString()}.${ext}` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// The camera's own JPEG, fetched by iccsd with the camera's account (the
// browser never learns it); a camera without ONVIF (409): the frame shown
async function snapshot(token, video, name) {
  const r = await fetch(`/api/v1/cameras/${encodeURIComponent(name)}/` +
    'snapshot', { headers: { Authorization: `Bearer ${token}` } })
    .catch(() => null);
  if (r && r.ok) return download(await r.blob(), name, 'jpg');
  if (!r || r.status !== 409 || !video.videoWidth) {
    const e = r && await r.json().catch(() => null);
    throw new Error((e && e.error && e.error.reason) || 'no snapshot');
  }
  const c = document.createElement('canvas');
  c.width = video.videoWidth;
  c.height = video.videoHeight;
  c.getContext('2d').drawImage(video, 0, 0);
  c.toBlob((blob) => download(blob, name, 'png'), 'image/png');
}

// The name a discovered device gives itself (scope onvif://.../name/X)
function scopeName(scopes) {
  const m = /onvif:\/\/www\.onvif\.org\/name\/(\S+)/.exec(scopes || '');
  return m ? decodeURIComponent(m[1]) : '';
}

export default {
  title: 'CCTV',
  roles: ['cctv', 'supervisor'],
  mount(el, { control, sess, tools, toast }) {
    const me = (sess.operator && sess.operator.username) || '';
    const cams = new Map();
    let tiles = [];
    let active = 0;
    const search = h('input', { type: 'search', class: 'cam-search',
      placeholder: 'Search cameras', 'aria-label': 'Search cameras',
      oninput: () => showList() });
    const list = h('ul', { class: 'cam-list', id: 'cam-list' });
    const grid = h('div', { class: 'cam-grid', id: 'cam-grid' });
    const lockLine = h('div', { class: 'cam-lock', id: 'cam-lock' });
    const presetSel = h('select', { class: 'cam-presets',
      'aria-label': 'Presets' });
    const presetName = h('input', { type: 'text', placeholder: 'Preset name',
      maxlength: 60, 'aria-label': 'New preset name' });
    const switchOut = h('output', { class: 'muted mono', id: 'cam-switch' });
    const layoutBtns = LAYOUTS.map((n) => h('button', { type: 'button',
      class: 'btn btn-small', text: `${n}`, 'data-layout': String(n),
      'aria-label': `${n} view${n > 1 ? 's' : ''}`,
      onclick: () => setLayout(n) }));
    tools.append(...layoutBtns);

    const request = (op, params) => control.request(op, params)
      .catch(() => null);
    const activeCam = () => cams.get(tiles[active] && tiles[active].camera);
    const send = async (v) => {
      const cam = activeCam();
      if (!cam || !cam.ptz) return;
      const r = await request('camera.ptz', { camera: cam.id, ...v });
      if (r) update(r);
    };
    const ptz = h('div', { class: 'cam-ptz' },
      holdButton('◀', 'left', { pan: -0.5, tilt: 0, zoom: 0 }, send),
      holdButton('▲', 'up', { pan: 0, tilt: 0.5, zoom: 0 }, send),
      holdButton('▼', 'down', { pan: 0, tilt: -0.5, zoom: 0 }, send),
      holdButton('▶', 'right', { pan: 0.5, tilt: 0, zoom: 0 }, send),
      holdButton('+', 'zoom in', { pan: 0, tilt: 0, zoom: 0.5 }, send),
      holdButton('−', 'zoom out', { pan: 0, tilt: 0, zoom: -0.5 }, send),
      h('button', { type: 'button', class: 'btn', text: 'Release',
        id: 'cam-release', onclick: async () => {
          const cam = activeCam();
          if (cam) update(await request('camera.release',
            { camera: cam.id }));
        } }),
      presetSel,
      h('button', { type: 'button', class: 'btn', text: 'Go',
        id: 'cam-preset-go', onclick: async () => {
          const cam = activeCam();
          if (cam && presetSel.value) update(await request('camera.preset',
            { camera: cam.id, action: 'goto', token: presetSel.value }));
        } }),
      presetName,
      h('button', { type: 'button', class: 'btn', text: 'Save preset',
        id: 'cam-preset-set', onclick: async () => {
          const cam = activeCam();
          if (!cam || !presetName.value.trim()) return;
          update(await request('camera.preset', { camera: cam.id,
            action: 'set', name: presetName.value.trim() }));
          presetName.value = '';
          setTimeout(loadPresets, 500);
        } }));
    // every camera has a snapshot, fixed ones too (the PTZ bar hides)
    const camBar = h('div', { class: 'cam-ptz' },
      h('button', { type: 'button', class: 'btn', text: 'Snapshot',
        id: 'cam-snapshot', onclick: () => {
          const t = tiles[active];
          if (t && t.camera) {
            snapshot(control.token, t.video, t.camera).catch((e) =>
              toast(e.message, { kind: 'warn', title: 'Snapshot' }));
          }
        } }),
      switchOut);

    // WS-Discovery: devices found on the network; an admin adopts one
    const discList = h('ul', { class: 'cam-list', id: 'cam-disc' });
    const discBtn = h('button', { type: 'button', class: 'btn btn-small',
      text: 'Find cameras', id: 'cam-discover', onclick: async () => {
        fill(discList, h('li', { class: 'muted', text: 'Searching…' }));
        if (!await request('camera.discover', {})) {
          fill(discList, h('li', { class: 'muted', text: 'Cannot search' }));
        }
      } });
    const canAdopt = (sess.roles || []).includes('admin');
    function showFound(devices) {
      fill(discList, ...devices.map((d) => {
        const name = scopeName(d.scopes) || d.xaddr;
        const id = `cam-${name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;
        return h('li', { class: 'cam-found', 'data-xaddr': d.xaddr },
          h('span', { text: name, title: d.xaddr }),
          d.camera ? h('span', { class: 'pill', text: d.camera }) :
            canAdopt ? h('button', { type: 'button',
              class: 'btn btn-small', text: 'Adopt', 'data-adopt': id,
              onclick: async (ev) => {
                ev.target.disabled = true;
                const r = await control.request('camera.adopt', {
                  camera: id, name, xaddr: d.xaddr,
                  ...(d.endpoint ? { endpoint: d.endpoint } : {}) })
                  .catch((e) => { toast(e.reason || e.message,
                    { kind: 'warn', title: 'Adopt' }); return null; });
                if (!r) ev.target.disabled = false;
              } }) : null);
      }));
      if (!devices.length) {
        fill(discList, h('li', { class: 'muted', text: 'No device found' }));
      }
    }

    el.append(h('div', { class: 'cam-panel' },
      h('div', { class: 'cam-side' }, search, list, discBtn, discList),
      h('div', { class: 'cam-main' }, grid, lockLine, ptz, camBar)));

    function update(cam) {
      if (!cam || !cam.id) return;
      cams.set(cam.id, { ...cams.get(cam.id), ...cam });
      showList();
      showLock();
    }

    function showList() {
      const term = search.value.trim().toLowerCase();
      const shown = [...cams.values()].filter((c) => !term ||
        c.name.toLowerCase().includes(term) || c.id.includes(term));
      fill(list, ...shown.map((c) => h('li', {},
        h('button', { type: 'button', class: 'cam-item',
          'data-camera': c.id, 'data-online': String(!!c.online),
          onclick: () => pick(c.id) },
        h('span', { class: 'cam-dot', 'aria-hidden': 'true' }),
        h('span', { text: c.name }),
        c.lock ? h('span', { class: 'pill', text: c.lock.operator }) :
          null))));
    }

    function showLock() {
      const cam = activeCam();
      lockLine.textContent = lockText(cam, me);
      lockLine.dataset.holder = (cam && cam.lock && cam.lock.operator) || '';
      ptz.hidden = !cam || !cam.ptz;
    }

    async function loadPresets() {
      const cam = activeCam();
      if (!cam || !cam.ptz) return;
      const r = await request('camera.presets', { camera: cam.id });
      fill(presetSel, ...((r && r.presets) || []).map((p) =>
        h('option', { value: p.token, text: p.name })));
    }

    function pickTile(i) {
      active = i;
      tiles.forEach((t, k) => t.el.classList.toggle('cam-active',
        k === active));
      showLock();
      loadPresets();
    }

    function pick(id) {
      const t = tiles[active];
      if (!t) return;
      t.show(cams.get(id));
      pickTile(active);
    }

    function setLayout(n) {
      const keep = tiles.map((t) => t.camera);
      for (const t of tiles.slice(n)) t.chan.close();
      const next = [];
      for (let i = 0; i < n; i++) {
        next.push(tiles[i] || tile(control.token, i, pickTile,
          (cam, ms) => { switchOut.textContent =
            `${cam}: first frame ${Math.round(ms)} ms`; }));
      }
      tiles = next;
      grid.dataset.layout = String(n);
      fill(grid, ...tiles.map((t) => t.el));
      tiles.forEach((t, i) => { if (!t.camera && keep[i]) t.show(
        cams.get(keep[i])); });
      layoutBtns.forEach((b) => b.setAttribute('aria-pressed',
        String(Number(b.dataset.layout) === n)));
      pickTile(Math.min(active, n - 1));
    }

    setLayout(1);
    // Drag on the pictures steers the active tile's camera
    joystick(grid, send);

    const offs = [
      control.onReady(async () => {
        const r = await request('camera.list', {});
        for (const c of (r && r.cameras) || []) cams.set(c.id, c);
        showList();
        showLock();
        loadPresets();
      }),
      control.on('camera.lock', (d) => {
        const cam = cams.get(d.camera);
        if (!cam) return;
        cam.lock = d.lock;
        if (d.previous === me && d.reason === 'takeover') {
          toast(`${d.lock.operator} took control of ${cam.name}`,
            { kind: 'warn', title: 'PTZ control lost' });
        } else if (d.previous === me && d.reason === 'inactivity') {
          toast(`Control of ${cam.name} released after inactivity`);
        }
        showList();
        showLock();
      }),
      control.on('camera.status', (d) => {
        const cam = cams.get(d.camera);
        if (cam && d.removed) cams.delete(d.camera);
        else if (cam) cam.online = d.online;
        if (cam) { showList(); showLock(); }
      }),
      control.on('camera.discovered', (d) => showFound(d.devices || [])),
      control.on('camera.adopted', async (d) => {
        toast(d.ok ? `Camera ${d.camera} adopted` :
          `${d.camera} not adopted: ${d.reason}`,
        { kind: d.ok ? 'info' : 'warn', title: 'Cameras' });
        const r = d.ok && await request('camera.list', {});
        for (const c of (r && r.cameras) || []) cams.set(c.id, c);
        const btn = discList.querySelector(`[data-adopt="${d.camera}"]`);
        if (btn && d.ok) btn.replaceWith(h('span', { class: 'pill',
          text: d.camera }));
        else if (btn) btn.disabled = false;
        showList();
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      tiles.forEach((t) => t.chan.close());
    };
  },
};

// Video wall routing: which camera each wall tile shows
export const wall = {
  title: 'Video wall',
  roles: ['cctv', 'supervisor'],
  mount(el, { control, tools }) {
    const body = h('div', { class: 'wall-routes', id: 'wall-routes' });
    let cameras = [];
    const request = (op, params) => control.request(op, params)
      .catch(() => null);
    const walls = new Set();
    const show = (tiles) => {
      for (const t of tiles) walls.add(t.wall);
      fill(body, ...tiles.map((t) => h('label', { class: 'wall-route' },
        h('span', { text: `${t.name}` }),
        h('select', { 'data-tile': t.id, onchange: async (ev) => {
          const v = ev.target.value;
          await request('wall.route', v ? { tile: t.id, camera: v } :
            { tile: t.id });
        } }, h('option', { value: '', text: '—' }),
        ...cameras.map((c) => h('option', { value: c.id, text: c.name,
          selected: c.id === t.camera }))))),
      // window.open keeps the opener, so the wall page gets a copy of
      // this tab's sessionStorage (the session token)
      ...[...walls].map((w) => h('button', { type: 'button',
        class: 'btn btn-small', 'data-wall': w, text: `Open wall ${w}`,
        onclick: () => window.open(`wall.html?wall=${
          encodeURIComponent(w)}`, `wall-${w}`) })));
    };
    const load = async () => {
      const c = await request('camera.list', {});
      cameras = (c && c.cameras) || [];
      const s = await request('wall.state', {});
      show((s && s.tiles) || []);
    };
    el.append(body);
    const offs = [control.onReady(load), control.on('wall.update', load)];
    return () => offs.forEach((off) => off());
  },
};
