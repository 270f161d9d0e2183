/**
 * @file secfile.c  Files that hold secrets (keys, certificates' keys)
 *
 * The accreditation forbids secrets readable by anyone but the daemon's
 * user, so a key file that group or others can read or write is refused
 * outright, with the chmod that fixes it, rather than used with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "core/secfile.h"

enum {
	SECFILE_MAX = 1024 * 1024,  /* a key or a PEM chain, never more */
};


static int mode_check(const char *path, const struct stat *st,
		      char *why, size_t whysz)
{
	const char *what;

	if (!S_ISREG(st->st_mode)) {
		(void)re_snprintf(why, whysz, "%s is not a regular file",
				  path);
		return EINVAL;
	}

	if (st->st_mode & S_IROTH)
		what = "readable by others";
	else if (st->st_mode & S_IRGRP)
		what = "readable by its group";
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		what = "writable by group or others";
	else if (st->st_mode & (S_IXGRP | S_IXOTH))
		what = "executable by group or others";
	else
		return 0;

	(void)re_snprintf(why, whysz, "%s is %s (chmod 600)", path, what);
	return EPERM;
}


/**
 * A secret file must be a regular file that neither group nor others can
 * read or write.  Returns 0, or a positive errno with the reason in why.
 */
int secfile_check(const char *path, char *why, size_t whysz)
{
	struct stat st;
	int err;

	if (why && whysz)
		why[0] = '\0';
	if (!path)
		return EINVAL;

	if (stat(path, &st)) {
		err = errno;
		(void)re_snprintf(why, whysz, "%s: %m", path, err);
		return err;
	}

	return mode_check(path, &st, why, whysz);
}


static int read_all(int fd, uint8_t *buf, size_t sz, size_t *lenp)
{
	size_t len = 0;

	while (len < sz) {
		ssize_t n = read(fd, buf + len, sz - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (!n)
			break;
		len += (size_t)n;
	}

	*lenp = len;
	return 0;
}


/**
 * Read a whole file into a mem_alloc buffer (NUL-terminated for PEM and
 * YAML users; len excludes the NUL).  The checks run on the open
 * descriptor, so a file swapped after secfile_check() is still refused.
 * On error a partly read buffer is wiped, since it may hold a secret.
 */
int secfile_load(const char *path, size_t max, bool secret,
		 uint8_t **bufp, size_t *lenp)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0, sz;
	int fd, err = 0;

	if (!path || !bufp || !lenp)
		return EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;

	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}
	if (secret)
		err = mode_check(path, &st, NULL, 0);
	else if (!S_ISREG(st.st_mode))
		err = EISDIR;
	if (err)
		goto out;
	if ((uint64_t)st.st_size > max) {
		err = EFBIG;
		goto out;
	}

	/* one byte beyond the size stat gave, to notice a growing file */
	sz  = (size_t)st.st_size + 1;
	buf = mem_zalloc(sz + 1, NULL);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}

	err = read_all(fd, buf, sz, &len);
	if (!err && len == sz)
		err = EAGAIN;
	if (err) {
		explicit_bzero(buf, sz);
		buf = mem_deref(buf);
		goto out;
	}

	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;

 out:
	(void)close(fd);
	return err;
}


/**
 * Read a whole secret file into a mem_alloc buffer (see secfile_load).
 * The caller should wipe the buffer (explicit_bzero) before mem_deref.
 */
int secfile_read(const char *path, uint8_t **bufp, size_t *lenp)
{
	return secfile_load(path, SECFILE_MAX, true, bufp, lenp);
}
