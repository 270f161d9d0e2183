// The video wall page, for a kiosk browser: wall.html?wall=NAME shows
// that wall's tiles in index order, each playing the camera routed to it,
// and follows wall.update events live.
//
// It uses the session of the console that opened it (sessionStorage is
// copied into a window it opens), or logs in itself: a kiosk has its own
// account and position (?position=ID on the URL).
import { h, fill } from './dom.js';
import { Control, login } from './api.js';
import { VideoChannel } from './video/player.js';

const TOKEN_KEY = 'iccs.token';
const params = new URLSearchParams(location.search);
const wallName = params.get('wall') || '';
const root = document.getElementById('wall');

function loginForm() {
  const user = h('input', { id: 'wall-user', autocomplete: 'username',
    placeholder: 'Username' });
  const pass = h('input', { id: 'wall-pass', type: 'password',
    autocomplete: 'current-password', placeholder: 'Password' });
  const pos = h('input', { id: 'wall-position', placeholder: 'Position',
    value: params.get('position') || '' });
  const msg = h('p', { class: 'muted', id: 'wall-msg' });
  const form = h('form', { class: 'wall-login', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const r = await login(user.value, pass.value, pos.value);
      sessionStorage.setItem(TOKEN_KEY, r.token);
      start(r.token);
    } catch (err) {
      msg.textContent = `Login failed: ${err.reason || err.code}`;
    }
  } }, h('h1', { text: `Video wall ${wallName}` }), user, pass, pos,
  h('button', { type: 'submit', class: 'btn btn-primary', text: 'Start' }),
  msg);
  fill(root, form);
}

function start(token) {
  const control = new Control(token, { onError: () => {} });
  const tiles = new Map();     // tile id -> {el, chan}
  const grid = h('div', { class: 'wall-grid', id: 'wall-grid',
    'data-wall': wallName });
  fill(root, grid);

  const tileView = (t) => {
    const video = h('video', { class: 'cam-video', muted: true,
      autoplay: true, playsinline: true });
    const label = h('div', { class: 'cam-label' });
    const status = h('div', { class: 'cam-status' });
    const el = h('div', { class: 'cam-tile wall-tile', 'data-tile': t.id },
      video, label, status);
    const chan = new VideoChannel(token, video, { onState: (s) => {
      el.dataset.state = s.state;
      status.textContent = s.state === 'offline' ?
        `Offline: ${s.reason || ''}` : '';
    } });
    return { el, chan, label, name: t.name, camera: null };
  };

  const route = (tileId, camera, camName) => {
    const v = tiles.get(tileId);
    if (!v || v.camera === (camera || null)) return;
    v.camera = camera || null;
    v.el.dataset.camera = v.camera || '';
    v.label.textContent = `${v.name}${camera ? ` · ${camName || camera}`
      : ''}`;
    v.chan.view(v.camera);
  };

  let names = new Map();
  control.onReady(async () => {
    const [st, cams] = await Promise.all([
      control.request('wall.state', {}, { quiet: true }),
      control.request('camera.list', {}, { quiet: true }),
    ]).catch(() => [null, null]);
    if (!st) return;
    names = new Map(((cams && cams.cameras) || []).map((c) => [c.id,
      c.name]));
    const mine = st.tiles.filter((t) => !wallName || t.wall === wallName)
      .sort((a, b) => (a.index || 0) - (b.index || 0));
    for (const t of mine) {
      if (!tiles.has(t.id)) {
        const v = tileView(t);
        tiles.set(t.id, v);
        grid.append(v.el);
      }
      route(t.id, t.camera, names.get(t.camera));
    }
    grid.dataset.count = String(tiles.size);
    grid.dataset.ready = 'true';
  });
  control.on('wall.update', (d) => route(d.tile, d.camera,
    names.get(d.camera)));
  control.on('ended', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    for (const v of tiles.values()) v.chan.close();
    loginForm();
  });
  control.start();
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
else loginForm();
