/*
 * store_keys: an entry's identity and change hashes (store_keys.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "htmltext.h"
#include "linknorm.h"
#include "store_int.h"
#include "store_keys.h"
#include "xmalloc.h"

/* Seeds keep the hash spaces apart: a key never equals a link+title. */
#define SEED_KEY	0x6b6579ULL
#define SEED_LT		0x6c74ULL
#define SEED_BODY	0x626f6479ULL
#define SEED_NORM	0x6e6f726dULL


static uint64_t
hash_str(const char *str, uint64_t h)
{
	/* The length goes in too, so ("ab","c") differs from ("a","bc"). */
	if (str == NULL)
		return store_hash("", 0, h ^ 0xff);
	return store_hash(str, strlen(str), h);
}

static uint64_t
hash_int(int64_t v, uint64_t h)
{
	return store_hash(&v, sizeof(v), h);
}

char *
store_categories_json(const struct feed_entry *e)
{
	json_t *a;
	char *out;
	size_t i;

	if (e->ncategories == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < e->ncategories; i++)
		if (e->categories[i] != NULL)
			json_array_append_new(a, json_string(e->categories[i]));
	out = json_array_size(a) > 0 ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return out;
}

char *
store_enclosures_json(const struct feed_entry *e)
{
	const struct feed_enclosure *en;
	json_t *a, *o;
	char *out;
	size_t i;

	if (e->nenclosures == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < e->nenclosures; i++) {
		en = &e->enclosures[i];
		if (en->url == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "url", json_string(en->url));
		json_object_set_new(o, "type", en->type != NULL ?
		    json_string(en->type) : json_null());
		json_object_set_new(o, "length", en->length >= 0 ?
		    json_integer(en->length) : json_null());
		json_array_append_new(a, o);
	}
	out = json_array_size(a) > 0 ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return out;
}

/*
 * Identity and change hashes. The link is normalized only when the key
 * needs it; store_prepare_link() does it later for entries not seen before.
 * false: nothing to identify the entry by.
 */
bool
store_prepare_keys(const struct feed_entry *e, struct store_prepared *p)
{
	uint64_t h;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (e->id != NULL && e->id[0] != '\0')
		h = hash_str(e->id, SEED_KEY);
	else if ((p->norm_link = linknorm_dup(e->link)) != NULL)
		h = hash_str(p->norm_link, SEED_KEY + 1);
	else if ((e->title != NULL && e->title[0] != '\0') ||
	    (e->summary != NULL && e->summary[0] != '\0') ||
	    e->published != FEED_TIME_NONE) {
		h = hash_str(e->title, SEED_KEY + 2);
		h = hash_int(e->published, h);
		h = hash_str(e->summary, h);
	} else
		return false;
	p->key_hash = (int64_t)h;

	h = hash_str(e->title, SEED_BODY);
	h = hash_str(e->link, h);
	h = hash_str(e->summary, h);
	h = hash_str(e->content, h);
	h = hash_str(e->author, h);
	h = hash_int(e->published, h);
	h = hash_int(e->updated, h);
	for (i = 0; i < e->ncategories; i++)
		h = hash_str(e->categories[i], h);
	for (i = 0; i < e->nenclosures; i++) {
		h = hash_str(e->enclosures[i].url, h);
		h = hash_str(e->enclosures[i].type, h);
		h = hash_int(e->enclosures[i].length, h);
	}
	p->content_hash = (int64_t)h;
	return true;
}

void
store_prepare_link(const struct feed_entry *e, struct store_prepared *p)
{
	if (p->linked)
		return;
	p->linked = true;
	if (p->norm_link == NULL)
		p->norm_link = linknorm_dup(e->link);
	if (p->norm_link != NULL && e->title != NULL && e->title[0] != '\0') {
		p->lt_hash = (int64_t)hash_str(e->title,
		    hash_str(p->norm_link, SEED_LT));
		p->has_lt = true;
	}
}

bool
store_prepare_all(const struct feed_entry *e, struct store_prepared *p)
{
	if (!store_prepare_keys(e, p))
		return false;
	store_prepare_link(e, p);
	p->categories = store_categories_json(e);
	p->enclosures = store_enclosures_json(e);
	p->complete = true;
	return true;
}

void
store_prepared_clear(struct store_prepared *p)
{
	free(p->norm_link);
	free(p->categories);
	free(p->enclosures);
	memset(p, 0, sizeof(*p));
}

int64_t
store_match_norm_hash(const char *norm_link)
{
	return (int64_t)store_hash(norm_link, strlen(norm_link), SEED_NORM);
}

/* The feed_ids column, a JSON array of ids, into t. */
void
store_topic_feed_ids_read(struct store_topic *t, const char *text)
{
	json_t *a, *v;
	size_t i;

	if (text == NULL || (a = json_loads(text, 0, NULL)) == NULL)
		return;
	if (json_is_array(a) && json_array_size(a) > 0) {
		t->feed_ids = xcalloc(json_array_size(a), sizeof(*t->feed_ids));
		json_array_foreach(a, i, v)
			if (json_is_integer(v))
				t->feed_ids[t->nfeed_ids++] =
				    json_integer_value(v);
	}
	json_decref(a);
}

/* The feed_ids column for n ids: a JSON array, or NULL when n is 0. */
char *
store_topic_feed_ids_text(const int64_t *ids, size_t n)
{
	json_t *a;
	char *text;

	if (n == 0)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)ids[i]));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

unsigned
store_list_mask(const struct store_entry_query *q)
{
	unsigned mask = 0;

	if (q->feed_id != 0)
		mask |= STORE_LQ_FEED;
	if (q->topic_id != 0)
		mask |= STORE_LQ_TOPIC;
	if (q->fts != NULL)
		mask |= STORE_LQ_FTS;
	if (q->descending)
		mask |= STORE_LQ_DESC;
	else if (q->latest)
		mask |= STORE_LQ_LATEST;
	if (q->content)
		mask |= STORE_LQ_CONTENT;
	if (q->user_id != 0) {
		mask |= STORE_LQ_STATE;
		if (q->read == STORE_FLAG_SET)
			mask |= STORE_LQ_READ;
		else if (q->read == STORE_FLAG_UNSET)
			mask |= STORE_LQ_UNREAD;
		if (q->starred == STORE_FLAG_SET)
			mask |= STORE_LQ_STARRED;
		else if (q->starred == STORE_FLAG_UNSET)
			mask |= STORE_LQ_UNSTARRED;
	}
	if (q->category != NULL)
		mask |= STORE_LQ_CATEGORY;
	if (q->before_id != 0)
		mask |= STORE_LQ_BEFORE;
	if (q->newer_than != 0)
		mask |= STORE_LQ_NEWER;
	if (q->older_than != 0)
		mask |= STORE_LQ_OLDER;
	return mask;
}

void
store_entry_copy(const struct store_entry *v, struct store_entry *e)
{
	*e = *v;
	e->guid = xstrdup_or_null(v->guid);
	e->feed_title = xstrdup_or_null(v->feed_title);
	e->title = xstrdup_or_null(v->title);
	e->link = xstrdup_or_null(v->link);
	e->norm_link = xstrdup_or_null(v->norm_link);
	e->author = xstrdup_or_null(v->author);
	e->summary = xstrdup_or_null(v->summary);
	e->categories_json = xstrdup_or_null(v->categories_json);
	e->enclosures_json = xstrdup_or_null(v->enclosures_json);
	e->topics_json = xstrdup_or_null(v->topics_json);
	e->content = xstrdup_or_null(v->content);
}

/* An entry's text as the index takes it (store.h). */

static char *
copy_len(const char *p, size_t len)
{
	char *d = xmalloc(len + 1);

	memcpy(d, p, len + 1);	/* a buf's data is NUL-terminated */
	return d;
}

/*
 * One field's text, copied to its length (a buf's room would be held
 * meanwhile), and its tokens when there is a tokenizer.
 */
static void
field_make(const struct buf *b, struct store_tokenizer *tok, char **text,
    size_t *len, unsigned char **tokens, size_t *tokens_len)
{
	*len = b->len;
	*text = copy_len(b->data, b->len);
	if (tok != NULL && b->len > 0)
		*tokens = store_tokens_encode(tok, *text, *len, tokens_len);
}

static void
text_make(const struct feed_entry *e, struct store_index_text *t,
    struct store_tokenizer *tok, struct buf *sum, struct buf *con)
{
	memset(t, 0, sizeof(*t));
	t->keys = xmalloc(sizeof(*t->keys));
	if (!store_prepare_all(e, t->keys)) {
		free(t->keys);	/* the store finds it has no key again */
		t->keys = NULL;
	}
	if (htmltext_entry(e->summary, e->content, sum, con))
		field_make(sum, tok, &t->summary, &t->summary_len,
		    &t->summary_tokens, &t->summary_tokens_len);
	if (e->content != NULL)
		field_make(con, tok, &t->content, &t->content_len,
		    &t->content_tokens, &t->content_tokens_len);
}

void
store_index_texts_make(const struct feed_entry *e, struct store_index_text *t,
    size_t n)
{
	struct store_tokenizer *tok = store_tokenizer_borrow();
	struct buf sum, con;

	buf_init(&sum);
	buf_init(&con);
	for (size_t i = 0; i < n; i++)
		text_make(&e[i], &t[i], tok, &sum, &con);
	buf_free(&sum);
	buf_free(&con);
	store_tokenizer_give_back(tok);
}

void
store_index_text_make(const struct feed_entry *e, struct store_index_text *t)
{
	store_index_texts_make(e, t, 1);
}

void
store_index_text_clear(struct store_index_text *t)
{
	free(t->summary);
	free(t->content);
	free(t->summary_tokens);
	free(t->content_tokens);
	if (t->keys != NULL) {
		store_prepared_clear(t->keys);
		free(t->keys);
	}
	memset(t, 0, sizeof(*t));
}
