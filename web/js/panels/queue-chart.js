// Live queue statistics for the supervisor board: per queue the calls
// waiting, the longest wait and the share answered within 10 s, and a
// chart of waiting calls over the last five minutes, from the
// queue.update events the node sends every second (no polling).
import { h, fill } from '../dom.js';

const WINDOW_S = 300;
// the chart's line colours; console.css gives .qc0-.qc4 the same
const COLOURS = ['#d33', '#36c', '#2a2', '#c80', '#909'];

export function queueChart(control, sess) {
  const roles = (sess && sess.roles) || [];
  if (!roles.includes('supervisor')) return null;
  const stats = h('div', { class: 'queue-stats', id: 'queue-stats' });
  const canvas = h('canvas', { id: 'queue-chart', width: 600, height: 120,
    'aria-label': 'Waiting calls per queue, last five minutes' });
  const el = h('section', { class: 'queue-board' },
    h('h3', { text: 'Queues' }), stats, canvas);
  const hist = new Map();    // queue id -> [{t, waiting}]
  const draw = () => {
    const ctx = canvas.getContext && canvas.getContext('2d');
    if (!ctx) return;
    const now = Date.now();
    const all = [...hist.values()].flat();
    const top = Math.max(4, ...all.map((p) => p.waiting));
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    [...hist.entries()].forEach(([, pts], i) => {
      ctx.strokeStyle = COLOURS[i % COLOURS.length];
      ctx.beginPath();
      pts.forEach((p, j) => {
        const x = canvas.width * (1 - (now - p.t) / (WINDOW_S * 1000));
        const y = canvas.height * (1 - p.waiting / top);
        if (j) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
      });
      ctx.stroke();
    });
  };
  const show = (queues) => {
    const now = Date.now();
    fill(stats, queues.map((q, i) => {
      const pts = hist.get(q.id) || [];
      pts.push({ t: now, waiting: q.waiting + q.ringing });
      while (pts.length && now - pts[0].t > WINDOW_S * 1000) pts.shift();
      hist.set(q.id, pts);
      const share = q.answered ? Math.round(100 * q.answered_10s /
        q.answered) : null;
      return h('div', { class: 'queue-stat', 'data-queue': q.id },
        // colour by class: the page's CSP allows no inline style
        h('span', { class: `queue-swatch qc${i % COLOURS.length}` }),
        h('strong', { text: q.name || q.id }),
        h('span', { class: 'q-waiting', text:
          ` waiting ${q.waiting + q.ringing}` }),
        h('span', { class: 'q-longest', text:
          ` · longest ${Math.round(q.longest_ms / 1000)} s` }),
        h('span', { class: 'q-share', text: share === null ?
          ' · answered ≤10 s —' : ` · answered ≤10 s ${share} %` }));
    }));
    draw();
  };
  const off = control.on('queue.update', (d) => show((d && d.queues) || []));
  return { el, stop: off };
}
