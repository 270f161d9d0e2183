/**
 * @file cam_onvif.c  ONVIF requests: envelope, authentication, transport
 *
 * Authentication: a WS-Security UsernameToken digest, stamped in the
 * device's clock (offset from GetSystemDateAndTime, which needs no
 * credentials); a camera that answers 401 authenticates at the HTTP layer
 * instead, and from then on gets HTTP digest (libcurl).  Every request has
 * a 3 s limit: this runs in the camera's worker thread, never the main
 * loop.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "camera/cam_onvif.h"

#define NS_TDS  "http://www.onvif.org/ver10/device/wsdl"
#define NS_TRT  "http://www.onvif.org/ver10/media/wsdl"
#define NS_PTZ  "http://www.onvif.org/ver20/ptz/wsdl"
#define NS_TT   "http://www.onvif.org/ver10/schema"
#define WSSE_NS "http://docs.oasis-open.org/wss/2004/01/" \
	"oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define WSU_NS  "http://docs.oasis-open.org/wss/2004/01/" \
	"oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define PW_DIGEST "http://docs.oasis-open.org/wss/2004/01/" \
	"oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
#define B64_BIN "http://docs.oasis-open.org/wss/2004/01/" \
	"oasis-200401-wss-soap-message-security-1.0#Base64Binary"

enum { REPLY_MAX = 1 << 20, SNAP_MAX = 8 << 20, TIMEOUT_MS = 3000 };


int onvif_wsse_digest(char *out, size_t sz, const uint8_t *nonce,
		      size_t nlen, const char *created, const char *pass)
{
	uint8_t md[20];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
		EVP_DigestUpdate(ctx, nonce, nlen) &&
		EVP_DigestUpdate(ctx, created, strlen(created)) &&
		EVP_DigestUpdate(ctx, pass, strlen(pass)) &&
		EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok || sz < 29)
		return EINVAL;
	return base64_encode(md, sizeof(md), out, &sz) ? EINVAL :
		(out[sz] = '\0', 0);
}


/* Text inside XML: the only values we put there are ours or config */
static bool xml_safe(const char *s)
{
	return s && !strpbrk(s, "<>&\"'");
}


int onvif_envelope(struct mbuf *mb, const char *user, const char *pass,
		   time_t dev_now, const uint8_t nonce[16], const char *body)
{
	char created[32], digest[40], nonce64[32];
	size_t nl = sizeof(nonce64) - 1;
	struct tm tm;
	int err = 0;

	err |= mbuf_printf(mb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			   "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
			   "soap-envelope\" xmlns:tt=\"" NS_TT "\"><s:Header>");
	if (user && pass) {
		if (!xml_safe(user))
			return EINVAL;
		gmtime_r(&dev_now, &tm);
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (base64_encode(nonce, 16, nonce64, &nl) ||
		    onvif_wsse_digest(digest, sizeof(digest), nonce, 16,
				      created, pass))
			return EINVAL;
		nonce64[nl] = '\0';
		err |= mbuf_printf(mb, "<wsse:Security s:mustUnderstand=\"1\" "
			"xmlns:wsse=\"" WSSE_NS "\" xmlns:wsu=\"" WSU_NS "\">"
			"<wsse:UsernameToken><wsse:Username>%s</wsse:Username>"
			"<wsse:Password Type=\"" PW_DIGEST "\">%s"
			"</wsse:Password><wsse:Nonce EncodingType=\"" B64_BIN
			"\">%s</wsse:Nonce><wsu:Created>%s</wsu:Created>"
			"</wsse:UsernameToken></wsse:Security>", user, digest,
			nonce64, created);
	}
	err |= mbuf_printf(mb, "</s:Header><s:Body>%s</s:Body></s:Envelope>",
			   body);
	return err ? ENOMEM : 0;
}


struct sink {
	struct mbuf *mb;
	size_t max;             /* a reply beyond: the transfer fails     */
};

static size_t write_cb(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;
	size_t n = sz * nm;

	if (k->mb->end + n > k->max ||
	    mbuf_write_mem(k->mb, (uint8_t *)p, n))
		return 0;
	return n;
}


/* One transfer with the settings every request shares; req NULL: GET.
 * auth: the HTTP schemes to answer a 401 with (0: none). */
static int transfer(struct onvif_dev *d, const char *url, struct mbuf *req,
		    struct curl_slist *hdr, long auth, struct sink *k,
		    long *codep)
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		return ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (req) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)req->buf);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->end);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
	if (auth && d->user && d->pass) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, auth);
		curl_easy_setopt(c, CURLOPT_USERNAME, d->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, d->pass);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, codep);
	else
		re_snprintf(d->why, sizeof(d->why), "%s",
			    curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : ETIMEDOUT;
}


static int post(struct onvif_dev *d, const char *url, struct mbuf *req,
		struct mbuf *reply, long *codep)
{
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: "
		"application/soap+xml; charset=utf-8");
	struct sink k = {reply, REPLY_MAX};
	int err = transfer(d, url, req, hdr, d->http_auth ?
			   (long)CURLAUTH_DIGEST : 0, &k, codep);

	curl_slist_free_all(hdr);
	return err;
}


int onvif_call(struct onvif_dev *d, const char *url, const char *body,
	       struct mbuf **replyp)
{
	struct mbuf *req = mbuf_alloc(2048), *reply = mbuf_alloc(2048);
	uint8_t nonce[16];
	bool wsse = d->user && d->pass && !d->http_auth;
	long code = 0;
	int err;

	if (!req || !reply) {
		err = ENOMEM;
		goto out;
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		err = EIO;
		goto out;
	}
	err = onvif_envelope(req, wsse ? d->user : NULL, d->pass,
			     time(NULL) + d->offset_s, nonce, body);
	if (!err)
		err = post(d, url, req, reply, &code);
	if (!err && code == 401 && !d->http_auth && d->user) {
		/* authentication at the HTTP layer (Axis, for one) */
		d->http_auth = true;
		mbuf_rewind(req);
		mbuf_rewind(reply);
		err = onvif_envelope(req, NULL, NULL, 0, nonce, body);
		if (!err)
			err = post(d, url, req, reply, &code);
	}
	if (!err && code != 200 && code != 400 && code != 500) {
		re_snprintf(d->why, sizeof(d->why), "HTTP %ld", code);
		err = EPROTO;
	}
 out:
	mem_deref(req);
	if (err)
		mem_deref(reply);
	else
		*replyp = reply;
	return err;
}


/* WS-Discovery Probe (SOAP 1.2 over UDP, WS-Addressing 2004/08) */
int onvif_probe_msg(struct mbuf *mb, const char *msg_id)
{
	return mbuf_printf(mb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
		" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
		" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\""
		" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">"
		"<s:Header><a:Action s:mustUnderstand=\"1\">"
		"http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
		"</a:Action><a:MessageID>urn:uuid:%s</a:MessageID>"
		"<a:To s:mustUnderstand=\"1\">"
		"urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
		"<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter"
		"</d:Types></d:Probe></s:Body></s:Envelope>", msg_id) ?
		ENOMEM : 0;
}


typedef int (parse_h)(struct onvif_dev *d, struct mbuf *mb, void *arg);

static int request(struct onvif_dev *d, const char *url, const char *body,
		   parse_h *ph, void *arg)
{
	struct mbuf *mb = NULL;
	int err;

	if (!url[0]) {
		str_ncpy(d->why, "no service address", sizeof(d->why));
		return ENOTSUP;
	}
	err = onvif_call(d, url, body, &mb);
	if (!err)
		err = ph(d, mb, arg);
	mem_deref(mb);
	return err;
}


static int p_time(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	time_t t;
	int err = onvif_parse_time(mb->buf, mb->end, &t, d->why,
				   sizeof(d->why));

	if (!err)
		d->offset_s = (long)(t - time(NULL));
	return err;
}


static int p_caps(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	return onvif_parse_caps(mb->buf, mb->end, d->media, d->ptz,
				sizeof(d->media), d->why, sizeof(d->why));
}


static int p_prof(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	return onvif_parse_profile(mb->buf, mb->end, d->profile,
				   sizeof(d->profile), d->why, sizeof(d->why));
}


struct strbuf { char *p; size_t sz; const char *elem; };

static int p_uri(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	struct strbuf *s = arg;

	return onvif_parse_uri(mb->buf, mb->end, s->p, s->sz, d->why,
			       sizeof(d->why));
}


static int p_ok(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	struct strbuf *s = arg;

	return onvif_parse_ok(mb->buf, mb->end, s->elem, s->p, s->sz, d->why,
			      sizeof(d->why));
}


static int p_services(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	return onvif_parse_services(mb->buf, mb->end, d->media, d->ptz,
				    sizeof(d->media), d->why, sizeof(d->why));
}


/* GetServices names every service's address; a device from before it
 * (a fault, or a reply without a media service) is asked with
 * GetCapabilities instead.  Only an unreachable device is an error. */
static int service_addrs(struct onvif_dev *d)
{
	int err = request(d, d->device, "<GetServices xmlns=\"" NS_TDS "\">"
			  "<IncludeCapability>false</IncludeCapability>"
			  "</GetServices>", p_services, NULL);

	d->services = !err;
	if (err != EPROTO && err != EBADMSG)
		return err;
	return request(d, d->device, "<GetCapabilities xmlns=\"" NS_TDS
		       "\"><Category>All</Category></GetCapabilities>",
		       p_caps, NULL);
}


/* Clock offset, service addresses, profile, and the stream when the
 * config names none (rsz 0 skips it) */
int onvif_setup(struct onvif_dev *d, char *rtsp, size_t rsz)
{
	char body[512];
	struct strbuf sb = {rtsp, rsz, NULL};
	int err;

	err = request(d, d->device, "<GetSystemDateAndTime xmlns=\"" NS_TDS
		      "\"/>", p_time, NULL);
	if (!err)
		err = service_addrs(d);
	if (!err)
		err = request(d, d->media, "<GetProfiles xmlns=\"" NS_TRT
			      "\"/>", p_prof, NULL);
	if (err || !rsz)
		return err;
	re_snprintf(body, sizeof(body), "<GetStreamUri xmlns=\"" NS_TRT "\">"
		    "<StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>"
		    "<tt:Transport><tt:Protocol>RTSP</tt:Protocol>"
		    "</tt:Transport></StreamSetup><ProfileToken>%s"
		    "</ProfileToken></GetStreamUri>", d->profile);
	return request(d, d->media, body, p_uri, &sb);
}


/* Velocities in -1..1, printed as thousandths (re_printf has no %f
 * precision): the sign of (-1, 0) is printed by hand */
static void vel(char *b, size_t sz, double v)
{
	int m = (int)(v * 1000 + (v < 0 ? -0.5 : 0.5));

	re_snprintf(b, sz, "%s%d.%03d", m < 0 ? "-" : "", abs(m) / 1000,
		    abs(m) % 1000);
}


int onvif_move(struct onvif_dev *d, double pan, double tilt, double zoom,
	       unsigned timeout_s)
{
	char body[640], x[16], y[16], z[16];
	struct strbuf sb = {NULL, 0, "ContinuousMoveResponse"};

	vel(x, sizeof(x), pan);
	vel(y, sizeof(y), tilt);
	vel(z, sizeof(z), zoom);
	/* always a timeout: a lost Stop must not leave it turning */
	re_snprintf(body, sizeof(body), "<ContinuousMove xmlns=\"" NS_PTZ
		    "\"><ProfileToken>%s</ProfileToken><Velocity>"
		    "<tt:PanTilt x=\"%s\" y=\"%s\"/><tt:Zoom x=\"%s\"/>"
		    "</Velocity><Timeout>PT%uS</Timeout></ContinuousMove>",
		    d->profile, x, y, z, timeout_s);
	return request(d, d->ptz, body, p_ok, &sb);
}


int onvif_stop(struct onvif_dev *d)
{
	char body[256];
	struct strbuf sb = {NULL, 0, "StopResponse"};

	re_snprintf(body, sizeof(body), "<Stop xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken><PanTilt>true</PanTilt>"
		    "<Zoom>true</Zoom></Stop>", d->profile);
	return request(d, d->ptz, body, p_ok, &sb);
}


int onvif_move_to(struct onvif_dev *d, bool relative, double pan,
		  double tilt, double zoom)
{
	char body[640], x[16], y[16], z[16];
	struct strbuf sb = {NULL, 0, relative ? "RelativeMoveResponse" :
			    "AbsoluteMoveResponse"};
	const char *op = relative ? "RelativeMove" : "AbsoluteMove";

	vel(x, sizeof(x), pan);
	vel(y, sizeof(y), tilt);
	vel(z, sizeof(z), zoom);
	re_snprintf(body, sizeof(body), "<%s xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken><%s><tt:PanTilt x=\"%s\" "
		    "y=\"%s\"/><tt:Zoom x=\"%s\"/></%s></%s>", op, d->profile,
		    relative ? "Translation" : "Position", x, y, z,
		    relative ? "Translation" : "Position", op);
	return request(d, d->ptz, body, p_ok, &sb);
}


static int p_status(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	return onvif_parse_status(mb->buf, mb->end, arg, d->why,
				  sizeof(d->why));
}


int onvif_status(struct onvif_dev *d, struct onvif_status *st)
{
	char body[256];

	re_snprintf(body, sizeof(body), "<GetStatus xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken></GetStatus>", d->profile);
	return request(d, d->ptz, body, p_status, st);
}


struct preset_arg { struct onvif_preset *v; size_t max, *countp; };

static int p_presets(struct onvif_dev *d, struct mbuf *mb, void *arg)
{
	struct preset_arg *a = arg;

	return onvif_parse_presets(mb->buf, mb->end, a->v, a->max, a->countp,
				   d->why, sizeof(d->why));
}


int onvif_presets(struct onvif_dev *d, struct onvif_preset *v, size_t max,
		  size_t *countp)
{
	char body[256];
	struct preset_arg a = {v, max, countp};

	re_snprintf(body, sizeof(body), "<GetPresets xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken></GetPresets>",
		    d->profile);
	return request(d, d->ptz, body, p_presets, &a);
}


int onvif_goto_preset(struct onvif_dev *d, const char *token)
{
	char body[320];
	struct strbuf sb = {NULL, 0, "GotoPresetResponse"};

	if (!xml_safe(token))
		return EINVAL;
	re_snprintf(body, sizeof(body), "<GotoPreset xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken><PresetToken>%s"
		    "</PresetToken></GotoPreset>", d->profile, token);
	return request(d, d->ptz, body, p_ok, &sb);
}


int onvif_set_preset(struct onvif_dev *d, const char *name, char *token,
		     size_t tsz)
{
	char body[320];
	struct strbuf sb = {token, tsz, "PresetToken"};

	if (!xml_safe(name))
		return EINVAL;
	re_snprintf(body, sizeof(body), "<SetPreset xmlns=\"" NS_PTZ "\">"
		    "<ProfileToken>%s</ProfileToken><PresetName>%s"
		    "</PresetName></SetPreset>", d->profile, name);
	return request(d, d->ptz, body, p_ok, &sb);
}


static bool is_jpeg(const struct mbuf *mb)
{
	return mb->end > 3 && mb->buf[0] == 0xff && mb->buf[1] == 0xd8 &&
		mb->buf[2] == 0xff;
}


/* The URI is asked once (cameras keep it for the profile's life); the
 * picture is fetched with the camera's account, never handed to a
 * browser.  No redirect is followed, so the credentials go nowhere the
 * camera did not name. */
int onvif_snapshot(struct onvif_dev *d, struct mbuf **jpegp)
{
	char body[256];
	struct strbuf sb = {d->snapshot, sizeof(d->snapshot), NULL};
	struct mbuf *mb;
	struct sink k;
	long code = 0;
	int err = 0;

	if (!d->snapshot[0]) {
		re_snprintf(body, sizeof(body), "<GetSnapshotUri xmlns=\""
			    NS_TRT "\"><ProfileToken>%s</ProfileToken>"
			    "</GetSnapshotUri>", d->profile);
		err = request(d, d->media, body, p_uri, &sb);
		if (err) {
			d->snapshot[0] = '\0';
			return err;
		}
	}
	mb = mbuf_alloc(64 * 1024);
	if (!mb)
		return ENOMEM;
	k = (struct sink){mb, SNAP_MAX};
	err = transfer(d, d->snapshot, NULL, NULL,
		       (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC), &k, &code);
	if (!err && code != 200) {
		re_snprintf(d->why, sizeof(d->why), "snapshot: HTTP %ld",
			    code);
		err = EPROTO;
	}
	if (!err && !is_jpeg(mb)) {
		str_ncpy(d->why, "snapshot is not a JPEG", sizeof(d->why));
		err = EBADMSG;
	}
	if (err) {
		mem_deref(mb);
		d->snapshot[0] = '\0';   /* asked again next time */
	}
	else
		*jpegp = mb;
	return err;
}
