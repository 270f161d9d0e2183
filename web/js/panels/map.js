// Map panel: where radios last reported themselves (TETRA LIP, ESN
// location), drawn offline on a plain grid: no tile server, no outside
// request.  The view fits the reported points (at least ~1 km across),
// with graticule lines and a scale; each radio is a dot with its call
// sign, the newest report wins.
import { h, fill } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const HGT = 400;
const MIN_SPAN = 0.01;     // degrees: about 1 km

function s(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export default {
  title: 'Map',
  roles: ['dispatcher', 'supervisor', 'calltaker', 'cctv'],
  mount(el, { control }) {
    const radios = new Map();      // id -> {lat, lon, label, at}
    const svg = s('svg', { viewBox: `0 0 ${W} ${HGT}`, id: 'map-svg',
      class: 'map-svg', role: 'img', 'aria-label': 'Radio locations' });
    const list = h('ul', { class: 'map-list', id: 'map-list' });
    fill(el, h('div', { class: 'map' }, svg, list));

    const draw = () => {
      while (svg.firstChild) svg.firstChild.remove();
      const pts = [...radios.values()];
      let [la0, la1, lo0, lo1] = [51.45, 51.55, -0.2, 0.0];
      if (pts.length) {
        la0 = Math.min(...pts.map((p) => p.lat));
        la1 = Math.max(...pts.map((p) => p.lat));
        lo0 = Math.min(...pts.map((p) => p.lon));
        lo1 = Math.max(...pts.map((p) => p.lon));
      }
      const span = Math.max(MIN_SPAN, (la1 - la0) * 1.3, (lo1 - lo0) * 0.8);
      const cla = (la0 + la1) / 2;
      const clo = (lo0 + lo1) / 2;
      const k = Math.cos(cla * Math.PI / 180);
      const x = (lo) => W / 2 + ((lo - clo) * k / span) * HGT;
      const y = (la) => HGT / 2 - ((la - cla) / span) * HGT;
      svg.append(s('rect', { width: W, height: HGT, class: 'map-bg' }));
      const step = span / 4;
      for (let i = -3; i <= 3; i++) {
        svg.append(s('line', { x1: 0, x2: W, y1: y(cla + i * step),
          y2: y(cla + i * step), class: 'map-grid' }));
        svg.append(s('line', { y1: 0, y2: HGT, x1: x(clo + i * step / k),
          x2: x(clo + i * step / k), class: 'map-grid' }));
      }
      const km = (step * 111.32).toFixed(2);
      svg.append(s('text', { x: 8, y: HGT - 8, class: 'map-scale' },
        `grid ${km} km`));
      fill(list, pts.map((p) => h('li', { 'data-radio': p.id },
        `${p.label}: ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}` +
        (p.accuracy ? ` (±${p.accuracy} m)` : ''))));
      for (const p of pts) {
        const g = s('g', { class: 'map-radio', 'data-radio': p.id });
        g.append(s('circle', { cx: x(p.lon), cy: y(p.lat), r: 6 }));
        g.append(s('text', { x: x(p.lon) + 9, y: y(p.lat) + 4 }, p.label));
        svg.append(g);
      }
    };
    draw();
    const off = control.on('radio.message', (m) => {
      if (!m || m.type !== 'location' || !Number.isFinite(m.lat) ||
        !Number.isFinite(m.lon) || !m.from) return;
      radios.set(m.from, { id: m.from, lat: m.lat, lon: m.lon,
        accuracy: m.accuracy_m, label: m.alias || m.from });
      draw();
    });
    return () => off();
  },
};
