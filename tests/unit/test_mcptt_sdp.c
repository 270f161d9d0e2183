/**
 * @file test_mcptt_sdp.c  SDP offer/answer and bodies of ESN calls
 *
 * The offer must carry the lines ESN-PROFILE.md lists; answers are
 * written out as the network would send them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/mcptt/mcptt.h"

/* base64 of 30 bytes 0x01..0x1e */
#define KEY_B64 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

#define ANSWER(audio, app) \
	"v=0\r\no=esn 1 1 IN IP4 192.0.2.7\r\ns=-\r\n" \
	"c=IN IP4 192.0.2.7\r\nt=0 0\r\n" audio app

#define AUDIO_OK \
	"m=audio 40000 RTP/SAVP 96\r\ni=speech\r\n" \
	"a=rtpmap:96 AMR-WB/16000\r\na=fmtp:96 octet-align=1\r\n" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n"
#define APP_OK \
	"m=application 40010 udp MCPTT\r\n" \
	"a=fmtp:MCPTT mc_queueing;mc_priority=5\r\n"

static struct mcptt_sdp *sdp_make(struct mcptt_sdp_local *l)
{
	struct mcptt_sdp *sdp = NULL;

	memset(l, 0, sizeof(*l));
	assert_int_equal(0, sa_set_str(&l->addr, "127.0.0.1", 0));
	l->audio_port = 30000;
	l->fc_port = 30010;
	l->prio = 100;
	for (size_t i = 0; i < sizeof(l->key); i++)
		l->key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(0, mcptt_sdp_alloc(&sdp, l));

	return sdp;
}


static char *offer_text(struct mcptt_sdp *sdp)
{
	struct mbuf *mb = NULL;
	char *s = NULL;

	assert_int_equal(0, mcptt_sdp_encode(&mb, sdp, true));
	assert_int_equal(0, mbuf_strdup(mb, &s, mb->end));
	mem_deref(mb);

	return s;
}


static void test_offer_lines(void **state)
{
	static const char *lines[] = {
		"m=audio 30000 RTP/SAVP 96\r\ni=speech\r\n",
		"a=rtpmap:96 AMR-WB/16000\r\n",
		"a=fmtp:96 octet-align=1\r\n",
		"m=application 30010 udp MCPTT\r\n",
		"a=fmtp:MCPTT mc_queueing;mc_priority=100\r\n",
		"c=IN IP4 127.0.0.1\r\n",
	};
	struct mcptt_sdp_local l;
	struct mcptt_sdp *sdp = sdp_make(&l);
	char *s = offer_text(sdp);
	uint8_t key[40];
	size_t kl = sizeof(key);
	struct pl b64;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		print_message("%s", lines[i]);
		assert_non_null(strstr(s, lines[i]));
	}

	/* the key we send is the key we hold */
	assert_int_equal(0, re_regex(s, strlen(s), "a=crypto:1 AES_CM_128_"
				     "HMAC_SHA1_80 inline:[A-Za-z0-9+/=]+",
				     &b64));
	assert_int_equal(0, base64_decode(b64.p, b64.l, key, &kl));
	assert_int_equal(30, kl);
	assert_memory_equal(l.key, key, 30);

	mem_deref(s);
	mem_deref(sdp);
}


static void test_answer(void **state)
{
	struct mcptt_sdp_local l;
	struct mcptt_sdp *sdp = sdp_make(&l);
	struct mcptt_sdp_remote r;
	struct pl ans = PL(ANSWER(AUDIO_OK, APP_OK));
	const char *why = NULL;
	char *s = offer_text(sdp), ip[64];

	(void)state;
	assert_int_equal(0, mcptt_sdp_decode(sdp, &r, &ans, false, &why));
	assert_int_equal(40000, sa_port(&r.audio));
	assert_int_equal(40010, sa_port(&r.fc));
	assert_true(sa_cmp(&r.audio, &r.fc, SA_ADDR));
	assert_int_equal(0, sa_ntop(&r.audio, ip, sizeof(ip)));
	assert_string_equal("192.0.2.7", ip);
	for (size_t i = 0; i < sizeof(r.key); i++)
		assert_int_equal(i + 1, r.key[i]);
	assert_int_equal(5, r.prio);
	assert_true(r.queueing);

	mem_deref(s);
	mem_deref(sdp);
}


/* a network granting more than we asked for is capped */
static void test_answer_prio_capped(void **state)
{
	struct mcptt_sdp_local l;
	struct mcptt_sdp *sdp = sdp_make(&l);
	struct mcptt_sdp_remote r;
	struct pl ans = PL(ANSWER(AUDIO_OK, "m=application 40010 udp MCPTT"
				  "\r\na=fmtp:MCPTT mc_priority=200\r\n"));
	char *s = offer_text(sdp);

	(void)state;
	assert_int_equal(0, mcptt_sdp_decode(sdp, &r, &ans, false, NULL));
	assert_int_equal(100, r.prio);
	assert_false(r.queueing);
	mem_deref(s);
	mem_deref(sdp);
}


static const struct {
	const char *sdp;
	const char *why;
} bad[] = {
	{ANSWER("", APP_OK), "parse"},
	{ANSWER("m=audio 0 RTP/SAVP 96\r\n", APP_OK), "rejected"},
	{ANSWER("m=audio 40000 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n"
		"a=fmtp:96 octet-align=1\r\n", APP_OK), "crypto"},
	{ANSWER("m=audio 40000 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n",
		APP_OK), "octet-aligned"},
	{ANSWER("m=audio 40000 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n"
		"a=fmtp:96 octet-align=1\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64 "\r\n",
		APP_OK), "suite"},
	{ANSWER("m=audio 40000 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n"
		"a=fmtp:96 octet-align=1\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQID\r\n",
		APP_OK), "30 bytes"},
	{ANSWER(AUDIO_OK, ""), "m=application"},
	{ANSWER(AUDIO_OK, "m=application 40010 udp MCPTT\r\n"
		"a=fmtp:MCPTT mc_priority=0\r\n"), "mc_priority"},
	{"", "no SDP"},
};


static void test_bad_answers(void **state)
{
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mcptt_sdp_local l;
		struct mcptt_sdp *sdp = sdp_make(&l);
		struct mcptt_sdp_remote r;
		struct pl ans;
		const char *why = NULL;
		char *s = offer_text(sdp);

		pl_set_str(&ans, bad[i].sdp);
		print_message("case %zu\n", i);
		assert_int_equal(EBADMSG, mcptt_sdp_decode(sdp, &r, &ans,
							   false, &why));
		print_message("why: %s\n", why);
		assert_non_null(strstr(why, bad[i].why));
		mem_deref(s);
		mem_deref(sdp);
	}
}


static void test_multipart(void **state)
{
	struct mbuf *sdp = mbuf_alloc(64), *xml = mbuf_alloc(64), *mb = NULL;
	struct msg_ctype ct;
	struct mcptt_body b;
	struct pl body, ctv = PL("multipart/mixed; boundary=\""
				 MCPTT_BOUNDARY "\"");
	const char *why = NULL;

	(void)state;
	(void)mbuf_write_str(sdp, "v=0\r\n");
	(void)mbuf_write_str(xml, "<mcpttinfo/>");
	assert_int_equal(0, mcptt_body_build(&mb, sdp, xml));
	assert_int_equal(0, msg_ctype_decode(&ct, &ctv));

	body.p = (char *)mb->buf;
	body.l = mb->end;
	assert_int_equal(0, mcptt_body_split(&b, &ct, &body, &why));
	assert_int_equal(0, pl_strcmp(&b.sdp, "v=0\r\n"));
	assert_int_equal(0, pl_strcmp(&b.info, "<mcpttinfo/>"));

	/* truncated: no closing delimiter */
	body.l -= 10;
	assert_int_equal(EBADMSG, mcptt_body_split(&b, &ct, &body, &why));

	/* a single part body */
	ctv = (struct pl)PL("application/sdp");
	assert_int_equal(0, msg_ctype_decode(&ct, &ctv));
	body = (struct pl)PL("v=0\r\n");
	assert_int_equal(0, mcptt_body_split(&b, &ct, &body, &why));
	assert_int_equal(0, pl_strcmp(&b.sdp, "v=0\r\n"));
	assert_false(pl_isset(&b.info));

	mem_deref(sdp);
	mem_deref(xml);
	mem_deref(mb);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_lines),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_answer_prio_capped),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_multipart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
