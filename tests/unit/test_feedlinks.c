/*
 * test_feedlinks: the feed links of the pages in corpus/discovery (as a
 * site at http://site.example would serve them), of broken and encoded
 * markup, and the rules for feed-like URLs, comments feeds and HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feedlinks.h"
#include "tap.h"
#include "testfile.h"

#define SITE	"http://site.example"

/* The page as served: {{BASE}} is the site. */
static bool
page(const char *name, const char *url, struct feedlinks *l)
{
	struct buf raw, html;
	char path[256], *p, *at;
	int rc;

	buf_init(&raw);
	buf_init(&html);
	snprintf(path, sizeof(path), "../corpus/discovery/%s", name);
	if (testfile_read(path, &raw) == -1) {
		ok(false, "read %s", path);
		return false;
	}
	for (p = raw.data; (at = strstr(p, "{{BASE}}")) != NULL; p = at + 8) {
		buf_append(&html, p, (size_t)(at - p));
		buf_puts(&html, SITE);
	}
	buf_puts(&html, p);
	ok(feedlinks_is_html(html.data, html.len), "%s: an HTML page", name);
	rc = feedlinks_read(html.data, html.len, "text/html; charset=utf-8",
	    url, l);
	buf_free(&raw);
	buf_free(&html);
	return ok(rc == 0, "%s: read", name);
}

static void
expect(const struct feedlinks *l, const char *name, size_t n,
    const char *const *urls, enum feedlinks_via via)
{
	char what[256];
	size_t i;

	ok(l->nitems == n, "%s: %zu feed links (%zu)", name, n, l->nitems);
	for (i = 0; i < n && i < l->nitems; i++) {
		snprintf(what, sizeof(what), "%s: link %zu", name, i + 1);
		is_str(l->items[i].url, urls[i], what);
		ok(l->items[i].via == via, "%s: link %zu is %s", name, i + 1,
		    via == FEEDLINKS_LINK ? "a <link>" : "an <a>");
	}
}

static void
test_corpus(void)
{
	static const char *const wp[] = { SITE "/feeds/wp-feed.xml",
	    SITE "/feeds/wp-comments.xml" };
	static const char *const blogger[] = { SITE "/feeds/blogger-atom.xml",
	    SITE "/feeds/blogger-rss.xml" };
	static const char *const ghost[] = { SITE "/feeds/ghost-rss.xml" };
	static const char *const hugo[] = { SITE "/feeds/hugo-index.xml" };
	static const char *const news[] = { SITE "/feeds/news-top.xml",
	    SITE "/feeds/news-world.xml", SITE "/feeds/news-tech.json" };
	static const char *const rel[] = {
	    SITE "/feeds/relative-feed.atom.xml" };
	static const char *const anchors[] = {
	    SITE "/feeds/anchor-feed.rss" };
	static const char *const micro[] = { SITE "/feeds/micro-feed.json",
	    SITE "/feeds/micro-feed.xml" };
	struct feedlinks l;

	if (page("wordpress.html", SITE "/", &l)) {
		/* REST, oEmbed and the footer's anchors are no more links. */
		expect(&l, "wordpress", 2, wp, FEEDLINKS_LINK);
		is_str(l.title, "Example Blog \xe2\x80\x93 Just another "
		    "WordPress site", "wordpress: the title, decoded");
		is_str(l.items[1].title, "Example Blog \xc2\xbb Comments Feed",
		    "wordpress: the comments feed's title");
		ok(feedlinks_comments(l.items[1].url, l.items[1].title) &&
		    !feedlinks_comments(l.items[0].url, l.items[0].title),
		    "wordpress: its comments feed is told apart");
		feedlinks_clear(&l);
	}
	if (page("blogger.html", SITE "/", &l)) {
		expect(&l, "blogger", 2, blogger, FEEDLINKS_LINK);
		feedlinks_clear(&l);
	}
	if (page("ghost.html", SITE "/", &l)) {
		expect(&l, "ghost", 1, ghost, FEEDLINKS_LINK);
		feedlinks_clear(&l);
	}
	if (page("hugo.html", SITE "/", &l)) {
		/* rel="alternate" and rel="feed" to one URL: once. */
		expect(&l, "hugo", 1, hugo, FEEDLINKS_LINK);
		feedlinks_clear(&l);
	}
	if (page("news.html", SITE "/", &l)) {
		expect(&l, "news", 3, news, FEEDLINKS_LINK);
		is_str(l.items[2].type, "application/feed+json",
		    "news: the JSON Feed's type");
		feedlinks_clear(&l);
	}
	if (page("relative.html", SITE "/blog/", &l)) {
		expect(&l, "relative", 1, rel, FEEDLINKS_LINK);
		is_str(l.base, SITE "/feeds/", "relative: <base> against the "
		    "page's URL");
		feedlinks_clear(&l);
	}
	if (page("anchors.html", SITE "/club/", &l)) {
		expect(&l, "anchors", 1, anchors, FEEDLINKS_ANCHOR);
		is_str(l.items[0].title, "Subscribe (RSS)",
		    "anchors: the anchor's text");
		feedlinks_clear(&l);
	}
	if (page("micro.html", SITE "/", &l)) {
		expect(&l, "micro", 2, micro, FEEDLINKS_LINK);
		feedlinks_clear(&l);
	}
	if (page("none.html", SITE "/", &l)) {
		ok(l.nitems == 0, "none: no feed links (%zu)", l.nitems);
		is_str(l.title, "Under construction", "none: its title");
		feedlinks_clear(&l);
	}
}

static void
read_str(const char *html, const char *type, const char *url,
    struct feedlinks *l)
{
	feedlinks_read(html, strlen(html), type, url, l);
}

static void
test_markup(void)
{
	struct feedlinks l;
	struct buf deep;
	char *page;
	int i;

	/* Unquoted attributes, upper case, rel lists, a missing </head>. */
	read_str("<HTML><HEAD><TITLE>x</TITLE><LINK REL=\"Alternate "
	    "nofollow\" TYPE=\"Application/RSS+XML; charset=utf-8\" "
	    "HREF=/rss.xml><body><p>text", NULL, "https://a.example/x/y",
	    &l);
	ok(l.nitems == 1 && strcmp(l.items[0].url,
	    "https://a.example/rss.xml") == 0,
	    "upper case, a rel list and a typed charset parameter");
	feedlinks_clear(&l);

	/* Entities in the href, a fragment, a protocol-relative one. */
	read_str("<link rel=alternate type=application/atom+xml "
	    "href=\"feed?a=1&amp;b=2\"><link rel=alternate "
	    "type=application/rss+xml href=\"//cdn.example/f.rss\">",
	    NULL, "https://a.example/dir/page.html", &l);
	ok(l.nitems == 2 && strcmp(l.items[0].url,
	    "https://a.example/dir/feed?a=1&b=2") == 0 &&
	    strcmp(l.items[1].url, "https://cdn.example/f.rss") == 0,
	    "hrefs decoded and resolved (%s)", l.nitems > 0 ?
	    l.items[0].url : "none");
	feedlinks_clear(&l);

	/* No href, an empty one, a mailto:, a stylesheet alternate. */
	read_str("<link rel=alternate type=application/rss+xml>"
	    "<link rel=alternate type=application/rss+xml href=\"\">"
	    "<link rel=alternate type=application/rss+xml "
	    "href=\"mailto:x@y\"><link rel=\"alternate stylesheet\" "
	    "type=text/css href=/dark.css>", NULL, "https://a.example/", &l);
	ok(l.nitems == 0, "links that lead nowhere are not kept (%zu)",
	    l.nitems);
	feedlinks_clear(&l);

	/* A windows-1251 page: its title as UTF-8. */
	read_str("<title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title>", "text/html; "
	    "charset=windows-1251", "https://a.example/", &l);
	is_str(l.title, "\xd0\x9d\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x81\xd1\x82\xd0"
	    "\xb8", "a windows-1251 page's title, from the Content-Type");
	feedlinks_clear(&l);
	read_str("<meta charset=\"koi8-r\"><title>\xee\xcf\xd7\xcf\xd3\xd4"
	    "\xc9</title>", NULL, "https://a.example/", &l);
	is_str(l.title, "\xd0\x9d\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x81\xd1\x82\xd0"
	    "\xb8", "a KOI8-R page's title, from its <meta>");
	feedlinks_clear(&l);

	/* A large page: its head first; its body when the head has none. */
	buf_init(&deep);
	buf_puts(&deep, "<html><head><title>big</title><link rel=alternate "
	    "type=application/rss+xml href=/big.xml></head><body>");
	for (i = 0; i < 5000; i++)
		buf_puts(&deep, "<p><a href=\"/feed/\">RSS</a> some text</p>");
	page = buf_detach(&deep);
	read_str(page, NULL, "https://a.example/", &l);
	ok(l.nitems == 1 && l.items[0].via == FEEDLINKS_LINK &&
	    strcmp(l.title, "big") == 0, "a large page: its head's link");
	feedlinks_clear(&l);
	*strstr(page, "<link") = 'x';
	read_str(page, NULL, "https://a.example/", &l);
	ok(l.nitems == 1 && l.items[0].via == FEEDLINKS_ANCHOR &&
	    strcmp(l.items[0].url, "https://a.example/feed/") == 0,
	    "... without one: its body's anchor");
	feedlinks_clear(&l);
	free(page);

	/* Nesting gumbo would be slow on: the head is still read. */
	buf_init(&deep);
	buf_puts(&deep, "<html><head><link rel=alternate type=application/"
	    "rss+xml href=/deep.xml></head><body>");
	for (i = 0; i < 50000; i++)
		buf_puts(&deep, "<div>");
	page = buf_detach(&deep);
	read_str(page, NULL, "https://a.example/", &l);
	ok(l.nitems == 1, "50 000 nested <div>: the head's link is found");
	feedlinks_clear(&l);
	free(page);
}

static bool
is_html(const char *s)
{
	return feedlinks_is_html(s, strlen(s));
}

static void
test_rules(void)
{
	static const struct {
		const char *url;
		bool feedish;
	} urls[] = {
		{ "https://a.example/feed", true },
		{ "https://a.example/feed/", true },
		{ "https://a.example/blog/rss", true },
		{ "https://a.example/atom.xml", true },
		{ "https://a.example/index.xml", true },
		{ "https://a.example/feed.json", true },
		{ "https://a.example/news.rss", true },
		{ "https://a.example/x/y.rdf", true },
		{ "https://a.example/podcast-feed.xml", true },
		{ "https://a.example/feeds/posts/default", true },
		{ "https://a.example/feed/atom/", true },
		{ "https://a.example/feed/rss2/", true },
		{ "https://a.example/feeds/notes.html", false },
		{ "https://feeds.feedburner.example/SomeBlog", true },
		{ "https://a.example/?feed=rss2", true },
		{ "https://a.example/index.php?format=atom", true },
		{ "https://a.example/sitemap.xml", false },
		{ "https://a.example/", false },
		{ "https://a.example/feedback", false },
		{ "https://a.example/about", false },
		{ "https://a.example/data.json", false },
		{ "https://a.example/rss.png", false },
		{ "mailto:rss@a.example", false },
	};
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		ok(feedlinks_feedish(urls[i].url) == urls[i].feedish,
		    "%s %s like a feed's", urls[i].url, urls[i].feedish ?
		    "looks" : "does not look");
	ok(feedlinks_comments("https://a.example/comments/feed/", NULL),
	    "WordPress's comments feed, by its URL");
	ok(feedlinks_comments("https://a.example/feeds/comments/default",
	    NULL), "Blogger's, by its URL");
	ok(feedlinks_comments("https://a.example/?feed=comments-rss2", NULL),
	    "WordPress's without pretty links");
	ok(feedlinks_comments("https://a.example/k", "Blog \xc2\xbb "
	    "Kommentar-Feed"), "by a German title");
	ok(feedlinks_comments("https://a.example/k", "Blog \xc2\xbb Flux des "
	    "commentaires"), "by a French title");
	ok(feedlinks_comments("https://a.example/k", "\xd0\x9b\xd0\xb5\xd0\xbd"
	    "\xd1\x82\xd0\xb0 \xd0\xba\xd0\xbe\xd0\xbc\xd0\xbc\xd0\xb5\xd0\xbd"
	    "\xd1\x82\xd0\xb0\xd1\x80\xd0\xb8\xd0\xb5\xd0\xb2"),
	    "by a Russian title");
	ok(!feedlinks_comments("https://a.example/feed/", "Blog \xc2\xbb Feed"),
	    "a posts feed is not one");
	ok(!feedlinks_comments("https://a.example/feed/", ""),
	    "an empty title is not one");

	ok(is_html("\xef\xbb\xbf <!-- a comment -->\n<!DOCTYPE html>"),
	    "a BOM and a comment before the doctype");
	ok(is_html("<?xml version=\"1.0\"?>\n<html xmlns=\"http://"
	    "www.w3.org/1999/xhtml\">"), "XHTML after its declaration");
	ok(!is_html("<?xml version=\"1.0\"?><rss version=\"2.0\">"),
	    "RSS is not");
	ok(!is_html("<htmlish>"), "<htmlish> is not");
	ok(!is_html("<!-- never closed"), "an unclosed comment is not");
	ok(!is_html("{\"version\": 1}"), "JSON is not");
}

int
main(void)
{
	test_corpus();
	test_markup();
	test_rules();
	return tap_done();
}
