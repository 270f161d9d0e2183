// Audit trail: the latest entries, live audit.entry events on top, and a
// check of the hash chain (audit.verify).
import { h, fill } from '../dom.js';
import { stampUtc, detailText } from '../fmt.js';

const LIMIT = 100;
const KEEP = 500;   // rows kept on screen as live entries pile up

const RESULT_CLASS = { ok: 'pill-ok', intact: 'pill-ok', denied: 'pill-bad',
  failed: 'pill-bad', broken: 'pill-bad', error: 'pill-bad' };

function row(e) {
  const detail = detailText(e.detail);
  return h('tr', { 'data-seq': String(e.seq), title: detail || null },
    h('td', { class: 'num mono', text: String(e.seq) }),
    h('td', { class: 'mono nowrap', text: stampUtc(e.ts) }),
    h('td', { text: e.actor || '' }),
    h('td', { class: 'mono', text: e.position || '' }),
    h('td', { class: 'mono', text: e.action || '' }),
    h('td', { text: e.object || '' }),
    h('td', {}, e.result ? h('span', { class: `pill ${RESULT_CLASS[e.result]
      || 'pill-neutral'}`, text: e.result }) : null),
    h('td', { class: 'detail col-opt mono', title: detail, text: detail }));
}

export default {
  mount(el, { control }) {
    const tbody = h('tbody', { id: 'audit-body' });
    const result = h('div', { class: 'verify', id: 'audit-verify',
      role: 'status', hidden: true });
    const note = h('span', { class: 'muted', id: 'audit-note' });
    const button = h('button', { type: 'button', class: 'btn',
      id: 'audit-verify-btn', text: 'Verify chain' });
    let top = 0;           // highest seq shown
    let loading = null;    // events that arrive while the list loads

    const prepend = (e) => {
      if (!e || !(e.seq > top)) return;
      top = e.seq;
      tbody.prepend(row(e));
      while (tbody.children.length > KEEP) tbody.lastChild.remove();
      note.textContent = `Latest ${tbody.children.length} entries, live`;
    };

    const load = async () => {
      loading = [];
      try {
        const r = await control.request('audit.list', { limit: LIMIT });
        const entries = r.entries || [];
        top = entries.length ? Math.max(...entries.map((e) => e.seq)) : 0;
        fill(tbody, entries.map(row));
        note.textContent = `Latest ${entries.length} entries, live`;
        const early = loading;
        loading = null;
        early.sort((a, b) => a.seq - b.seq).forEach(prepend);
      } catch {
        loading = null;   // toast shown by the client
      }
    };

    const verify = async () => {
      button.disabled = true;
      button.textContent = 'Verifying…';
      try {
        const r = await control.request('audit.verify', {}, { timeout: 60000 });
        const problems = r.problems || [];
        result.hidden = false;
        result.dataset.ok = String(!!r.ok);
        result.className = r.ok ? 'verify verify-ok' : 'verify verify-bad';
        fill(result,
          h('strong', { text: r.ok ? `Audit chain intact: ${r.entries} entries`
            : 'Audit chain BROKEN' }),
          r.ok ? null : h('span', { text: ` (${r.entries} entries checked, ` +
            `${problems.length} problem${problems.length === 1 ? '' : 's'})` }),
          problems.length ? h('ul', { class: 'problems' }, problems.map((p) =>
            h('li', { 'data-seq': String(p.seq) },
              h('span', { class: 'mono', text: `seq ${p.seq}` }),
              `: ${p.what}`))) : null);
      } catch { /* toast shown by the client */ } finally {
        button.disabled = false;
        button.textContent = 'Verify chain';
      }
    };
    button.addEventListener('click', verify);

    el.append(
      h('div', { class: 'toolbar' }, button, note),
      result,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table table-dense', id: 'audit' },
          h('thead', {}, h('tr', {},
            ['Seq', 'Time (UTC)', 'Actor', 'Pos.', 'Action', 'Object',
              'Result', 'Detail'].map((t, i) => h('th', { scope: 'col',
              text: t, class: i === 7 ? 'col-opt' : null })))),
          tbody)));

    const offReady = control.onReady(load);
    const offEntry = control.on('audit.entry', (e) => {
      if (loading) loading.push(e);
      else prepend(e);
    });
    return () => {
      offReady();
      offEntry();
    };
  },
};
