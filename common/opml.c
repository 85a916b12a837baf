#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "buf.h"
#include "charset.h"
#include "opml.h"
#include "xmalloc.h"

#define OPML_MAX_ATTR	8192

struct opml_ctx {
	XML_Parser	 p;
	struct opml_doc	*doc;
	size_t		 cap;
	/* Category path: one slot per open <outline>, NULL if not a folder. */
	char		*stack[OPML_MAX_DEPTH];
	int		 depth;		/* open outlines */
	bool		 in_head_title;
	bool		 in_head;
	struct buf	 text;
	const char	*stop;		/* why parsing was stopped */
};

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static char *
dup_attr(const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return NULL;
	return xstrndup(s, n > OPML_MAX_ATTR ? OPML_MAX_ATTR : n);
}

static void
stop(struct opml_ctx *c, const char *why)
{
	if (c->stop == NULL) {
		c->stop = why;
		XML_StopParser(c->p, XML_FALSE);
	}
}

/* The enclosing folders joined with '/', or NULL. */
static char *
category_path(struct opml_ctx *c)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < c->depth && i < OPML_MAX_DEPTH; i++) {
		if (c->stack[i] == NULL)
			continue;
		if (b.len > 0)
			buf_putc(&b, '/');
		buf_puts(&b, c->stack[i]);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct opml_ctx *c = arg;
	struct opml_feed *f;
	const char *url, *cat;

	if (c->stop != NULL)
		return;
	if (strcmp(name, "head") == 0)
		c->in_head = true;
	else if (c->in_head && strcmp(name, "title") == 0) {
		c->in_head_title = true;
		buf_reset(&c->text);
	}
	if (strcmp(name, "outline") != 0)
		return;
	if (c->depth >= OPML_MAX_DEPTH) {
		stop(c, "outlines nested too deep");
		return;
	}
	c->stack[c->depth] = NULL;
	if ((url = attr(atts, "xmlUrl")) == NULL || *url == '\0') {
		/* A folder: its text names a category. */
		c->stack[c->depth] = dup_attr(attr(atts, "text") != NULL ?
		    attr(atts, "text") : attr(atts, "title"));
		if (c->stack[c->depth] != NULL)
			for (char *p = c->stack[c->depth]; *p != '\0'; p++)
				if (*p == '/')
					*p = '-';
		c->depth++;
		return;
	}
	c->depth++;
	if (c->doc->nfeeds >= OPML_MAX_OUTLINES) {
		stop(c, "too many outlines");
		return;
	}
	if (c->doc->nfeeds == c->cap) {
		c->cap = c->cap == 0 ? 64 : c->cap * 2;
		c->doc->feeds = xreallocarray(c->doc->feeds, c->cap,
		    sizeof(*c->doc->feeds));
	}
	f = &c->doc->feeds[c->doc->nfeeds++];
	memset(f, 0, sizeof(*f));
	f->xml_url = dup_attr(url);
	f->title = dup_attr(attr(atts, "title"));
	if (f->title == NULL)
		f->title = dup_attr(attr(atts, "text"));
	f->html_url = dup_attr(attr(atts, "htmlUrl"));
	f->category = category_path(c);
	if (f->category == NULL && (cat = attr(atts, "category")) != NULL) {
		/* "/Tech/News,/Other": the first path, without its '/'. */
		size_t n;

		while (*cat == '/')
			cat++;
		n = strcspn(cat, ",");
		while (n > 0 && cat[n - 1] == '/')
			n--;
		if (n > 0)
			f->category = xstrndup(cat, n);
	}
	if (f->xml_url == NULL)
		c->doc->nfeeds--;
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct opml_ctx *c = arg;

	if (c->stop != NULL)
		return;
	if (strcmp(name, "outline") == 0 && c->depth > 0) {
		c->depth--;
		free(c->stack[c->depth]);
		c->stack[c->depth] = NULL;
	} else if (strcmp(name, "head") == 0)
		c->in_head = false;
	else if (c->in_head_title && strcmp(name, "title") == 0) {
		c->in_head_title = false;
		free(c->doc->title);
		c->doc->title = c->text.len > 0 ? xstrdup(c->text.data) : NULL;
	}
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct opml_ctx *c = arg;

	if (c->stop == NULL && c->in_head_title &&
	    c->text.len + (size_t)len <= OPML_MAX_ATTR)
		buf_append(&c->text, s, (size_t)len);
}

static void XMLCALL
on_entity_decl(void *arg, const XML_Char *name, int pe, const XML_Char *v,
    int vlen, const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
    const XML_Char *notation)
{
	stop(arg, "entity declarations are not allowed in OPML");
}

void
opml_doc_clear(struct opml_doc *d)
{
	for (size_t i = 0; i < d->nfeeds; i++) {
		free(d->feeds[i].xml_url);
		free(d->feeds[i].title);
		free(d->feeds[i].html_url);
		free(d->feeds[i].category);
	}
	free(d->feeds);
	free(d->title);
	memset(d, 0, sizeof(*d));
}

int
opml_parse(const void *data, size_t len, struct opml_doc *ret, char *err,
    size_t errlen)
{
	struct opml_ctx c;
	int rc = 0;

	memset(ret, 0, sizeof(*ret));
	memset(&c, 0, sizeof(c));
	c.doc = ret;
	buf_init(&c.text);
	if (len > INT32_MAX) {
		snprintf(err, errlen, "the file is too large");
		return -1;
	}
	if ((c.p = XML_ParserCreate(NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XML_SetUserData(c.p, &c);
	XML_SetElementHandler(c.p, on_start, on_end);
	XML_SetCharacterDataHandler(c.p, on_text);
	XML_SetEntityDeclHandler(c.p, on_entity_decl);
	if (XML_Parse(c.p, data, (int)len, XML_TRUE) != XML_STATUS_OK) {
		snprintf(err, errlen, "line %lu, column %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(c.p),
		    (unsigned long)XML_GetCurrentColumnNumber(c.p) + 1,
		    c.stop != NULL ? c.stop :
		    XML_ErrorString(XML_GetErrorCode(c.p)));
		rc = -1;
	}
	for (int i = 0; i < OPML_MAX_DEPTH; i++)
		free(c.stack[i]);
	buf_free(&c.text);
	XML_ParserFree(c.p);
	if (rc == -1)
		opml_doc_clear(ret);
	return rc;
}

/* s as XML attribute text: escaped, repaired to UTF-8, no control bytes. */
static void
put_escaped(struct buf *out, const char *s)
{
	struct charset_repair r;
	struct buf clean;

	buf_init(&clean);
	charset_repair_init(&r);
	charset_repair_push(&r, s, strlen(s), true, &clean);
	for (const char *p = clean.data; *p != '\0'; p++) {
		switch (*p) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\t': buf_puts(out, "&#9;"); break;
		case '\n': buf_puts(out, "&#10;"); break;
		case '\r': buf_puts(out, "&#13;"); break;
		default:
			if ((unsigned char)*p >= 0x20)
				buf_putc(out, *p);
		}
	}
	buf_free(&clean);
}

static void
put_feed(struct buf *out, const struct opml_feed *f, int depth)
{
	const char *title = f->title != NULL ? f->title : f->xml_url;

	buf_printf(out, "%*s<outline type=\"rss\" text=\"", depth * 2, "");
	put_escaped(out, title);
	buf_puts(out, "\" title=\"");
	put_escaped(out, title);
	buf_puts(out, "\" xmlUrl=\"");
	put_escaped(out, f->xml_url);
	if (f->html_url != NULL) {
		buf_puts(out, "\" htmlUrl=\"");
		put_escaped(out, f->html_url);
	}
	buf_puts(out, "\"/>\n");
}

/* The n-th '/'-separated part of category: its start and length. */
static bool
part_at(const char *category, int n, const char **ret, size_t *ret_len)
{
	const char *p = category;
	size_t len;

	for (;;) {
		p += strspn(p, "/");
		if (*p == '\0')
			return false;
		len = strcspn(p, "/");
		if (n-- == 0) {
			*ret = p;
			*ret_len = len;
			return true;
		}
		p += len;
	}
}

static int
nparts(const char *category)
{
	const char *p;
	size_t len;
	int n = 0;

	while (category != NULL && part_at(category, n, &p, &len))
		n++;
	return n;
}

/* How many leading parts a and b share. */
static int
shared_parts(const char *a, const char *b)
{
	const char *pa, *pb;
	size_t la, lb;
	int n = 0;

	while (a != NULL && b != NULL && part_at(a, n, &pa, &la) &&
	    part_at(b, n, &pb, &lb) && la == lb && memcmp(pa, pb, la) == 0)
		n++;
	return n;
}

/*
 * Part by part, so that "News/World" sorts next to "News" and not after
 * "News A"; feeds without a category first; otherwise the given order.
 */
static int
cmp_feed(const void *va, const void *vb, void *arg)
{
	const struct opml_feed *feeds = arg;
	size_t a = *(const size_t *)va, b = *(const size_t *)vb;
	const char *ca = feeds[a].category, *cb = feeds[b].category;
	const char *pa, *pb;
	size_t la, lb;
	int n = 0, c;

	if ((ca == NULL) != (cb == NULL))
		return ca == NULL ? -1 : 1;
	for (; ca != NULL; n++) {
		bool ha = part_at(ca, n, &pa, &la), hb = part_at(cb, n, &pb,
		    &lb);

		if (!ha || !hb) {
			if (ha != hb)
				return ha ? 1 : -1;
			break;
		}
		if ((c = memcmp(pa, pb, la < lb ? la : lb)) != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return a < b ? -1 : a > b;
}

void
opml_write(struct buf *out, const char *title, const struct opml_feed *feeds,
    size_t n, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	char date[64] = "";
	size_t *order = xcalloc(n + 1, sizeof(*order));
	const char *open = NULL;	/* the folders open: this path */
	int depth = 0;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<opml version=\"2.0\">\n  <head>\n    <title>");
	put_escaped(out, title != NULL ? title : "Subscriptions");
	buf_printf(out, "</title>\n    <dateCreated>%s</dateCreated>\n"
	    "  </head>\n  <body>\n", date);
	/* One folder per category part, each opened once: a tree. */
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_feed, (void *)feeds);
	for (size_t k = 0; k < n; k++) {
		const struct opml_feed *f = &feeds[order[k]];
		int keep = shared_parts(open, f->category), want =
		    nparts(f->category);
		const char *p;
		size_t len;

		for (; depth > keep; depth--)
			buf_printf(out, "%*s</outline>\n", (depth + 1) * 2, "");
		for (; depth < want && part_at(f->category, depth, &p, &len);
		    depth++) {
			char *part = xstrndup(p, len);

			buf_printf(out, "%*s<outline text=\"", (depth + 2) * 2,
			    "");
			put_escaped(out, part);
			buf_puts(out, "\" title=\"");
			put_escaped(out, part);
			buf_puts(out, "\">\n");
			free(part);
		}
		open = f->category;
		put_feed(out, f, depth + 2);
	}
	for (; depth > 0; depth--)
		buf_printf(out, "%*s</outline>\n", (depth + 1) * 2, "");
	buf_puts(out, "  </body>\n</opml>\n");
	free(order);
}
