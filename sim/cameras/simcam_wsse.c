/**
 * @file simcam_wsse.c  WS-Security UsernameToken PasswordDigest, as a
 *                      camera checks it
 *
 * Digest = Base64(SHA-1(raw nonce bytes || Created || password))
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "simcam.h"


bool simcam_wsse_ok(const char *nonce_b64, const char *created,
		    const char *pass, const char *digest_b64)
{
	uint8_t nonce[64], md[20], got[32];
	size_t nlen = sizeof(nonce), glen = sizeof(got);
	EVP_MD_CTX *ctx;
	bool ok;

	if (base64_decode(nonce_b64, strlen(nonce_b64), nonce, &nlen) ||
	    base64_decode(digest_b64, strlen(digest_b64), got, &glen) ||
	    glen != sizeof(md))
		return false;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
		EVP_DigestUpdate(ctx, nonce, nlen) &&
		EVP_DigestUpdate(ctx, created, strlen(created)) &&
		EVP_DigestUpdate(ctx, pass, strlen(pass)) &&
		EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	return ok && CRYPTO_memcmp(md, got, sizeof(md)) == 0;
}
