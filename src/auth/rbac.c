/**
 * @file rbac.c  The permission matrix
 *
 * Permissions of features that later issues deliver (radio, telephony,
 * CCTV, recording) are declared here already so that the matrix is the one
 * place an accreditor reads, and so that a message for a feature that is
 * not served on this node is still refused to a role that may never use
 * it.
 */
#include <string.h>
#include <re.h>
#include "core/conf.h"
#include "auth/rbac.h"

enum {
	CT  = ROLE_CALLTAKER,
	DS  = ROLE_DISPATCHER,
	SV  = ROLE_SUPERVISOR,
	TV  = ROLE_CCTV,
	AD  = ROLE_ADMIN,
};

static const struct rbac_perm matrix[] = {
	{"session.self",     ROLE_ALL,     "log in, out, see own session"},
	{"resource.view",    ROLE_ALL,     "see resources allowed to own roles"},
	{"position.view",    SV|AD,        "see every position live"},
	{"session.view",     SV|AD,        "see every open session"},
	{"operator.view",    SV|AD,        "see operator accounts"},
	{"operator.manage",  AD,           "add, remove, lock, reset operators"},
	{"audit.view",       SV|AD,        "read the audit trail"},
	{"audit.verify",     AD,           "verify the audit chain"},
	{"radio.monitor",    DS|SV,        "monitor and select talkgroups"},
	{"radio.transmit",   DS|SV,        "press to talk on talkgroups"},
	{"radio.patch",      DS|SV,        "patch talkgroups across bearers"},
	{"call.answer",      CT|SV,        "answer and handle 999/101 calls"},
	{"call.supervise",   SV,           "listen-in, whisper, barge"},
	{"intercom.call",    CT|DS|SV,     "position-to-position intercom"},
	{"camera.view",      TV|SV|DS,     "view live cameras"},
	{"camera.control",   TV|SV,        "steer cameras (PTZ), presets"},
	{"wall.route",       TV|SV,        "route cameras to the video wall"},
	{"camera.manage",    AD,           "adopt discovered cameras, forget them"},
	{"audio.test",       SV|AD,        "play test tones and sounds"},
	{"recording.replay", DS|CT|SV,     "instant recall and replay"},
	{"recording.export", SV|AD,        "export recordings"},
};


const struct rbac_perm *rbac_perm_find(const char *perm)
{
	for (size_t i = 0; perm && i < ARRAY_SIZE(matrix); i++) {
		if (!strcmp(matrix[i].name, perm))
			return &matrix[i];
	}
	return NULL;
}


/* An unknown permission is refused: a typo must fail closed. */
bool rbac_allowed(uint32_t roles, const char *perm)
{
	const struct rbac_perm *p = rbac_perm_find(perm);

	return p && (p->roles & roles);
}


const struct rbac_perm *rbac_table(size_t *countp)
{
	if (countp)
		*countp = ARRAY_SIZE(matrix);
	return matrix;
}
