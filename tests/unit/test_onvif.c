/**
 * @file test_onvif.c  ONVIF client pieces: the WS-Security digest against
 *                     a vector computed outside this code (Python's
 *                     hashlib: base64(sha1(nonce || created || password))),
 *                     the envelope, and the reply parsers on replies with
 *                     other prefixes than the simulator's, faults and junk
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "camera/cam_onvif.h"

static const uint8_t nonce[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				  12, 13, 14, 15};

static void test_digest_vector(void **state)
{
	char d[40];

	(void)state;
	assert_int_equal(onvif_wsse_digest(d, sizeof(d), nonce, 16,
					   "2024-03-01T20:50:25Z",
					   "cam era secret"), 0);
	assert_string_equal(d, "NNrC4j37CiFaGsBUmMuNgAyLo+4=");
}


static void test_envelope(void **state)
{
	struct mbuf *mb = mbuf_alloc(1024);
	/* 2024-03-01T20:50:25Z */
	const time_t t = 1709326225;
	char *s = NULL;

	(void)state;
	assert_int_equal(onvif_envelope(mb, "iccs", "cam era secret", t, nonce,
					"<GetProfiles/>"), 0);
	mb->pos = 0;
	assert_int_equal(mbuf_strdup(mb, &s, mb->end), 0);
	assert_non_null(strstr(s, "<wsse:Username>iccs</wsse:Username>"));
	assert_non_null(strstr(s,
			       "NNrC4j37CiFaGsBUmMuNgAyLo+4=</wsse:Password>"));
	assert_non_null(strstr(s,
			       ">AAECAwQFBgcICQoLDA0ODw==</wsse:Nonce>"));
	assert_non_null(strstr(s,
			       "<wsu:Created>2024-03-01T20:50:25Z</wsu:"));
	assert_non_null(strstr(s,
			       "<s:Body><GetProfiles/></s:Body>"));
	mem_deref(s);
	mb->end = 0;
	/* a user name that would break the XML is refused */
	assert_int_equal(onvif_envelope(mb, "a<b", "x", t, nonce, ""),
			 EINVAL);
	mem_deref(mb);
}


#define ENV(body) "<?xml version=\"1.0\"?><env:Envelope " \
	"xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:d=\"http://www.onvif.org/ver10/device/wsdl\" " \
	"xmlns:sch=\"http://www.onvif.org/ver10/schema\"><env:Body>" body \
	"</env:Body></env:Envelope>"

#define P(s) (const uint8_t *)(s), strlen(s)

static void test_parse_caps(void **state)
{
	const char *x = ENV("<d:GetCapabilitiesResponse><d:Capabilities>"
		"<sch:Device><sch:XAddr>http://10.0.0.9/onvif/device_service"
		"</sch:XAddr></sch:Device><sch:Media><sch:XAddr>\n"
		" http://10.0.0.9/onvif/Media </sch:XAddr></sch:Media>"
		"</d:Capabilities></d:GetCapabilitiesResponse>");
	char media[128], ptz[128], why[128];

	(void)state;
	assert_int_equal(onvif_parse_caps(P(x), media, ptz, sizeof(media),
					  why, sizeof(why)), 0);
	assert_string_equal(media, "http://10.0.0.9/onvif/Media");
	assert_string_equal(ptz, "");    /* a fixed camera */
}


/* Media2 and imaging are not Media ver10: skipped; no media: EBADMSG,
 * which sends the client to GetCapabilities */
static void test_parse_services(void **state)
{
	const char *x = ENV("<d:GetServicesResponse><d:Service><d:Namespace>"
		"http://www.onvif.org/ver20/media/wsdl</d:Namespace><d:XAddr>"
		"http://10.0.0.9/onvif/media2</d:XAddr></d:Service><d:Service>"
		"<d:Namespace>http://www.onvif.org/ver20/ptz/wsdl</d:Namespace>"
		"<d:XAddr>http://10.0.0.9/onvif/PTZ</d:XAddr></d:Service>"
		"<d:Service><d:Namespace>http://www.onvif.org/ver10/media/wsdl"
		"</d:Namespace><d:XAddr> http://10.0.0.9/onvif/Media"
		"</d:XAddr></d:Service></d:GetServicesResponse>");
	const char *y = ENV("<d:GetServicesResponse><d:Service><d:Namespace>"
		"http://www.onvif.org/ver20/ptz/wsdl</d:Namespace><d:XAddr>"
		"http://10.0.0.9/onvif/PTZ</d:XAddr></d:Service>"
		"</d:GetServicesResponse>");
	char media[128], ptz[128], why[128];

	(void)state;
	assert_int_equal(onvif_parse_services(P(x), media, ptz, sizeof(media),
					      why, sizeof(why)), 0);
	assert_string_equal(media, "http://10.0.0.9/onvif/Media");
	assert_string_equal(ptz, "http://10.0.0.9/onvif/PTZ");
	assert_int_equal(onvif_parse_services(P(y), media, ptz, sizeof(media),
					      why, sizeof(why)), EBADMSG);
	assert_string_equal(why, "no media service");
}


static void test_parse_fault(void **state)
{
	const char *x = ENV("<env:Fault><env:Code><env:Value>env:Sender"
		"</env:Value><env:Subcode><env:Value>ter:NotAuthorized"
		"</env:Value></env:Subcode></env:Code><env:Reason><env:Text "
		"xml:lang=\"en\">Sender not authorized</env:Text></env:Reason>"
		"</env:Fault>");
	char uri[128], why[128];

	(void)state;
	assert_int_equal(onvif_parse_uri(P(x), uri, sizeof(uri), why,
					 sizeof(why)), EPROTO);
	assert_string_equal(why, "SOAP fault: Sender not authorized");
}


static void test_parse_junk(void **state)
{
	char uri[128], why[128];
	time_t t;

	(void)state;
	assert_int_equal(onvif_parse_uri(P("<html>busy</html>"), uri,
					 sizeof(uri), why, sizeof(why)),
			 EBADMSG);
	assert_string_equal(why, "no SOAP Body");
	assert_int_equal(onvif_parse_uri(P("HTTP/1.1 500"), uri, sizeof(uri),
					 why, sizeof(why)), EBADMSG);
	assert_string_equal(why, "reply is not XML");
	assert_int_equal(onvif_parse_time(P(ENV("<x/>")), &t, why,
					  sizeof(why)), EBADMSG);
	assert_string_equal(why, "no valid UTCDateTime");
}


static void test_parse_time_presets(void **state)
{
	const char *tx = ENV("<d:GetSystemDateAndTimeResponse>"
		"<d:SystemDateAndTime><sch:UTCDateTime><sch:Time><sch:Hour>20"
		"</sch:Hour><sch:Minute>50</sch:Minute><sch:Second>25"
		"</sch:Second></sch:Time><sch:Date><sch:Year>2024</sch:Year>"
		"<sch:Month>3</sch:Month><sch:Day>1</sch:Day></sch:Date>"
		"</sch:UTCDateTime></d:SystemDateAndTime>"
		"</d:GetSystemDateAndTimeResponse>");
	const char *px = ENV("<p:GetPresetsResponse xmlns:p=\"x\">"
		"<p:Preset token=\"a1\"><sch:Name>Gate</sch:Name></p:Preset>"
		"<p:Preset><sch:Name>no token</sch:Name></p:Preset>"
		"<p:Preset token=\"b2\"/></p:GetPresetsResponse>");
	struct onvif_preset pr[4];
	char why[128];
	size_t n;
	time_t t;

	(void)state;
	assert_int_equal(onvif_parse_time(P(tx), &t, why, sizeof(why)), 0);
	assert_int_equal(t, 1709326225);
	assert_int_equal(onvif_parse_presets(P(px), pr, 4, &n, why,
					     sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pr[0].token, "a1");
	assert_string_equal(pr[0].name, "Gate");
	assert_string_equal(pr[1].token, "b2");
	assert_string_equal(pr[1].name, "b2");   /* nameless: its token */
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_vector),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_parse_caps),
		cmocka_unit_test(test_parse_services),
		cmocka_unit_test(test_parse_fault),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_parse_time_presets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
