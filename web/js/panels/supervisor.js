// Supervisor board: every position, grouped by site, live from
// position.update events (no polling).
import { h, fill } from '../dom.js';
import { duration, shortLocal, stampUtc, roleLabel } from '../fmt.js';
import { loginInfo } from '../api.js';
import { queueChart } from './queue-chart.js';

function tile(p) {
  const s = p.session;
  const state = s ? 'occupied' : 'free';
  return h('article', { class: `tile tile-${state}`,
    'data-position': p.id, 'data-state': state,
    'aria-label': `${p.name} ${p.id}: ${state}` },
  h('div', { class: 'tile-head' },
    h('span', { class: 'tile-name', text: p.name || p.id }),
    h('span', { class: 'tile-id mono', text: p.id })),
  h('div', { class: 'tile-state' },
    h('span', { class: `pill pill-${state}`,
      text: s ? 'Occupied' : 'Free' }),
    p.spare ? h('span', { class: 'badge badge-spare', text: 'Spare' }) : null),
  s ? [
    h('div', { class: 'tile-operator', text: s.display_name || s.operator },
      s.display_name && s.operator ? h('span', { class: 'mono muted',
        text: s.operator }) : null),
    h('div', { class: 'chips' }, (s.roles || []).map((r) =>
      h('span', { class: 'chip', text: roleLabel(r) }))),
    h('div', { class: 'tile-since', title: stampUtc(s.since) },
      `since ${shortLocal(s.since)} · `,
      h('span', { class: 'since', 'data-since': String(s.since),
        text: duration(s.since) })),
  ] : h('div', { class: 'tile-empty muted', text: 'No operator' }));
}

export default {
  title: 'Supervisor board',
  roles: ['supervisor', 'admin'],
  mount(el, { control, every, tools, sess }) {
    const qchart = queueChart(control, sess);     // null: not a supervisor
    if (qchart) el.append(qchart.el);
    const positions = new Map();
    const tiles = new Map();
    const siteNames = new Map();
    const summary = h('div', { class: 'summary', id: 'board-summary' });
    const board = h('div', { class: 'board', id: 'board',
      'aria-live': 'polite' },
    h('p', { class: 'muted', text: 'Loading positions…' }));
    let sessions = null;
    tools.append(summary);
    el.append(board);

    const renderSummary = () => {
      const all = [...positions.values()];
      const busy = all.filter((p) => p.session).length;
      fill(summary,
        h('span', { class: 'stat' }, h('b', { text: String(busy) }),
          ` of ${all.length} occupied`),
        h('span', { class: 'stat', id: 'board-sessions' },
          'Open sessions ', h('b', { text: sessions === null ? '…'
            : String(sessions) })));
    };

    const render = () => {
      const bySite = new Map();
      for (const p of [...positions.values()].sort((a, b) =>
        String(a.id).localeCompare(b.id, undefined, { numeric: true }))) {
        if (!bySite.has(p.site)) bySite.set(p.site, []);
        bySite.get(p.site).push(p);
      }
      tiles.clear();
      fill(board, [...bySite.entries()].map(([site, list]) => {
        const free = list.filter((p) => !p.session).length;
        return h('section', { class: 'site', 'data-site': site },
          h('h3', { class: 'site-head' },
            siteNames.get(site) || site,
            h('span', { class: 'site-count muted',
              text: `${list.length - free} occupied · ${free} free` })),
          h('div', { class: 'tiles' }, list.map((p) => {
            const t = tile(p);
            tiles.set(p.id, t);
            return t;
          })));
      }));
      renderSummary();
    };

    const loadSessions = async () => {
      try {
        const r = await control.request('session.list', {}, { quiet: true });
        sessions = (r.sessions || []).length;
      } catch {
        sessions = null;
      }
      renderSummary();
    };
    let sessTimer = null;
    const sessionsSoon = () => {
      clearTimeout(sessTimer);
      sessTimer = setTimeout(loadSessions, 200);
    };

    const offReady = control.onReady(async () => {
      try {
        const r = await control.request('position.list');
        positions.clear();
        for (const p of r.positions || []) positions.set(p.id, p);
        render();
      } catch (err) {
        fill(board, h('p', { class: 'error-text',
          text: `Positions unavailable: ${err.reason}` }));
      }
      loadSessions();
    });
    const offUpdate = control.on('position.update', (p) => {
      if (!p || !p.id) return;
      const known = positions.get(p.id);
      positions.set(p.id, p);
      const old = tiles.get(p.id);
      if (known && old && known.site === p.site) {
        const t = tile(p);
        old.replaceWith(t);
        tiles.set(p.id, t);
        renderSummary();
        const group = t.closest('.site');
        const list = [...positions.values()].filter((x) => x.site === p.site);
        const free = list.filter((x) => !x.session).length;
        group.querySelector('.site-count').textContent =
          `${list.length - free} occupied · ${free} free`;
      } else {
        render();
      }
      sessionsSoon();
    });
    const offTick = every((now) => {
      for (const s of board.querySelectorAll('.since[data-since]')) {
        s.textContent = duration(Number(s.dataset.since), now);
      }
    });
    loginInfo().then((info) => {
      if (info.site && info.site.id) siteNames.set(info.site.id,
        info.site.name || info.site.id);
      if (positions.size) render();
    }, () => {});

    return () => {
      if (qchart) qchart.stop();
      offReady();
      offUpdate();
      offTick();
      clearTimeout(sessTimer);
    };
  },
};
