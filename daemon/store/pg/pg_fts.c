/*
 * pg_fts: FTS5 queries as tsquery text, entries as tsvector text, both cut
 * by the SQLite store's tokenizer (pg_fts.h says why).
 *
 * The query is first compiled by SQLite (store_fts_check_query), so a
 * query FTS5 refuses gets SQLite's own message, and the parser below only
 * ever reads queries FTS5 accepts. It follows FTS5's grammar (fts5parse.y
 * in SQLite's sources): OR binds loosest, then AND, then NOT; words next
 * to each other (an implicit AND) bind tightest of all, and a column
 * filter without parentheses takes only the phrase after it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "htmltext.h"
#include "pg_fts.h"
#include "store.h"
#include "xmalloc.h"

/* PostgreSQL's limits: a lexeme's bytes, a position. */
#define PG_MAX_LEXEME	2047
#define PG_MAX_POS	16383
/* SQLite's parser stops well before this; ours must not rely on it. */
#define MAX_DEPTH	256

enum { COL_TITLE = 1, COL_SUMMARY = 2, COL_CONTENT = 4, COL_AUTHOR = 8,
	COL_ALL = 15 };

/* FTS5's columns (STORE_FTS_COLUMNS) and the weight each is stored with. */
static const struct column {
	const char	*name;
	unsigned	 bit;
	char		 weight;
} columns[] = {
	{ "title", COL_TITLE, 'A' },
	{ "summary", COL_SUMMARY, 'B' },
	{ "content", COL_CONTENT, 'C' },
	{ "author", COL_AUTHOR, 'D' },
};

/* ---- the document ---- */

/*
 * tsvector's input keeps every lexeme's bytes until it merges the repeats,
 * and refuses more than MAXSTRPOS of them: a long content of few words
 * repeated (a 5 MiB push) would fail the whole entry. So the document is
 * merged here, as tsvector itself would: each lexeme once, with at most
 * its first MAXNUMPOS positions; a document of still more distinct words
 * keeps those that come first.
 */
#define PG_MAX_STRPOS	((1 << 20) - 1)
#define PG_MAX_NUMPOS	256

struct occ {
	size_t		 off;	/* of the lexeme in doc.text */
	size_t		 len;
	int		 pos;
	char		 weight;
};

struct doc {
	struct buf	 text;	/* every token's bytes, one after another */
	struct occ	*occ;
	size_t		 nocc, capocc;
	int		 pos;
	char		 weight;
};

/* A lexeme in tsvector/tsquery quotes. */
static void
put_lexeme(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_putc(b, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			buf_putc(b, s[i]);
		buf_putc(b, s[i]);
	}
	buf_putc(b, '\'');
}

static int
doc_token(void *arg, const char *tok, size_t len)
{
	struct doc *d = arg;
	struct occ *o;

	/* Counted even when left out, so positions stay FTS5's. */
	if (d->pos < PG_MAX_POS)
		d->pos++;
	if (len == 0 || len > PG_MAX_LEXEME)
		return 0;
	if (d->nocc == d->capocc) {
		d->capocc = d->capocc ? d->capocc * 2 : 64;
		d->occ = xreallocarray(d->occ, d->capocc, sizeof(*d->occ));
	}
	o = &d->occ[d->nocc++];
	o->off = d->text.len;
	o->len = len;
	o->pos = d->pos;
	o->weight = d->weight;
	buf_append(&d->text, tok, len);
	return 0;
}

static bool
occ_same(const char *text, const struct occ *x, const struct occ *y)
{
	return x->len == y->len &&
	    memcmp(text + x->off, text + y->off, x->len) == 0;
}

/* By lexeme, then position (so a lexeme's first occurrence leads). */
static int
occ_cmp(const void *a, const void *b, void *arg)
{
	const struct occ *x = a, *y = b;
	const char *text = arg;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(text + x->off, text + y->off, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

struct group {
	size_t		 first;	/* index into the sorted occ */
	size_t		 n;
};

/* By the position of the lexeme's first occurrence. */
static int
group_cmp(const void *a, const void *b, void *arg)
{
	const struct occ *occ = arg;
	int x = occ[((const struct group *)a)->first].pos;
	int y = occ[((const struct group *)b)->first].pos;

	return (x > y) - (x < y);
}

static char *
doc_render(struct doc *d)
{
	struct group *g;
	struct buf out;
	size_t i, j, ng = 0, bytes = 0;

	buf_init(&out);
	if (d->nocc == 0)
		return buf_detach(&out);
	qsort_r(d->occ, d->nocc, sizeof(*d->occ), occ_cmp, d->text.data);
	g = xreallocarray(NULL, d->nocc, sizeof(*g));
	for (i = 0; i < d->nocc; i++) {
		if (i > 0 && occ_same(d->text.data, &d->occ[i - 1],
		    &d->occ[i])) {
			g[ng - 1].n++;
			continue;
		}
		g[ng].first = i;
		g[ng].n = 1;
		ng++;
	}
	qsort_r(g, ng, sizeof(*g), group_cmp, d->occ);
	for (i = 0; i < ng; i++) {
		const struct occ *o = &d->occ[g[i].first];
		int last = -1;
		size_t kept = 0;

		if (bytes + o->len > PG_MAX_STRPOS)
			break;
		bytes += o->len;
		if (out.len > 0)
			buf_putc(&out, ' ');
		put_lexeme(&out, d->text.data + o->off, o->len);
		buf_putc(&out, ':');
		for (j = 0; j < g[i].n && kept < PG_MAX_NUMPOS; j++) {
			/* Positions past PG_MAX_POS all count as the last. */
			if (o[j].pos == last)
				continue;
			last = o[j].pos;
			buf_printf(&out, "%s%d%c", kept ? "," : "", o[j].pos,
			    o[j].weight);
			kept++;
		}
	}
	free(g);
	return buf_detach(&out);
}

/* A column of a document: its text, and its tokens if cut ahead. */
struct doc_col {
	const char		*text;
	size_t			 len;
	const unsigned char	*tokens;
	size_t			 tokens_len;
};

static char *
document(struct store_tokenizer *tok, const struct doc_col *title,
    const struct doc_col *summary, const struct doc_col *content,
    const struct doc_col *author)
{
	/*
	 * The short columns first: positions past PG_MAX_POS all count as
	 * the last one, which only a long content reaches.
	 */
	const struct {
		const struct doc_col	*col;
		char			 weight;
	} cols[] = {
		{ title, 'A' }, { author, 'D' }, { summary, 'B' },
		{ content, 'C' },
	};
	const struct doc_col *c;
	struct doc d;
	size_t i;
	int before;
	char *out = NULL;

	memset(&d, 0, sizeof(d));
	buf_init(&d.text);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if ((c = cols[i].col)->text == NULL)
			continue;
		d.weight = cols[i].weight;
		before = d.pos;
		if (store_tokenize_made(tok, c->text, c->len, c->tokens,
		    c->tokens_len, doc_token, &d) == -1)
			goto out;
		/* A gap, so that no phrase runs on into the next column. */
		if (d.pos > before && d.pos < PG_MAX_POS)
			d.pos++;
	}
	out = doc_render(&d);
out:
	buf_free(&d.text);
	free(d.occ);
	return out;
}

/* A column of text as it is, NULL being none. */
static struct doc_col
col_of(const char *text)
{
	struct doc_col c = { text, text != NULL ? strlen(text) : 0, NULL, 0 };

	return c;
}

char *
pg_fts_document(struct store_tokenizer *tok, const char *title,
    const char *summary, const char *content_text, const char *author)
{
	struct doc_col t = col_of(title), s = col_of(summary),
	    c = col_of(content_text), a = col_of(author);

	return document(tok, &t, &s, &c, &a);
}

char *
pg_fts_made_document(struct store_tokenizer *tok, const char *title,
    const struct store_index_text *made, const char *author)
{
	struct doc_col t = col_of(title), a = col_of(author);
	struct doc_col s = { made->summary, made->summary_len,
	    made->summary_tokens, made->summary_tokens_len };
	struct doc_col c = { made->content, made->content_len,
	    made->content_tokens, made->content_tokens_len };

	return document(tok, &t, &s, &c, &a);
}

/* ---- the query: tokens ---- */

enum tk {
	TK_EOF, TK_STRING, TK_AND, TK_OR, TK_NOT, TK_LP, TK_RP, TK_LCP,
	TK_RCP, TK_COLON, TK_COMMA, TK_PLUS, TK_STAR, TK_MINUS, TK_CARET,
};

struct token {
	enum tk		 type;
	const char	*p;
	size_t		 n;
	bool		 quoted;
};

/* The node of a parsed query. */
enum nk { N_FALSE, N_PHRASE, N_AND, N_OR, N_NOT };

struct term {
	char	*text;
	size_t	 len;
	bool	 prefix;
};

struct node {
	enum nk		 kind;
	struct node	*l, *r;
	struct term	*terms;
	size_t		 n;
	unsigned	 cols;
};

struct parser {
	const char		*pos;	/* after tok */
	struct token		 tok;
	struct store_tokenizer	*t;
	char			*err;
	size_t			 errlen;
	int			 rc;	/* 0, or how it failed */
	int			 depth;
};

static bool
is_bareword(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == 0x1a;
}

static void
next(struct parser *p)
{
	const char *s = p->pos;
	struct token *t = &p->tok;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\f' || *s == '\v')
		s++;
	t->p = s;
	t->n = 1;
	t->quoted = false;
	switch (*s) {
	case '\0': t->type = TK_EOF; t->n = 0; break;
	case '(': t->type = TK_LP; break;
	case ')': t->type = TK_RP; break;
	case '{': t->type = TK_LCP; break;
	case '}': t->type = TK_RCP; break;
	case ':': t->type = TK_COLON; break;
	case ',': t->type = TK_COMMA; break;
	case '+': t->type = TK_PLUS; break;
	case '*': t->type = TK_STAR; break;
	case '-': t->type = TK_MINUS; break;
	case '^': t->type = TK_CARET; break;
	case '"':
		t->type = TK_STRING;
		t->quoted = true;
		for (s++; *s != '\0'; s++)
			if (*s == '"' && *++s != '"')
				break;
		t->n = (size_t)(s - t->p);
		break;
	default:
		t->type = TK_STRING;
		while (is_bareword((unsigned char)*s))
			s++;
		t->n = (size_t)(s - t->p);
		if (t->n == 0)
			t->n = 1;	/* FTS5 refused it already */
		else if (t->n == 2 && memcmp(t->p, "OR", 2) == 0)
			t->type = TK_OR;
		else if (t->n == 3 && memcmp(t->p, "AND", 3) == 0)
			t->type = TK_AND;
		else if (t->n == 3 && memcmp(t->p, "NOT", 3) == 0)
			t->type = TK_NOT;
		break;
	}
	p->pos = t->p + t->n;
}

/* The type of the token after the current one. */
static enum tk
peek(struct parser *p)
{
	struct parser q = *p;

	next(&q);
	return q.tok.type;
}

/* A string token's text: quotes taken off, "" made ". */
static char *
token_text(const struct token *t)
{
	struct buf b;
	size_t i;

	if (!t->quoted)
		return xstrndup(t->p, t->n);
	buf_init(&b);
	for (i = 1; i < t->n; i++) {
		if (t->p[i] == '"') {
			if (i + 1 < t->n && t->p[i + 1] == '"')
				i++;
			else
				break;
		}
		buf_putc(&b, t->p[i]);
	}
	return buf_detach(&b);
}

static void
fail(struct parser *p, int rc, const char *msg)
{
	if (p->rc == 0) {
		p->rc = rc;
		snprintf(p->err, p->errlen, "%s", msg);
	}
}

/* ---- the query: nodes ---- */

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	for (i = 0; i < n->n; i++)
		free(n->terms[i].text);
	free(n->terms);
	free(n);
}

static struct node *
node_new(enum nk kind, struct node *l, struct node *r)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->l = l;
	n->r = r;
	n->cols = COL_ALL;
	return n;
}

/* FTS5's rules for a part that can match nothing (a phrase of no word). */
static struct node *
node_join(enum nk kind, struct node *l, struct node *r)
{
	struct node *keep;

	if (l->kind != N_FALSE && r->kind != N_FALSE)
		return node_new(kind, l, r);
	if (kind == N_OR)
		keep = l->kind == N_FALSE ? r : l;
	else if (kind == N_NOT && r->kind == N_FALSE)
		keep = l;
	else
		keep = l->kind == N_FALSE ? l : r;	/* the N_FALSE */
	node_free(keep == l ? r : l);
	return keep;
}

/* A column filter: every phrase below keeps only the columns of both. */
static struct node *
node_set_cols(struct node *n, unsigned cols)
{
	if (n->kind == N_PHRASE) {
		n->cols &= cols;
		if (n->cols != 0)
			return n;
		node_free(n);
		return node_new(N_FALSE, NULL, NULL);
	}
	if (n->kind == N_FALSE)
		return n;
	n->l = node_set_cols(n->l, cols);
	n->r = node_set_cols(n->r, cols);
	/* Rebuilt, so that a part that fell to nothing is folded away. */
	{
		struct node *l = n->l, *r = n->r;
		enum nk kind = n->kind;

		n->l = n->r = NULL;
		node_free(n);
		return node_join(kind, l, r);
	}
}

/* ---- the query: the grammar ---- */

static struct node *parse_or(struct parser *p);

struct term_sink {
	struct node	*n;
	size_t		 cap;
	bool		 too_long;
};

static int
add_term(void *arg, const char *tok, size_t len)
{
	struct term_sink *s = arg;
	struct node *n = s->n;

	/* PostgreSQL keeps no such word: the phrase can match nothing. */
	if (len > PG_MAX_LEXEME)
		s->too_long = true;
	if (n->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		n->terms = xreallocarray(n->terms, s->cap, sizeof(*n->terms));
	}
	n->terms[n->n].text = xstrndup(tok, len);
	n->terms[n->n].len = len;
	n->terms[n->n].prefix = false;
	n->n++;
	return 0;
}

/* phrase := STRING [*] (+ STRING [*])... */
static struct node *
parse_phrase(struct parser *p)
{
	struct node *n = node_new(N_PHRASE, NULL, NULL);
	struct term_sink sink = { n, 0, false };
	size_t before;
	char *text;
	int rc;

	for (;;) {
		if (p->tok.type != TK_STRING) {
			fail(p, STORE_EQUERY, "fts5: syntax error");
			break;
		}
		text = token_text(&p->tok);
		before = n->n;
		rc = store_tokenize(p->t, STORE_TOKENIZE_QUERY, text,
		    strlen(text), add_term, &sink);
		free(text);
		if (rc == -1) {
			fail(p, -1, "the full-text tokenizer failed");
			break;
		}
		next(p);
		if (p->tok.type == TK_STAR) {
			if (n->n > before)
				n->terms[n->n - 1].prefix = true;
			next(p);
		}
		if (p->tok.type != TK_PLUS)
			break;
		next(p);
	}
	if (p->rc != 0) {
		node_free(n);
		return NULL;
	}
	if (sink.too_long) {
		node_free(n);
		return node_new(N_FALSE, NULL, NULL);
	}
	return n;
}

static bool
starts_colset(struct parser *p)
{
	return p->tok.type == TK_MINUS || p->tok.type == TK_LCP ||
	    (p->tok.type == TK_STRING && peek(p) == TK_COLON);
}

static unsigned
column_bit(struct parser *p)
{
	char *name = token_text(&p->tok);
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if (strcasecmp(name, columns[i].name) == 0) {
			free(name);
			next(p);
			return columns[i].bit;
		}
	snprintf(msg, sizeof(msg), "no such column: %.64s", name);
	free(name);
	fail(p, STORE_EQUERY, msg);
	return 0;
}

/* colset := [-] ({ STRING... } | STRING), then the colon. */
static unsigned
parse_colset(struct parser *p)
{
	bool invert = false;
	unsigned cols = 0;

	if (p->tok.type == TK_MINUS) {
		invert = true;
		next(p);
	}
	if (p->tok.type == TK_LCP) {
		next(p);
		while (p->rc == 0 && p->tok.type == TK_STRING)
			cols |= column_bit(p);
		if (p->tok.type != TK_RCP)
			fail(p, STORE_EQUERY, "fts5: syntax error near \"}\"");
		next(p);
	} else if (p->tok.type == TK_STRING)
		cols = column_bit(p);
	else
		fail(p, STORE_EQUERY, "fts5: syntax error");
	if (p->tok.type != TK_COLON)
		fail(p, STORE_EQUERY, "fts5: syntax error");
	next(p);
	return invert ? COL_ALL & ~cols : cols;
}

/* cnearset := [colset :] [^] phrase, or NEAR(...), which we refuse. */
static struct node *
parse_cnearset(struct parser *p)
{
	unsigned cols = COL_ALL;
	struct node *n;

	if (starts_colset(p)) {
		cols = parse_colset(p);
		if (p->rc != 0)
			return NULL;
	}
	if (p->tok.type == TK_CARET) {
		fail(p, STORE_EQUERY, "^ (a word at the start of a column) "
		    "has no equivalent in PostgreSQL's full-text search");
		return NULL;
	}
	if (p->tok.type == TK_STRING && !p->tok.quoted && p->tok.n == 4 &&
	    memcmp(p->tok.p, "NEAR", 4) == 0 && peek(p) == TK_LP) {
		fail(p, STORE_EQUERY, "NEAR(...) has no equivalent in "
		    "PostgreSQL's full-text search: use a phrase (\"a b\", "
		    "words next to each other) or AND");
		return NULL;
	}
	if ((n = parse_phrase(p)) == NULL)
		return NULL;
	return node_set_cols(n, cols);
}

/* exprlist := cnearset...: an implicit AND that drops empty phrases. */
static struct node *
parse_exprlist(struct parser *p)
{
	struct node *acc = NULL, *n;

	do {
		if ((n = parse_cnearset(p)) == NULL) {
			node_free(acc);
			return NULL;
		}
		if (n->kind == N_PHRASE && n->n == 0)
			node_free(n);
		else
			acc = acc == NULL ? n : node_join(N_AND, acc, n);
	} while (p->tok.type == TK_STRING || p->tok.type == TK_MINUS ||
	    p->tok.type == TK_LCP || p->tok.type == TK_CARET);
	return acc != NULL ? acc : node_new(N_FALSE, NULL, NULL);
}

static struct node *
parse_paren(struct parser *p)
{
	struct node *n;

	if (++p->depth > MAX_DEPTH) {
		fail(p, STORE_EQUERY, "the query nests parentheses too deep");
		return NULL;
	}
	next(p);
	n = parse_or(p);
	p->depth--;
	if (n != NULL && p->tok.type != TK_RP) {
		fail(p, STORE_EQUERY, "fts5: syntax error");
		node_free(n);
		return NULL;
	}
	next(p);
	return n;
}

/* primary := ( expr ) | colset : ( expr ) | exprlist */
static struct node *
parse_primary(struct parser *p)
{
	struct parser saved;
	struct node *n;
	unsigned cols;

	if (p->tok.type == TK_LP)
		return parse_paren(p);
	if (starts_colset(p)) {
		saved = *p;
		cols = parse_colset(p);
		if (p->rc != 0)
			return NULL;
		if (p->tok.type == TK_LP) {
			if ((n = parse_paren(p)) == NULL)
				return NULL;
			return node_set_cols(n, cols);
		}
		*p = saved;
	}
	return parse_exprlist(p);
}

/* Left-associative levels: NOT binds tighter than AND, AND than OR. */
static struct node *
parse_level(struct parser *p, enum tk op)
{
	struct node *l, *r;

	l = op == TK_NOT ? parse_primary(p) :
	    parse_level(p, op == TK_OR ? TK_AND : TK_NOT);
	while (l != NULL && p->tok.type == op) {
		next(p);
		r = op == TK_NOT ? parse_primary(p) :
		    parse_level(p, op == TK_OR ? TK_AND : TK_NOT);
		if (r == NULL) {
			node_free(l);
			return NULL;
		}
		l = node_join(op == TK_OR ? N_OR : op == TK_AND ? N_AND : N_NOT,
		    l, r);
	}
	return l;
}

static struct node *
parse_or(struct parser *p)
{
	return parse_level(p, TK_OR);
}

/* ---- the query: tsquery text ---- */

static void
emit(struct buf *b, const struct node *n)
{
	size_t i, c;

	switch (n->kind) {
	case N_FALSE:		/* folded away above, but for a whole query */
		break;
	case N_PHRASE:
		if (n->n > 1)
			buf_putc(b, '(');
		for (i = 0; i < n->n; i++) {
			if (i > 0)
				buf_puts(b, " <-> ");
			put_lexeme(b, n->terms[i].text, n->terms[i].len);
			if (!n->terms[i].prefix && n->cols == COL_ALL)
				continue;
			buf_putc(b, ':');
			if (n->terms[i].prefix)
				buf_putc(b, '*');
			if (n->cols != COL_ALL)
				for (c = 0; c < sizeof(columns) /
				    sizeof(columns[0]); c++)
					if (n->cols & columns[c].bit)
						buf_putc(b, columns[c].weight);
		}
		if (n->n > 1)
			buf_putc(b, ')');
		break;
	case N_AND:
	case N_OR:
	case N_NOT:
		buf_putc(b, '(');
		emit(b, n->l);
		buf_puts(b, n->kind == N_AND ? " & " : n->kind == N_OR ?
		    " | " : " & !");
		emit(b, n->r);
		buf_putc(b, ')');
		break;
	}
}

int
pg_fts_query(struct store_tokenizer *tok, const char *query, char **ret,
    char *err, size_t errlen)
{
	struct parser p;
	struct node *n;
	struct buf b;
	int rc;

	*ret = NULL;
	if ((rc = store_fts_check_query(query, err, errlen)) != 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.pos = query;
	p.t = tok;
	p.err = err;
	p.errlen = errlen;
	next(&p);
	n = parse_or(&p);
	if (n != NULL && p.tok.type != TK_EOF)
		fail(&p, STORE_EQUERY, "fts5: syntax error");
	if (p.rc != 0) {
		node_free(n);
		return p.rc;
	}
	buf_init(&b);
	emit(&b, n);
	node_free(n);
	*ret = buf_detach(&b);
	return 0;
}

char *
pg_fts_entry_document(struct store_tokenizer *tok, const char *title,
    const char *summary, const char *content, const char *author,
    struct buf *summary_text, struct buf *content_text)
{
	bool indexed = htmltext_entry(summary, content, summary_text,
	    content_text);

	return pg_fts_document(tok, title, indexed ? summary_text->data : NULL,
	    content != NULL ? content_text->data : NULL, author);
}
