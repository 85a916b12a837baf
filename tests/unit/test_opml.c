/*
 * opml: reading outlines (titles, categories from nesting and from the
 * category attribute), refusing hostile documents, and writing a document
 * that reads back the same.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "opml.h"
#include "tap.h"

static const char doc[] =
    "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Mine"
    "</title></head><body>"
    "<outline text=\"Tech\"><outline text=\"Lang\">"
    "<outline text=\"a\" title=\"A &amp; co\" xmlUrl=\"http://a/\" "
    "htmlUrl=\"http://a.org/\"/></outline>"
    "<outline text=\"Б\" xmlUrl=\" http://b/ \"/></outline>"
    "<outline text=\"c\" xmlUrl=\"http://c/\" category=\"/News/World,/x\"/>"
    "<outline text=\"empty\" xmlUrl=\"\"/>"
    "</body></opml>";

int
main(void)
{
	struct opml_doc d, d2;
	struct buf out;
	char err[256];

	ok(opml_parse(doc, strlen(doc), &d, err, sizeof(err)) == 0,
	    "parses");
	is_str(d.title, "Mine", "head title");
	ok(d.nfeeds == 3, "three feeds, the empty xmlUrl skipped (%zu)",
	    d.nfeeds);
	is_str(d.feeds[0].title, "A & co", "title attribute, decoded");
	is_str(d.feeds[0].category, "Tech/Lang", "nested category");
	is_str(d.feeds[0].html_url, "http://a.org/", "htmlUrl");
	is_str(d.feeds[1].xml_url, "http://b/", "URLs trimmed");
	is_str(d.feeds[1].title, "Б", "text when no title");
	is_str(d.feeds[1].category, "Tech", "one level");
	is_str(d.feeds[2].category, "News/World", "category attribute");

	buf_init(&out);
	opml_write(&out, "Export", d.feeds, d.nfeeds, 1756900800);
	ok(strstr(out.data, "<opml version=\"2.0\">") != NULL &&
	    strstr(out.data, "Wed, 03 Sep 2025 12:00:00 GMT") != NULL,
	    "writes OPML 2.0 with dateCreated");
	ok(strstr(out.data, "title=\"A &amp; co\"") != NULL, "escapes");
	ok(opml_parse(out.data, out.len, &d2, err, sizeof(err)) == 0 &&
	    d2.nfeeds == 3, "reads its own output");
	/* Folders come out as a tree, so feeds may change places. */
	for (size_t i = 0; i < d.nfeeds; i++) {
		const struct opml_feed *g = NULL;

		for (size_t k = 0; k < d2.nfeeds; k++)
			if (strcmp(d2.feeds[k].xml_url, d.feeds[i].xml_url) ==
			    0)
				g = &d2.feeds[k];
		ok(g != NULL, "%s read back", d.feeds[i].xml_url);
		if (g == NULL)
			continue;
		is_str(g->category, d.feeds[i].category, "same category");
		is_str(g->title, d.feeds[i].title, "same title");
	}
	opml_doc_clear(&d2);
	buf_free(&out);
	opml_doc_clear(&d);

	/* A category and its sub-categories nest, each folder once. */
	{
		struct opml_feed tree[] = {
			{ .xml_url = "http://1/", .category = "News" },
			{ .xml_url = "http://2/" },
			{ .xml_url = "http://3/", .category = "News A" },
			{ .xml_url = "http://4/", .category = "News/World" },
			{ .xml_url = "http://5/", .category = "News" },
			{ .xml_url = "http://6/", .category = "News/World/EU" },
		};
		const char *p;
		int news = 0;

		buf_init(&out);
		opml_write(&out, NULL, tree, 6, 0);
		for (p = out.data; (p = strstr(p, "text=\"News\"")) != NULL;
		    p++)
			news++;
		ok(news == 1, "one News folder for News, News/World and "
		    "News/World/EU (%d)", news);
		ok(opml_parse(out.data, out.len, &d2, err, sizeof(err)) == 0 &&
		    d2.nfeeds == 6, "the tree reads back");
		for (size_t i = 0; i < 6; i++)
			for (size_t k = 0; k < d2.nfeeds; k++)
				if (strcmp(d2.feeds[k].xml_url,
				    tree[i].xml_url) == 0)
					is_str(d2.feeds[k].category,
					    tree[i].category, tree[i].xml_url);
		opml_doc_clear(&d2);
		buf_free(&out);
	}

	ok(opml_parse("<opml><body><outline", 20, &d, err, sizeof(err)) ==
	    -1 && strstr(err, "line 1") != NULL, "truncated: %s", err);
	ok(opml_parse("<!DOCTYPE o [<!ENTITY a \"x\">]><opml/>", 37, &d, err,
	    sizeof(err)) == -1 && strstr(err, "entity") != NULL,
	    "entity declarations refused: %s", err);
	{
		struct buf deep;

		buf_init(&deep);
		buf_puts(&deep, "<opml><body>");
		for (int i = 0; i < OPML_MAX_DEPTH + 1; i++)
			buf_puts(&deep, "<outline text=\"x\">");
		ok(opml_parse(deep.data, deep.len, &d, err, sizeof(err)) ==
		    -1 && strstr(err, "deep") != NULL, "depth capped: %s", err);
		buf_free(&deep);
	}
	return tap_done();
}
