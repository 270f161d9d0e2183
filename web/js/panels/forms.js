// Small form helpers shared by the admin dialogs.
import { h } from '../dom.js';

export const PW_MIN = 12;
export const PW_MAX = 128;

// Two password fields that must match; problem() says what is wrong.
export function passwordPair(prefix) {
  const a = h('input', { id: `${prefix}-pw1`, type: 'password',
    autocomplete: 'new-password', required: true, maxlength: String(PW_MAX) });
  const b = h('input', { id: `${prefix}-pw2`, type: 'password',
    autocomplete: 'new-password', required: true, maxlength: String(PW_MAX) });
  const el = [
    h('div', { class: 'field' }, h('label', { for: a.id, text: 'Password' }),
      a),
    h('div', { class: 'field' }, h('label', { for: b.id,
      text: 'Password again' }), b),
  ];
  return {
    el,
    value: () => a.value,
    problem: () => {
      if (a.value.length < PW_MIN || a.value.length > PW_MAX) {
        return `Password: ${PW_MIN} to ${PW_MAX} characters.`;
      }
      return a.value === b.value ? null : 'The two passwords differ.';
    },
  };
}

export function formError(el, text) {
  el.hidden = !text;
  el.textContent = text || '';
  return undefined;
}
