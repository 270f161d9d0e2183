/**
 * @file media.h  The media engine: RTP sources, mixers, the 20 ms clock
 *
 * One media thread (its own libre context, re_thread_init) owns every RTP
 * socket, jitter buffer, decoder, encoder and mixer.  Its clock is a
 * CLOCK_MONOTONIC timerfd, never libre's wall-clock tmr.  The main loop
 * talks to it only through the calls below: each copies its arguments
 * into a command for the media thread (a bounded queue: ENOSPC when full)
 * and returns at once.  Once per tick the media thread hands the main
 * loop every active position's stereo frame in one batch.
 *
 * Per position, two channels as in every dispatch console: the headset
 * (left: selected talkgroups, calls, intercom) and the speaker (right:
 * monitored, unselected talkgroups).  A source is decoded once, however
 * many positions hear it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct media;
struct sa;

enum media_chan {
	MEDIA_OFF = 0,
	MEDIA_HEADSET,
	MEDIA_SPEAKER,
};

enum { MEDIA_ID_MAX = 64, MEDIA_SRTP_KEY = 30 };

/* An RTP endpoint: a talkgroup's voice from a radio gateway or network,
 * later a call leg.  RTCP runs on port+1. */
struct media_stream_cfg {
	char id[MEDIA_ID_MAX];         /* resource id                   */
	const struct sa *local;        /* bind address and port         */
	const struct sa *remote;       /* send to; unset: learn from the
					* first packet (symmetric RTP)  */
	const char *codec;             /* codec_find() name             */
	const char *fmtp;              /* or NULL                       */
	uint8_t pt;                    /* 0: the codec's default        */
	bool srtp;                     /* AES_CM_128_HMAC_SHA1_80       */
	uint8_t srtp_rx_key[MEDIA_SRTP_KEY];   /* master key + salt     */
	uint8_t srtp_tx_key[MEDIA_SRTP_KEY];
};

/* Test and training sources: a tone, or a WAV file */
struct media_play {
	unsigned tone_hz;              /* used when wav is NULL         */
	int level_dbfs;                /* e.g. -12                      */
	unsigned duration_ms;          /* 0: the whole file / 1 s tone  */
	const char *wav;               /* path, checked by the caller   */
};

struct media_frame {
	char pos[MEDIA_ID_MAX];
	uint32_t seq;                  /* per position, +1 per frame    */
	int16_t pcm[2 * 320];          /* interleaved headset, speaker  */
	uint16_t peak[2];              /* headset, speaker (for meters) */
};

/* On the main loop thread, once per tick */
typedef void (media_frames_h)(const struct media_frame *frames, size_t n,
			      void *arg);

int  media_alloc(struct media **mp, media_frames_h *h, void *arg);

int  media_stream_add(struct media *m, const struct media_stream_cfg *cfg);
int  media_stream_remove(struct media *m, const char *id);

/* A position produces frames while active (a console listens) */
int  media_position(struct media *m, const char *pos, bool active);
int  media_route(struct media *m, const char *pos, const char *src,
		 enum media_chan ch, unsigned volume);
int  media_mute(struct media *m, const char *pos, enum media_chan ch,
		bool mute);
/* Microphone of pos goes out on stream while on (PTT) */
int  media_ptt(struct media *m, const char *pos, const char *stream,
	       bool on);
/* A patch: while on, the decoded audio src receives is mixed into what
 * dst transmits, every tick, as if a position held PTT on dst with src
 * as its microphone (a radio-to-radio or radio-to-call bridge).  One way:
 * patch both directions for a two-way bridge.  Patches survive either
 * stream being removed and added again.  EINVAL when src equals dst. */
int  media_patch(struct media *m, const char *src, const char *dst,
		 bool on);
/* One 20 ms mono frame (AUD_FRAME samples) from the console's mic */
int  media_mic(struct media *m, const char *pos, const int16_t *pcm,
	       size_t n);
/* Play into a stream (heard as if received), straight into a
 * position's headset (target "position:<id>") or out on a stream to its
 * far end, mixed with what is talked there (target "tx:<id>": a
 * caller's announcements) */
int  media_play(struct media *m, const char *target,
		const struct media_play *play);

/* Latest per-stream statistics (jitter buffer + RTCP), refreshed by the
 * media thread every second: {"<id>": {...}} (new reference) */
json_t *media_stats(const struct media *m);

/* Recording tap (any stream: talkgroups, later call legs and intercom).
 * Called on the media thread once per tick for every stream that
 * received audio this tick (MEDIA_TAP_RX: the decoded frame, plays
 * included) and every stream that transmitted (MEDIA_TAP_TX: the mix of
 * the microphones and patches that went out).  tick counts 20 ms ticks.
 * The handler must never block: copy into a bounded queue and return.
 * Set it once, before streams carry audio; h and arg must outlive m. */
enum media_tap_dir {
	MEDIA_TAP_RX = 0,
	MEDIA_TAP_TX,
};
typedef void (media_tap_h)(const char *stream, enum media_tap_dir dir,
			   uint64_t tick, const int16_t *pcm, void *arg);
void media_tap(struct media *m, media_tap_h *h, void *arg);
