// Tiny DOM builder. Everything the server sends goes through textContent or
// attributes set one by one, never through innerHTML, so a display name or
// audit detail can not inject markup.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden',
  'tabIndex', 'required', 'type', 'min', 'max', 'step', 'open']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Replace the children of el with the given nodes.
export function fill(el, ...children) {
  clear(el);
  return append(el, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// The OpenICCS mark: a console screen with radio waves. Built here so the
// top bar and the login card need no extra request.
export function mark(size = 32) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('mark');
  const parts = [
    ['rect', { x: 1, y: 1, width: 30, height: 30, rx: 7, class: 'mark-bg' }],
    ['circle', { cx: 11, cy: 21, r: 3, class: 'mark-dot' }],
    ['path', { d: 'M11 13a8 8 0 0 1 8 8', class: 'mark-wave' }],
    ['path', { d: 'M11 7a14 14 0 0 1 14 14', class: 'mark-wave' }],
  ];
  for (const [tag, at] of parts) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(at)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
