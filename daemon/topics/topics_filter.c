/*
 * topics_filter: a recursive-descent reader of the FTS5 query grammar
 * (https://sqlite.org/fts5.html, section 3) that keeps only what decides
 * term presence, and the store's tokenizer (store_tokenizer_new), the
 * index's own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htmltext.h"
#include "log.h"
#include "store.h"
#include "topics_filter.h"
#include "xmalloc.h"

#define TF_NODES_MAX	512	/* per query; beyond: always ask the store */

enum tf_kind {
	TF_TRUE,	/* cannot tell: may match */
	TF_TERM,
	TF_AND,
	TF_OR,
};

struct tf_node {
	enum tf_kind	 kind;
	int		 term;		/* TF_TERM */
	int		*kids;		/* TF_AND, TF_OR */
	int		 nkids;
};

struct tf_term {
	char		*text;		/* folded token */
	size_t		 len;
	bool		 prefix;
};

struct topics_filter {
	struct store_tokenizer *tok;
	struct tf_node	*node;
	size_t		 nnodes;
	int		*root;		/* per handle */
	size_t		 nroots;
	struct tf_term	*term;
	size_t		 nterms;
	bool		*present;	/* per term, after a load */
	/* Exact terms: open addressing, term index + 1 (0: empty). */
	int		*exact;
	size_t		 tabsize;
	/*
	 * Prefix terms: chained by the hash of their first pkey bytes (the
	 * shortest prefix's length), so a token costs one lookup.
	 */
	int		*pbucket;	/* head term index + 1 */
	int		*pnext;		/* per term: next index + 1 */
	size_t		 pkey;
	bool		 dirty;
};

struct parser {
	struct topics_filter *f;
	const char	*s;
	size_t		 nodes;		/* made for this query */
	bool		 failed;
};

static uint32_t
hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
table_put(int *tab, size_t size, const struct tf_term *t, int idx)
{
	size_t i = hash(t->text, t->len) & (size - 1);

	while (tab[i] != 0)
		i = (i + 1) & (size - 1);
	tab[i] = idx + 1;
}

static int
table_get(const struct topics_filter *f, const char *s, size_t n)
{
	size_t i = hash(s, n) & (f->tabsize - 1);

	for (; f->exact[i] != 0; i = (i + 1) & (f->tabsize - 1)) {
		const struct tf_term *t = &f->term[f->exact[i] - 1];

		if (t->len == n && memcmp(t->text, s, n) == 0)
			return f->exact[i] - 1;
	}
	return -1;
}

static void
rebuild_tables(struct topics_filter *f)
{
	size_t size = 16, i;

	while (size < f->nterms * 2 + 1)
		size *= 2;
	free(f->exact);
	free(f->pbucket);
	f->exact = xcalloc(size, sizeof(*f->exact));
	f->pbucket = xcalloc(size, sizeof(*f->pbucket));
	f->pnext = xreallocarray(f->pnext, f->nterms + 1, sizeof(*f->pnext));
	f->tabsize = size;
	f->pkey = 0;
	for (i = 0; i < f->nterms; i++)
		if (f->term[i].prefix && (f->pkey == 0 ||
		    f->term[i].len < f->pkey))
			f->pkey = f->term[i].len;
	for (i = 0; i < f->nterms; i++) {
		const struct tf_term *t = &f->term[i];
		size_t h;

		if (!t->prefix) {
			table_put(f->exact, size, t, (int)i);
			continue;
		}
		h = hash(t->text, f->pkey) & (size - 1);
		f->pnext[i] = f->pbucket[h];
		f->pbucket[h] = (int)i + 1;
	}
	f->present = xreallocarray(f->present, f->nterms + 1,
	    sizeof(*f->present));
	f->dirty = false;
}

static int
intern(struct topics_filter *f, const char *s, size_t n, bool prefix)
{
	for (size_t i = 0; i < f->nterms; i++)
		if (f->term[i].len == n && f->term[i].prefix == prefix &&
		    memcmp(f->term[i].text, s, n) == 0)
			return (int)i;
	f->term = xreallocarray(f->term, f->nterms + 1, sizeof(*f->term));
	f->term[f->nterms].text = xstrndup(s, n);
	f->term[f->nterms].len = n;
	f->term[f->nterms].prefix = prefix;
	f->dirty = true;
	return (int)f->nterms++;
}

static int
node_new(struct parser *p, enum tf_kind kind, int term)
{
	struct topics_filter *f = p->f;

	if (++p->nodes > TF_NODES_MAX) {
		p->failed = true;
		return -1;
	}
	f->node = xreallocarray(f->node, f->nnodes + 1, sizeof(*f->node));
	memset(&f->node[f->nnodes], 0, sizeof(f->node[f->nnodes]));
	f->node[f->nnodes].kind = kind;
	f->node[f->nnodes].term = term;
	return (int)f->nnodes++;
}

static void
node_add_kid(struct topics_filter *f, int parent, int kid)
{
	struct tf_node *n = &f->node[parent];

	n->kids = xreallocarray(n->kids, (size_t)n->nkids + 1,
	    sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

/* ---- lexing ---- */

static bool
bare_char(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == 0x1a;
}

static void
skip_space(struct parser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' ||
	    *p->s == '\r')
		p->s++;
}

/* The bareword at the cursor (length, 0 if none), without consuming it. */
static size_t
bare_len(const struct parser *p)
{
	size_t n = 0;

	while (bare_char((unsigned char)p->s[n]))
		n++;
	return n;
}

/* Consumes c after optional space; false (and the parse fails) if absent. */
static bool
expect(struct parser *p, char c)
{
	skip_space(p);
	if (*p->s != c) {
		p->failed = true;
		return false;
	}
	p->s++;
	return true;
}

static bool
at_keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);

	skip_space(p);
	return bare_len(p) == n && strncmp(p->s, kw, n) == 0;
}

/* ---- parsing ---- */

/* The tokens of a query string, copied (the tokenizer reuses its buffer). */
struct tokens {
	char		**tok;
	size_t		 *len;
	size_t		 n;
};

static int
on_query_token(void *arg, const char *tok, size_t n)
{
	struct tokens *t = arg;

	if (t->n >= TF_NODES_MAX)
		return -1;
	t->tok = xreallocarray(t->tok, t->n + 1, sizeof(*t->tok));
	t->len = xreallocarray(t->len, t->n + 1, sizeof(*t->len));
	t->tok[t->n] = xstrndup(tok, n);
	t->len[t->n++] = n;
	return 0;
}

/*
 * One phrase: text tokenized as the index does; every token must be
 * present, the last one as a prefix when starred.
 */
static int
phrase_node(struct parser *p, const char *text, size_t len, bool star)
{
	struct topics_filter *f = p->f;
	struct tokens t = { NULL, NULL, 0 };
	int node, rc;

	rc = store_tokenize(f->tok, STORE_TOKENIZE_QUERY, text, len,
	    on_query_token, &t);
	node = node_new(p, t.n == 0 ? TF_TRUE : TF_AND, -1);
	if (rc != 0)
		p->failed = true;
	for (size_t i = 0; i < t.n; i++) {
		if (!p->failed) {
			int k = node_new(p, TF_TERM, intern(f, t.tok[i],
			    t.len[i], star && i == t.n - 1));

			if (k != -1 && node != -1)
				node_add_kid(f, node, k);
		}
		free(t.tok[i]);
	}
	free(t.tok);
	free(t.len);
	return p->failed ? -1 : node;
}

static int	parse_list(struct parser *, enum tf_kind);
static int	parse_primary(struct parser *);

/* A phrase: ["^"] (bareword | "string") ["*"]. */
static int
parse_phrase(struct parser *p)
{
	char *text;
	size_t n = 0;
	bool star;
	int node;

	skip_space(p);
	if (*p->s == '^') {
		p->s++;
		skip_space(p);
	}
	if (*p->s == '"') {
		const char *q = p->s + 1;

		text = xmalloc(strlen(q) + 1);
		for (;;) {
			if (*q == '\0') {
				free(text);
				p->failed = true;
				return -1;
			}
			if (*q == '"' && q[1] == '"') {
				text[n++] = '"';
				q += 2;
			} else if (*q == '"') {
				q++;
				break;
			} else
				text[n++] = *q++;
		}
		p->s = q;
	} else if ((n = bare_len(p)) > 0) {
		text = xstrndup(p->s, n);
		p->s += n;
	} else {
		p->failed = true;
		return -1;
	}
	skip_space(p);
	if ((star = *p->s == '*'))
		p->s++;
	node = phrase_node(p, text, n, star);
	free(text);
	return node;
}

/* NEAR(phrase phrase ... [, N]): all phrases present. */
static int
parse_near(struct parser *p)
{
	int node = node_new(p, TF_AND, -1);

	p->s += 4;
	skip_space(p);
	p->s++;		/* "(" */
	for (;;) {
		int kid;

		skip_space(p);
		if (*p->s == ')' || *p->s == ',' || *p->s == '\0')
			break;
		if (*p->s == '+') {
			p->s++;
			continue;
		}
		kid = parse_phrase(p);
		if (node == -1 || kid == -1 || p->failed)
			return -1;
		node_add_kid(p->f, node, kid);
	}
	if (*p->s == ',') {
		p->s++;
		skip_space(p);
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	return expect(p, ')') ? node : -1;
}

/* A column filter applies to what follows; presence ignores columns. */
static bool
skip_column_filter(struct parser *p)
{
	const char *save = p->s;
	size_t n;

	skip_space(p);
	if (*p->s == '-')
		p->s++;
	skip_space(p);
	if (*p->s == '{') {
		p->s++;
		while (*p->s != '}' && *p->s != '\0')
			p->s++;
		if (*p->s != '}')
			goto no;
		p->s++;
	} else if ((n = bare_len(p)) > 0)
		p->s += n;
	else
		goto no;
	skip_space(p);
	if (*p->s != ':')
		goto no;
	p->s++;
	return true;
no:
	p->s = save;
	return false;
}

static int
parse_primary(struct parser *p)
{
	int node;

	skip_space(p);
	if (p->failed)
		return -1;
	if (*p->s == '(') {
		p->s++;
		node = parse_list(p, TF_OR);
		return expect(p, ')') ? node : -1;
	}
	if (skip_column_filter(p))
		return parse_primary(p);
	if (at_keyword(p, "AND") || at_keyword(p, "OR") ||
	    at_keyword(p, "NOT")) {
		p->failed = true;
		return -1;
	}
	if (at_keyword(p, "NEAR")) {
		const char *q = p->s + 4;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '(')
			return parse_near(p);
	}
	/* phrase ("+" phrase)*: all present. */
	node = node_new(p, TF_AND, -1);
	for (;;) {
		int kid = parse_phrase(p);

		if (kid == -1 || node == -1)
			return -1;
		node_add_kid(p->f, node, kid);
		skip_space(p);
		if (*p->s != '+')
			break;
		p->s++;
	}
	return node;
}

/* a NOT b: b only removes matches, so presence needs a. */
static int
parse_not(struct parser *p)
{
	int node = parse_primary(p);

	while (!p->failed && at_keyword(p, "NOT")) {
		p->s += 3;
		parse_primary(p);
	}
	return node;
}

static bool
starts_primary(struct parser *p)
{
	skip_space(p);
	if (*p->s == '\0' || *p->s == ')' || at_keyword(p, "OR"))
		return false;
	return true;
}

/*
 * TF_OR: and-lists separated by OR. TF_AND: NOT-expressions separated by
 * AND or by nothing (implicit AND).
 */
static int
parse_list(struct parser *p, enum tf_kind kind)
{
	const char *kw = kind == TF_OR ? "OR" : "AND";
	int node = node_new(p, kind, -1);

	for (;;) {
		int kid = kind == TF_OR ? parse_list(p, TF_AND) : parse_not(p);

		if (kid == -1 || node == -1 || p->failed)
			return -1;
		node_add_kid(p->f, node, kid);
		if (at_keyword(p, kw)) {
			p->s += strlen(kw);
			continue;
		}
		if (kind == TF_OR || !starts_primary(p))
			break;
	}
	return node;
}

/* ---- the module ---- */

struct topics_filter *
topics_filter_new(void)
{
	struct topics_filter *f = xcalloc(1, sizeof(*f));

	if ((f->tok = store_tokenizer_new()) == NULL) {
		topics_filter_free(f);
		return NULL;
	}
	f->dirty = true;
	return f;
}

void
topics_filter_reset(struct topics_filter *f)
{
	for (size_t i = 0; i < f->nnodes; i++)
		free(f->node[i].kids);
	free(f->node);
	f->node = NULL;
	f->nnodes = 0;
	free(f->root);
	f->root = NULL;
	f->nroots = 0;
	for (size_t i = 0; i < f->nterms; i++)
		free(f->term[i].text);
	free(f->term);
	f->term = NULL;
	f->nterms = 0;
	f->dirty = true;
}

void
topics_filter_free(struct topics_filter *f)
{
	if (f == NULL)
		return;
	topics_filter_reset(f);
	store_tokenizer_free(f->tok);
	free(f->exact);
	free(f->pbucket);
	free(f->pnext);
	free(f->present);
	free(f);
}

int
topics_filter_add(struct topics_filter *f, const char *query)
{
	struct parser p = { f, query, 0, false };
	size_t nnodes = f->nnodes, nterms = f->nterms;
	int root;

	root = parse_list(&p, TF_OR);
	skip_space(&p);
	if (p.failed || root == -1 || *p.s != '\0') {
		/* Unread: undo its nodes and terms, keep it out. */
		for (size_t i = nnodes; i < f->nnodes; i++)
			free(f->node[i].kids);
		f->nnodes = nnodes;
		for (size_t i = nterms; i < f->nterms; i++)
			free(f->term[i].text);
		f->nterms = nterms;
		log_debug("topics: filter: cannot read '%s'; the store "
		    "answers it after every poll", query);
		return TOPICS_FILTER_ALWAYS;
	}
	f->root = xreallocarray(f->root, f->nroots + 1, sizeof(*f->root));
	f->root[f->nroots] = root;
	return (int)f->nroots++;
}

static int
on_doc_token(void *arg, const char *tok, size_t len)
{
	struct topics_filter *f = arg;
	int i;

	if ((i = table_get(f, tok, len)) != -1)
		f->present[i] = true;
	if (f->pkey == 0 || len < f->pkey)
		return 0;
	for (i = f->pbucket[hash(tok, f->pkey) & (f->tabsize - 1)]; i != 0;
	    i = f->pnext[i - 1]) {
		const struct tf_term *t = &f->term[i - 1];

		if (t->len <= len && memcmp(t->text, tok, t->len) == 0)
			f->present[i - 1] = true;
	}
	return 0;
}

static bool
ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

enum tf_char {
	TF_SEP,		/* a separator for unicode61 */
	TF_WORD,	/* part of a token; its folded bytes written out */
	TF_ASK,		/* only the tokenizer knows */
};

/*
 * What unicode61 (remove_diacritics 2) makes of the character at p, for
 * the scripts news is mostly written in: ASCII letters and digits fold to
 * lower case, every other ASCII byte separates; Cyrillic capitals of
 * Russian, Ukrainian and Belarusian fold to their small letters (and
 * nothing else: ё, й, ї stay as they are); common typographic quotes,
 * dashes and spaces separate. Anything else: TF_ASK.
 */
static enum tf_char
fold_char(const unsigned char *p, size_t *ret_len, unsigned char out[2],
    size_t *ret_outlen)
{
	unsigned int cp;

	if (*p < 0x80) {
		*ret_len = 1;
		if (!ascii_alnum(*p))
			return TF_SEP;
		out[0] = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
		*ret_outlen = 1;
		return TF_WORD;
	}
	if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
		cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
		*ret_len = 2;
	} else if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
		    (p[2] & 0x3fu);
		*ret_len = 3;
	} else
		return TF_ASK;
	switch (cp) {
	case 0x00a0: case 0x00ab: case 0x00bb: case 0x2013: case 0x2014:
	case 0x2018: case 0x2019: case 0x201c: case 0x201d: case 0x201e:
	case 0x2026:
		return TF_SEP;
	}
	if (cp >= 0x0410 && cp <= 0x042f)		/* А..Я */
		cp += 0x20;
	else if (cp == 0x0401 || cp == 0x0404 || cp == 0x0406 ||
	    cp == 0x0407 || cp == 0x040e)		/* Ё Є І Ї Ў */
		cp += 0x50;
	else if (cp == 0x0490)				/* Ґ */
		cp = 0x0491;
	if (!((cp >= 0x0430 && cp <= 0x044f) || cp == 0x0451 ||
	    cp == 0x0454 || cp == 0x0456 || cp == 0x0457 || cp == 0x045e ||
	    cp == 0x0491))
		return TF_ASK;
	out[0] = (unsigned char)(0xc0 | (cp >> 6));
	out[1] = (unsigned char)(0x80 | (cp & 0x3f));
	*ret_outlen = 2;
	return TF_WORD;
}

static int
ask_tokenizer(struct topics_filter *f, const unsigned char *from,
    const unsigned char *to)
{
	if (from == NULL || to <= from)
		return 0;
	return store_tokenize(f->tok, STORE_TOKENIZE_DOCUMENT,
	    (const char *)from, (size_t)(to - from), on_doc_token, f);
}

/*
 * Words made only of characters fold_char() knows are folded here, as
 * unicode61 would fold them; runs of words with any other character go to
 * the tokenizer itself, which splits and folds them exactly.
 */
static int
tokenize(struct topics_filter *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *slow = NULL;
	unsigned char word[256], out[2];

	if (p == NULL)
		return 0;
	for (;;) {
		const unsigned char *start;
		size_t n = 0, len, outlen = 0;
		bool ask = false;
		enum tf_char c;

		/* Skip separators; stop at a word's first character. */
		for (;;) {
			while (*p != '\0' && *p < 0x80 && !ascii_alnum(*p))
				p++;
			if (*p < 0x80 || fold_char(p, &len, out, &outlen) !=
			    TF_SEP)
				break;
			p += len;
		}
		for (start = p; *p != '\0'; p += len) {
			if (*p < 0x80) {	/* most bytes: inline */
				if (!ascii_alnum(*p))
					break;
				if (n < sizeof(word))
					word[n] = *p >= 'A' && *p <= 'Z' ?
					    *p + 32 : *p;
				else
					ask = true;
				n++;
				len = 1;
				continue;
			}
			if ((c = fold_char(p, &len, out, &outlen)) == TF_SEP)
				break;
			if (c == TF_ASK) {
				ask = true;
				len = 1;	/* the tokenizer reads it */
				continue;
			}
			if (n + outlen <= sizeof(word)) {
				word[n] = out[0];
				if (outlen == 2)
					word[n + 1] = out[1];
			} else
				ask = true;
			n += outlen;
		}
		if (ask) {
			if (slow == NULL)
				slow = start;
			if (*p != '\0')
				continue;
		}
		/* A plain word or the end: first the pending run. */
		if (ask_tokenizer(f, slow, ask ? p : start) == -1)
			return -1;
		slow = NULL;
		if (!ask && n > 0)
			on_doc_token(f, (const char *)word, n);
		if (*p == '\0')
			return 0;
	}
}

void
topics_filter_begin(struct topics_filter *f)
{
	if (f->dirty)
		rebuild_tables(f);
	memset(f->present, 0, (f->nterms + 1) * sizeof(*f->present));
}

void
topics_filter_token(struct topics_filter *f, const char *tok, size_t len)
{
	on_doc_token(f, tok, len);
}

int
topics_filter_load(struct topics_filter *f, const struct store_entry *e,
    size_t n)
{
	int rc = 0;

	if (f->dirty)
		rebuild_tables(f);
	memset(f->present, 0, (f->nterms + 1) * sizeof(*f->present));
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *content = htmltext_dup(e[i].content);

		if (tokenize(f, e[i].title) == -1 ||
		    tokenize(f, e[i].summary) == -1 ||
		    tokenize(f, content) == -1 ||
		    tokenize(f, e[i].author) == -1)
			rc = -1;
		free(content);
	}
	if (rc == -1) {
		/* Unknown: every term counts as present. */
		memset(f->present, 1, f->nterms * sizeof(*f->present));
		log_warnx("topics: filter: tokenizer failed; asking the "
		    "store for every topic");
	}
	return rc;
}

static bool
eval(const struct topics_filter *f, int i)
{
	const struct tf_node *n = &f->node[i];
	int k;

	switch (n->kind) {
	case TF_TERM:
		return f->present[n->term];
	case TF_AND:
		for (k = 0; k < n->nkids; k++)
			if (!eval(f, n->kids[k]))
				return false;
		return true;
	case TF_OR:
		for (k = 0; k < n->nkids; k++)
			if (eval(f, n->kids[k]))
				return true;
		return n->nkids == 0;
	default:
		return true;
	}
}

bool
topics_filter_may_match(const struct topics_filter *f, int handle)
{
	if (handle < 0 || (size_t)handle >= f->nroots || f->dirty)
		return true;
	return eval(f, f->root[handle]);
}
