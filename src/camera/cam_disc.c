/**
 * @file cam_disc.c  WS-Discovery: find ONVIF cameras on request
 *
 * One Probe for NetworkVideoTransmitters (SOAP over UDP) to the discovery
 * address (the WS-Discovery multicast group by default), ProbeMatches
 * collected for a while, then one camera.discovered event listing every
 * device found and, when its device service is a configured camera's,
 * which.  A discovered device becomes a camera when it is configured or
 * adopted (camera.adopt, cam_adopt.c), which gives it a name and roles.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "camera/cam.h"
#include "camera/cam_int.h"
#include "camera/cam_onvif.h"

#define MOD "camera"

enum { DISC_MAX = 256 };

struct cam_disc {
	struct cam_reg *reg;
	struct udp_sock *us;
	struct tmr tmr;
	json_t *found;           /* array of devices                     */
};


static const char *configured(struct cam_reg *r, const char *xaddr)
{
	for (struct le *le = list_head(&r->cams); le; le = le->next) {
		const struct cam *c = le->data;

		if (c->onvif && !strcmp(c->onvif, xaddr))
			return c->id;
	}
	return NULL;
}


static bool known(json_t *arr, const char *xaddr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "xaddr")),
			    xaddr))
			return true;
	}
	return false;
}


static void recv_handler(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct cam_disc *d = arg;
	struct onvif_probe_match m[8];
	char why[ONVIF_ERR_MAX];
	size_t n = 0;

	if (onvif_parse_probe_matches(mbuf_buf(mb), mbuf_get_left(mb), m,
				      ARRAY_SIZE(m), &n, why, sizeof(why))) {
		log_info(MOD, "discovery: reply from %J ignored: %s", src, why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (known(d->found, m[i].xaddr) ||
		    json_array_size(d->found) >= DISC_MAX)
			continue;
		json_array_append_new(d->found, json_pack(
			"{s:s, s:s, s:s, s:s?}", "xaddr", m[i].xaddr,
			"endpoint", m[i].endpoint, "scopes", m[i].scopes,
			"camera", configured(d->reg, m[i].xaddr)));
	}
}


static void done(void *arg)
{
	struct cam_disc *d = arg;
	struct cam_reg *r = d->reg;
	json_t *j = json_pack("{s:O}", "devices", d->found);

	log_info(MOD, "discovery: %zu device(s)", json_array_size(d->found));
	bus_publish("camera.discovered", j);
	json_decref(j);
	r->disc = mem_deref(r->disc);
}


static void disc_destructor(void *data)
{
	struct cam_disc *d = data;

	tmr_cancel(&d->tmr);
	mem_deref(d->us);
	json_decref(d->found);
}


int cam_discover(struct cam_reg *r, const char *target, unsigned timeout_ms)
{
	struct cam_disc *d;
	struct mbuf *mb = NULL;
	struct sa dst, any;
	char id[40];
	uint8_t u[16];
	int err;

	if (!r || !target)
		return EINVAL;
	if (r->disc)
		return EALREADY;
	err = sa_decode(&dst, target, strlen(target));
	if (err)
		return err;
	d = mem_zalloc(sizeof(*d), disc_destructor);
	if (!d)
		return ENOMEM;
	d->reg = r;
	d->found = json_array();
	tmr_init(&d->tmr);
	sa_init(&any, sa_af(&dst));
	err = udp_listen(&d->us, &any, recv_handler, d);
	mb = mbuf_alloc(1024);
	if (!err && !mb)
		err = ENOMEM;
	if (!err) {
		rand_bytes(u, sizeof(u));
		u[6] = (u[6] & 0x0f) | 0x40;    /* a version 4 UUID */
		u[8] = (u[8] & 0x3f) | 0x80;
		re_snprintf(id, sizeof(id), "%w-%w-%w-%w-%w", u, (size_t)4,
			    u + 4, (size_t)2, u + 6, (size_t)2, u + 8,
			    (size_t)2, u + 10, (size_t)6);
		err = onvif_probe_msg(mb, id);
	}
	if (!err) {
		mb->pos = 0;
		err = udp_send(d->us, &dst, mb);
	}
	mem_deref(mb);
	if (err) {
		mem_deref(d);
		return err;
	}
	tmr_start(&d->tmr, timeout_ms, done, d);
	r->disc = d;
	log_info(MOD, "discovery: Probe sent to %J", &dst);
	return 0;
}
