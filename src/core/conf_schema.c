/**
 * @file conf_schema.c  Every config key: type, bounds, default, doc
 *
 * The tables below are the single source of truth: the loader checks the
 * YAML tree against them, builds struct conf from them and
 * `iccsd --help-config` prints them (docs/CONFIG.md is made from that
 * output, so regenerate it when a key changes).
 */
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "core/conf.h"
#include "core/conf_int.h"


static const struct cy_node *get(const struct cy_node *item, const char *k)
{
	const struct cy_node *n = cy_get(item, k);

	return cy_null(n) ? NULL : n;
}


/* A position's console is served by one node; a node at another site
 * would put its audio across the inter-site link for no reason and
 * break the site's independence when the link fails. */
static int position_check(struct vctx *v, const struct cy_node *item,
			  const char *path)
{
	const struct cy_node *site = get(item, "site");
	const struct cy_node *node = get(item, "node");
	const struct cy_node *nsite;

	if (!site || !node)
		return 0;

	nsite = get(conf_ix_find(v, IX_NODE, node->str), "site");
	if (nsite && strcmp(nsite->str, site->str))
		return conf_fail(v, node->line, "%s.node: node '%b' is at "
				 "site '%b', not '%b'", path, CONF_VAL(node),
				 CONF_VAL(nsite), CONF_VAL(site));

	return 0;
}


static int talkgroup_check(struct vctx *v, const struct cy_node *item,
			   const char *path)
{
	const struct cy_node *esn  = get(item, "esn_group");
	const struct cy_node *gssi = get(item, "tetra_gssi");
	const struct cy_node *pref = get(item, "preferred_bearer");
	const struct cy_node *rl = get(item, "rtp_local");
	const struct cy_node *rr = get(item, "rtp_remote");
	const struct cy_node *codec = get(item, "codec");

	if (!rl && (rr || codec))
		return conf_fail(v, (rr ? rr : codec)->line, "%s.%s needs "
				 "rtp_local", path, rr ? "rtp_remote" :
				 "codec");

	if (!esn && !gssi)
		return conf_fail(v, item->line, "%s: needs esn_group or "
				 "tetra_gssi (or both)", path);

	if (pref && !strcmp(pref->str, "esn") && !esn)
		return conf_fail(v, pref->line, "%s.preferred_bearer: 'esn' "
				 "but no esn_group is configured", path);
	if (pref && !strcmp(pref->str, "tetra") && !gssi)
		return conf_fail(v, pref->line, "%s.preferred_bearer: "
				 "'tetra' but no tetra_gssi is configured",
				 path);

	return 0;
}


/* ONVIF alone is enough (GetStreamUri finds the stream), RTSP alone is
 * enough (no PTZ); with neither the camera cannot be reached at all. */
static int camera_check(struct vctx *v, const struct cy_node *item,
			const char *path)
{
	if (!get(item, "onvif") && !get(item, "rtsp"))
		return conf_fail(v, item->line, "%s: needs rtsp or onvif "
				 "(or both)", path);

	return 0;
}


/* server is host:port (a name is allowed: the TLS check needs it);
 * rtp_addr is a bare IP address. */
static int esn_check(struct vctx *v, const struct cy_node *item,
		     const char *path)
{
	const struct cy_node *srv = get(item, "server");
	const struct cy_node *ra = get(item, "rtp_addr");
	const char *colon = srv ? strrchr(srv->str, ':') : NULL;
	long long port = 0;
	struct sa sa;

	if (srv && (!colon || colon == srv->str ||
		    conf_int_parse(&port, colon + 1) || port < 1 ||
		    port > 65535 || strpbrk(srv->str, " /@;")))
		return conf_fail(v, srv->line, "esn.server: '%b' is not "
				 "host:port (e.g. esn.example.net:5061)",
				 CONF_VAL(srv));
	if (ra && sa_set_str(&sa, ra->str, 0))
		return conf_fail(v, ra->line, "esn.rtp_addr: '%b' is not an "
				 "IP address", CONF_VAL(ra));

	return 0;
}


/* A TLS trunk cannot listen without a certificate */
static int trunk_check(struct vctx *v, const struct cy_node *item,
		       const char *path)
{
	const struct cy_node *tr = get(item, "transport");

	if (tr && !strcmp(tr->str, "tls") && !get(item, "cert"))
		return conf_fail(v, tr->line, "%s.transport: tls needs a "
				 "cert", path);

	return 0;
}


/* terminal is host:port or an absolute device path */
static int tetra_check(struct vctx *v, const struct cy_node *item,
		       const char *path)
{
	const struct cy_node *t = get(item, "terminal");
	const char *colon = t ? strrchr(t->str, ':') : NULL;
	long long port = 0;

	(void)path;
	if (!t || t->str[0] == '/')
		return 0;
	if (!colon || colon == t->str || conf_int_parse(&port, colon + 1) ||
	    port < 1 || port > 65535 || strpbrk(t->str, " /@;"))
		return conf_fail(v, t->line, "tetra.terminal: '%b' is neither "
				 "host:port nor a device path (/dev/...)",
				 CONF_VAL(t));
	return 0;
}


/* ---- the tables ---- */

#define CO(f) offsetof(struct conf, f)
#define SECT(nm, tbl) \
	.name = nm, .keys = tbl, .keyc = ARRAY_SIZE(tbl)
#define LISTOF(arr, cnt, type) \
	.arroff = CO(arr), .cntoff = CO(cnt), .itemsz = sizeof(type)

static const struct conf_key node_keys[] = {
	{.name = "id", .type = CK_REF, .flags = CK_REQ, .min = 1, .max = 32,
	 .ref = IX_NODE, .off = CO(node_id),
	 .doc = "Which of nodes[] this iccsd is."},
	{.name = "state_dir", .type = CK_PATH, .flags = CK_MKDIR,
	 .min = 1, .max = 1024, .def = ".", .off = CO(state_dir),
	 .doc = "Directory for runtime files (store, recordings index). "
		"Must exist, or its parent must."},
};

static const struct conf_key listen_keys[] = {
	{.name = "https", .type = CK_ADDR, .flags = CK_REQ,
	 .off = CO(https_addr),
	 .doc = "Address of the HTTPS/WSS port for consoles and the REST "
		"API: IPv4:port or [IPv6]:port."},
};

static const struct conf_key tls_keys[] = {
	{.name = "cert", .type = CK_PATH, .flags = CK_REQ | CK_SECRET,
	 .min = 1, .max = 1024, .off = CO(tls_cert),
	 .doc = "PEM file with the certificate chain and the private key; "
		"mode 0600."},
	{.name = "min_version", .type = CK_TLSVER, .def = "1.2",
	 .off = CO(tls_min_version),
	 .doc = "Lowest TLS version offered. Anything below 1.2 is "
		"refused as insecure."},
};

static const struct conf_key security_keys[] = {
	{.name = "audit_key", .type = CK_PATH,
	 .flags = CK_REQ | CK_SECRET, .min = 1, .max = 1024,
	 .off = CO(audit_key),
	 .doc = "HMAC key file for the hash-chained audit log; mode 0600."},
	{.name = "run_as", .type = CK_USER, .max = 32, .def = "nobody",
	 .off = CO(run_as),
	 .doc = "User to drop to after binding when started as root."},
	{.name = "lockout_attempts", .type = CK_INT, .min = 1, .max = 20,
	 .def = "5", .off = CO(lockout_attempts), .scale = 1,
	 .doc = "Failed logins in a row before an account is locked."},
	{.name = "lockout_minutes", .type = CK_INT, .min = 1, .max = 1440,
	 .def = "15", .off = CO(lockout_secs), .scale = 60,
	 .doc = "How long a lockout lasts."},
	{.name = "session_idle_minutes", .type = CK_INT, .min = 5,
	 .max = 1440, .def = "720", .off = CO(session_idle_secs),
	 .scale = 60,
	 .doc = "A console session with no activity for this long ends."},
};

static const struct conf_key log_keys[] = {
	{.name = "level", .type = CK_ENUM, .def = "info",
	 .arg = "debug|info|notice|warn|error", .off = CO(log_level),
	 .doc = "Lowest level written to the log."},
	{.name = "target", .type = CK_ENUM, .def = "stderr",
	 .arg = "stderr|syslog", .off = CO(log_target),
	 .doc = "Where log lines go."},
};

static const struct conf_key media_keys[] = {
	{.name = "wav_dir", .type = CK_PATH, .flags = CK_ISDIR, .min = 1,
	 .max = 1024, .off = CO(wav_dir),
	 .doc = "Directory of sound files that audio.play may play into a "
		"talkgroup or position (tests, demos, training)."},
};

static const struct conf_key recording_keys[] = {
	{.name = "dir", .type = CK_PATH, .min = 1, .max = 1024,
	 .off = CO(rec_dir),
	 .doc = "Directory of the recordings (Ogg Opus, one folder per "
		"day). Default: <state_dir>/recordings."},
	{.name = "retention_days", .type = CK_INT, .min = 0, .max = 36500,
	 .def = "0", .off = CO(rec_retention_days), .scale = 1,
	 .doc = "Recordings older than this are deleted (audited) by "
		"`iccsctl recordings purge`; 0 keeps them for ever."},
	{.name = "min_free_mb", .type = CK_INT, .min = 0, .max = 10000000,
	 .def = "100", .off = CO(rec_min_free_mb), .scale = 1,
	 .doc = "An alarm is raised when the recording file system has "
		"less free space than this."},
};

static const struct conf_key telephony_keys[] = {
	{.name = "ring_s", .type = CK_INT, .min = 3, .max = 300, .def = "15",
	 .off = CO(tel_ring_s), .scale = 1,
	 .doc = "An offer (or a transfer to a position) unanswered this "
		"long goes to the next call taker (or back to the queue)."},
	{.name = "grace_s", .type = CK_INT, .min = 0, .max = 3600,
	 .def = "30", .off = CO(tel_grace_s), .scale = 1,
	 .doc = "The call of a position that went away (logout, lost "
		"connection) waits this long for it at the head of the "
		"queue before any call taker may take it; 0: no wait."},
	{.name = "announce_s", .type = CK_INT, .min = 1, .max = 600,
	 .def = "8", .off = CO(tel_announce_s), .scale = 1,
	 .doc = "Seconds between the announcements a waiting caller "
		"hears."},
	{.name = "rtp_timeout_s", .type = CK_INT, .min = 0, .max = 3600,
	 .def = "60", .off = CO(tel_rtp_timeout_s), .scale = 1,
	 .doc = "A call whose caller sent no RTP for this long is ended "
		"(audited with the reason); 0: never."},
	{.name = "silent_s", .type = CK_INT, .min = 0, .max = 600,
	 .def = "10", .off = CO(tel_silent_s), .scale = 1,
	 .doc = "A connected caller with no speech energy this long is "
		"flagged silent to the call taker; 0: never."},
	{.name = "dial_s", .type = CK_INT, .min = 5, .max = 600,
	 .def = "60", .off = CO(tel_dial_s), .scale = 1,
	 .doc = "An outbound call (dial out, consult, transfer to an "
		"outside number) not answered within this is given up."},
};

static const struct conf_key cctv_keys[] = {
	{.name = "credentials", .type = CK_PATH, .flags = CK_SECRET,
	 .min = 1, .max = 1024, .off = CO(cctv_credentials),
	 .doc = "File with the cameras' ONVIF account, one line "
		"user:password; mode 0600. Without it ONVIF requests carry "
		"no credentials."},
	{.name = "lock_idle_s", .type = CK_INT, .min = 1, .max = 3600,
	 .def = "15", .off = CO(cctv_lock_idle_ms), .scale = 1000,
	 .doc = "A PTZ control lock is released (and Stop sent) after this "
		"many seconds without a command from its holder."},
	{.name = "discovery", .type = CK_ADDR,
	 .def = "239.255.255.250:3702", .off = CO(cctv_discovery),
	 .doc = "Where camera.discover sends its WS-Discovery Probe: the "
		"multicast group, or one device's ip:port."},
};

#define EO(f) CO(esn_##f)
static const struct conf_key esn_keys[] = {
	{.name = "server", .type = CK_STR, .flags = CK_REQ, .min = 3,
	 .max = 256, .off = EO(server),
	 .doc = "ESN SIP proxy (TLS): host:port or ip:port. Its "
		"certificate must name this host."},
	{.name = "domain", .type = CK_STR, .flags = CK_REQ, .min = 1,
	 .max = 128, .off = EO(domain),
	 .doc = "ESN SIP domain (REGISTER sip:<domain>)."},
	{.name = "mcptt_id", .type = CK_URL, .flags = CK_REQ, .min = 5,
	 .max = 256, .arg = "sip:", .off = EO(mcptt_id),
	 .doc = "MCPTT ID of this dispatcher, sip:user@domain."},
	{.name = "client_cert", .type = CK_PATH,
	 .flags = CK_REQ | CK_SECRET, .min = 1, .max = 1024,
	 .off = EO(client_cert),
	 .doc = "PEM file with the client certificate and its private "
		"key for mutual TLS; mode 0600."},
	{.name = "ca", .type = CK_PATH, .flags = CK_REQ, .min = 1,
	 .max = 1024, .off = EO(ca),
	 .doc = "PEM file with the CA that signs the network's "
		"certificate."},
	{.name = "priority", .type = CK_INT, .min = 1, .max = 255,
	 .def = "100", .off = EO(priority), .scale = 1,
	 .doc = "Floor priority (mc_priority) asked for; the network may "
		"grant less."},
	{.name = "rtp_addr", .type = CK_STR, .min = 2, .max = 64,
	 .def = "127.0.0.1", .off = EO(rtp_addr),
	 .doc = "Local IP address for ESN media and SIP."},
};

#define TT(f) CO(tetra_##f)
static const struct conf_key tetra_keys[] = {
	{.name = "terminal", .type = CK_STR, .flags = CK_REQ, .min = 3,
	 .max = 256, .off = TT(terminal),
	 .doc = "The TETRA terminal's PEI: host:port (TCP) or the path of a "
		"serial device (/dev/ttyUSB0, 9600 8N1)."},
	{.name = "rtp_local", .type = CK_ADDR, .flags = CK_REQ,
	 .off = TT(rtp_local),
	 .doc = "Our end of the radio gateway's voice (RTP), ip:port."},
	{.name = "rtp_remote", .type = CK_ADDR, .off = TT(rtp_remote),
	 .doc = "The radio gateway's RTP address; without it, learnt from "
		"the first packet."},
	{.name = "codec", .type = CK_ENUM, .def = "PCMA",
	 .arg = "PCMA|PCMU|L16|AMR-WB|opus", .off = TT(codec),
	 .doc = "Codec of the gateway's RTP voice."},
	{.name = "mode", .type = CK_INT, .min = 0, .max = 6, .def = "0",
	 .off = TT(mode), .scale = 1,
	 .doc = "Operating mode (AT+CTOM): 0 trunked (V+D), 1 direct (DMO)."},
	{.name = "priority", .type = CK_INT, .min = 0, .max = 3, .def = "1",
	 .off = TT(priority), .scale = 1,
	 .doc = "Transmit demand priority (AT+CTXD): 0 low, 1 high, "
		"2 pre-emptive, 3 emergency."},
	{.name = "failback", .type = CK_BOOL, .def = "true",
	 .off = TT(failback),
	 .doc = "A talkgroup that moved to its other bearer moves back when "
		"its preferred bearer works again."},
};

static const struct conf_key store_keys[] = {
	{.name = "path", .type = CK_PATH, .min = 1, .max = 1024,
	 .off = CO(store_path),
	 .doc = "SQLite database (audit, call history). "
		"Default: <state_dir>/iccs.db."},
};

static const struct conf_key web_keys[] = {
	{.name = "root", .type = CK_PATH, .flags = CK_REQ | CK_ISDIR,
	 .min = 1, .max = 1024, .off = CO(web_root),
	 .doc = "Directory of the web console's static files."},
};

#define ID_KEY(type_, off_) \
	{.name = "id", .type = CK_ID, .flags = CK_REQ, .min = 1, \
	 .max = 32, .off = offsetof(type_, off_), \
	 .doc = "Unique id, used in references and the API."}
#define NAME_KEY(type_, doc_) \
	{.name = "name", .type = CK_STR, .flags = CK_REQ, .min = 1, \
	 .max = 64, .off = offsetof(type_, name), .doc = doc_}

static const struct conf_key site_keys[] = {
	ID_KEY(struct conf_site, id),
	NAME_KEY(struct conf_site, "Name shown to operators."),
};

static const struct conf_key nodes_keys[] = {
	ID_KEY(struct conf_node, id),
	{.name = "site", .type = CK_REF, .flags = CK_REQ, .min = 1,
	 .max = 32, .ref = IX_SITE, .off = offsetof(struct conf_node, site),
	 .doc = "Site the node runs at."},
};

#define PO(f) offsetof(struct conf_position, f)
static const struct conf_key position_keys[] = {
	{.name = "id", .type = CK_POSID, .flags = CK_REQ, .min = 1,
	 .max = 16, .off = PO(id),
	 .doc = "Unique position id, e.g. the label on the desk (L01)."},
	NAME_KEY(struct conf_position, "Name shown to operators."),
	{.name = "site", .type = CK_REF, .flags = CK_REQ, .min = 1,
	 .max = 32, .ref = IX_SITE, .off = PO(site),
	 .doc = "Site the position is at."},
	{.name = "node", .type = CK_REF, .flags = CK_REQ, .min = 1,
	 .max = 32, .ref = IX_NODE, .off = PO(node),
	 .doc = "Node serving the position; must be at the same site."},
	{.name = "spare", .type = CK_BOOL, .def = "false", .off = PO(spare),
	 .doc = "A spare position operators move to during upgrades."},
	{.name = "layout", .type = CK_REF, .min = 1, .max = 32,
	 .ref = IX_LAYOUT, .off = PO(layout),
	 .doc = "Layout of this position; without it the layout of the "
		"operator's role is used."},
};

static const struct conf_key dirent_keys[] = {
	{.name = "id", .type = CK_STR, .flags = CK_REQ, .min = 3, .max = 256,
	 .off = offsetof(struct conf_dirent, id),
	 .doc = "Radio id as the bearer reports it: an MCPTT ID "
		"(sip:user@domain) or tetra:<ISSI>."},
	{.name = "alias", .type = CK_STR, .flags = CK_REQ, .min = 1,
	 .max = 64, .off = offsetof(struct conf_dirent, alias),
	 .doc = "What consoles show for it, e.g. a call sign."},
};

#define TO(f) offsetof(struct conf_trunk, f)
static const struct conf_key trunk_keys[] = {
	{.name = "id", .type = CK_ID, .flags = CK_REQ, .min = 1, .max = 32,
	 .off = TO(id), .doc = "Unique trunk id, shown with each call."},
	{.name = "transport", .type = CK_ENUM, .def = "udp",
	 .arg = "udp|tcp|tls", .off = TO(transport),
	 .doc = "SIP transport the trunk listens on."},
	{.name = "listen", .type = CK_ADDR, .flags = CK_REQ,
	 .off = TO(listen),
	 .doc = "Local SIP address; call media (RTP) uses the same IP."},
	{.name = "cert", .type = CK_PATH, .flags = CK_SECRET, .min = 1,
	 .max = 1024, .off = TO(cert),
	 .doc = "tls: PEM file with certificate and key; mode 0600."},
	{.name = "credentials", .type = CK_PATH, .flags = CK_SECRET,
	 .min = 1, .max = 1024, .off = TO(credentials),
	 .doc = "Digest credentials (one line user:password) INVITEs must "
		"answer; mode 0600. Without it no authentication."},
	{.name = "srtp", .type = CK_BOOL, .def = "false", .off = TO(srtp),
	 .doc = "Calls must use SRTP (RTP/SAVP, SDES keys)."},
	{.name = "peer", .type = CK_ADDR, .off = TO(peer),
	 .doc = "ip:port of the carrier's SIP side that outbound calls "
		"(dial out, transfers to outside numbers) go to. Without "
		"it the trunk only receives calls."},
};

#define LO(f) offsetof(struct conf_layout, f)
static const struct conf_key layout_keys[] = {
	ID_KEY(struct conf_layout, id),
	NAME_KEY(struct conf_layout, "Name shown to operators."),
	{.name = "roles", .type = CK_ROLES, .flags = CK_REQ, .min = 1,
	 .max = 5, .off = LO(roles),
	 .doc = "Roles this layout is the default for."},
	{.name = "panels", .type = CK_PANELS, .flags = CK_REQ, .min = 1,
	 .max = 11, .off = LO(panels), .cntoff = LO(panelc),
	 .doc = "Console panels, in screen order."},
};

#define RO(f) offsetof(struct conf_resource, f)
#define RES_KEYS \
	ID_KEY(struct conf_resource, id), \
	NAME_KEY(struct conf_resource, "Name shown to operators."), \
	{.name = "roles", .type = CK_ROLES, .flags = CK_REQ, .min = 1, \
	 .max = 5, .off = RO(roles), \
	 .doc = "Roles allowed to see and act on it."}

static const struct conf_key talkgroup_keys[] = {
	RES_KEYS,
	{.name = "esn_group", .type = CK_URL, .flags = CK_ATTR, .min = 5,
	 .max = 256, .arg = "sip:|sips:",
	 .doc = "ESN (MCPTT) group URI."},
	{.name = "tetra_gssi", .type = CK_INT, .flags = CK_ATTR, .min = 1,
	 .max = 16777215,
	 .doc = "Airwave (TETRA) group short subscriber identity."},
	{.name = "preferred_bearer", .type = CK_ENUM, .flags = CK_ATTR,
	 .arg = "esn|tetra",
	 .doc = "Bearer used when both are up. Default: esn if esn_group "
		"is set, else tetra; must name a configured bearer."},
	{.name = "rtp_local", .type = CK_ADDR, .flags = CK_ATTR,
	 .doc = "Fixed RTP voice stream from a radio gateway: the local "
		"address iccsd receives on (RTCP on port+1)."},
	{.name = "rtp_remote", .type = CK_ADDR, .flags = CK_ATTR,
	 .doc = "Where the gateway receives our voice; without it, where "
		"its packets come from (symmetric RTP). Needs rtp_local."},
	{.name = "codec", .type = CK_ENUM, .flags = CK_ATTR,
	 .arg = "PCMU|PCMA|L16|opus|AMR-WB|AMR-WB-OA",
	 .doc = "Codec of the fixed RTP stream (AMR-WB: bandwidth-"
		"efficient, AMR-WB-OA: octet-aligned). Needs rtp_local; "
		"default PCMU."},
};

static const struct conf_key queue_keys[] = {
	RES_KEYS,
	{.name = "numbers", .type = CK_DIGITS, .flags = CK_REQ | CK_ATTR,
	 .min = 1, .max = 16,
	 .doc = "Dialled numbers routed to this queue, e.g. [\"999\"]."},
	{.name = "priority", .type = CK_INT, .flags = CK_ATTR, .min = 0,
	 .max = 100, .def = "5",
	 .doc = "Higher is offered to call takers first."},
};

static const struct conf_key camera_keys[] = {
	RES_KEYS,
	{.name = "onvif", .type = CK_URL, .flags = CK_ATTR, .min = 8,
	 .max = 512, .arg = "http://|https://",
	 .doc = "ONVIF device service URL (PTZ, stream discovery)."},
	{.name = "rtsp", .type = CK_URL, .flags = CK_ATTR, .min = 8,
	 .max = 512, .arg = "rtsp://|rtsps://",
	 .doc = "RTSP stream URL (H.264). rtsp or onvif is required."},
	{.name = "ptz", .type = CK_BOOL, .flags = CK_ATTR, .def = "false",
	 .doc = "The camera can pan, tilt and zoom."},
};

static const struct conf_key wall_tile_keys[] = {
	RES_KEYS,
	{.name = "wall", .type = CK_STR, .flags = CK_REQ | CK_ATTR,
	 .min = 1, .max = 64, .doc = "Video wall the tile belongs to."},
	{.name = "index", .type = CK_INT, .flags = CK_REQ | CK_ATTR,
	 .min = 1, .max = 64, .doc = "Tile number on that wall."},
};

static const struct conf_key intercom_keys[] = {
	RES_KEYS,
	{.name = "position", .type = CK_REF, .flags = CK_REQ | CK_ATTR,
	 .min = 1, .max = 16, .ref = IX_POSITION,
	 .doc = "Position the intercom calls."},
};

static const struct conf_sect
	sect_node     = {SECT("node", node_keys)},
	sect_listen   = {SECT("listen", listen_keys)},
	sect_tls      = {SECT("tls", tls_keys)},
	sect_security = {SECT("security", security_keys)},
	sect_log      = {SECT("log", log_keys)},
	sect_store    = {SECT("store", store_keys)},
	sect_media    = {SECT("media", media_keys)},
	sect_recording = {SECT("recording", recording_keys)},
	sect_esn      = {SECT("esn", esn_keys), .check = esn_check},
	sect_tetra    = {SECT("tetra", tetra_keys), .check = tetra_check},
	sect_web      = {SECT("web", web_keys)},
	sect_cctv     = {SECT("cctv", cctv_keys)},
	sect_telephony = {SECT("telephony", telephony_keys)},
	sect_sites    = {SECT("sites", site_keys), .ix = IX_SITE,
			 LISTOF(sites, sitec, struct conf_site)},
	sect_nodes    = {SECT("nodes", nodes_keys), .ix = IX_NODE,
			 LISTOF(nodes, nodec, struct conf_node)},
	sect_positions = {SECT("positions", position_keys),
			  .ix = IX_POSITION, .check = position_check,
			  LISTOF(positions, positionc,
				 struct conf_position)},
	sect_trunks = {SECT("trunks", trunk_keys), .check = trunk_check,
		       LISTOF(trunks, trunkc, struct conf_trunk)},
	sect_directory = {SECT("directory", dirent_keys),
			  LISTOF(directory, directoryc, struct conf_dirent)},
	sect_layouts  = {SECT("layouts", layout_keys),
			 .ix = IX_LAYOUT,
			 LISTOF(layouts, layoutc, struct conf_layout)};

/* all resource kinds share one array and one id space */
#define RES_SECT(nm, tbl, t, chk) \
	{SECT(nm, tbl), .ix = IX_RESOURCE, .restype = t, .check = chk, \
	 LISTOF(resources, resourcec, struct conf_resource)}

static const struct conf_sect
	sect_talkgroups = RES_SECT("talkgroups", talkgroup_keys,
				   RES_TALKGROUP, talkgroup_check),
	sect_queues     = RES_SECT("queues", queue_keys, RES_QUEUE, NULL),
	sect_cameras    = RES_SECT("cameras", camera_keys, RES_CAMERA,
				   camera_check),
	sect_wall_tiles = RES_SECT("wall_tiles", wall_tile_keys,
				   RES_WALL_TILE, NULL),
	sect_intercoms  = RES_SECT("intercoms", intercom_keys, RES_INTERCOM,
				   NULL);

#define SECTION(nm, fl, sect, d) \
	{.name = nm, .type = CK_MAP, .flags = fl, .sub = &sect, .doc = d}
#define LIST(nm, fl, lo, hi, sect, d) \
	{.name = nm, .type = CK_LIST, .flags = fl, .min = lo, .max = hi, \
	 .sub = &sect, .doc = d}

static const struct conf_key root_keys[] = {
	SECTION("node", CK_REQ, sect_node, "This iccsd instance."),
	SECTION("listen", CK_REQ, sect_listen, "Listening sockets."),
	SECTION("tls", CK_REQ, sect_tls, "TLS for every listening port."),
	SECTION("security", CK_REQ, sect_security,
		"Accounts, sessions, audit and privileges."),
	SECTION("log", 0, sect_log, "Logging."),
	SECTION("store", 0, sect_store, "Local durable store."),
	SECTION("media", 0, sect_media, "Audio: sound files for tests."),
	SECTION("recording", 0, sect_recording, "Recording of every voice "
		"path."),
	SECTION("web", CK_REQ, sect_web, "The web console."),
	SECTION("cctv", 0, sect_cctv, "Digital CCTV: camera credentials, "
		"PTZ control lock."),
	SECTION("telephony", 0, sect_telephony, "999/101 call "
		"handling: timers of the queues and calls."),
	SECTION("esn", 0, sect_esn, "ESN (MCPTT) bearer; without this "
		"section it is off."),
	SECTION("tetra", 0, sect_tetra, "Airwave (TETRA) bearer through a "
		"terminal's PEI; without this section it is off."),
	LIST("sites", CK_REQ, 1, 256, sect_sites,
	     "Sites of the control room (e.g. Lambeth, Hendon, Bow)."),
	LIST("nodes", CK_REQ, 1, 1024, sect_nodes,
	     "iccsd instances, one or more per site."),
	LIST("positions", CK_REQ, 1, 4096, sect_positions,
	     "Operator working positions (consoles)."),
	LIST("layouts", CK_REQ, 1, 1024, sect_layouts,
	     "Console layouts: which panels appear, per role or position."),
	LIST("talkgroups", 0, 0, 4096, sect_talkgroups,
	     "Radio talkgroups over ESN and/or Airwave (TETRA)."),
	LIST("queues", 0, 0, 1024, sect_queues,
	     "Telephone queues (999, 101, ...)."),
	LIST("cameras", 0, 0, 4096, sect_cameras, "CCTV cameras."),
	LIST("wall_tiles", 0, 0, 4096, sect_wall_tiles,
	     "Video wall tiles cameras can be routed to."),
	LIST("intercoms", 0, 0, 4096, sect_intercoms,
	     "Intercom targets (position to position)."),
	LIST("trunks", 0, 0, 64, sect_trunks,
	     "SIP trunks 999/101 calls arrive on (telephony)."),
	LIST("directory", 0, 0, 65536, sect_directory,
	     "Radio fleet directory: aliases (call signs) of radio ids."),
};

const struct conf_sect conf_root = {SECT("", root_keys)};


/* ---- iccsd --help-config ---- */

static int type_print(struct re_printf *pf, void *arg)
{
	const struct conf_key *k = arg;
	unsigned f = k->flags;

	switch (k->type) {

	case CK_STR:
		return re_hprintf(pf, "text, %lld..%lld characters",
				  k->min, k->max);
	case CK_ID:
	case CK_POSID:
		return re_hprintf(pf, "id (%sa-z 0-9 -), %lld..%lld "
				  "characters", k->type == CK_POSID ?
				  "A-Z " : "", k->min, k->max);
	case CK_INT:
		return re_hprintf(pf, "integer %lld..%lld", k->min, k->max);
	case CK_BOOL:
		return re_hprintf(pf, "true|false");
	case CK_ENUM:
		return re_hprintf(pf, "%s", k->arg);
	case CK_PATH:
		return re_hprintf(pf, "path%s", f & CK_SECRET ?
				  " of a file with mode 0600" :
				  f & CK_ISDIR ? " of a directory" :
				  f & CK_MKDIR ? " of a directory (it or its "
				  "parent must exist)" : "");
	case CK_ADDR:
		return re_hprintf(pf, "ip:port or [ipv6]:port");
	case CK_TLSVER:
		return re_hprintf(pf, "\"1.2\"|\"1.3\"");
	case CK_USER:
		return re_hprintf(pf, "user name, not root");
	case CK_URL:
		return re_hprintf(pf, "URL starting with %s", k->arg);
	case CK_REF:
		return re_hprintf(pf, "id of a %s", conf_ix_noun(k->ref));
	case CK_ROLES:
		return re_hprintf(pf, "list of %lld..%lld roles",
				  k->min, k->max);
	case CK_PANELS:
		return re_hprintf(pf, "list of %lld..%lld panels",
				  k->min, k->max);
	case CK_DIGITS:
		return re_hprintf(pf, "list of %lld..%lld digit strings",
				  k->min, k->max);
	case CK_MAP:
		return re_hprintf(pf, "section");
	case CK_LIST:
		return re_hprintf(pf, "list of %lld..%lld entries",
				  k->min, k->max);
	default:
		return 0;
	}
}


static int key_print(struct re_printf *pf, const char *prefix,
		     const struct conf_key *k)
{
	char name[48];
	int err;

	(void)re_snprintf(name, sizeof(name), "%s%s%s", prefix,
			  *prefix ? "." : "", k->name);

	err = re_hprintf(pf, "%-30s %H", name, type_print, (void *)k);
	if (k->flags & CK_REQ)
		err |= re_hprintf(pf, ", required");
	else if (k->def)
		err |= re_hprintf(pf, ", default %s", k->def);
	else
		err |= re_hprintf(pf, ", optional");

	err |= re_hprintf(pf, "\n    %s\n", k->doc);

	return err;
}


/**
 * Print every key with type, bounds, default and doc.
 */
int conf_schema_print(struct re_printf *pf, void *unused)
{
	int err;

	(void)unused;

	err = re_hprintf(pf, "iccsd configuration: one YAML file. Lists are "
			 "indexed from 0 in messages (positions[0]).\n\n");

	for (size_t i = 0; i < conf_root.keyc; i++) {
		const struct conf_key *s = &conf_root.keys[i];
		char prefix[32];

		(void)re_snprintf(prefix, sizeof(prefix), "%s%s", s->name,
				  s->type == CK_LIST ? "[]" : "");
		err |= key_print(pf, "", s);
		for (size_t j = 0; j < s->sub->keyc; j++)
			err |= key_print(pf, prefix, &s->sub->keys[j]);
		err |= re_hprintf(pf, "\n");
	}

	err |= re_hprintf(pf, "roles:  %H\npanels: %H\n",
			  conf_role_names, NULL, conf_panel_names, NULL);

	return err;
}
