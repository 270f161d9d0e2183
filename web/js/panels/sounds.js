// Test sounds, part of the radio panel for supervisors and admins: play a
// tone or one of the node's sound files (audio.sounds) into a talkgroup or
// a position's headset (audio.play), to check a line or train with.
//
// The server decides: a refused play (no media stream, file gone, no
// permission) comes back as the console's error toast, nothing is checked
// here that the server checks anyway.
import { h, fill } from '../dom.js';

export const SOUND_ROLES = ['supervisor', 'admin'];
const TONES = [[1000, 'Tone 1 kHz']];
const LENGTHS_S = [0.5, 1, 2, 5, 10, 30, 60];
const LEVEL = { min: -60, max: 0, initial: -12 };

const byName = (a, b) => String(a.name || a.id).localeCompare(
  String(b.name || b.id), undefined, { numeric: true });

// Encode a sound choice in an option value: "tone:1000" or "wav:<file>"
function soundParams(value) {
  const i = value.indexOf(':');
  const kind = value.slice(0, i);
  const what = value.slice(i + 1);
  return kind === 'tone' ? { tone_hz: Number(what) } : { wav: what };
}

function targetOptions(talkgroups, positions) {
  const groups = [];
  if (talkgroups.length) {
    groups.push(h('optgroup', { label: 'Talkgroups' },
      [...talkgroups].sort(byName).map((tg) => h('option', { value: tg.id,
        text: tg.name || tg.id }))));
  }
  if (positions.length) {
    groups.push(h('optgroup', { label: 'Positions (headset)' },
      [...positions].sort(byName).map((p) => h('option',
        { value: `position:${p.id}`, text: `${p.name || p.id} (${p.id})` }))));
  }
  return groups;
}

// The section for this session, or null when its roles may not play
// sounds. load(talkgroups) refreshes the lists after every (re)connect.
export function testSounds(control, sess, toast) {
  const roles = sess.roles || [];
  if (!SOUND_ROLES.some((r) => roles.includes(r))) return null;
  const site = sess.site && sess.site.id;

  const target = h('select', { id: 'sounds-target',
    'aria-label': 'Play into' });
  const sound = h('select', { id: 'sounds-sound', 'aria-label': 'Sound' });
  const levelText = h('output', { class: 'mono', id: 'sounds-level-value' });
  const level = h('input', { type: 'range', id: 'sounds-level',
    min: LEVEL.min, max: LEVEL.max, step: 1, value: LEVEL.initial,
    'aria-label': 'Level (dBFS)',
    oninput: () => { levelText.textContent = `${level.value} dB`; } });
  levelText.textContent = `${level.value} dB`;
  // '' lets the server decide: a file plays whole, a tone for 1 s
  const length = h('select', { id: 'sounds-length', 'aria-label': 'Length' },
    [h('option', { value: '', text: 'Whole file (tone 1 s)' }),
      ...LENGTHS_S.map((s) => h('option', { value: String(s * 1000),
        text: `${s} s` }))]);
  length.value = '';
  const play = h('button', { type: 'button', class: 'btn btn-primary',
    id: 'sounds-play', text: 'Play', disabled: true, onclick: () => run() });
  const el = h('details', { class: 'sounds', id: 'sounds', open: true },
    h('summary', { class: 'sounds-head', text: 'Test sounds' }),
    h('div', { class: 'sounds-row' },
      h('label', { class: 'sounds-field sounds-wide' },
        h('span', { text: 'Into' }), target),
      h('label', { class: 'sounds-field sounds-wide' },
        h('span', { text: 'Sound' }), sound),
      h('label', { class: 'sounds-field' },
        h('span', { text: 'Level' }),
        h('span', { class: 'sounds-level' }, level, levelText)),
      h('label', { class: 'sounds-field' },
        h('span', { text: 'Length' }), length),
      play));

  let busy = false;
  const ready = () => {
    play.disabled = busy || !target.value || !sound.value;
  };
  target.addEventListener('change', ready);
  sound.addEventListener('change', ready);

  async function run() {
    if (play.disabled) return;
    busy = true;
    ready();
    const into = target.selectedOptions[0];
    const what = sound.selectedOptions[0];
    try {
      await control.request('audio.play', { target: target.value,
        ...soundParams(sound.value), level_dbfs: Number(level.value),
        ...(length.value ? { duration_ms: Number(length.value) } : {}) });
      if (toast) {
        toast(`${what.textContent} into ${into.textContent}`,
          { kind: 'ok', title: 'Playing' });
      }
    } catch {
      // refused: the error toast says why
    } finally {
      busy = false;
      ready();
    }
  }

  // Keep the operator's choice across reloads when it is still offered
  const refill = (sel, nodes) => {
    const was = sel.value;
    fill(sel, nodes);
    if ([...sel.options].some((o) => o.value === was)) sel.value = was;
  };

  async function load(talkgroups) {
    // position.list may be refused (roles without position.view): then
    // talkgroups only
    const [snd, pos] = await Promise.all([
      control.request('audio.sounds', {}, { quiet: true })
        .catch(() => ({ sounds: [] })),
      control.request('position.list', {}, { quiet: true })
        .catch(() => ({ positions: [] }))]);
    const here = (pos.positions || []).filter((p) => !site || p.site === site);
    refill(target, targetOptions(talkgroups || [], here));
    refill(sound, [
      TONES.map(([hz, text]) => h('option', { value: `tone:${hz}`, text })),
      (snd.sounds || []).map((f) => h('option', { value: `wav:${f}`,
        text: f })),
    ]);
    ready();
  }

  return { el, load };
}
