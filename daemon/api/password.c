/*
 * password: crypt(3) hashes and the Fever key (password.h).
 */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "password.h"
#include "xmalloc.h"

/* yescrypt, libcrypt's default cost. */
#define HASH_PREFIX	"$y$"

const char *
password_unfit(const char *pw)
{
	size_t n = strlen(pw);

	if (n < PASSWORD_MIN)
		return "a password has at least 8 characters";
	if (n > PASSWORD_MAX)
		return "a password has at most 1024 characters";
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "a password has no control characters";
	return NULL;
}

char *
password_hash(const char *pw)
{
	char *setting, *hash, *out;
	void *data = NULL;
	int size = 0;

	/* NULL random bytes: libcrypt takes them from the kernel. */
	if ((setting = crypt_gensalt_ra(HASH_PREFIX, 0, NULL, 0)) == NULL) {
		log_warn("password: crypt_gensalt");
		return NULL;
	}
	hash = crypt_ra(pw, setting, &data, &size);
	free(setting);
	/* A failed crypt_ra returns NULL or a string starting with '*'. */
	if (hash == NULL || hash[0] == '*') {
		log_warnx("password: crypt cannot hash with %s", HASH_PREFIX);
		out = NULL;
	} else
		out = xstrdup(hash);
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	return out;
}

/*
 * A hash of no one's password, made once: checking against it costs what
 * checking a real one does, so an answer's time does not tell whether a
 * user exists or has a password. NULL if libcrypt cannot hash.
 */
static const char *
absent_hash(void)
{
	static char *hash;

	if (hash == NULL)
		hash = password_hash("no such user, no such password");
	return hash;
}

bool
password_check(const char *pw, const char *hash)
{
	void *data = NULL;
	int size = 0;
	char *got;
	size_t n;
	bool ok, absent = hash == NULL || hash[0] != '$';

	if (absent && (hash = absent_hash()) == NULL)
		return false;
	got = crypt_ra(pw, hash, &data, &size);
	n = strlen(hash);
	ok = !absent && got != NULL && got[0] != '*' && strlen(got) == n &&
	    CRYPTO_memcmp(got, hash, n) == 0;
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	return ok;
}

int
password_fever_key(const char *name, const char *pw,
    unsigned char key[STORE_FEVER_KEY_LEN])
{
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
	    EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	    EVP_DigestUpdate(ctx, pw, strlen(pw)) == 1 &&
	    EVP_DigestFinal_ex(ctx, key, &len) == 1 &&
	    len == STORE_FEVER_KEY_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		log_warnx("password: cannot compute the Fever key");
	return ok ? 0 : -1;
}
