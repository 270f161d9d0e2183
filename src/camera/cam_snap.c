/**
 * @file cam_snap.c  Snapshots: the camera's own JPEG, fetched for a console
 *
 * The camera's worker asks GetSnapshotUri once and fetches the picture
 * with the camera's credentials, which never leave iccsd.  Requests that
 * arrive while one fetch runs wait for it and get the same picture.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "camera/cam.h"
#include "camera/cam_int.h"

struct cam_snap {
	struct le le;
	cam_snap_h *h;
	void *arg;               /* a reference, dropped when done         */
};


static void snap_destructor(void *data)
{
	struct cam_snap *s = data;

	list_unlink(&s->le);
	mem_deref(s->arg);
}


int cam_snapshot(struct cam_reg *r, const char *id, cam_snap_h *h,
		 void *arg)
{
	struct cam *c = cam_find(r, id);
	struct cam_snap *s;
	bool first;
	int err;

	if (!c || c->probing)
		return ENOENT;
	if (!c->worker)
		return ENOTSUP;
	s = mem_zalloc(sizeof(*s), snap_destructor);
	if (!s)
		return ENOMEM;
	first = list_isempty(&c->snaps);
	if (first) {
		err = cam_ptz_job(c->worker, JOB_SNAPSHOT, NULL, NULL, NULL);
		if (err) {
			mem_deref(s);
			return err;
		}
	}
	s->h = h;
	s->arg = mem_ref(arg);
	list_append(&c->snaps, &s->le, s);
	return 0;
}


void cam_snap_done(struct cam *c, int err, const char *why,
		   struct mbuf *jpeg)
{
	struct le *le;

	while ((le = list_head(&c->snaps))) {
		struct cam_snap *s = le->data;

		list_unlink(&s->le);
		if (!c->reg->closing)
			s->h(err, why, err ? NULL : jpeg, s->arg);
		mem_deref(s);
	}
}
