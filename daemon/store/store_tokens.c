/*
 * store_tokens: the full-text index's tokenizer, wrapped so that ingest can
 * show what it indexed (store_set_token_sink), and on its own for reading
 * text the way the index does (store_tokenizer_new).
 *
 * The store's connection gets its own "unicode61": the real one (found
 * through fts5_api before it is replaced) with a pass-through that also
 * hands every document token to the sink while store_ingest runs. The
 * schema keeps naming unicode61 and the tokens are the real tokenizer's,
 * so other connections (the sqlite3 shell, backups) see the same index.
 *
 * A document whose tokens were cut ahead, on the thread that made its
 * text (store_tokens_encode), is not tokenized again: the wrapper replays
 * them when FTS5 hands it the same text they were cut from
 * (store_tokens_ahead), so the writer's thread spends no time cutting
 * words. The tokens are the real tokenizer's either way.
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"

struct wrap_module {
	fts5_tokenizer	 inner;
	void		*inner_ud;
	struct sqlite_store	*store;
};

struct wrap {
	struct wrap_module *m;
	Fts5Tokenizer	*inner;
};

struct relay {
	struct sqlite_store	*store;
	void		*ctx;
	int		(*xToken)(void *, int, const char *, int, int, int);
};

static int
wrap_create(void *ud, const char **argv, int argc, Fts5Tokenizer **ret)
{
	struct wrap_module *m = ud;
	struct wrap *w = xcalloc(1, sizeof(*w));
	int rc;

	w->m = m;
	if ((rc = m->inner.xCreate(m->inner_ud, argv, argc, &w->inner)) !=
	    SQLITE_OK) {
		free(w);
		return rc;
	}
	*ret = (Fts5Tokenizer *)w;
	return SQLITE_OK;
}

static void
wrap_delete(Fts5Tokenizer *t)
{
	struct wrap *w = (struct wrap *)t;

	w->m->inner.xDelete(w->inner);
	free(w);
}

static int
relay_token(void *arg, int flags, const char *tok, int n, int start, int end)
{
	struct relay *r = arg;
	const struct store_token_sink *k = r->store->sink;

	k->token(k->arg, tok, n);
	return r->xToken(r->ctx, flags, tok, n, start, end);
}

/*
 * The token stream: per token, varint(gap << 2 | kind) and
 * varint(length in the text), where gap is the bytes since the previous
 * token's end. The token is the text's own bytes (TOK_SAME), or those
 * with A-Z made a-z (TOK_LOWER, words of at most TOK_LOWER_MAX bytes),
 * or else follows as varint(n) and the n bytes the tokenizer gave
 * (TOK_BYTES). Most words cost two bytes.
 */
#define TOK_SAME	0
#define TOK_LOWER	1
#define TOK_BYTES	2
#define TOK_LOWER_MAX	64

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

#define VARINT_MAX	10	/* bytes of a 64-bit varint, at most */

/* Writes v at w; returns where it ended. */
static unsigned char *
put_varint(unsigned char *w, uint64_t v)
{
	do {
		*w++ = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v != 0);
	return w;
}

/* The varint at *p (before end) into *v; false when the stream ends. */
static bool
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0)
			return true;
		shift += 7;
	}
	return false;
}

/* Calls xToken for each token of a's stream, text being a's text. */
static int
replay(const struct store_tokens_ahead *a, const char *text, void *ctx,
    int (*xToken)(void *, int, const char *, int, int, int))
{
	const unsigned char *p = a->stream, *end = p + a->stream_len;
	const char *tok;
	char lower[TOK_LOWER_MAX];
	uint64_t head, n, start, stop, pos = 0;
	int rc;

	while (p < end) {
		if (!get_varint(&p, end, &head) || !get_varint(&p, end, &n))
			return SQLITE_CORRUPT;
		start = pos + (head >> 2);
		stop = start + n;
		if (start < pos || stop < start || stop > a->len)
			return SQLITE_CORRUPT;
		tok = text + start;
		switch (head & 3) {
		case TOK_SAME:
			break;
		case TOK_LOWER:
			if (n > sizeof(lower))
				return SQLITE_CORRUPT;
			for (size_t i = 0; i < n; i++)
				lower[i] = ascii_lower(tok[i]);
			tok = lower;
			break;
		case TOK_BYTES:
			if (!get_varint(&p, end, &n) ||
			    n > (uint64_t)(end - p))
				return SQLITE_CORRUPT;
			tok = (const char *)p;
			p += n;
			break;
		default:
			return SQLITE_CORRUPT;
		}
		if (n > INT_MAX)
			return SQLITE_CORRUPT;
		if ((rc = xToken(ctx, 0, tok, (int)n, (int)start,
		    (int)stop)) != SQLITE_OK)
			return rc;
		pos = stop;
	}
	return SQLITE_OK;
}

/*
 * The tokens cut ahead from this very text, or NULL. FTS5 is given a
 * copy of the bound text, so the bytes are compared: a fraction of what
 * cutting them would cost.
 */
static const struct store_tokens_ahead *
ahead_for(const struct sqlite_store *s, const char *text, int len)
{
	for (size_t i = 0; i < sizeof(s->ahead) / sizeof(s->ahead[0]); i++)
		if (s->ahead[i].stream != NULL &&
		    s->ahead[i].len == (size_t)len &&
		    memcmp(s->ahead[i].text, text, (size_t)len) == 0)
			return &s->ahead[i];
	return NULL;
}

static int
wrap_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text,
    int len, int (*xToken)(void *, int, const char *, int, int, int))
{
	struct wrap *w = (struct wrap *)t;
	struct sqlite_store *s = w->m->store;
	struct relay r = { s, ctx, xToken };
	const struct store_tokens_ahead *a = NULL;
	bool relayed;

	/* Queries and everything outside store_ingest pass straight on. */
	relayed = s->capturing && s->sink != NULL && s->sink->token != NULL &&
	    (flags & FTS5_TOKENIZE_DOCUMENT) != 0;
	if ((flags & FTS5_TOKENIZE_DOCUMENT) != 0 && len > 0)
		a = ahead_for(s, text, len);
	if (a != NULL) {
		s->replayed++;
		return relayed ? replay(a, text, &r, relay_token) :
		    replay(a, text, ctx, xToken);
	}
	if (!relayed)
		return w->m->inner.xTokenize(w->inner, ctx, flags, text, len,
		    xToken);
	return w->m->inner.xTokenize(w->inner, &r, flags, text, len,
	    relay_token);
}

/* db's FTS5 interface (to reach its tokenizers), or NULL. */
static fts5_api *
fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int
store_tokens_wrap(struct sqlite_store *s)
{
	static const char name[] = "unicode61";
	struct wrap_module *m;
	fts5_tokenizer wrapped = { wrap_create, wrap_delete, wrap_tokenize };
	fts5_api *api;

	if ((api = fts5_api_of(s->db)) == NULL || api->iVersion < 2)
		return -1;
	m = xcalloc(1, sizeof(*m));
	m->store = s;
	if (api->xFindTokenizer(api, name, &m->inner_ud, &m->inner) !=
	    SQLITE_OK) {
		free(m);
		return -1;
	}
	/* FTS5 looks tokenizers up newest first, and frees m with itself. */
	if (api->xCreateTokenizer(api, name, m, &wrapped, free) !=
	    SQLITE_OK) {
		free(m);
		return -1;
	}
	return 0;
}

void
sqlite_store_set_token_sink(struct sqlite_store *s,
    const struct store_token_sink *sink)
{
	free(s->sink);
	s->sink = NULL;
	if (sink != NULL) {
		s->sink = xmalloc(sizeof(*s->sink));
		*s->sink = *sink;
	}
}

/* ---- the tokenizer on its own ---- */

struct store_tokenizer {
	sqlite3		*db;		/* FTS5 lives in a connection */
	fts5_tokenizer	 tok;
	Fts5Tokenizer	*inst;
};

struct token_relay {
	store_token_fn	*fn;
	void		*arg;
};

static int
relay_own(void *arg, int flags, const char *tok, int n, int start, int end)
{
	struct token_relay *r = arg;

	return r->fn(r->arg, tok, (size_t)n) == 0 ? SQLITE_OK : SQLITE_ERROR;
}

struct store_tokenizer *
store_tokenizer_new(void)
{
	/* The schema's tokenize='unicode61 remove_diacritics 2'. */
	static const char *args[] = { "remove_diacritics", "2" };
	struct store_tokenizer *t = xcalloc(1, sizeof(*t));
	fts5_api *api;
	void *ud = NULL;

	if (sqlite3_open_v2(":memory:", &t->db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK || (api = fts5_api_of(t->db)) == NULL ||
	    api->xFindTokenizer(api, "unicode61", &ud, &t->tok) !=
	    SQLITE_OK || t->tok.xCreate(ud, args, 2, &t->inst) != SQLITE_OK) {
		log_warnx("store: cannot reach SQLite's unicode61 tokenizer");
		t->inst = NULL;
		store_tokenizer_free(t);
		return NULL;
	}
	return t;
}

void
store_tokenizer_free(struct store_tokenizer *t)
{
	if (t == NULL)
		return;
	if (t->inst != NULL)
		t->tok.xDelete(t->inst);
	sqlite3_close(t->db);
	free(t);
}

int
store_tokenize_made(struct store_tokenizer *t, const char *text, size_t len,
    const unsigned char *tokens, size_t tokens_len, store_token_fn *fn,
    void *arg)
{
	struct store_tokens_ahead a = { text, len, tokens, tokens_len };
	struct token_relay r = { fn, arg };

	if (tokens == NULL)
		return store_tokenize(t, STORE_TOKENIZE_DOCUMENT, text, len,
		    fn, arg);
	return replay(&a, text, &r, relay_own) == SQLITE_OK ? 0 : -1;
}

int
store_tokenize(struct store_tokenizer *t, enum store_tokenize kind,
    const char *text, size_t len, store_token_fn *fn, void *arg)
{
	struct token_relay r = { fn, arg };

	return t->tok.xTokenize(t->inst, &r, kind == STORE_TOKENIZE_QUERY ?
	    FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT, text, (int)len,
	    relay_own) == SQLITE_OK ? 0 : -1;
}

/* ---- tokens cut ahead ---- */

struct encoder {
	const char	*text;
	struct buf	*out;
	size_t		 pos;	/* where the last token ended */
};

static int
encode_token(void *arg, int flags, const char *tok, int n, int start,
    int end)
{
	struct encoder *e = arg;
	const char *src = e->text + start;
	unsigned char *w;
	size_t srclen, i;
	int kind = TOK_BYTES;

	(void)flags;
	if (start < 0 || end < start || (size_t)start < e->pos || n < 0)
		return SQLITE_ERROR;
	srclen = (size_t)(end - start);
	if ((size_t)n == srclen) {
		for (i = 0; i < srclen && tok[i] == src[i]; i++)
			;
		kind = TOK_SAME;
		if (i < srclen && srclen <= TOK_LOWER_MAX) {
			for (i = 0; i < srclen &&
			    tok[i] == ascii_lower(src[i]); i++)
				;
			kind = TOK_LOWER;
		}
		if (i < srclen)
			kind = TOK_BYTES;
	}
	/* Written in place: this runs for every word of every feed. */
	buf_reserve(e->out, 3 * VARINT_MAX +
	    (kind == TOK_BYTES ? (size_t)n : 0));
	w = (unsigned char *)e->out->data + e->out->len;
	w = put_varint(w, ((uint64_t)((size_t)start - e->pos) << 2) |
	    (uint64_t)kind);
	w = put_varint(w, srclen);
	if (kind == TOK_BYTES) {
		w = put_varint(w, (uint64_t)n);
		memcpy(w, tok, (size_t)n);
		w += n;
	}
	*w = '\0';	/* a buf's data stays terminated */
	e->out->len = (size_t)(w - (unsigned char *)e->out->data);
	e->pos = (size_t)end;
	return SQLITE_OK;
}

unsigned char *
store_tokens_encode(struct store_tokenizer *t, const char *text, size_t len,
    size_t *ret_len)
{
	struct buf out;
	struct encoder e = { text, &out, 0 };
	unsigned char *stream;

	*ret_len = 0;
	if (len > INT_MAX)
		return NULL;
	buf_init(&out);
	/* Room for a stream of short words, so that few grow it. */
	buf_reserve(&out, len / 3 + 16);
	if (t->tok.xTokenize(t->inst, &e, FTS5_TOKENIZE_DOCUMENT, text,
	    (int)len, encode_token) != SQLITE_OK) {
		buf_free(&out);
		return NULL;
	}
	/* Its own length: a buf's spare room would be held while it waits. */
	stream = xmalloc(out.len + 1);
	memcpy(stream, out.data, out.len);
	*ret_len = out.len;
	buf_free(&out);
	return stream;
}

/*
 * Tokenizers given back, for the next thread that makes texts (a
 * fetch's digest thread, mostly one). They live as long as the process:
 * as many as ever made texts at once.
 */
#define POOL_MAX	8
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_tokenizer *pool[POOL_MAX];
static size_t npool;
static bool pool_failed;

struct store_tokenizer *
store_tokenizer_borrow(void)
{
	struct store_tokenizer *t = NULL;
	bool failed;

	pthread_mutex_lock(&pool_lock);
	if (npool > 0)
		t = pool[--npool];
	failed = pool_failed;
	pthread_mutex_unlock(&pool_lock);
	if (t != NULL || failed)
		return t;
	if ((t = store_tokenizer_new()) == NULL) {
		pthread_mutex_lock(&pool_lock);
		pool_failed = true;	/* said once: it will not change */
		pthread_mutex_unlock(&pool_lock);
	}
	return t;
}

void
store_tokenizer_give_back(struct store_tokenizer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	if (npool < POOL_MAX) {
		pool[npool++] = t;
		t = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	store_tokenizer_free(t);
}
