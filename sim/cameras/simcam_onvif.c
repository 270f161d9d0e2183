/**
 * @file simcam_onvif.c  The simulated cameras' ONVIF services (SOAP 1.2
 *                       over HTTP): device, media and PTZ
 *
 * One HTTP port serves every camera under /onvif/camN/{device,media,ptz}_
 * service.  With a user configured, every request except
 * GetSystemDateAndTime must carry a valid WS-Security UsernameToken
 * digest, stamped in the device's clock (which --clock-offset skews).
 * GET /sim/state returns every camera's position and command counts for
 * tests.
 */
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <re.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "simcam.h"

#define NS_DECL \
	"xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" " \
	"xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" " \
	"xmlns:tptz=\"http://www.onvif.org/ver20/ptz/wsdl\" " \
	"xmlns:tt=\"http://www.onvif.org/ver10/schema\" " \
	"xmlns:ter=\"http://www.onvif.org/ver10/error\""

struct req {
	struct simcam_sim *s;
	struct simcam *c;
	xmlDoc *doc;
	struct mbuf *out;       /* the body inside <s:Body>              */
	int fault;              /* HTTP status of a fault, 0 if none      */
	const char *fault_sub;
	const char *fault_text;
};


static xmlNode *find(xmlNode *n, const char *local)
{
	for (; n; n = n->next) {
		xmlNode *r;

		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, local))
			return n;
		r = find(n->children, local);
		if (r)
			return r;
	}
	return NULL;
}


/* Text of the first element named local (any namespace), "" if none */
static void text(char *buf, size_t sz, xmlNode *root, const char *local)
{
	xmlNode *n = find(root, local);
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;

	str_ncpy(buf, t ? (const char *)t : "", sz);
	xmlFree(t);
}


static double attr_d(xmlNode *root, const char *local, const char *attr,
		     double dflt)
{
	xmlNode *n = find(root, local);
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)attr) : NULL;
	double d = v ? atof((const char *)v) : dflt;

	xmlFree(v);
	return d;
}


static void fault(struct req *r, int code, const char *sub,
		  const char *txt)
{
	r->fault = code;
	r->fault_sub = sub;
	r->fault_text = txt;
}


static void date_time(struct req *r)
{
	time_t t = time(NULL) + r->s->clock_offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	mbuf_printf(r->out, "<tds:GetSystemDateAndTimeResponse>"
		    "<tds:SystemDateAndTime><tt:DateTimeType>NTP"
		    "</tt:DateTimeType><tt:DaylightSavings>false"
		    "</tt:DaylightSavings><tt:UTCDateTime><tt:Time>"
		    "<tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute>"
		    "<tt:Second>%d</tt:Second></tt:Time><tt:Date>"
		    "<tt:Year>%d</tt:Year><tt:Month>%d</tt:Month>"
		    "<tt:Day>%d</tt:Day></tt:Date></tt:UTCDateTime>"
		    "</tds:SystemDateAndTime>"
		    "</tds:GetSystemDateAndTimeResponse>",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
}


static void capabilities(struct req *r)
{
	mbuf_printf(r->out, "<tds:GetCapabilitiesResponse><tds:Capabilities>"
		    "<tt:Device><tt:XAddr>http://%J/onvif/cam%u/device_service"
		    "</tt:XAddr></tt:Device>"
		    "<tt:Media><tt:XAddr>http://%J/onvif/cam%u/media_service"
		    "</tt:XAddr></tt:Media>"
		    "<tt:PTZ><tt:XAddr>http://%J/onvif/cam%u/ptz_service"
		    "</tt:XAddr></tt:PTZ>"
		    "</tds:Capabilities></tds:GetCapabilitiesResponse>",
		    &r->s->onvif, r->c->idx, &r->s->onvif, r->c->idx,
		    &r->s->onvif, r->c->idx);
}


static void services(struct req *r)
{
	static const struct { const char *ns, *svc; } sv[] = {
		{"http://www.onvif.org/ver10/device/wsdl", "device"},
		{"http://www.onvif.org/ver10/media/wsdl", "media"},
		{"http://www.onvif.org/ver20/ptz/wsdl", "ptz"},
	};

	/* addresses of their own (/v2/), so a test sees which were used */
	if (r->s->no_services) {
		fault(r, 400, "ter:ActionNotSupported",
		      "GetServices not supported");
		return;
	}
	mbuf_printf(r->out, "<tds:GetServicesResponse>");
	for (size_t i = 0; i < ARRAY_SIZE(sv); i++)
		mbuf_printf(r->out, "<tds:Service><tds:Namespace>%s"
			    "</tds:Namespace><tds:XAddr>http://%J/onvif/cam%u/"
			    "v2/%s</tds:XAddr><tds:Version><tt:Major>2"
			    "</tt:Major><tt:Minor>0</tt:Minor></tds:Version>"
			    "</tds:Service>", sv[i].ns, &r->s->onvif,
			    r->c->idx, sv[i].svc);
	mbuf_printf(r->out, "</tds:GetServicesResponse>");
}


static void profiles(struct req *r)
{
	mbuf_printf(r->out, "<trt:GetProfilesResponse>"
		    "<trt:Profiles token=\"Profile_1\" fixed=\"true\">"
		    "<tt:Name>main</tt:Name>"
		    "<tt:VideoEncoderConfiguration token=\"enc1\">"
		    "<tt:Name>enc1</tt:Name><tt:UseCount>1</tt:UseCount>"
		    "<tt:Encoding>H264</tt:Encoding><tt:Resolution>"
		    "<tt:Width>%d</tt:Width><tt:Height>%d</tt:Height>"
		    "</tt:Resolution></tt:VideoEncoderConfiguration>"
		    "<tt:PTZConfiguration token=\"ptz1\"><tt:Name>ptz1"
		    "</tt:Name><tt:NodeToken>node1</tt:NodeToken>"
		    "</tt:PTZConfiguration></trt:Profiles>"
		    "</trt:GetProfilesResponse>", VIEW_W, VIEW_H);
}


static void stream_uri(struct req *r)
{
	mbuf_printf(r->out, "<trt:GetStreamUriResponse><trt:MediaUri>"
		    "<tt:Uri>rtsp://127.0.0.1:%u/cam%u</tt:Uri>"
		    "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
		    "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
		    "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>"
		    "</trt:GetStreamUriResponse>", r->s->rtsp_port,
		    r->c->idx);
}


static void snapshot_uri(struct req *r)
{
	mbuf_printf(r->out, "<trt:GetSnapshotUriResponse><trt:MediaUri>"
		    "<tt:Uri>http://%J/snapshot/cam%u.jpg</tt:Uri>"
		    "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
		    "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
		    "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>"
		    "</trt:GetSnapshotUriResponse>", &r->s->onvif,
		    r->c->idx);
}


/* ISO 8601 duration as cameras use it: PT1S, PT0.5S, PT1M (ms) */
static uint64_t duration_ms(const char *d)
{
	double v = 0, part;
	char unit;
	int n;

	if (strncmp(d, "PT", 2))
		return 0;
	d += 2;
	while (*d && sscanf(d, "%lf%c%n", &part, &unit, &n) == 2) {
		v += unit == 'H' ? part * 3600 : unit == 'M' ? part * 60 :
			part;
		d += n;
	}
	return (uint64_t)(v * 1000);
}


static void continuous_move(struct req *r, xmlNode *body)
{
	struct simcam *c = r->c;
	char to[32];
	uint64_t ms;

	text(to, sizeof(to), body, "Timeout");
	ms = to[0] ? duration_ms(to) : 0;
	simcam_lock();
	c->vx = attr_d(body, "PanTilt", "x", 0);
	c->vy = attr_d(body, "PanTilt", "y", 0);
	c->vz = attr_d(body, "Zoom", "x", 0);
	/* without a timeout a real camera moves on for minutes */
	c->move_until = simcam_now_ms() + (ms ? ms : 180000);
	++c->moves;
	simcam_unlock();
	mbuf_printf(r->out, "<tptz:ContinuousMoveResponse/>");
}


static void stop(struct req *r)
{
	simcam_lock();
	r->c->move_until = 0;
	r->c->vx = r->c->vy = r->c->vz = 0;
	++r->c->stops;
	simcam_unlock();
	mbuf_printf(r->out, "<tptz:StopResponse/>");
}


static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}


static void move_to(struct req *r, double pan, double tilt, double zoom)
{
	simcam_lock();
	r->c->move_until = 0;
	r->c->pan = clampd(pan, -1, 1);
	r->c->tilt = clampd(tilt, -1, 1);
	r->c->zoom = clampd(zoom, 0, 1);
	++r->c->moves;
	simcam_apply(r->c);
	simcam_unlock();
}


static void absolute_move(struct req *r, xmlNode *body)
{
	xmlNode *pos = find(body, "Position");

	move_to(r, attr_d(pos, "PanTilt", "x", r->c->pan),
		attr_d(pos, "PanTilt", "y", r->c->tilt),
		attr_d(pos, "Zoom", "x", r->c->zoom));
	mbuf_printf(r->out, "<tptz:AbsoluteMoveResponse/>");
}


static void relative_move(struct req *r, xmlNode *body)
{
	xmlNode *tr = find(body, "Translation");

	move_to(r, r->c->pan + attr_d(tr, "PanTilt", "x", 0),
		r->c->tilt + attr_d(tr, "PanTilt", "y", 0),
		r->c->zoom + attr_d(tr, "Zoom", "x", 0));
	mbuf_printf(r->out, "<tptz:RelativeMoveResponse/>");
}


/* re_printf has no %g: thousandths, with the sign of (-1, 0) kept */
static void position_xml(struct mbuf *mb, const char *el, double pan,
			 double tilt, double zoom)
{
	const double v[3] = {pan, tilt, zoom};
	char s[3][16];

	for (int i = 0; i < 3; i++) {
		int m = (int)(v[i] * 1000 + (v[i] < 0 ? -0.5 : 0.5));

		re_snprintf(s[i], sizeof(s[i]), "%s%d.%03d", m < 0 ? "-" : "",
			    abs(m) / 1000, abs(m) % 1000);
	}
	mbuf_printf(mb, "<tt:%s><tt:PanTilt x=\"%s\" y=\"%s\"/>"
		    "<tt:Zoom x=\"%s\"/></tt:%s>", el, s[0], s[1], s[2], el);
}


static void status(struct req *r)
{
	struct simcam *c = r->c;

	mbuf_printf(r->out, "<tptz:GetStatusResponse><tptz:PTZStatus>");
	simcam_lock();
	position_xml(r->out, "Position", c->pan, c->tilt, c->zoom);
	mbuf_printf(r->out, "<tt:MoveStatus><tt:PanTilt>%s</tt:PanTilt>"
		    "<tt:Zoom>IDLE</tt:Zoom></tt:MoveStatus>",
		    c->move_until ? "MOVING" : "IDLE");
	simcam_unlock();
	mbuf_printf(r->out, "</tptz:PTZStatus></tptz:GetStatusResponse>");
}


static void presets(struct req *r)
{
	mbuf_printf(r->out, "<tptz:GetPresetsResponse>");
	for (unsigned i = 0; i < SIMCAM_PRESETS; i++) {
		const struct simcam_preset *p = &r->c->presets[i];

		if (!p->used)
			continue;
		mbuf_printf(r->out, "<tptz:Preset token=\"%u\"><tt:Name>%s"
			    "</tt:Name>", i + 1, p->name);
		position_xml(r->out, "PTZPosition", p->pan, p->tilt, p->zoom);
		mbuf_printf(r->out, "</tptz:Preset>");
	}
	mbuf_printf(r->out, "</tptz:GetPresetsResponse>");
}


static void set_preset(struct req *r, xmlNode *body)
{
	char tok[16], name[32];
	unsigned i;

	text(tok, sizeof(tok), body, "PresetToken");
	text(name, sizeof(name), body, "PresetName");
	i = tok[0] ? (unsigned)atoi(tok) : 0;
	if (!i) {
		for (i = 1; i <= SIMCAM_PRESETS && r->c->presets[i-1].used;
		     i++)
			;
	}
	if (i < 1 || i > SIMCAM_PRESETS) {
		fault(r, 500, "ter:TooManyPresets", "no room for a preset");
		return;
	}
	simcam_lock();
	r->c->presets[i - 1] = (struct simcam_preset){true, "", r->c->pan,
						      r->c->tilt, r->c->zoom};
	str_ncpy(r->c->presets[i - 1].name, name[0] ? name : "preset",
		 sizeof(r->c->presets[i - 1].name));
	simcam_unlock();
	mbuf_printf(r->out, "<tptz:SetPresetResponse><tptz:PresetToken>%u"
		    "</tptz:PresetToken></tptz:SetPresetResponse>", i);
}


static void goto_preset(struct req *r, xmlNode *body)
{
	char tok[16];
	unsigned i;

	text(tok, sizeof(tok), body, "PresetToken");
	i = (unsigned)atoi(tok);
	if (i < 1 || i > SIMCAM_PRESETS || !r->c->presets[i - 1].used) {
		fault(r, 400, "ter:NoToken", "no such preset");
		return;
	}
	move_to(r, r->c->presets[i - 1].pan, r->c->presets[i - 1].tilt,
		r->c->presets[i - 1].zoom);
	mbuf_printf(r->out, "<tptz:GotoPresetResponse/>");
}


/* The token's Created must be within 5 minutes of the device's clock */
static bool auth_ok(struct req *r, xmlNode *root)
{
	char user[64], pass[128], nonce[128], created[40];
	struct tm tm;
	time_t t;

	if (!r->s->pass[0] || r->s->http_auth)
		return true;   /* none, or checked at the HTTP layer */
	text(user, sizeof(user), root, "Username");
	text(pass, sizeof(pass), root, "Password");
	text(nonce, sizeof(nonce), root, "Nonce");
	text(created, sizeof(created), root, "Created");
	memset(&tm, 0, sizeof(tm));
	if (strcmp(user, r->s->user) ||
	    !strptime(created, "%Y-%m-%dT%H:%M:%S", &tm))
		return false;
	t = timegm(&tm) - r->s->clock_offset;
	if (labs((long)(t - time(NULL))) > 300)
		return false;
	return simcam_wsse_ok(nonce, created, r->s->pass, pass);
}


static const struct {
	const char *op;
	void (*h)(struct req *r, xmlNode *body);
	void (*h0)(struct req *r);
} optab[] = {
	{"GetSystemDateAndTime", NULL, date_time},
	{"GetCapabilities",      NULL, capabilities},
	{"GetServices",          NULL, services},
	{"GetProfiles",          NULL, profiles},
	{"GetStreamUri",         NULL, stream_uri},
	{"GetSnapshotUri",       NULL, snapshot_uri},
	{"ContinuousMove",       continuous_move, NULL},
	{"Stop",                 NULL, stop},
	{"AbsoluteMove",         absolute_move, NULL},
	{"RelativeMove",         relative_move, NULL},
	{"GetStatus",            NULL, status},
	{"GetPresets",           NULL, presets},
	{"SetPreset",            set_preset, NULL},
	{"GotoPreset",           goto_preset, NULL},
};


static void dispatch(struct req *r)
{
	xmlNode *root = xmlDocGetRootElement(r->doc);
	xmlNode *body = find(root, "Body");
	xmlNode *op = body ? body->children : NULL;

	while (op && op->type != XML_ELEMENT_NODE)
		op = op->next;
	if (!op) {
		fault(r, 400, "ter:InvalidArgVal", "no operation in Body");
		return;
	}
	if (strcmp((const char *)op->name, "GetSystemDateAndTime") &&
	    !auth_ok(r, root)) {
		fault(r, 400, "ter:NotAuthorized", "Sender not authorized");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(optab); i++) {
		if (strcmp(optab[i].op, (const char *)op->name))
			continue;
		if (optab[i].h)
			optab[i].h(r, op);
		else
			optab[i].h0(r);
		return;
	}
	fault(r, 400, "ter:ActionNotSupported", "operation not supported");
}


static void reply(struct http_conn *conn, struct req *r)
{
	struct mbuf *mb = mbuf_alloc(1024);

	if (!mb)
		return;
	mbuf_printf(mb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		    "<s:Envelope " NS_DECL "><s:Body>");
	if (r->fault)
		mbuf_printf(mb, "<s:Fault><s:Code><s:Value>s:Sender</s:Value>"
			    "<s:Subcode><s:Value>%s</s:Value></s:Subcode>"
			    "</s:Code><s:Reason><s:Text xml:lang=\"en\">%s"
			    "</s:Text></s:Reason></s:Fault>", r->fault_sub,
			    r->fault_text);
	else
		mbuf_write_mem(mb, r->out->buf, r->out->end);
	mbuf_printf(mb, "</s:Body></s:Envelope>");
	(void)http_reply(conn, r->fault ? r->fault : 200,
			 r->fault ? "Error" : "OK",
			 "Content-Type: application/soap+xml; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n\r\n%b", mb->end, mb->buf,
			 mb->end);
	mem_deref(mb);
}


static void sim_state(struct http_conn *conn, struct simcam_sim *s)
{
	struct mbuf *mb = mbuf_alloc(512);

	mbuf_printf(mb, "{\"cameras\":[");
	simcam_lock();
	for (unsigned i = 0; i < s->n; i++) {
		const struct simcam *c = &s->cams[i];

		mbuf_printf(mb, "%s{\"idx\":%u,\"name\":\"%s\",\"pan_milli\":"
			    "%d,\"tilt_milli\":%d,\"zoom_milli\":%d,"
			    "\"moving\":%s,\"moves\":%u,\"stops\":%u,"
			    "\"svc_hits\":%u,\"snapshots\":%u}",
			    i ? "," : "", c->idx, c->name,
			    (int)(c->pan * 1000), (int)(c->tilt * 1000),
			    (int)(c->zoom * 1000),
			    c->move_until ? "true" : "false", c->moves,
			    c->stops, c->svc_hits, c->snapshots);
	}
	simcam_unlock();
	mbuf_printf(mb, "]}");
	(void)http_creply(conn, 200, "OK", "application/json", "%b",
			  mb->buf, mb->end);
	mem_deref(mb);
}


/* HTTP digest (RFC 2617, qop=auth), as cameras that authenticate at the
 * HTTP layer do */
static bool http_auth_ok(struct simcam_sim *s, const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	struct httpauth_digest_resp resp;
	uint8_t ha1[16];

	if (!h || httpauth_digest_response_decode(&resp, &h->val) ||
	    pl_strcmp(&resp.username, s->user) ||
	    pl_strcmp(&resp.realm, "simcam"))
		return false;
	if (md5_printf(ha1, "%s:simcam:%s", s->user, s->pass))
		return false;
	return !httpauth_digest_response_auth(&resp, &msg->met, ha1);
}


static void challenge(struct http_conn *conn)
{
	uint8_t nonce[16];

	rand_bytes(nonce, sizeof(nonce));
	(void)http_reply(conn, 401, "Unauthorized",
			 "WWW-Authenticate: Digest realm=\"simcam\", "
			 "nonce=\"%w\", qop=\"auth\"\r\n"
			 "Content-Length: 0\r\n\r\n", nonce, sizeof(nonce));
}


/* GET /snapshot/camN.jpg: behind HTTP digest whenever the camera has
 * an account, as real cameras' snapshot URLs are */
static void snapshot(struct http_conn *conn, const struct http_msg *msg,
		     struct simcam_sim *s, unsigned idx)
{
	struct mbuf *jpeg = NULL;

	if (!idx || idx > s->n) {
		(void)http_ereply(conn, 404, "Not Found");
		return;
	}
	if (s->pass[0] && !http_auth_ok(s, msg)) {
		challenge(conn);
		return;
	}
	if (simcam_snapshot(&s->cams[idx - 1], &jpeg)) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		return;
	}
	++s->cams[idx - 1].snapshots;
	(void)http_reply(conn, 200, "OK", "Content-Type: image/jpeg\r\n"
			 "Content-Length: %zu\r\n\r\n%b", jpeg->end,
			 jpeg->buf, jpeg->end);
	mem_deref(jpeg);
}


static void http_req(struct http_conn *conn, const struct http_msg *msg,
		     void *arg)
{
	struct simcam_sim *s = arg;
	struct req r = {.s = s};
	unsigned idx = 0;
	struct pl num;

	if (!pl_strcmp(&msg->path, "/sim/state")) {
		sim_state(conn, s);
		return;
	}
	if (!pl_strcmp(&msg->met, "GET") &&
	    !re_regex(msg->path.p, msg->path.l, "/snapshot/cam[0-9]+\\.jpg",
		      &num)) {
		snapshot(conn, msg, s, pl_u32(&num));
		return;
	}
	if (re_regex(msg->path.p, msg->path.l, "/onvif/cam[0-9]+/", &num) ||
	    pl_strcmp(&msg->met, "POST")) {
		(void)http_ereply(conn, 404, "Not Found");
		return;
	}
	idx = pl_u32(&num);
	if (!idx || idx > s->n) {
		(void)http_ereply(conn, 404, "Not Found");
		return;
	}
	if (s->http_auth && s->pass[0] && !http_auth_ok(s, msg)) {
		challenge(conn);
		return;
	}
	r.c = &s->cams[idx - 1];
	if (!re_regex(msg->path.p, msg->path.l, "/v2/", NULL))
		++r.c->svc_hits;
	r.out = mbuf_alloc(1024);
	r.doc = msg->mb ? xmlReadMemory((const char *)mbuf_buf(msg->mb),
					(int)mbuf_get_left(msg->mb), NULL,
					NULL, XML_PARSE_NONET |
					XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING) : NULL;
	if (!r.out)
		goto out;
	if (!r.doc)
		fault(&r, 400, "ter:WellFormed", "not well-formed XML");
	else
		dispatch(&r);
	reply(conn, &r);
 out:
	xmlFreeDoc(r.doc);
	mem_deref(r.out);
}


int simcam_onvif_start(struct simcam_sim *s)
{
	return http_listen(&s->hs, &s->onvif, http_req, s);
}
