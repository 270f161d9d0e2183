// Time and text formatting. Control rooms work in 24 h time; UTC is shown
// beside local time because logs and partner agencies use it.

const pad = (n) => String(n).padStart(2, '0');

export function clockLocal(d = new Date()) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function clockUtc(d = new Date()) {
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:` +
    `${pad(d.getUTCSeconds())}`;
}

export function dateLocal(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// "2024-05-01 14:03:22Z"
export function stampUtc(ms) {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-` +
    `${pad(d.getUTCDate())} ${clockUtc(d)}Z`;
}

// "14:03" local, with the date when it is not today
export function shortLocal(ms) {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return dateLocal(d) === dateLocal() ? hm : `${dateLocal(d)} ${hm}`;
}

// Elapsed time since ms: "42 s", "12 min 05 s", "3 h 07 min", "2 d 04 h"
export function duration(ms, now = Date.now()) {
  let s = Math.max(0, Math.floor((now - ms) / 1000));
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s} s`;
  let m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m} min ${pad(s)} s`;
  let hr = Math.floor(m / 60);
  m %= 60;
  if (hr < 24) return `${hr} h ${pad(m)} min`;
  return `${Math.floor(hr / 24)} d ${pad(hr % 24)} h`;
}

// Compact one-line text for an audit detail (object or string).
export function detailText(detail) {
  if (detail === undefined || detail === null || detail === '') return '';
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

export const ROLE_LABELS = {
  calltaker: 'Call taker',
  dispatcher: 'Dispatcher',
  supervisor: 'Supervisor',
  cctv: 'CCTV',
  admin: 'Admin',
};

export const ROLES = Object.keys(ROLE_LABELS);

export function roleLabel(r) {
  return ROLE_LABELS[r] || r;
}
