/*
 * model_json: the store's records (feeds, entries, cursors, tokens) as
 * JSON, in the one shape the API answers with, streams carry and hooks get
 * on stdin (README, "Querying"). Neutral: it knows no request or hook.
 *
 * Promises: every string that leaves here is valid UTF-8 (invalid bytes a
 * feed sent become U+FFFD), absent values are null, dates are UTC
 * "YYYY-MM-DDTHH:MM:SSZ" or null. Returned values are new references.
 */
#ifndef FEEDD_MODEL_JSON_H
#define FEEDD_MODEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "store.h"

/* s as a JSON string (repaired to UTF-8), or null for NULL. */
json_t	*model_json_str(const char *s);
/* A date, or null for 0 / FEED_TIME_NONE. */
json_t	*model_json_time(int64_t t);
/* "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes); "" for none. */
void	 model_json_format_time(int64_t t, char *buf, size_t len);

json_t	*model_json_feed(const struct store_feed *f);
/* content: include the "content" member. */
json_t	*model_json_entry(const struct store_entry *e, bool content);

/*
 * A listing's answer written entry by entry as the store reads them
 * (store_entry_each): one text, no tree of the page, no copies of the rows.
 * jansson encodes every value; the entry's categories, enclosures and
 * topics are already its text (store.h) and go in as they are; the keys
 * and brackets are the fixed ones of model_json_entry(). The answer is
 * {"MEMBER":[entries...],tail members...}, as model_json_entry() and
 * json_dumps(JSON_COMPACT) of that object would give it.
 */
struct model_json_list {
	struct buf	 text;
	bool		 content;	/* with "content" */
	size_t		 n;		/* entries so far */
	json_t		*str;		/* reused for each string value */
	json_t		*num;		/* and for each integer */
	char		*null_text;
	struct {			/* each date member's last value */
		int64_t	 t;
		size_t	 len;
		char	 text[32];	/* encoded */
	}		 dates[3];
	/* jansson's escape for each byte a string must escape, or "" */
	char		 esc[128][8];
	bool		 esc_ok;
};

/* member: the array's key, a literal ASCII name. */
void	 model_json_list_init(struct model_json_list *l, const char *member,
	    bool content, size_t size_hint);
/* 0, or -1 if jansson cannot encode e (out of memory); l is unchanged. */
int	 model_json_list_entry(struct model_json_list *l,
	    const struct store_entry *e);
/*
 * Closes the array, adds the members of tail (an object, stolen) and
 * returns the text (free() it; *ret_len bytes, NUL-terminated), or NULL.
 * l is empty afterwards either way.
 */
char	*model_json_list_finish(struct model_json_list *l, json_t *tail,
	    size_t *ret_len);
void	 model_json_list_clear(struct model_json_list *l);

json_t	*model_json_poll_log(const struct store_poll_log *l);
json_t	*model_json_cursor(const struct store_cursor *c);
/* name, user (its name), read_only, created, last_used: never the hash. */
json_t	*model_json_apitoken(const struct store_apitoken *t, const char *user);
/* id, name, owner, password and fever (whether set), tokens (ntokens),
 * created: never a hash or key. */
json_t	*model_json_user(const struct store_user *u, size_t ntokens);

#endif
