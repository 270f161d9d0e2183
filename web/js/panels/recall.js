// Recordings panel: instant recall (the last transmission of a
// talkgroup, or both sides of the last call taken here, one click, played
// into this position's headset while live audio goes on), search by time, talkgroup, talker or caller, operator;
// replay of any row; export of a recording with its metadata (supervisors).
// Every search, replay and export is audited by the server, which also
// decides what this operator may find.
import { h, fill } from '../dom.js';
import { shortLocal, stampUtc } from '../fmt.js';

const secs = (r) => ((r.end - r.start) / 1000).toFixed(1);

// datetime-local value (local time) -> unix ms, or undefined
function whenMs(v) {
  const t = v ? new Date(v).getTime() : NaN;
  return Number.isFinite(t) ? t : undefined;
}

function download(rec, b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const meta = JSON.stringify(rec, null, 2);
  for (const [blob, name] of [
    [new Blob([bytes], { type: 'audio/ogg' }), rec.file.split('/').pop()],
    [new Blob([meta], { type: 'application/json' }),
      `${rec.file.split('/').pop()}.json`]]) {
    const a = h('a', { href: URL.createObjectURL(blob), download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
}

function row(rec, act) {
  return h('tr', { 'data-rec': String(rec.id), 'data-file': rec.file },
    h('td', { text: shortLocal(rec.start), title: stampUtc(rec.start) }),
    h('td', { class: 'rec-resource', text: rec.resource + (rec.patch
      ? (rec.source && rec.source !== rec.resource
        ? ` (patched from ${rec.source})` : ` (patched to ${rec.peer})`)
      : '') }),
    h('td', { text: rec.direction === 'tx' ? 'sent' : 'received' }),
    h('td', { class: 'rec-who', text: rec.alias || rec.talker ||
      rec.operator || rec.position || '' }),
    h('td', { class: 'mono', text: `${secs(rec)} s` }),
    h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-small rec-replay',
        text: 'Replay', onclick: () => act.replay(rec) }),
      act.canExport ? h('button', { type: 'button',
        class: 'btn btn-small rec-export', text: 'Export',
        onclick: () => act.exportRec(rec) }) : null));
}

export default {
  title: 'Recordings',
  roles: ['dispatcher', 'calltaker', 'supervisor'],
  mount(el, { control, sess, toast }) {
    const roles = new Set(sess.roles || []);
    const request = (op, params) => control.request(op, params)
      .catch(() => null);      // refused: the toast says why
    const status = h('p', { class: 'muted', id: 'rec-status',
      'aria-live': 'polite' });
    const recallBar = h('div', { class: 'rec-recall', id: 'rec-recall' });
    const tgPick = h('select', { id: 'rec-resource',
      'aria-label': 'Talkgroup' }, h('option', { value: '', text: 'Any' }));
    const talker = h('input', { id: 'rec-talker', type: 'search',
      placeholder: 'Talker or caller', 'aria-label': 'Talker or caller' });
    const operator = h('input', { id: 'rec-operator', type: 'search',
      placeholder: 'Operator', 'aria-label': 'Operator' });
    const from = h('input', { id: 'rec-from', type: 'datetime-local',
      'aria-label': 'From' });
    const to = h('input', { id: 'rec-to', type: 'datetime-local',
      'aria-label': 'To' });
    const body = h('tbody', { id: 'rec-rows' });
    const act = {
      canExport: roles.has('supervisor') || roles.has('admin'),
      replay: async (rec) => {
        const r = await request('recording.replay', { rec: rec.id });
        if (r) status.textContent = `Replaying ${rec.resource}, ` +
          `${shortLocal(rec.start)}, in the headset`;   // once decoded
      },
      exportRec: async (rec) => {
        const r = await request('recording.export', { rec: rec.id });
        if (!r) return;
        download(r.recording, r.data);
        status.textContent = `Exported ${r.recording.file}`;
      },
    };

    const search = async (ev) => {
      if (ev) ev.preventDefault();
      const q = { limit: 100 };
      if (tgPick.value) q.resource = tgPick.value;
      if (talker.value.trim()) q.talker = talker.value.trim();
      if (operator.value.trim()) q.operator = operator.value.trim();
      if (whenMs(from.value) !== undefined) q.from_ms = whenMs(from.value);
      if (whenMs(to.value) !== undefined) q.to_ms = whenMs(to.value);
      const r = await request('recording.search', q);
      if (!r) return;
      const list = r.recordings || [];
      fill(body, list.map((rec) => row(rec, act)));
      status.textContent = `${list.length} recording` +
        `${list.length === 1 ? '' : 's'}`;
    };

    const recall = async (tg) => {
      const r = await request('recording.recall', { resource: tg.id });
      if (!r) return;
      const rec = r.recordings[0];
      status.textContent = `Recalling ${tg.name || tg.id}: ` +
        `${rec.alias || rec.talker || rec.operator || ''} at ` +
        `${shortLocal(rec.start)}`;
    };

    const recallCall = async () => {
      const r = await request('recording.recall', { call: true });
      if (r) status.textContent = `Recalling the last call ` +
        `(${r.recordings[0].talker || 'caller'})`;
    };

    el.append(h('section', { class: 'recordings', id: 'recordings' },
      recallBar,
      h('form', { class: 'rec-search', id: 'rec-search', onsubmit: search },
        tgPick, talker, operator, from, to,
        h('button', { type: 'submit', class: 'btn btn-primary',
          id: 'rec-search-go', text: 'Search' })),
      status,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table table-dense rec-table' },
          h('thead', {}, h('tr', {}, ['Start', 'Resource', 'Direction',
            'Who', 'Length', ''].map((t) => h('th', { text: t })))),
          body))));

    // after every (re)connect: the talkgroups this operator may recall
    const load = () => control.request('resource.list',
      { type: 'talkgroup' }, { quiet: true }).then((res) => {
      const list = res.resources || [];
      fill(recallBar, list.map((tg) => h('button', { type: 'button',
        class: 'btn rec-recall-btn', 'data-talkgroup': tg.id,
        text: `Recall ${tg.name || tg.id}`,
        title: 'Play the last transmission in the headset',
        onclick: () => recall(tg) })),
      h('button', { type: 'button', class: 'btn rec-recall-btn',
        id: 'rec-recall-call', text: 'Recall last call',
        title: 'Play both sides of the last call taken here',
        onclick: () => recallCall() }));
      fill(tgPick, h('option', { value: '', text: 'Any' }),
        list.map((tg) => h('option', { value: tg.id,
          text: tg.name || tg.id })));
      return search();
    }).catch(() => {});
    const offReady = control.onReady(load);
    const off = control.on('recording.alarm', (d) => {
      if (d && d.on && toast) toast(`Recording alarm: ${d.reason}`,
        { kind: 'error' });
    });
    // the server decodes a replay after answering: it says when it plays
    const offReplay = control.on('recording.replay', (d) => {
      if (d?.state === 'failed') {
        status.textContent = `Replay failed: ${d.reason || 'unknown'}`;
        if (toast) toast(`Replay failed: ${d.reason}`, { kind: 'error' });
      }
      else if (d?.state === 'playing') {
        status.dataset.playing = (d.recs || []).join(',');
      }
    });
    return () => { off(); offReady(); offReplay(); };
  },
};
