/**
 * @file cam_adopt.c  Adopting a WS-Discovery result as a camera
 *
 * The device is probed over ONVIF first (clock, services, profile, stream
 * URI, presets: the set-up every ONVIF camera gets) while it stays hidden
 * from consoles.  Only a device that answers is listed, stored (so it is
 * back after a restart) and audited as adopted; one that does not is
 * dropped with the reason.  Either way a camera.adopted event tells.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/bus.h"
#include "core/audit.h"
#include "camera/cam.h"
#include "camera/cam_int.h"

#define MOD "camera"


static void adopted_event(const struct cam *c, int err, const char *why)
{
	json_t *j = json_pack("{s:s, s:s, s:b, s:s?}", "camera", c->id,
			      "onvif", c->onvif, "ok", !err, "reason",
			      err ? why : NULL);

	(void)audit_log(c->reg->audit, c->adopt.by, c->adopt.pos,
			"camera.adopt", c->id, err ? "failed" : "ok", j);
	bus_publish("camera.adopted", j);
	json_decref(j);
}


int cam_adopt(struct cam_reg *r, const char *id, const char *name,
	      const char *xaddr, const char *endpoint, uint32_t roles,
	      const char *by, const char *pos)
{
	struct cam *c = NULL;
	int err;

	if (!r || !id || !name || !xaddr)
		return EINVAL;
	if (cam_find(r, id))
		return EEXIST;
	for (struct le *le = list_head(&r->cams); le; le = le->next) {
		const struct cam *o = le->data;

		if (o->onvif && !strcmp(o->onvif, xaddr))
			return EALREADY;   /* already a camera */
	}
	err = cam_new(&c, r, id, name, NULL, xaddr, false, roles);
	if (err)
		return err;
	c->adopted = c->probing = true;
	str_ncpy(c->adopt.by, by ? by : "", sizeof(c->adopt.by));
	str_ncpy(c->adopt.pos, pos ? pos : "", sizeof(c->adopt.pos));
	str_ncpy(c->adopt.endpoint, endpoint ? endpoint : "",
		 sizeof(c->adopt.endpoint));
	log_info(MOD, "%s: adopting %s, probing it", id, xaddr);
	return 0;
}


bool cam_adopt_probed(struct cam *c, int err, const char *why)
{
	if (!err)
		err = cam_store_adopt(c->reg, c, c->adopt.endpoint,
				      c->adopt.by);
	adopted_event(c, err, err && why && why[0] ? why :
		      "cannot store the camera");
	if (err) {
		log_warn(MOD, "%s: not adopted: %s", c->id, why);
		mem_deref(c);
		return false;
	}
	c->probing = false;
	log_notice(MOD, "%s adopted (%s)", c->id, c->onvif);
	return true;
}


int cam_forget(struct cam_reg *r, const char *id)
{
	struct cam *c = cam_find(r, id);
	int err;

	if (!c || c->probing)
		return ENOENT;
	if (!c->adopted)
		return EPERM;   /* the config's: edit the config */
	err = cam_store_forget(r, id);
	if (!err)
		cam_remove(c, "camera removed");
	return err;
}
