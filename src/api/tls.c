/**
 * @file tls.c  Process-wide TLS policy
 *
 * libre 1.1.0 has no call to set a minimum protocol version and does not
 * expose the SSL_CTX of https_listen().  OpenSSL's system_default section
 * applies to every SSL_CTX created afterwards, so loading it from memory
 * before libre_init() makes TLS 1.2 (or 1.3) a real protocol minimum: an
 * older client gets a protocol_version alert (70), not a handshake failure.
 */
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <re.h>
#include "core/log.h"
#include "api/api.h"

static const char policy_fmt[] =
	"openssl_conf = iccs_init\n"
	"[iccs_init]\n"
	"ssl_conf = iccs_ssl\n"
	"[iccs_ssl]\n"
	"system_default = iccs_sys\n"
	"[iccs_sys]\n"
	"MinProtocol = %s\n"
	"CipherString = ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL"
	"@SECLEVEL=2\n";


int api_tls_init(int min_version)
{
	char text[512];
	CONF *cnf = NULL;
	BIO *bio = NULL;
	long eline = 0;
	int err = 0;

	if (min_version != 12 && min_version != 13)
		return EINVAL;

	re_snprintf(text, sizeof(text), policy_fmt,
		    min_version == 13 ? "TLSv1.3" : "TLSv1.2");

	OPENSSL_init_ssl(0, NULL);
	cnf = NCONF_new(NULL);
	bio = BIO_new_mem_buf(text, -1);
	if (!cnf || !bio || NCONF_load_bio(cnf, bio, &eline) <= 0 ||
	    CONF_modules_load(cnf, NULL, 0) <= 0) {
		log_error("tls", "cannot apply TLS policy (line %ld)", eline);
		ERR_clear_error();
		err = EPROTO;
	}

	BIO_free(bio);
	NCONF_free(cnf);
	return err;
}
