/**
 * @file speech.c  Speech for the simulators (see speech.h).  sox converts
 * whatever espeak-ng or the recording gives to 16 kHz mono 16-bit; the
 * text never reaches a shell unquoted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "media/codec.h"
#include "speech.h"

/* Reads the samples of a 16-bit PCM WAV file (the data chunk) */
static int wav_read(const char *path, int16_t **pcmp, size_t *np)
{
	FILE *f = fopen(path, "rb");
	uint8_t h[8];
	int err = EBADMSG;

	if (!f)
		return errno;
	if (fseek(f, 12, SEEK_SET))
		goto out;
	while (fread(h, 1, 8, f) == 8) {
		uint32_t len = h[4] | h[5] << 8 | h[6] << 16 |
			(uint32_t)h[7] << 24;

		if (memcmp(h, "data", 4)) {
			if (fseek(f, len + (len & 1), SEEK_CUR))
				break;
			continue;
		}
		*pcmp = mem_alloc(len + AUD_FRAME * 2, NULL);
		if (!*pcmp) {
			err = ENOMEM;
			break;
		}
		*np = fread(*pcmp, 2, len / 2, f);
		err = *np ? 0 : EBADMSG;
		break;
	}
 out:
	fclose(f);
	return err;
}

/* Run cmd, which leaves dir/b.wav as 16 kHz mono 16-bit, read that file
 * and remove dir whatever happened */
static int made_wav(const char *dir, const char *cmd, int16_t **pcmp,
		    size_t *np)
{
	char path[256];
	int err = system(cmd) == 0 ? 0 : EIO;

	if (!err) {
		re_snprintf(path, sizeof(path), "%s/b.wav", dir);
		err = wav_read(path, pcmp, np);
		(void)unlink(path);
	}
	re_snprintf(path, sizeof(path), "%s/a.wav", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	return err;
}


/* A recorded WAV (any rate, any channels) as 16 kHz mono 16-bit */
static int recorded(const char *path, int16_t **pcmp, size_t *np)
{
	char dir[] = "/tmp/iccs-sim-XXXXXX", cmd[1024];

	if (strchr(path, '\''))
		return EINVAL;
	if (!mkdtemp(dir))
		return errno;
	re_snprintf(cmd, sizeof(cmd), "sox '%s' -r 16000 -c 1 -b 16 %s/b.wav",
		    path, dir);
	return made_wav(dir, cmd, pcmp, np);
}


/* espeak-ng speaks text into a WAV, sox makes it 16 kHz mono 16-bit;
 * text ending in .wav is a recording instead */
int sim_speech(const char *text, int16_t **pcmp, size_t *np)
{
	char dir[] = "/tmp/iccs-sim-XXXXXX", cmd[1024], *q;

	if (strlen(text) > 4 && !strcmp(text + strlen(text) - 4, ".wav"))
		return recorded(text, pcmp, np);

	q = mem_zalloc(strlen(text) + 1, NULL);
	if (!q)
		return ENOMEM;
	for (size_t i = 0; text[i]; i++)   /* no shell quoting games */
		q[i] = text[i] == '\'' ? ' ' : text[i];

	if (!mkdtemp(dir)) {
		mem_deref(q);
		return errno;
	}
	re_snprintf(cmd, sizeof(cmd), "espeak-ng -w %s/a.wav '%s' && "
		    "sox %s/a.wav -r 16000 -c 1 -b 16 %s/b.wav",
		    dir, q, dir, dir);
	mem_deref(q);
	return made_wav(dir, cmd, pcmp, np);
}
