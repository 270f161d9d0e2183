// "Position" panel: who works here, where, since when, with which layout.
// Every position shows it, so no screen is ever empty.
import { h, fill } from '../dom.js';
import { duration, shortLocal, stampUtc, roleLabel } from '../fmt.js';
import { PANELS } from './index.js';

function row(label, ...value) {
  return [h('dt', { text: label }), h('dd', {}, ...value)];
}

function sinceOf(sess, fallback) {
  const s = sess.position && sess.position.session;
  if (s && Number.isFinite(s.since)) return s.since;
  if (Number.isFinite(sess.since)) return sess.since;
  return fallback;
}

function layoutList(layout) {
  const names = (layout && layout.panels) || [];
  if (!names.length) return h('span', { class: 'muted', text: 'no panels' });
  const later = names.some((n) => !PANELS[n]);
  return [h('ul', { class: 'layout-list' }, names.map((n) => h('li', {
    class: PANELS[n] ? 'layout-on' : 'layout-off',
    title: PANELS[n] ? 'available' : 'arrives with a later release',
  }, n))), later ? h('p', { class: 'layout-note muted',
    text: 'Dashed: arrives with a later release of this console.' }) : null];
}

export default {
  title: 'Position',
  roles: [],
  mount(el, { control, sess: first, every }) {
    const opened = Date.now();
    const dl = h('dl', { class: 'facts', id: 'position-facts' });
    const since = h('span', { class: 'since', id: 'position-since' });
    let sess = first;

    const render = () => {
      const op = sess.operator || {};
      const pos = sess.position || {};
      const site = sess.site || {};
      const layout = sess.layout || {};
      const t = sinceOf(sess, opened);
      since.dataset.since = String(t);
      since.textContent = duration(t);
      fill(dl,
        row('Operator', h('strong', { id: 'position-operator',
          text: op.display_name || op.username || '?' }),
        op.username ? h('span', { class: 'mono muted', text: op.username })
          : null),
        row('Roles', h('span', { class: 'chips' }, (sess.roles || []).map(
          (r) => h('span', { class: 'chip', text: roleLabel(r) })))),
        row('Position', `${pos.name || '?'} `,
          h('span', { class: 'mono muted', text: pos.id || '' }),
          pos.spare ? h('span', { class: 'badge badge-spare', text: 'Spare' })
            : null),
        row('Site', `${site.name || site.id || '?'} `,
          h('span', { class: 'mono muted', text: site.id || '' })),
        row('Node', h('span', { class: 'mono',
          text: pos.node || sess.node || '?' })),
        row('Logged in', h('span', { class: 'nowrap-group',
          title: stampUtc(t) }, shortLocal(t)),
        h('span', { class: 'nowrap-group' }, '(', since, ')')),
        row('Layout', `${layout.name || layout.id || '?'} `,
          layout.id ? h('span', { class: 'mono muted', text: layout.id })
            : null),
        row('Panels', layoutList(layout)));
    };
    render();
    el.append(dl);
    const offReady = control.onReady((info) => {
      if (info) {
        sess = info;
        render();
      }
    });
    const offTick = every(() => {
      since.textContent = duration(Number(since.dataset.since));
    });
    return () => {
      offReady();
      offTick();
    };
  },
};
