/**
 * @file rec_file.c  One recording being written: Ogg Opus, SHA-256
 *                   (recorder thread only)
 *
 * libopusenc muxes the Ogg pages; its write callback lands here, so
 * every byte that reaches the file also goes through SHA-256 and a
 * failed write (ENOSPC, EIO) is seen at once instead of at close.  A
 * page is written at least once a second (the muxing delay), so a
 * full disk is noticed within a second of audio.  At close the file is
 * fsynced before its hash is reported: what the audit chain holds is
 * what is on the disk.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <opus/opusenc.h>
#include <openssl/evp.h>
#include "record/rec_int.h"

struct rec_file {
	int fd;
	OggOpusEnc *enc;
	EVP_MD_CTX *md;
	uint64_t bytes;
	int err;                      /* first write error              */
};


static int cb_write(void *arg, const unsigned char *p, opus_int32 len)
{
	struct rec_file *f = arg;
	size_t left = (size_t)len;

	if (f->err)
		return 1;

	while (left) {
		ssize_t n = write(f->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->err = n < 0 ? errno : EIO;
			return 1;
		}
		(void)EVP_DigestUpdate(f->md, p, (size_t)n);
		p += n;
		left -= (size_t)n;
		f->bytes += (uint64_t)n;
	}

	return 0;
}


/* The fd is closed by rec_file_close, after the fsync */
static int cb_close(void *arg)
{
	(void)arg;
	return 0;
}


static const OpusEncCallbacks cbs = {cb_write, cb_close};


static void file_free(struct rec_file *f)
{
	if (f->enc)
		ope_encoder_destroy(f->enc);
	if (f->fd >= 0)
		(void)close(f->fd);
	EVP_MD_CTX_free(f->md);
	free(f);
}


static OggOpusComments *comments_make(const struct rec_tags *t)
{
	OggOpusComments *c = ope_comments_create();

	if (!c)
		return NULL;

	(void)ope_comments_add(c, "ENCODER", "OpenICCS recorder");
	if (t->resource)
		(void)ope_comments_add(c, "RESOURCE", t->resource);
	if (t->direction)
		(void)ope_comments_add(c, "DIRECTION", t->direction);
	if (t->talker && *t->talker)
		(void)ope_comments_add(c, "TALKER", t->talker);
	if (t->position && *t->position)
		(void)ope_comments_add(c, "POSITION", t->position);
	if (t->start)
		(void)ope_comments_add(c, "DATE", t->start);

	return c;
}


int rec_file_open(struct rec_file **fp, const char *path,
		  const struct rec_tags *tags)
{
	OggOpusComments *com = NULL;
	struct rec_file *f;
	int err = 0, oerr = 0;

	f = calloc(1, sizeof(*f));
	if (!f)
		return ENOMEM;

	f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (f->fd < 0) {
		err = errno;
		goto out;
	}

	f->md = EVP_MD_CTX_new();
	com = comments_make(tags);
	if (!f->md || !com ||
	    !EVP_DigestInit_ex(f->md, EVP_sha256(), NULL)) {
		err = ENOMEM;
		goto out;
	}

	f->enc = ope_encoder_create_callbacks(&cbs, f, com, REC_RATE, 1, 0,
					      &oerr);
	if (!f->enc) {
		err = oerr == OPE_ALLOC_FAIL ? ENOMEM : EINVAL;
		goto out;
	}

	(void)ope_encoder_ctl(f->enc, OPUS_SET_BITRATE(REC_BITRATE));
	(void)ope_encoder_ctl(f->enc, OPUS_SET_APPLICATION(
				      OPUS_APPLICATION_VOIP));
	/* a page at least every second (48 kHz units): a full disk shows
	 * within a second of audio */
	(void)ope_encoder_ctl(f->enc, OPE_SET_MUXING_DELAY(48000));
	/* the headers now: a file exists on disk from the first frame */
	if (ope_encoder_flush_header(f->enc) != OPE_OK)
		err = f->err ? f->err : EIO;

 out:
	if (com)
		ope_comments_destroy(com);
	if (err) {
		if (f->fd >= 0)
			(void)unlink(path);
		file_free(f);
	}
	else {
		*fp = f;
	}

	return err;
}


int rec_file_write(struct rec_file *f, const int16_t *pcm, size_t n)
{
	if (!f)
		return EINVAL;
	if (f->err)
		return f->err;

	if (ope_encoder_write(f->enc, pcm, (int)n) != OPE_OK && !f->err)
		f->err = EIO;

	return f->err;
}


uint64_t rec_file_bytes(const struct rec_file *f)
{
	return f ? f->bytes : 0;
}


int rec_file_close(struct rec_file *f, char sha256[65], uint64_t *bytes)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int err;

	if (!f)
		return EINVAL;

	if (!f->err && ope_encoder_drain(f->enc) != OPE_OK && !f->err)
		f->err = EIO;

	if (!f->err && fsync(f->fd) < 0)
		f->err = errno;

	if (close(f->fd) < 0 && !f->err)
		f->err = errno;
	f->fd = -1;

	(void)EVP_DigestFinal_ex(f->md, md, &mdlen);
	rec_sha256_hex(md, sha256);
	*bytes = f->bytes;
	err = f->err;
	file_free(f);

	return err;
}
