/**
 * @file main.c  iccsd: the OpenICCS daemon of one node
 *
 * Start-up order matters for security: the whole config is validated
 * before anything else; secrets (TLS key, audit key) are read and the
 * port bound while still root; then the daemon drops to the unprivileged
 * user for good.  SIGTERM shuts down in order, SIGHUP reloads what may
 * change at run time.
 */
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <pthread.h>
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/store.h"
#include "core/audit.h"
#include "auth/passwd.h"
#include "auth/session.h"
#include "cluster/cluster.h"
#include "position/pos.h"
#include "position/pos_audio.h"
#include "media/media.h"
#include "radio/tg.h"
#include "radio/rcall.h"
#include "record/rec.h"
#include "camera/cam.h"
#include "phone/phone.h"
#include "api/api.h"

#define MOD "iccsd"

enum { EXIT_CONFIG = 2 };

static struct {
	struct conf *conf;
	struct store *store;
	struct audit *audit;
	struct cluster *cluster;
	struct pos_reg *pos;
	struct session_mgr *sessions;
	struct pos_audio *paudio;
	struct media *media;
	struct tg_service *tgs;
	struct rcall_service *rcalls;
	struct phone *phone;
	struct rec *rec;
	struct cam_reg *cams;
	struct api *api;
	int sigfd;
} d = {.sigfd = -1};


/* libre polls at most 1024 descriptors per thread unless told, and every
 * call leg holds two sockets: take what the system allows, up to FDS_MAX
 * (the media thread does the same for its own loop) */
enum { FDS_MAX = 65536 };

static void fds_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < FDS_MAX && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < FDS_MAX ? rl.rlim_max : FDS_MAX;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		(void)fd_setsize(rl.rlim_cur < FDS_MAX ? (int)rl.rlim_cur :
				 FDS_MAX);
}


static void usage(void)
{
	fprintf(stderr,
		"usage: iccsd -c CONFIG [--check]\n"
		"       iccsd --help-config\n"
		"  -c, --config FILE  the node's YAML config\n"
		"      --check        validate the config and exit "
		"(0 good, 2 bad)\n"
		"      --help-config  list every config key\n");
}


/* Keys read once at start: a change needs a restart */
static void restart_keys_warn(const struct conf *o, const struct conf *n)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"listen.https",       offsetof(struct conf, https_addr)},
		{"tls.cert",           offsetof(struct conf, tls_cert)},
		{"security.audit_key", offsetof(struct conf, audit_key)},
		{"security.run_as",    offsetof(struct conf, run_as)},
		{"store.path",         offsetof(struct conf, store_path)},
		{"node.id",            offsetof(struct conf, node_id)},
		{"node.state_dir",     offsetof(struct conf, state_dir)},
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *a = *(char * const *)((const char *)o + keys[i].off);
		const char *b = *(char * const *)((const char *)n + keys[i].off);

		if (str_cmp(a, b))
			log_warn(MOD, "%s changed: needs a restart, ignored "
				 "until then", keys[i].key);
	}
	if (o->tls_min_version != n->tls_min_version)
		log_warn(MOD, "tls.min_version changed: needs a restart");
}


static void reload(void)
{
	struct conf *nc = NULL;
	enum log_level lvl;
	char err[512];

	/* Files were checked at start, as root; after the drop the daemon
	 * may not even see them, and they only matter at start anyway. */
	if (conf_load(&nc, d.conf->file, 0, err, sizeof(err))) {
		log_error(MOD, "reload refused, keeping the running config: %s",
			  err);
		(void)audit_log(d.audit, "system", NULL, "config.reload",
				d.conf->file, "failed", NULL);
		return;
	}

	restart_keys_warn(d.conf, nc);
	if (!log_level_parse(&lvl, nc->log_level))
		log_set_level(lvl);

	api_set_conf(d.api, nc);
	cam_reg_set_conf(d.cams, nc);
	session_mgr_set_conf(d.sessions, nc);
	pos_reg_set_conf(d.pos, nc);
	mem_deref(d.conf);
	d.conf = nc;

	(void)audit_log(d.audit, "system", NULL, "config.reload",
			d.conf->file, "ok", NULL);
	log_notice(MOD, "config reloaded from %s", d.conf->file);
}


static void handle_signal(int sig)
{
	switch (sig) {

	case SIGHUP:
		reload();
		break;

	case SIGINT:
	case SIGTERM:
		log_notice(MOD, "signal %d: shutting down", sig);
		re_cancel();
		break;

	default:
		break;
	}
}


/* Signals arrive as reads on a signalfd in the main loop: the reload and
 * the shutdown then run as ordinary main-loop code, never inside an
 * asynchronous signal handler. */
static void sigfd_handler(int flags, void *arg)
{
	struct signalfd_siginfo si;

	(void)flags;
	(void)arg;
	while (read(d.sigfd, &si, sizeof(si)) == sizeof(si))
		handle_signal((int)si.ssi_signo);
}


static void signals_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}


/* Before any thread starts, so that every thread inherits the mask and
 * the signals can only be read from the signalfd. */
static int signals_block(void)
{
	sigset_t set;

	signals_set(&set);
	signal(SIGPIPE, SIG_IGN);
	return pthread_sigmask(SIG_BLOCK, &set, NULL);
}


static int signals_init(void)
{
	sigset_t set;

	signals_set(&set);
	d.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.sigfd < 0)
		return errno;

	return fd_listen(d.sigfd, FD_READ, sigfd_handler, NULL);
}


static void chown_if(const char *path, uid_t uid, gid_t gid)
{
	if (chown(path, uid, gid) && errno != ENOENT)
		log_warn(MOD, "cannot give %s to uid %u: %m", path,
			 (unsigned)uid, errno);
}


/* Run as root: the state dir and the store's files go to the run_as
 * user, who must write them after the drop (SQLite's -wal and -shm, the
 * audit head written by rename). */
static void own_state(const struct conf *cf, uid_t uid, gid_t gid)
{
	static const char *sfx[] = {"", "-wal", "-shm", ".audit-head"};
	char path[1024], dir[1024];

	chown_if(cf->state_dir, uid, gid);
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		re_snprintf(path, sizeof(path), "%s%s", cf->store_path, sfx[i]);
		chown_if(path, uid, gid);
	}

	str_ncpy(dir, cf->store_path, sizeof(dir));
	if (strcmp(dirname(dir), cf->state_dir))
		log_warn(MOD, "store.path is outside node.state_dir: its "
			 "directory must be writable by %s", cf->run_as);
}


static int drop_root(const struct conf *cf)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;

	pw = getpwnam(cf->run_as);
	if (!pw) {
		log_error(MOD, "security.run_as: no user '%s'", cf->run_as);
		return ENOENT;
	}

	own_state(cf, pw->pw_uid, pw->pw_gid);
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return errno;

	/* Make sure there is no way back */
	if (setuid(0) == 0) {
		log_error(MOD, "could regain root after the drop");
		return EPERM;
	}

	log_notice(MOD, "running as %s (uid %u)", cf->run_as,
		   (unsigned)pw->pw_uid);
	return 0;
}


static int prepare_state(const struct conf *cf)
{
	struct passwd *pw;

	if (mkdir(cf->state_dir, 0700) && errno != EEXIST) {
		log_error(MOD, "cannot create %s: %m", cf->state_dir, errno);
		return errno;
	}
	if (geteuid() != 0)
		return 0;

	/* Before the store is opened, so that files SQLite creates next
	 * go into a directory the run_as user owns. */
	pw = getpwnam(cf->run_as);
	if (pw)
		own_state(cf, pw->pw_uid, pw->pw_gid);
	return 0;
}


static void frames_handler(const struct media_frame *frames, size_t n,
			   void *arg)
{
	(void)arg;
	api_audio_frames(d.api, frames, n);
}


/* Talkgroups with a fixed RTP stream (a radio gateway's) get it now;
 * streams of the bearers come and go with their calls. */
static int streams_start(const struct conf *cf)
{
	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		const char *local = json_string_value(
			json_object_get(rs->attrs, "rtp_local"));
		const char *remote = json_string_value(
			json_object_get(rs->attrs, "rtp_remote"));
		const char *codec = json_string_value(
			json_object_get(rs->attrs, "codec"));
		struct media_stream_cfg sc = {0};
		struct sa laddr, raddr;
		int err;

		if (rs->type != RES_TALKGROUP || !local)
			continue;

		str_ncpy(sc.id, rs->id, sizeof(sc.id));
		err = sa_decode(&laddr, local, strlen(local));
		if (!err && remote)
			err = sa_decode(&raddr, remote, strlen(remote));
		if (err)
			return err;

		sc.local = &laddr;
		sc.remote = remote ? &raddr : NULL;
		sc.codec = codec && !strcmp(codec, "AMR-WB-OA") ? "AMR-WB" :
			(codec ? codec : "PCMU");
		sc.fmtp = codec && !strcmp(codec, "AMR-WB-OA") ?
			"octet-align=1" : NULL;
		err = media_stream_add(d.media, &sc);
		if (err) {
			log_error(MOD, "talkgroup %s: no RTP stream on %s: %m",
				  rs->id, local, err);
			return err;
		}
		log_info(MOD, "talkgroup %s: RTP %s on %s", rs->id, sc.codec,
			 local);
	}
	return 0;
}


static int start(void)
{
	struct api_ctx ctx;
	int err;

	err = prepare_state(d.conf);
	if (err)
		return err;

	err = store_open(&d.store, d.conf->store_path);
	if (err) {
		log_error(MOD, "cannot open store %s: %m", d.conf->store_path,
			  err);
		return err;
	}

	err = audit_alloc(&d.audit, d.store, d.conf->audit_key);
	if (!err)
		err = audit_writer_start(d.audit);
	if (err) {
		log_error(MOD, "cannot start the audit trail: %m", err);
		return err;
	}

	err = passwd_worker_init();
	if (!err)
		err = cluster_alloc(&d.cluster, "local");
	if (!err)
		err = pos_reg_alloc(&d.pos, d.conf, d.cluster);
	if (err)
		return err;

	err = session_mgr_alloc(&d.sessions, d.store, d.audit, d.pos, d.conf);
	if (err) {
		log_error(MOD, "cannot start sessions: %m", err);
		return err;
	}

	err = pos_audio_alloc(&d.paudio);
	if (!err)
		err = media_alloc(&d.media, frames_handler, NULL);
	if (!err)
		err = streams_start(d.conf);
	if (err) {
		log_error(MOD, "cannot start the media engine: %m", err);
		return err;
	}

	err = tg_alloc(&d.tgs, d.conf, d.media, d.paudio);
	if (err) {
		log_error(MOD, "cannot start the radio bearers: %m", err);
		return err;
	}
	tg_audit_set(d.tgs, d.audit);
	err = rcall_alloc(&d.rcalls, d.conf, d.tgs, d.media, d.paudio);
	if (err)
		return err;

	err = phone_alloc(&d.phone, d.conf, d.media, d.paudio, d.audit);
	if (err) {
		log_error(MOD, "cannot start telephony: %m", err);
		return err;
	}

	/* after the media engine and the bus's floor events exist, before
	 * any audio flows */
	err = rec_dir_prepare(d.conf);
	if (!err)
		err = rec_alloc(&d.rec, d.conf, d.store, d.audit, d.media);
	if (err) {
		log_error(MOD, "cannot start recording: %m", err);
		return err;
	}

	ctx = (struct api_ctx){d.conf, d.store, d.audit, d.sessions, d.pos,
			       d.paudio, d.media, d.tgs, d.phone};
	ctx.rec = d.rec;
	ctx.rcalls = d.rcalls;
	err = cam_reg_alloc(&d.cams, d.conf, d.audit, d.store);
	if (err) {
		log_error(MOD, "cannot start the cameras: %m", err);
		return err;
	}
	ctx.cams = d.cams;
	err = api_alloc(&d.api, &ctx);
	if (err)
		return err;

	err = drop_root(d.conf);
	if (err)
		return err;

	return signals_init();
}


static void stop(void)
{
	if (d.audit)
		(void)audit_log(d.audit, "system", NULL, "daemon.stop",
				d.conf->node_id, "ok", NULL);
	api_shutdown(d.api);
	d.api = mem_deref(d.api);
	d.cams = mem_deref(d.cams);   /* Stop to held cameras, relays end */
	d.phone = mem_deref(d.phone);   /* every call ends, recorded */
	d.rcalls = mem_deref(d.rcalls);   /* detaches from tgs */
	d.tgs = mem_deref(d.tgs);
	d.media = mem_deref(d.media);
	d.rec = mem_deref(d.rec);   /* after media: the tap is gone */
	d.paudio = mem_deref(d.paudio);
	d.sessions = mem_deref(d.sessions);
	d.pos = mem_deref(d.pos);
	d.cluster = mem_deref(d.cluster);
	passwd_worker_close();
	d.audit = mem_deref(d.audit);
	d.store = mem_deref(d.store);
	if (d.sigfd >= 0) {
		fd_close(d.sigfd);
		close(d.sigfd);
	}
	bus_close();
	d.conf = mem_deref(d.conf);
}


int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"config",      required_argument, NULL, 'c'},
		{"check",       no_argument,       NULL, 'k'},
		{"help-config", no_argument,       NULL, 'H'},
		{"help",        no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool check = false;
	enum log_level lvl = LOG_LVL_INFO;
	char why[512];
	int c, err;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 'H': re_fprintf(stdout, "%H", conf_schema_print, NULL);
			  return 0;
		case 'h': usage(); return 0;
		default:  usage(); return EXIT_CONFIG;
		}
	}
	if (!path) {
		usage();
		return EXIT_CONFIG;
	}

	if (conf_load(&d.conf, path, CONF_CHECK_FILES, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: configuration is valid\n", path);
		d.conf = mem_deref(d.conf);
		return 0;
	}

	(void)log_level_parse(&lvl, d.conf->log_level);
	log_setup(lvl, !str_cmp(d.conf->log_target, "syslog") ?
		  LOG_TARGET_SYSLOG : LOG_TARGET_STDERR, "iccsd");

	err = api_tls_init(d.conf->tls_min_version);
	if (err || signals_block() || libre_init())
		return 1;
	fds_raise();

	err = start();
	if (!err) {
		(void)audit_log(d.audit, "system", NULL, "daemon.start",
				d.conf->node_id, "ok", NULL);
		log_notice(MOD, "node %s ready", d.conf->node_id);
		err = re_main(NULL);
	}

	stop();
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
