/**
 * @file callers.c  `iccs-sim callers`: 999/101 callers on a SIP trunk
 *
 * Places calls at a given rate (one call to a flood), each with speech
 * (sim/common/speech.c), a tone or silence, and hangs up after a hold
 * time, early (abandoned), or when the control room does.  Without
 * --http it exits when every call has ended, printing a summary; with
 * it a loopback control API places and ends calls (callers_http.c).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/secfile.h"
#include "media/codec.h"
#include "common/speech.h"
#include "callers.h"

#define MOD "callers"
#define DEFAULT_SPEECH "Hello, I need an ambulance. There has been an " \
	"accident on the high street, a man is hurt."

enum { MEDIA_TICK_MS = 10 };

/* Calls of one request still to place, paced at spec.rate */
struct batch {
	struct le le;
	struct callers *cs;
	struct callers_spec spec;
	unsigned done;
	uint64_t t0;
	struct tmr tmr;
};

/* Set by SIGTERM/SIGINT, acted on by the media tick in the loop's own
 * context (the handler does nothing that is not async-signal-safe) */
static volatile sig_atomic_t g_stop;


uint64_t callers_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void check_done(struct callers *cs)
{
	if (cs->wait_all && !list_head(&cs->batches) &&
	    cs->failed + cs->ended >= cs->placed)
		re_cancel();
}


void callers_ended(struct caller *c)
{
	struct callers *cs = c->cs;

	if (c->st == CALLER_TRYING) {
		++cs->failed;
		log_info(MOD, "call %llu to %s refused: %u %s",
			 (unsigned long long)c->id, c->spec.number, c->scode,
			 c->reason);
	}
	else {
		++cs->ended;
	}
	check_done(cs);
}


static void batch_destructor(void *arg)
{
	struct batch *b = arg;

	tmr_cancel(&b->tmr);
	list_unlink(&b->le);
}


static void batch_tick(void *arg)
{
	struct batch *b = arg;
	struct callers *cs = b->cs;
	uint64_t due = (uint64_t)((double)(callers_now() - b->t0) *
				  b->spec.rate / 1000.0) + 1;
	struct caller *c;
	int err;

	while (b->done < b->spec.count && b->done < due) {
		++b->done;
		err = caller_alloc(&c, cs, &b->spec);
		if (err) {
			++cs->failed;
			++cs->placed;
			log_warn(MOD, "cannot place a call: %m", err);
		}
	}
	if (b->done >= b->spec.count) {
		mem_deref(b);
		check_done(cs);
		return;
	}
	tmr_start(&b->tmr, b->spec.rate >= 50 ? 5 :
		  (uint64_t)(1000 / b->spec.rate / 2) + 1, batch_tick, b);
}


int callers_batch_add(struct callers *cs, const struct callers_spec *spec)
{
	struct batch *b;

	if (!spec->count || spec->rate <= 0)
		return EINVAL;
	b = mem_zalloc(sizeof(*b), batch_destructor);
	if (!b)
		return ENOMEM;
	b->cs = cs;
	b->spec = *spec;
	b->t0 = callers_now();
	tmr_init(&b->tmr);
	list_append(&cs->batches, &b->le, b);
	tmr_start(&b->tmr, 0, batch_tick, b);
	return 0;
}


static void media_tick(void *arg)
{
	struct callers *cs = arg;
	uint64_t now = callers_now();

	if (g_stop) {
		cs->wait_all = true;
		re_cancel();
		return;
	}

	for (struct le *le = cs->calls.head; le; le = le->next)
		caller_media_tick(le->data, now);
	tmr_start(&cs->media, MEDIA_TICK_MS, media_tick, cs);
}


static int sip_start(struct callers *cs)
{
	struct sa la = cs->laddr;
	int err;

	sa_set_port(&la, 0);
	err = dnsc_alloc(&cs->dnsc, NULL, NULL, 0);
	err = err ? err : sip_alloc(&cs->sip, cs->dnsc, 1024, 1024, 1024,
				    "iccs-sim callers", NULL, NULL);
	if (!err && cs->tp == SIP_TRANSP_TLS)
		err = tls_alloc(&cs->tls, TLS_METHOD_SSLV23, NULL, NULL);
	err = err ? err : sip_transp_add(cs->sip, cs->tp, &la, cs->tls);
	return err ? err : sipsess_listen(&cs->sock, cs->sip, 1024, NULL,
					  NULL);
}


/* "user:" from the command line, the password from a 0600 file */
static int password_load(struct callers *cs, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err = secfile_read(path, &buf, &len);

	if (err)
		return err;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		--len;
	cs->pass = mem_zalloc(len + 1, NULL);
	if (!cs->pass)
		err = ENOMEM;
	else
		memcpy(cs->pass, buf, len);
	mem_deref(buf);
	return err;
}


static void usage(void)
{
	re_fprintf(stderr,
"usage: iccs-sim callers --trunk HOST:PORT [options]\n"
"  --transport udp|tcp|tls   SIP transport (udp)\n"
"  --local IP                our address for SIP and RTP (127.0.0.1)\n"
"  --number N                number dialled (999)\n"
"  --caller ID               caller id (default: 07700900NNNN per call)\n"
"  --calls N                 calls to place (1; with --http: 0)\n"
"  --rate R                  calls per second (1)\n"
"  --hold S                  hang up S s after the answer (0: wait for\n"
"                            the control room's BYE)\n"
"  --abandon F               share 0..1 of callers who hang up early\n"
"  --abandon-after S         ... this long after the answer (3)\n"
"  --silent                  silent caller: packets, no speech energy\n"
"  --tone HZ                 a tone instead of speech\n"
"  --speech TEXT|FILE.wav    what callers say (espeak-ng voice); up to\n"
"                            8 times: calls take the sentences in turn\n"
"  --srtp                    SRTP (SDES, AES_CM_128_HMAC_SHA1_80)\n"
"  --user U --password-file F  digest credentials (F: mode 0600)\n"
"  --http 127.0.0.1:PORT     control API (loopback only); stay running\n");
}


static int parse_args(struct callers *cs, struct callers_spec *sp,
		      int argc, char *argv[])
{
	static const struct option opts[] = {
		{"trunk", 1, 0, 't'}, {"transport", 1, 0, 'T'},
		{"local", 1, 0, 'l'}, {"number", 1, 0, 'n'},
		{"caller", 1, 0, 'c'}, {"calls", 1, 0, 'N'},
		{"rate", 1, 0, 'r'}, {"hold", 1, 0, 'H'},
		{"abandon", 1, 0, 'a'}, {"abandon-after", 1, 0, 'A'},
		{"silent", 0, 0, 's'}, {"tone", 1, 0, 'f'},
		{"speech", 1, 0, 'S'}, {"srtp", 0, 0, 'x'},
		{"user", 1, 0, 'u'}, {"password-file", 1, 0, 'p'},
		{"http", 1, 0, 'h'}, {0, 0, 0, 0},
	};
	const char *trunk = NULL, *pwfile = NULL;
	int o, err = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't': trunk = optarg; break;
		case 'T':
			cs->tp = !strcmp(optarg, "tls") ? SIP_TRANSP_TLS :
				!strcmp(optarg, "tcp") ? SIP_TRANSP_TCP :
				!strcmp(optarg, "udp") ? SIP_TRANSP_UDP :
				SIP_TRANSP_NONE;
			break;
		case 'l': err = sa_set_str(&cs->laddr, optarg, 0); break;
		case 'n': str_ncpy(sp->number, optarg, sizeof(sp->number));
			break;
		case 'c': str_ncpy(sp->caller, optarg, sizeof(sp->caller));
			break;
		case 'N': sp->count = (unsigned)atoi(optarg); break;
		case 'r': sp->rate = atof(optarg); break;
		case 'H': sp->hold_s = (unsigned)atoi(optarg); break;
		case 'a': sp->abandon = atof(optarg); break;
		case 'A': sp->abandon_s = (unsigned)atoi(optarg); break;
		case 's': sp->silent = true; break;
		case 'f': sp->tone_hz = (unsigned)atoi(optarg); break;
		case 'S':
			if (cs->nspeech < CALLERS_VOICES)
				cs->speech[cs->nspeech++] = optarg;
			break;
		case 'x': cs->srtp = true; break;
		case 'u': err = str_dup(&cs->user, optarg); break;
		case 'p': pwfile = optarg; break;
		case 'h': err = str_dup(&cs->http, optarg); break;
		default: return EINVAL;
		}
		if (err)
			return err;
	}
	if (!trunk || sa_decode(&cs->trunk, trunk, strlen(trunk))) {
		re_fprintf(stderr, "callers: --trunk HOST:PORT (an IP "
			   "address) is required\n");
		return EINVAL;
	}
	if (!sp->count && !cs->http)
		sp->count = 1;
	if (cs->tp == SIP_TRANSP_NONE || sp->rate <= 0 ||
	    sp->abandon < 0 || sp->abandon > 1 || !*sp->number ||
	    !cs->user != !pwfile) {
		re_fprintf(stderr, "callers: bad option (transport, calls, "
			   "rate, abandon, number, or --user without "
			   "--password-file)\n");
		return EINVAL;
	}
	if (pwfile && (err = password_load(cs, pwfile))) {
		re_fprintf(stderr, "callers: --password-file %s: %m\n",
			   pwfile, err);
		return err;
	}
	return 0;
}


static void summary(const struct callers *cs)
{
	json_t *calls = json_array(), *j;
	char *s;

	for (struct le *le = cs->calls.head; le; le = le->next)
		json_array_append_new(calls, caller_json(le->data));
	j = json_pack("{s:i, s:i, s:i, s:i, s:o}", "placed", cs->placed,
		      "answered", cs->answered, "failed", cs->failed,
		      "ended", cs->ended, "calls", calls);
	s = json_dumps(j, JSON_COMPACT);
	re_printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(j);
}


static void signal_h(int sig)
{
	(void)sig;
	g_stop = 1;
}


static void callers_close(struct callers *cs)
{
	tmr_cancel(&cs->media);
	list_flush(&cs->batches);
	list_flush(&cs->calls);
	cs->hs = mem_deref(cs->hs);
	cs->sock = mem_deref(cs->sock);
	if (cs->sip)
		sip_close(cs->sip, true);   /* pending transactions too */
	cs->sip = mem_deref(cs->sip);
	cs->tls = mem_deref(cs->tls);
	cs->dnsc = mem_deref(cs->dnsc);
	for (unsigned i = 0; i < cs->nvoice; i++)
		cs->voice[i].pcm = mem_deref(cs->voice[i].pcm);
	cs->user = mem_deref(cs->user);
	cs->pass = mem_deref(cs->pass);
	cs->http = mem_deref(cs->http);
}


int callers_main(int argc, char *argv[])
{
	struct callers cs = {.tp = SIP_TRANSP_UDP};
	struct callers_spec sp = {.number = "999", .rate = 1,
				  .abandon_s = 3};
	int err;

	log_setup(LOG_LVL_INFO, LOG_TARGET_STDERR, "iccs-sim");
	(void)sa_set_str(&cs.laddr, "127.0.0.1", 0);
	err = parse_args(&cs, &sp, argc, argv);
	if (err) {
		usage();
		callers_close(&cs);
		return 2;
	}
	if (!cs.nspeech)
		cs.speech[cs.nspeech++] = DEFAULT_SPEECH;
	for (unsigned i = 0; i < cs.nspeech; i++) {
		if (sim_speech(cs.speech[i], &cs.voice[cs.nvoice].pcm,
			       &cs.voice[cs.nvoice].n)) {
			log_warn(MOD, "no speech for '%s' (espeak-ng/sox)",
				 cs.speech[i]);
			continue;
		}
		++cs.nvoice;
	}

	tmr_init(&cs.media);
	err = sip_start(&cs);
	if (!err && cs.http)
		err = callers_http_start(&cs);
	if (err) {
		log_error(MOD, "start: %m", err);
		goto out;
	}
	cs.wait_all = !cs.http;
	log_info(MOD, "callers: ready, trunk %J%s%s%s%s", &cs.trunk,
		 cs.srtp ? ", SRTP" : "", cs.user ? ", digest" : "",
		 cs.http ? ", control API on " : "", cs.http ? cs.http : "");
	if (sp.count)
		err = callers_batch_add(&cs, &sp);
	tmr_start(&cs.media, MEDIA_TICK_MS, media_tick, &cs);
	if (!err) {
		struct sigaction sa = {.sa_handler = signal_h};

		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGINT, &sa, NULL);
		err = re_main(NULL);
	}

	/* hang up whoever is still on the line, let the BYEs go out */
	for (struct le *le = cs.calls.head; le; le = le->next)
		caller_hangup(le->data);
	summary(&cs);
 out:
	callers_close(&cs);
	return err ? 1 : cs.failed ? 1 : 0;
}
