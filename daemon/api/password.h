/*
 * password: users' passwords, through libcrypt (crypt(3)).
 *
 * A password is kept as a yescrypt hash ("$y$..."), the default of
 * Debian's own /etc/shadow: salted, slow by design, checked in constant
 * time by libcrypt and compared here without stopping at a difference.
 * The Fever key is md5("name:password"), as that protocol defines it: an
 * app sends it instead of a password, so it is as good as one and is kept
 * only for users who enable Fever.
 */
#ifndef FEEDD_PASSWORD_H
#define FEEDD_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define PASSWORD_MIN	8	/* characters (bytes) a password needs */
#define PASSWORD_MAX	1024

/*
 * Why pw may not be a password (too short, too long, a control
 * character), or NULL when it may.
 */
const char *password_unfit(const char *pw);
/* pw's yescrypt hash with a fresh salt (free() it), or NULL (logged). */
char	*password_hash(const char *pw);
/*
 * Whether pw is the password of hash. NULL or malformed (no such user, no
 * password set): false, after the same work as a real check, so that the
 * time of a failed login does not tell which it was.
 */
bool	 password_check(const char *pw, const char *hash);
/* md5("name:pw") into key. 0 / -1 (logged). */
int	 password_fever_key(const char *name, const char *pw,
	    unsigned char key[STORE_FEVER_KEY_LEN]);

#endif
