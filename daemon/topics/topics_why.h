/*
 * topics_why: explains one entry, for GET /v1/why/{id} and `feedctl why`:
 * its identity key, every feed that carried the same article (same
 * normalized link, or the same title as topics fold copies by: long
 * enough to tell, published within two days), the topics it matched and
 * on which words (FTS5 highlight()), and the earlier entry it was folded
 * into where a topic listed it as a cross-feed duplicate.
 *
 * Everything comes from the store (store.h, "explaining an entry"), asked
 * by the rules the store itself follows, so the answer cannot disagree
 * with what the store did. It never writes.
 */
#ifndef FEEDD_TOPICS_WHY_H
#define FEEDD_TOPICS_WHY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

#define TOPICS_WHY_CARRIERS_MAX	50

/*
 * 1 and the explanation in *ret (a new reference); 0 no such entry; -1 on
 * error (reason in err, logged).
 */
int	topics_why(struct store *s, int64_t id, json_t **ret, char *err,
	    size_t errlen);

#endif
