/*
 * feedlinks: a page's feed links through gumbo.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "buf.h"
#include "charset.h"
#include "feedlinks.h"
#include "feedtext.h"
#include "htmltext.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

/* As htmlrender.c: deeper than this, gumbo's time is not linear. */
#define FEEDLINKS_MAX_DEPTH	1000
/* Larger pages have their head read first (feedlinks_read). */
#define FEEDLINKS_HEAD_FIRST	(64 * 1024)
/* How far into a page its charset is looked for (HTML's prescan). */
#define PRESCAN_LEN		1024

const char *const feedlinks_guesses[] = { "/feed", "/rss", "/atom.xml",
    "/index.xml", "/feed.xml", "/rss.xml", NULL };

/* Media types of feeds a <link rel="alternate"> may announce. */
static const char *const feed_types[] = { "application/rss+xml",
    "application/atom+xml", "application/feed+json", "application/rdf+xml",
    "application/x.atom+xml", "application/x-atom+xml",
    "application/x-rss+xml", "text/xml", "application/xml", NULL };

static size_t
skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	return i;
}

bool
feedlinks_is_html(const char *body, size_t len)
{
	const char *end;
	size_t i = skip_space(body, 0, len);

	if (i + 3 <= len && memcmp(body + i, "\xef\xbb\xbf", 3) == 0)
		i = skip_space(body, i + 3, len);
	/* Comments and an XML declaration (XHTML) before the markup. */
	for (;;) {
		if (len - i >= 4 && memcmp(body + i, "<!--", 4) == 0)
			end = memmem(body + i + 4, len - i - 4, "-->", 3);
		else if (len - i >= 2 && memcmp(body + i, "<?", 2) == 0)
			end = memmem(body + i + 2, len - i - 2, "?>", 2);
		else
			break;
		if (end == NULL)
			return false;
		i = skip_space(body, (size_t)(end - body) + (end[0] == '-' ?
		    3 : 2), len);
	}
	if (len - i >= 14 && strncasecmp(body + i, "<!doctype html", 14) == 0)
		return true;
	if (len - i >= 5 && strncasecmp(body + i, "<html", 5) == 0 &&
	    (len - i == 5 || !isalnum((unsigned char)body[i + 5])))
		return true;
	return false;
}

/* The value of charset= in s (a Content-Type, a <meta>), into out. */
static bool
charset_param(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, n;

	for (i = 0; i + 8 <= len; i++) {
		if (strncasecmp(s + i, "charset=", 8) != 0)
			continue;
		i += 8;
		while (i < len && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
			i++;
		for (n = 0; i + n < len && n + 1 < outlen &&
		    (isalnum((unsigned char)s[i + n]) ||
		    strchr("-_.:", s[i + n]) != NULL); n++)
			out[n] = s[i + n];
		out[n] = '\0';
		return n > 0;
	}
	return false;
}

/*
 * The page as UTF-8, into out: the charset of the Content-Type, else of
 * a <meta> in its first bytes (the prescan HTML specifies: gumbo reads
 * UTF-8 only); what is not valid is repaired as feeds are.
 */
static void
to_utf8(const char *page, size_t len, const char *content_type,
    struct buf *out)
{
	static const char *const latin1[] = { "iso-8859-1", "latin1",
	    "windows-1252", "us-ascii", "ascii", NULL };
	struct charset_repair rep;
	struct charset_conv *cv = NULL;
	char cs[48] = "";

	if (content_type == NULL || !charset_param(content_type,
	    strlen(content_type), cs, sizeof(cs)))
		charset_param(page, len < PRESCAN_LEN ? len : PRESCAN_LEN, cs,
		    sizeof(cs));
	for (size_t i = 0; cs[0] != '\0' && latin1[i] != NULL; i++)
		if (strcasecmp(cs, latin1[i]) == 0)
			strcpy(cs, "WINDOWS-1252");	/* as browsers do */
	if (cs[0] != '\0' && strcasecmp(cs, "utf-8") != 0 &&
	    strcasecmp(cs, "utf8") != 0)
		cv = charset_conv_new(cs);
	if (cv != NULL) {
		charset_conv_push(cv, page, len, true, out);
		charset_conv_free(cv);
		return;
	}
	charset_repair_init(&rep);
	rep.undeclared = cs[0] == '\0';
	charset_repair_push(&rep, page, len, true, out);
}

/* Text with runs of white space made one space, trimmed; NULL if empty. */
static char *
squeeze(const char *s)
{
	struct buf b;
	bool space = false;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, *s);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static const char *
attr(GumboNode *n, const char *name)
{
	GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes,
	    name);

	return a != NULL ? a->value : NULL;
}

/* The text of an element's subtree, into b. */
static void
node_text(GumboNode *n, struct buf *b)
{
	GumboVector *c;

	if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
	    n->type == GUMBO_NODE_CDATA) {
		buf_puts(b, n->v.text.text);
		buf_putc(b, ' ');
		return;
	}
	if (n->type != GUMBO_NODE_ELEMENT)
		return;
	/* Anchors and titles are shallow; bound the walk all the same. */
	c = &n->v.element.children;
	for (unsigned i = 0; i < c->length && b->len < 1024; i++)
		node_text(c->data[i], b);
}

/* True if rel (a space-separated list) holds the token want. */
static bool
rel_has(const char *rel, const char *want)
{
	size_t n = strlen(want), k;

	while (rel != NULL && *rel != '\0') {
		while (isspace((unsigned char)*rel))
			rel++;
		for (k = 0; rel[k] != '\0' && !isspace((unsigned char)rel[k]);
		    k++)
			;
		if (k == n && strncasecmp(rel, want, n) == 0)
			return true;
		rel += k;
	}
	return false;
}

static bool
feed_type(const char *type)
{
	size_t n;

	if (type == NULL)
		return false;
	while (isspace((unsigned char)*type))
		type++;
	n = strcspn(type, "; \t");
	for (size_t i = 0; feed_types[i] != NULL; i++)
		if (strlen(feed_types[i]) == n &&
		    strncasecmp(type, feed_types[i], n) == 0)
			return true;
	return false;
}

struct collect {
	struct feedlinks *l;
	GumboNode	**links;
	size_t		 nlinks;
	GumboNode	**anchors;
	size_t		 nanchors;
};

static bool
known(const struct feedlinks *l, const char *url)
{
	for (size_t i = 0; i < l->nitems; i++)
		if (strcmp(l->items[i].url, url) == 0)
			return true;
	return false;
}

static void
add(struct feedlinks *l, char *url, char *title, const char *type,
    enum feedlinks_via via)
{
	struct feedlinks_item *it;
	size_t n = 0;

	for (size_t i = 0; i < l->nitems; i++)
		n += l->items[i].via == via;
	if (n >= FEEDLINKS_MAX_EACH || known(l, url) ||
	    (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)) {
		free(url);
		free(title);
		return;
	}
	l->items = xreallocarray(l->items, l->nitems + 1, sizeof(*l->items));
	it = &l->items[l->nitems++];
	it->url = url;
	it->title = title;
	it->type = xstrdup_or_null(type);
	it->via = via;
}

/* Walks the tree without recursion: title, base, links and anchors. */
static void
walk(GumboNode *root, struct collect *c)
{
	GumboNode **stack, *n;
	size_t top = 0, cap = 64;
	GumboVector *kids;
	struct buf t;

	stack = xreallocarray(NULL, cap, sizeof(*stack));
	stack[top++] = root;
	while (top > 0) {
		n = stack[--top];
		if (n->type != GUMBO_NODE_ELEMENT)
			continue;
		switch (n->v.element.tag) {
		case GUMBO_TAG_TITLE:
			if (c->l->title == NULL) {
				buf_init(&t);
				node_text(n, &t);
				c->l->title = squeeze(t.data);
				buf_free(&t);
			}
			continue;
		case GUMBO_TAG_BASE:
			if (c->l->base == NULL && attr(n, "href") != NULL &&
			    *attr(n, "href") != '\0')
				c->l->base = xstrdup(attr(n, "href"));
			continue;
		case GUMBO_TAG_LINK:
			c->links = xreallocarray(c->links, c->nlinks + 1,
			    sizeof(*c->links));
			c->links[c->nlinks++] = n;
			continue;
		case GUMBO_TAG_A:
			c->anchors = xreallocarray(c->anchors, c->nanchors + 1,
			    sizeof(*c->anchors));
			c->anchors[c->nanchors++] = n;
			break;
		case GUMBO_TAG_SCRIPT:
		case GUMBO_TAG_STYLE:
		case GUMBO_TAG_TEMPLATE:
			continue;
		default:
			break;
		}
		/* Children pushed in reverse: document order comes out. */
		kids = &n->v.element.children;
		for (unsigned i = kids->length; i > 0; i--) {
			if (top == cap) {
				cap *= 2;
				stack = xreallocarray(stack, cap,
				    sizeof(*stack));
			}
			stack[top++] = kids->data[i - 1];
		}
	}
	free(stack);
}

/* Where the page's head ends by its bytes ("</head>"), else len. */
static size_t
head_end(const char *html, size_t len)
{
	const char *p;

	for (p = html; (p = memchr(p, '<', len - (size_t)(p - html))) !=
	    NULL; p++)
		if (len - (size_t)(p - html) >= 7 &&
		    strncasecmp(p, "</head>", 7) == 0)
			return (size_t)(p - html);
	return len;
}

/* The part of a page gumbo reads quickly (see FEEDLINKS_MAX_DEPTH). */
static size_t
readable_len(const char *html, size_t len)
{
	size_t head;

	if (htmltext_depth_bound(html, len) <= FEEDLINKS_MAX_DEPTH)
		return len;
	/* Its head holds the <link> elements; the rest goes unread. */
	head = head_end(html, len);
	if (head < len)
		return head;
	return len < 65536 ? len : 65536;
}

/* The page's own host for "same site first" (url_host_key's reading). */
static bool
same_site(const char *a, const char *b)
{
	char *ha = url_host_key(a), *hb = url_host_key(b);
	bool same = strcmp(ha, hb) == 0;

	free(ha);
	free(hb);
	return same;
}

/* Reads html[0..len) into ret (cleared first). 0, or -1. */
static int
read_part(const char *html, size_t len, const char *page_url,
    struct feedlinks *ret)
{
	GumboOptions opts = kGumboDefaultOptions;
	struct collect c = { .l = ret };
	GumboOutput *doc;
	struct buf t;
	const char *href;
	char *base, *url, *title;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	opts.max_errors = 0;
	if ((doc = gumbo_parse_with_options(&opts, html, len)) == NULL) {
		log_err("feedlinks: the HTML parser failed");
		return -1;
	}
	walk(doc->root, &c);
	base = url_resolve(page_url, ret->base != NULL ? ret->base : "");
	if (base == NULL)
		base = xstrdup_or_null(page_url);
	free(ret->base);
	ret->base = base;
	for (i = 0; i < c.nlinks; i++) {
		GumboNode *n = c.links[i];

		if ((!rel_has(attr(n, "rel"), "alternate") &&
		    !rel_has(attr(n, "rel"), "feed")) ||
		    !feed_type(attr(n, "type")) ||
		    (href = attr(n, "href")) == NULL || *href == '\0')
			continue;
		url = url_resolve(base, href);
		add(ret, url, squeeze(attr(n, "title")), attr(n, "type"),
		    FEEDLINKS_LINK);
	}
	/* Anchors of the page's own site first, then the others. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < c.nanchors; i++) {
			GumboNode *n = c.anchors[i];

			if ((href = attr(n, "href")) == NULL || *href == '\0')
				continue;
			url = url_resolve(base, href);
			if (!feedlinks_feedish(url) ||
			    same_site(url, page_url) != (pass == 0)) {
				free(url);
				continue;
			}
			buf_init(&t);
			node_text(n, &t);
			if ((title = squeeze(t.data)) == NULL)
				title = squeeze(attr(n, "title"));
			add(ret, url, title, NULL, FEEDLINKS_ANCHOR);
			buf_free(&t);
		}
	}
	free(c.links);
	free(c.anchors);
	gumbo_destroy_output(&opts, doc);
	return 0;
}

int
feedlinks_read(const char *page, size_t len, const char *content_type,
    const char *page_url, struct feedlinks *ret)
{
	struct buf html;
	const char *h;
	size_t n, head;
	int rc;

	if (len > FEEDLINKS_MAX_HTML)
		len = FEEDLINKS_MAX_HTML;
	buf_init(&html);
	to_utf8(page, len, content_type, &html);
	h = html.data != NULL ? html.data : "";
	n = readable_len(h, html.len);
	/*
	 * A large page's head first: its <link> elements are what is
	 * wanted, and gumbo costs about 90 ms a MiB of loop time. Only a
	 * head without feed links has the rest read, for its anchors.
	 */
	if (n > FEEDLINKS_HEAD_FIRST && (head = head_end(h, n)) < n) {
		if ((rc = read_part(h, head, page_url, ret)) == -1 ||
		    (ret->nitems > 0 && ret->items[0].via == FEEDLINKS_LINK))
			goto out;
		feedlinks_clear(ret);
	}
	rc = read_part(h, n, page_url, ret);
out:
	buf_free(&html);
	return rc;
}

void
feedlinks_clear(struct feedlinks *l)
{
	for (size_t i = 0; i < l->nitems; i++) {
		free(l->items[i].url);
		free(l->items[i].title);
		free(l->items[i].type);
	}
	free(l->items);
	free(l->title);
	free(l->base);
	memset(l, 0, sizeof(*l));
}

/* The lower-cased host, path and query of an http(s) URL, split. */
static bool
url_parts(const char *url, char *host, size_t hostlen, char *path,
    size_t pathlen, char *query, size_t querylen)
{
	const char *p = strstr(url, "://"), *q;
	size_t n;

	if (p == NULL)
		return false;
	p += 3;
	n = strcspn(p, "/?#");
	if (n >= hostlen)
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)p[i]);
	host[n] = '\0';
	p += n;
	n = strcspn(p, "?#");
	if (n >= pathlen)
		n = pathlen - 1;
	for (size_t i = 0; i < n; i++)
		path[i] = (char)tolower((unsigned char)p[i]);
	path[n] = '\0';
	q = p + strcspn(p, "?#");
	query[0] = '\0';
	if (*q == '?') {
		n = strcspn(q + 1, "#");
		if (n >= querylen)
			n = querylen - 1;
		for (size_t i = 0; i < n; i++)
			query[i] = (char)tolower((unsigned char)q[1 + i]);
		query[n] = '\0';
	}
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool
feedlinks_feedish(const char *url)
{
	static const char *const names[] = { "feed", "feeds", "rss", "rss2",
	    "atom", "rdf", "index.rss", "index.xml", "index.rdf", "index.atom",
	    "feed.xml", "rss.xml", "atom.xml", "feed.json", "feed.rss",
	    "feed.atom", "rss2.xml", NULL };
	static const char *const queries[] = { "feed=rss", "feed=atom",
	    "feed=rdf", "format=rss", "format=atom", "type=rss", "rss=1",
	    NULL };
	char host[256], path[1024], query[512], *last;
	size_t n;

	if (url == NULL || !url_parts(url, host, sizeof(host), path,
	    sizeof(path), query, sizeof(query)))
		return false;
	if (strncmp(host, "feeds.", 6) == 0 && strlen(path) > 1)
		return true;
	for (size_t i = 0; queries[i] != NULL; i++)
		if (strstr(query, queries[i]) != NULL)
			return true;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	last = strrchr(path, '/');
	last = last != NULL ? last + 1 : path;
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(last, names[i]) == 0)
			return true;
	if (ends_with(last, ".rss") || ends_with(last, ".rdf") ||
	    ends_with(last, ".atom"))
		return true;
	if (ends_with(last, ".xml") && (strstr(last, "feed") != NULL ||
	    strstr(last, "rss") != NULL || strstr(last, "atom") != NULL))
		return true;
	/* Blogger's /feeds/posts/default. */
	return strstr(path, "/feeds/posts/") != NULL;
}

bool
feedlinks_comments(const char *url, const char *title)
{
	/* Lower case where it matters: ASCII, and the Cyrillic middles. */
	static const char *const words[] = { "comment", "coment",
	    "kommentar", "reactie", "komentar", "koment\xc3\xa1",
	    "\xd0\xbe\xd0\xbc\xd0\xbc\xd0\xb5\xd0\xbd\xd1\x82",	/* оммент */
	    "\xd0\xbe\xd0\xbc\xd0\xb5\xd0\xbd\xd1\x82",		/* омент */
	    NULL };
	char host[256], path[1024], query[512];
	struct buf t;
	bool found = false;

	if (url != NULL && url_parts(url, host, sizeof(host), path,
	    sizeof(path), query, sizeof(query)) &&
	    (strstr(path, "/comments/") != NULL ||
	    ends_with(path, "/comments") ||
	    strstr(query, "feed=comments") != NULL))
		return true;
	if (title == NULL || *title == '\0')
		return false;
	buf_init(&t);
	for (const char *p = title; *p != '\0'; p++)
		buf_putc(&t, (char)tolower((unsigned char)*p));
	for (size_t i = 0; !found && words[i] != NULL; i++)
		found = strstr(t.data, words[i]) != NULL;
	buf_free(&t);
	return found;
}
