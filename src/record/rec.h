/**
 * @file rec.h  Recording: every voice path to Ogg Opus files, indexed
 *
 * The media engine's tap (media_tap) hands each stream's received and
 * transmitted 20 ms frames to a bounded lock-free ring; a recorder thread
 * cuts them into one recording per transmission (per stream and
 * direction, closed after a pause), encodes Ogg Opus and writes it with
 * fsync at close.  The main loop then indexes the closed file in SQLite
 * and enters its SHA-256 into the audit chain.  Who talked comes from
 * the "radio.floor" events on the bus.  The media thread never waits: a
 * full ring drops the frame, counts it and raises an alarm; so do a full
 * disk or a failed write.  Main-loop thread only (but see rec_verify).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct rec;
struct conf;
struct store;
struct audit;
struct media;

int  rec_alloc(struct rec **rp, const struct conf *cf, struct store *st,
	       struct audit *au, struct media *m);
/* Before the daemon drops root: the recording dir for the run_as user */
int  rec_dir_prepare(const struct conf *cf);

/* Index search: q may hold "resource", "talker", "operator", "position",
 * "from_ms", "to_ms", "limit" (<= 500), newest first */
int  rec_search(struct rec *r, const json_t *q, json_t **arrp);
/* The same on a store, without a running recorder (iccsctl) */
int  rec_index_search(struct store *st, const json_t *q, json_t **arrp);
/* One row by id (a new reference) or NULL */
json_t *rec_get(struct rec *r, int64_t id);
/* Full path of a recording's file, into buf */
int  rec_path(struct rec *r, const char *file, char *buf, size_t sz);

/* Replay: decode rows (as searched: newest first) into one 16 kHz WAV
 * off the main loop, one after the other (oldest first) or mixed on
 * their own timeline; then h(err, wav, arg) on the main loop, arg
 * referenced until then.  At once: ENOENT when a file is missing,
 * EBUSY when too many replays wait. */
typedef void (rec_replay_h)(int err, const char *wav, void *arg);
int  rec_replay(struct rec *r, const json_t *rows, bool mix,
		const char *tag, rec_replay_h *h, void *arg);

/* Decode a recording to 16 kHz mono PCM (a malloc'd array: free()) */
int  rec_decode_file(const char *path, int16_t **pcmp, size_t *np);
/* Write pcm as a 16 kHz mono WAV (for media_play) */
int  rec_wav_write(const char *path, const int16_t *pcm, size_t n);

/* Counters for /metrics and tests: {"frames", "dropped", "files",
 * "failed", "open", "bytes", "write_errors", "alarms": {what: {"on",
 * "reason", "since"}}} (a new reference) */
json_t *rec_status(struct rec *r);

/* Problem found by rec_verify: the file and what is wrong */
typedef void (rec_problem_h)(const char *file, const char *what,
			     void *arg);
/* Check every indexed file against the SHA-256 the audit chain holds,
 * and look for files nobody indexed.  Usable without a running daemon
 * (iccsctl).  0 when all is intact, EBADMSG when a problem was found. */
int  rec_verify(struct store *st, const char *dir, rec_problem_h *ph,
		void *arg, unsigned *countp);
