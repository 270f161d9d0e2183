/**
 * @file secfile.h  Files that hold secrets (keys, certificates' keys)
 */
#include <stddef.h>

/*
 * A secret file must be a regular file that neither group nor others can
 * read or write.  Returns 0, or a positive errno with the reason in why.
 */
int secfile_check(const char *path, char *why, size_t whysz);

/* Read a whole secret file (after secfile_check) into a mem_alloc buffer */
int secfile_read(const char *path, uint8_t **bufp, size_t *lenp);

/*
 * Read a whole regular file of at most max bytes into a NUL-terminated
 * mem_alloc buffer.  secret: refuse it as secfile_check() would (EINVAL,
 * EPERM); otherwise only a file that is not regular (EISDIR).  EFBIG when
 * too large, EAGAIN when it grew while being read.
 */
int secfile_load(const char *path, size_t max, bool secret,
		 uint8_t **bufp, size_t *lenp);
