/**
 * @file rec_int.h  Private to the recording module (rec*.c)
 *
 * Three threads meet here.  The media thread only ever calls
 * rec_ring_put (lock-free, never waits).  The recorder thread owns the
 * open recordings and their files.  The main loop owns the index and the
 * audit chain.  Between recorder and main loop: two short mutex-guarded
 * lists (floor news in, closed files and alarms out), never held across
 * any I/O.  Include after <re.h>, <pthread.h>, <stdatomic.h>.
 */
#include <jansson.h>

struct store;

enum {
	REC_RING     = 16384, /* frames in flight (12 MB): 32 streams
			       * for 10 s, a recorder starved of CPU
			       * on a loaded machine catches up      */
	REC_GAP_MS   = 600,   /* a pause this long ends a transmission   */
	REC_GAP_TICKS = REC_GAP_MS / 20,
	REC_IDLE_MS  = 10,    /* recorder sleep when the ring is empty   */
	REC_DISK_MS  = 2000,  /* free space checked this often           */
	REC_ID       = 64,
	REC_TALKER   = 192,
	REC_FILE     = 256,
	REC_PCM      = 320,   /* AUD_FRAME: 20 ms at 16 kHz              */
	REC_RATE     = 16000,
	REC_BITRATE  = 24000,
};

/* One tapped frame, copied into the ring by the media thread */
struct rec_frame {
	char stream[REC_ID];
	uint8_t dir;                  /* enum media_tap_dir             */
	uint64_t tick;
	int16_t pcm[REC_PCM];
};

/* Single producer (media thread), single consumer (recorder thread) */
struct rec_ring {
	struct rec_frame *v;
	size_t cap;                   /* a power of two                 */
	atomic_size_t head;           /* next slot the producer fills   */
	atomic_size_t tail;           /* next slot the consumer reads   */
	atomic_ullong dropped;
	atomic_ullong frames;
};

int  rec_ring_init(struct rec_ring *rg, size_t cap);
void rec_ring_free(struct rec_ring *rg);
bool rec_ring_put(struct rec_ring *rg, const char *stream, uint8_t dir,
		  uint64_t tick, const int16_t *pcm);
const struct rec_frame *rec_ring_peek(struct rec_ring *rg);
void rec_ring_pop(struct rec_ring *rg);

/* Which way a patch carries a resource's voice (rec_floor.carry) */
enum rec_carry {
	REC_CARRY_NONE = 0,
	REC_CARRY_OUT,                /* this side's talker to the peer  */
	REC_CARRY_IN,                 /* the peer's talker onto this one */
};

/* Who talks on a resource (main -> recorder): from the floor events of
 * talkgroups, and for a call leg (resource "call-<id>") the caller as
 * talker and the answering position.  Across a patch, what this side
 * transmits may be the peer's talker (carry IN): ctalker, or the
 * dispatcher keying the peer in position. */
struct rec_floor {
	struct le le;
	char resource[REC_ID];
	char talker[REC_TALKER];      /* radio id receiving, or ""      */
	char alias[REC_ID];
	char position[REC_ID];        /* position holding PTT, or ""    */
	char operator_[REC_ID];
	enum rec_carry carry;
	char patch[REC_ID];           /* patch id while carrying        */
	char peer[REC_ID];            /* the patch's other talkgroup    */
	char ctalker[REC_TALKER];     /* carry IN: the peer's talker    */
	char calias[REC_ID];
};

/* Out of the recorder thread (recorder -> main) */
enum rec_out_type {
	REC_OUT_CLOSED = 0,           /* a file is complete (or failed) */
	REC_OUT_ALARM,                /* raised or cleared              */
};

struct rec_out {
	struct le le;
	enum rec_out_type type;
	/* CLOSED */
	char file[REC_FILE];          /* relative to the recording dir  */
	char stream[REC_ID];
	char resource[REC_ID];
	char kind[16];                /* "esn", "rtp", "call" ...       */
	char call_id[REC_ID];         /* call legs: the call's id       */
	char direction[4];            /* "rx" | "tx"                    */
	char talker[REC_TALKER];
	char alias[REC_ID];
	char position[REC_ID];
	char operator_[REC_ID];
	char patch[REC_ID];           /* carried across a patch: its id */
	char peer[REC_ID];            /* ... the patch's other side     */
	char source[REC_ID];          /* ... the talkgroup it came from */
	int64_t start_ms, end_ms;
	uint64_t frames, bytes;
	char sha256[65];
	int err;                      /* write error: the file is bad   */
	/* ALARM */
	bool on;
	char what[32];                /* "disk_full", "write", "queue"  */
	char reason[160];
};

/* rec_file.c: one Ogg Opus file being written (recorder thread) */
struct rec_file;
struct rec_tags {
	const char *resource, *direction, *talker, *position, *start;
};
int  rec_file_open(struct rec_file **fp, const char *path,
		   const struct rec_tags *tags);
int  rec_file_write(struct rec_file *f, const int16_t *pcm, size_t n);
/* Bytes on disk so far (the encoder buffers a page at a time) */
uint64_t rec_file_bytes(const struct rec_file *f);
/* Drains, fsyncs, closes and frees; sha256 hex of the bytes written */
int  rec_file_close(struct rec_file *f, char sha256[65], uint64_t *bytes);

/* rec_thread.c */
struct rec_thr;
typedef void (rec_out_h)(struct rec_out *o, void *arg);
int  rec_thr_start(struct rec_thr **tp, const char *dir,
		   uint64_t min_free_mb, struct rec_ring *ring,
		   rec_out_h *outh, void *arg);
void rec_thr_floor(struct rec_thr *t, const struct rec_floor *f);
void rec_thr_stop(struct rec_thr *t);
unsigned rec_thr_open_count(struct rec_thr *t);
/* Counters since start: bytes written to files, failed writes (or
 * opens) */
void rec_thr_counts(struct rec_thr *t, uint64_t *bytes, uint64_t *errors);

/* rec_index.c (main thread) */
int  rec_index_add(struct store *st, const struct rec_out *o,
		   const char *site, const char *node);

/* rec_replay.c: the replay worker (decodes off the main loop) */
struct rec_replay;
int  rec_replay_alloc(struct rec_replay **rpp, const char *recdir);
int  rec_replay_start(struct rec_replay *rp, const char *recdir,
		      const json_t *rows, bool mix, const char *tag,
		      void (*h)(int err, const char *wav, void *arg),
		      void *arg);

/* rec_util.c */
void rec_sha256_hex(const uint8_t md[32], char hex[65]);
int  rec_sha256_file(const char *path, char hex[65]);
json_t *rec_index_get(struct store *st, int64_t id);

/* rec_ogg.c */
int  rec_decode_buf(const uint8_t *buf, size_t len, int16_t **pcmp,
		    size_t *np);
