// Administration panel: operator accounts and the audit trail, as tabs.
import { h } from '../dom.js';
import operators from './operators.js';
import audit from './audit.js';

const TABS = [
  ['operators', 'Operators', operators],
  ['audit', 'Audit trail', audit],
];

export default {
  title: 'Administration',
  roles: ['admin'],
  mount(el, ctx) {
    const list = h('div', { class: 'tabs', role: 'tablist',
      'aria-label': 'Administration' });
    const cleanups = [];
    const tabs = TABS.map(([id, label, mod]) => {
      const tab = h('button', { type: 'button', role: 'tab', class: 'tab',
        id: `tab-${id}`, 'aria-controls': `tabpanel-${id}`, text: label });
      const pane = h('div', { role: 'tabpanel', class: 'tabpanel',
        id: `tabpanel-${id}`, 'aria-labelledby': `tab-${id}` });
      cleanups.push(mod.mount(pane, ctx));
      return { id, tab, pane };
    });
    const select = (id, focus) => {
      for (const t of tabs) {
        const on = t.id === id;
        t.tab.setAttribute('aria-selected', String(on));
        t.tab.tabIndex = on ? 0 : -1;
        t.pane.hidden = !on;
        if (on && focus) t.tab.focus();
      }
    };
    tabs.forEach((t, i) => {
      t.tab.addEventListener('click', () => select(t.id));
      t.tab.addEventListener('keydown', (ev) => {
        const d = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
        if (!d) return;
        ev.preventDefault();
        select(tabs[(i + d + tabs.length) % tabs.length].id, true);
      });
    });
    list.append(...tabs.map((t) => t.tab));
    el.append(list, ...tabs.map((t) => t.pane));
    select(TABS[0][0]);
    return () => cleanups.forEach((c) => c && c());
  },
};
