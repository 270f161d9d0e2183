// The panel table: layout panel name -> module
//   { title, roles: [roles that may see it], mount(el, ctx) -> cleanup }
// ctx: { control, sess, every(fn) (1 s ticker), tools (header element) }.
// Only panels backed by a working feature are listed. calls, queue,
// cctv, wall, messages, map, intercom and recordings slot in here as their
// features arrive; until then a layout naming them simply omits them.
import supervisor from './supervisor.js';
import admin from './admin.js';
import radio from './radio.js';
import cctv, { wall } from './cameras.js';
import recordings from './recall.js';
import calls, { queue } from './calls.js';
import messages from './messages.js';
import map from './map.js';
import intercom from './intercom.js';

export const PANELS = { supervisor, admin, radio, cctv, wall,
  recordings, calls, queue, messages, map, intercom };
