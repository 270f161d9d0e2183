/**
 * @file test_mcptt_xml.c  The mcptt-info body (ESN-PROFILE, 24.379 F.1)
 *
 * Documents are written out as a network would send them, in both value
 * forms, so the parser is checked against the wire text and not only
 * against our own encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/mcptt/mcptt.h"

#define HEAD "<?xml version=\"1.0\"?><mcpttinfo xmlns=\"" MCPTT_INFO_NS \
	"\"><mcptt-Params>"
#define TAIL "</mcptt-Params></mcpttinfo>"

static int decode(struct mcptt_info *mi, const char *xml, const char **why)
{
	return mcptt_info_decode(mi, xml, strlen(xml), why);
}


static void test_round_trip(void **state)
{
	struct mcptt_info in = {
		.has = MI_STYPE | MI_REQ_URI | MI_EMERG | MI_ALERT |
		       MI_CALLING,
		.stype = MCPTT_ST_PREARRANGED,
		.emergency = true,
		.alert = false,
	}, out;
	struct mbuf *mb = mbuf_alloc(512);
	const char *why = NULL;

	(void)state;
	str_ncpy(in.req_uri, "sip:tg-a&b@esn.test", sizeof(in.req_uri));
	str_ncpy(in.calling, "sip:radio1@esn.test", sizeof(in.calling));

	assert_int_equal(0, mcptt_info_encode(mb, &in));
	assert_int_equal(0, mbuf_write_u8(mb, 0));   /* for strstr */
	--mb->end;
	/* the wrapped form of ESN-PROFILE, '&' escaped */
	assert_non_null(strstr((char *)mb->buf, "<session-type>prearranged"
			       "</session-type>"));
	assert_non_null(strstr((char *)mb->buf, "<mcptt-request-uri type="
			       "\"Normal\"><mcpttURI>sip:tg-a&amp;b@esn.test"
			       "</mcpttURI>"));
	assert_non_null(strstr((char *)mb->buf, "<emergency-ind type=\"Normal"
			       "\"><mcpttBoolean>true</mcpttBoolean>"));
	assert_null(strstr((char *)mb->buf, "imminentperil"));

	assert_int_equal(0, mcptt_info_decode(&out, (char *)mb->buf, mb->end,
					      &why));
	assert_int_equal(in.has, out.has);
	assert_int_equal(MCPTT_ST_PREARRANGED, out.stype);
	assert_string_equal("sip:tg-a&b@esn.test", out.req_uri);
	assert_string_equal("sip:radio1@esn.test", out.calling);
	assert_true(out.emergency);
	assert_false(out.alert);
	mem_deref(mb);
}


static void test_direct_values(void **state)
{
	struct mcptt_info mi;

	(void)state;
	assert_int_equal(0, decode(&mi, HEAD
		"<session-type>private</session-type>"
		"<mcptt-request-uri> sip:d1@esn.test </mcptt-request-uri>"
		"<emergency-ind>false</emergency-ind>"
		"<imminentperil-ind>1</imminentperil-ind>"
		"<broadcast-ind type=\"Normal\"><mcpttBoolean>TRUE"
		"</mcpttBoolean></broadcast-ind>"
		"<future-element><x/></future-element>" TAIL, NULL));
	assert_int_equal(MCPTT_ST_PRIVATE, mi.stype);
	assert_string_equal("sip:d1@esn.test", mi.req_uri);
	assert_true(mi.has & MI_EMERG);
	assert_false(mi.emergency);
	assert_true(mi.imminent);
	assert_true(mi.broadcast);
	assert_false(mi.has & MI_ALERT);
}


static void test_no_namespace_ok(void **state)
{
	struct mcptt_info mi;

	(void)state;
	assert_int_equal(0, decode(&mi, "<mcpttinfo><mcptt-Params>"
				   "<alert-ind>true</alert-ind>" TAIL, NULL));
	assert_true(mi.alert);
}


static const struct {
	const char *xml;
	const char *why;
} bad[] = {
	{"", "empty"},
	{"<mcpttinfo><mcptt-Params>", "well-formed"},
	{HEAD "<emergency-ind>yes</emergency-ind>" TAIL, "boolean"},
	{HEAD "<session-type>group</session-type>" TAIL, "session-type"},
	{HEAD "<mcptt-request-uri></mcptt-request-uri>" TAIL, "empty"},
	{HEAD "<alert-ind><b>true</b></alert-ind>" TAIL, "unexpected"},
	{HEAD "<alert-ind>true</alert-ind><alert-ind>true</alert-ind>" TAIL,
	 "twice"},
	{"<other xmlns=\"" MCPTT_INFO_NS "\"/>", "root"},
	{"<mcpttinfo xmlns=\"urn:x\"><mcptt-Params/></mcpttinfo>",
	 "namespace"},
	{"<mcpttinfo/>", "mcptt-Params"},
	{"<!DOCTYPE mcpttinfo [<!ENTITY x \"true\">]><mcpttinfo><mcptt-Params>"
	 "<alert-ind>&x;</alert-ind>" TAIL, "DTD"},
};


static void test_malformed(void **state)
{
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mcptt_info mi;
		const char *why = NULL;

		print_message("case %zu\n", i);
		assert_int_equal(EBADMSG, decode(&mi, bad[i].xml, &why));
		assert_non_null(why);
		print_message("why: %s\n", why);
		assert_non_null(strstr(why, bad[i].why));
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_direct_values),
		cmocka_unit_test(test_no_namespace_ok),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
