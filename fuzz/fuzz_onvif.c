/**
 * @file fuzz_onvif.c  libFuzzer target: ONVIF replies (SOAP from cameras)
 *                     and WS-Discovery ProbeMatches (SOAP over UDP)
 *
 * Every reply parser runs on the same bytes; each must return 0,
 * EBADMSG or EPROTO with a reason, and what it returns must be a
 * NUL-terminated string within its buffer.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "camera/cam_onvif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int err, const char *why)
{
	if (err && err != EBADMSG && err != EPROTO)
		abort();
	if (err && !why[0])
		abort();   /* every failure says why */
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[ONVIF_ERR_MAX], a[ONVIF_URL_MAX], b[ONVIF_URL_MAX];
	struct onvif_preset pr[8];
	struct onvif_probe_match pm[4];
	struct onvif_status st;
	size_t n = 0;
	time_t t;
	int err;
	/* an exact-size copy so ASan sees any read past the reply */
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);

	why[0] = '\0';
	check(onvif_parse_time(p, size, &t, why, sizeof(why)), why);
	why[0] = '\0';
	check(onvif_parse_caps(p, size, a, b, sizeof(a), why, sizeof(why)),
	      why);
	why[0] = '\0';
	err = onvif_parse_services(p, size, a, b, sizeof(a), why, sizeof(why));
	check(err, why);
	if (!err && strncmp(a, "http", 4))
		abort();   /* a media service address, http(s) only */
	why[0] = '\0';
	check(onvif_parse_profile(p, size, a, 64, why, sizeof(why)), why);
	why[0] = '\0';
	check(onvif_parse_uri(p, size, a, sizeof(a), why, sizeof(why)), why);
	why[0] = '\0';
	err = onvif_parse_presets(p, size, pr, 8, &n, why, sizeof(why));
	check(err, why);
	if (err)
		n = 0;
	if (n > 8)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (strnlen(pr[i].token, sizeof(pr[i].token)) ==
		    sizeof(pr[i].token))
			abort();
	}
	why[0] = '\0';
	check(onvif_parse_status(p, size, &st, why, sizeof(why)), why);
	why[0] = '\0';
	n = 0;
	err = onvif_parse_probe_matches(p, size, pm, 4, &n, why, sizeof(why));
	check(err, why);
	if (err)
		n = 0;
	if (n > 4)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (strncmp(pm[i].xaddr, "http", 4))
			abort();   /* only http(s) XAddrs are kept */
	}
	why[0] = '\0';
	check(onvif_parse_ok(p, size, "PresetToken", a, 64, why,
			     sizeof(why)), why);
	free(p);
	return 0;
}
