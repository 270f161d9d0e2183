/**
 * @file test_mcptt_sipp.c  The ESN bearer against sipp as the network
 *
 * sipp (tests/sim/esn_uas_*.xml) plays the ESN network.  Debian's sipp
 * has no TLS, so the test puts a TLS relay of its own in front of it:
 * it demands a client certificate signed by the test CA (mutual TLS)
 * and relays the plain SIP to sipp over TCP.  The bearer runs in this
 * process's libre main loop; the test waits for its events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/ssl.h>
#include <re.h>
#include "core/conf.h"
#include "radio/radio.h"

enum { WAIT_MS = 15000 };

struct relay_conn {
	struct le le;
	struct tcp_conn *tc;        /* TLS side, from the bearer */
	struct tls_conn *sc;
	struct tcp_conn *up;        /* plain side, to sipp       */
	struct mbuf *pend;          /* bearer data before sipp is up */
	bool up_ok;
};

struct fx {
	char dir[64];
	char path[4][160];
	struct tls *tls;
	struct tcp_sock *ts;
	struct list conns;
	struct sa sipp;
	uint16_t relay_port;
	pid_t pid;

	bool link_up, link_down;
	char link_why[160];
	enum radio_group_state gst;
	int gev;
	char greason[160];
};

enum { P_CA, P_SRV, P_CLI, P_BADSRV };


/* ---- certificates ---- */

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);

	return system(cmd);
}


/* CA, server (SAN IP 127.0.0.1), client, and a server of another CA */
static void certs_make(struct fx *f)
{
	const char *d = f->dir;
	const char *q = "-days 2 -nodes -newkey rsa:2048 2>/dev/null";

	assert_int_equal(0, sh("cd %s && openssl req -x509 %s -subj /CN=ca "
			       "-keyout ca.key -out ca.pem && openssl req "
			       "-x509 %s -subj /CN=other -keyout o.key -out o.pem",
			       d, q, q));
	for (int i = 0; i < 3; i++) {
		static const char *n[] = {"srv", "cli", "bad"};
		static const char *ca[] = {"ca", "ca", "o"};

		assert_int_equal(0, sh("cd %s && openssl req -new %s "
				       "-subj /CN=%s -keyout %s.key -out %s.csr"
				       " && printf 'subjectAltName=IP:127.0.0.1"
				       "' > ext && openssl x509 -req -in "
				       "%s.csr -CA %s.pem -CAkey %s.key "
				       "-CAcreateserial -days 2 -extfile ext -out %s.crt "
				       "2>/dev/null && cat %s.crt %s.key > "
				       "%s.pem && chmod 600 %s.pem", d, q,
				       i == 1 ? "d1" : "esn", n[i], n[i], n[i],
				       ca[i], ca[i], n[i], n[i], n[i], n[i],
				       n[i]));
	}

	re_snprintf(f->path[P_CA], sizeof(f->path[0]), "%s/ca.pem", d);
	re_snprintf(f->path[P_SRV], sizeof(f->path[0]), "%s/srv.pem", d);
	re_snprintf(f->path[P_CLI], sizeof(f->path[0]), "%s/cli.pem", d);
	re_snprintf(f->path[P_BADSRV], sizeof(f->path[0]), "%s/bad.pem", d);
}


/* ---- TLS relay ---- */

static void rc_destructor(void *arg)
{
	struct relay_conn *rc = arg;

	list_unlink(&rc->le);
	mem_deref(rc->sc);
	mem_deref(rc->tc);
	mem_deref(rc->up);
	mem_deref(rc->pend);
}


static void rc_close(int err, void *arg)
{
	mem_deref(arg);
}


static void up_recv(struct mbuf *mb, void *arg)
{
	struct relay_conn *rc = arg;

	(void)tcp_send(rc->tc, mb);
}


static void up_estab(void *arg)
{
	struct relay_conn *rc = arg;

	rc->up_ok = true;
	if (rc->pend) {
		rc->pend->pos = 0;
		(void)tcp_send(rc->up, rc->pend);
		rc->pend = mem_deref(rc->pend);
	}
}


static void down_recv(struct mbuf *mb, void *arg)
{
	struct relay_conn *rc = arg;

	if (rc->up_ok) {
		(void)tcp_send(rc->up, mb);
		return;
	}
	if (!rc->pend)
		rc->pend = mbuf_alloc(mbuf_get_left(mb));
	(void)mbuf_write_mem(rc->pend, mbuf_buf(mb), mbuf_get_left(mb));
}


static void relay_conn_h(const struct sa *peer, void *arg)
{
	struct fx *f = arg;
	struct relay_conn *rc = mem_zalloc(sizeof(*rc), rc_destructor);
	int err;

	assert_non_null(rc);
	list_append(&f->conns, &rc->le, rc);
	err = tcp_accept(&rc->tc, f->ts, NULL, down_recv, rc_close, rc);
	err = err ? err : tls_start_tcp(&rc->sc, f->tls, rc->tc, 0);
	err = err ? err : tcp_connect(&rc->up, &f->sipp, up_estab, up_recv,
				      rc_close, rc);
	if (err)
		mem_deref(rc);
}


static void relay_start(struct fx *f, int cert)
{
	struct sa la;
	SSL_CTX *ctx;

	assert_int_equal(0, tls_alloc(&f->tls, TLS_METHOD_SSLV23,
				      f->path[cert], NULL));
	assert_int_equal(0, tls_add_ca(f->tls, f->path[P_CA]));
	/* the network demands a client certificate of its CA */
	ctx = tls_openssl_context(f->tls);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);

	assert_int_equal(0, sa_set_str(&la, "127.0.0.1", 0));
	assert_int_equal(0, tcp_listen(&f->ts, &la, relay_conn_h, f));
	assert_int_equal(0, tcp_local_get(f->ts, &la));
	f->relay_port = sa_port(&la);
}


/* ---- sipp ---- */

static uint16_t free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	assert_int_equal(0, getsockname(fd, (struct sockaddr *)&a, &al));
	close(fd);

	return ntohs(a.sin_port);
}


static bool port_open(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	ok = !connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);

	return ok;
}


static void sipp_start(struct fx *f, const char *scen)
{
	const char *src = getenv("ICCS_SRCDIR");
	char sf[512], port[8], relay[8], log[128];
	uint16_t p = free_port();

	re_snprintf(sf, sizeof(sf), "%s/tests/sim/%s", src ? src : ".",
		    scen);
	re_snprintf(port, sizeof(port), "%u", p);
	re_snprintf(relay, sizeof(relay), "%u", f->relay_port);
	re_snprintf(log, sizeof(log), "%s/sipp.log", f->dir);
	assert_int_equal(0, sa_set_str(&f->sipp, "127.0.0.1", p));

	f->pid = fork();
	assert_true(f->pid >= 0);
	if (!f->pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		execlp("sipp", "sipp", "-sf", sf, "-t", "t1", "-i",
		       "127.0.0.1", "-p", port, "-m", "2", "-nostdin",
		       "-key", "relay", relay, "-timeout", "30s",
		       (char *)NULL);
		_exit(127);
	}

	/* sipp is ready when its port accepts; it may take a moment */
	for (int i = 0; i < 500 && !port_open(p); i++) {
		int st;

		assert_int_equal(0, waitpid(f->pid, &st, WNOHANG));
		usleep(10000);
	}
}


/* ---- events and waiting ---- */

static void ev_link(bool up, const char *reason, void *arg)
{
	struct fx *f = arg;

	f->link_up = up;
	f->link_down = !up;
	str_ncpy(f->link_why, reason ? reason : "", sizeof(f->link_why));
	re_cancel();
}


static void ev_group(const char *tg, enum radio_group_state st,
		     const char *reason, const char *stream, void *arg)
{
	struct fx *f = arg;

	assert_string_equal("tg1", tg);
	f->gst = st;
	f->gev++;
	str_ncpy(f->greason, reason ? reason : "", sizeof(f->greason));
	re_cancel();
}


static const struct radio_events events = {
	.link = ev_link,
	.group = ev_group,
};


static void timeout_h(void *arg)
{
	*(bool *)arg = true;
	re_cancel();
}


/* Runs the main loop until *flag is true or WAIT_MS passed */
static bool wait_for(const bool *flag)
{
	struct tmr t;
	bool late = false;

	tmr_init(&t);
	tmr_start(&t, WAIT_MS, timeout_h, &late);
	while (!*flag && !late)
		(void)re_main(NULL);
	tmr_cancel(&t);

	return *flag;
}


static void wait_pid_h(void *arg);

struct pidw {
	struct fx *f;
	struct tmr t;
	bool done;
	int status;
};

static void wait_pid_h(void *arg)
{
	struct pidw *w = arg;

	if (waitpid(w->f->pid, &w->status, WNOHANG) == w->f->pid) {
		w->done = true;
		w->f->pid = 0;
		re_cancel();
		return;
	}
	tmr_start(&w->t, 20, wait_pid_h, w);
}


/* sipp exits 0 once its scenario ran to the end for every call */
static int sipp_exit(struct fx *f)
{
	struct pidw w = {.f = f};

	tmr_init(&w.t);
	tmr_start(&w.t, 20, wait_pid_h, &w);
	(void)wait_for(&w.done);
	tmr_cancel(&w.t);

	return w.done && WIFEXITED(w.status) ? WEXITSTATUS(w.status) : -1;
}


/* ---- fixture ---- */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || libre_init())
		return -1;
	str_ncpy(f->dir, "/tmp/test_mcptt_sipp.XXXXXX", sizeof(f->dir));
	if (!mkdtemp(f->dir))
		return -1;
	certs_make(f);
	*state = f;

	return 0;
}


static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->pid > 0) {
		(void)kill(f->pid, SIGKILL);
		(void)waitpid(f->pid, NULL, 0);
	}
	list_flush(&f->conns);
	mem_deref(f->ts);
	mem_deref(f->tls);
	(void)sh("rm -rf %s", f->dir);
	free(f);
	libre_close();

	return 0;
}


static void conf_fill(struct conf *c, struct fx *f, char *server,
		      size_t sz)
{
	memset(c, 0, sizeof(*c));
	re_snprintf(server, sz, "127.0.0.1:%u", f->relay_port);
	c->esn_server = server;
	c->esn_domain = "esn.test";
	c->esn_mcptt_id = "sip:d1@esn.test";
	c->esn_client_cert = f->path[P_CLI];
	c->esn_ca = f->path[P_CA];
	c->esn_priority = 100;
	c->esn_rtp_addr = "127.0.0.1";
}


static struct bearer *bearer_up(struct fx *f)
{
	struct bearer *b = NULL;
	struct conf c;
	char server[64];

	conf_fill(&c, f, server, sizeof(server));
	assert_int_equal(0, mcptt_bearer_alloc(&b, &c, &events, f, NULL));
	assert_true(wait_for(&f->link_up));

	return b;
}


/* Runs the main loop until the group leaves st (or WAIT_MS passed) */
static enum radio_group_state group_next(struct fx *f,
					 enum radio_group_state st)
{
	struct tmr t;
	bool late = false;

	tmr_init(&t);
	tmr_start(&t, WAIT_MS, timeout_h, &late);
	while (f->gst == st && !late)
		(void)re_main(NULL);
	tmr_cancel(&t);

	return f->gst;
}


/* ---- tests ---- */

static void test_register_join_leave(void **state)
{
	struct fx *f = *state;
	struct bearer *b;

	relay_start(f, P_SRV);
	sipp_start(f, "esn_uas_ok.xml");
	b = bearer_up(f);

	assert_int_equal(0, b->ops->group_join(b, "tg1",
					       "sip:tg1@esn.test"));
	assert_int_equal(RADIO_GROUP_JOINING, f->gst);
	assert_int_equal(RADIO_GROUP_JOINED,
			 group_next(f, RADIO_GROUP_JOINING));

	/* floor is ours to ask for now; sipp does not answer it */
	assert_int_equal(0, b->ops->ptt_request(b, "tg1", 50, false));
	assert_int_equal(0, b->ops->group_leave(b, "tg1"));
	assert_int_equal(RADIO_GROUP_IDLE, f->gst);

	assert_int_equal(0, sipp_exit(f));
	b->ops->free(b);
}


static void join_refused(struct fx *f, const char *scen, const char *want)
{
	struct bearer *b;

	relay_start(f, P_SRV);
	sipp_start(f, scen);
	b = bearer_up(f);

	assert_int_equal(0, b->ops->group_join(b, "tg1",
					       "sip:tg1@esn.test"));
	assert_int_equal(RADIO_GROUP_FAILED,
			 group_next(f, RADIO_GROUP_JOINING));
	print_message("reason: %s\n", f->greason);
	assert_string_equal(want, f->greason);

	assert_int_equal(0, sipp_exit(f));
	b->ops->free(b);
}


static void test_join_404(void **state)
{
	join_refused(*state, "esn_uas_404.xml", "404 no such group");
}


static void test_join_488(void **state)
{
	join_refused(*state, "esn_uas_488.xml",
		     "488 media offer not acceptable");
}


/* A network certificate of another CA: the link never comes up */
static void test_untrusted_server(void **state)
{
	struct fx *f = *state;
	struct bearer *b = NULL;
	struct conf c;
	char server[64];

	relay_start(f, P_BADSRV);
	sipp_start(f, "esn_uas_ok.xml");  /* would register, if reached */
	conf_fill(&c, f, server, sizeof(server));
	assert_int_equal(0, mcptt_bearer_alloc(&b, &c, &events, f, NULL));
	assert_true(wait_for(&f->link_down));
	assert_false(f->link_up);
	print_message("reason: %s\n", f->link_why);
	assert_non_null(strstr(f->link_why, "registration"));
	mem_deref(b);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_join_leave,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_404, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_join_488, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_server, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
