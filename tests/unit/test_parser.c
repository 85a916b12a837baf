/*
 * test_parser: the push API's contract and the parser's defences.
 * Callbacks (header once, before the first entry; stopping from on_entry),
 * documents that break off (entries before the break kept, error says
 * where), undeclared prefixes, HTML entities, xml:base, no external
 * entity ever loaded, billion laughs, the depth, text, entry and token
 * bounds, a 10 MB text node and a 10 MB attribute pushed in 4 KB chunks
 * (Expat 2.5's quadratic case, CVE-2023-52425), and the realworld/ feeds;
 * the repairs the parser reports as warnings (the same whatever the
 * chunks); JSON Feed: told by content or Content-Type, its links made
 * absolute, its bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "feed.h"
#include "feed_json.h"
#include "tap.h"

struct run {
	int	 headers;
	int	 entries;
	int	 entries_at_header;
	int	 stop_after;	/* 0: never */
	char	*first_title;
	char	*last_link;
	size_t	 longest;
};

static void
on_header(const struct feed_header *h, void *arg)
{
	struct run *r = arg;

	r->headers++;
	r->entries_at_header = r->entries;
}

static bool
on_entry(const struct feed_entry *e, void *arg)
{
	struct run *r = arg;
	size_t n;

	r->entries++;
	if (r->first_title == NULL && e->title != NULL)
		r->first_title = strdup(e->title);
	free(r->last_link);
	r->last_link = e->link != NULL ? strdup(e->link) : NULL;
	n = e->content != NULL ? strlen(e->content) : 0;
	if (e->summary != NULL && strlen(e->summary) > n)
		n = strlen(e->summary);
	if (n > r->longest)
		r->longest = n;
	return r->stop_after == 0 || r->entries < r->stop_after;
}

static const struct feed_parser_cb cb = { on_header, on_entry };

/* Pushes doc in chunk-byte pieces; returns feed_parser_push's last result. */
static int
push(const char *doc, size_t len, size_t chunk, const char *base,
    struct run *r, char **err)
{
	struct feed_parser *p;
	size_t off, n;
	int rc = 0;

	p = feed_parser_new(base, &cb, r);
	for (off = 0; off < len && rc == 0; off += n) {
		n = len - off < chunk ? len - off : chunk;
		rc = feed_parser_push(p, doc + off, n, false);
	}
	if (rc == 0)
		rc = feed_parser_push(p, "", 0, true);
	*err = feed_parser_error(p) ? strdup(feed_parser_error(p)) : NULL;
	feed_parser_free(p);
	return rc;
}

static void
run_free(struct run *r)
{
	free(r->first_title);
	free(r->last_link);
	memset(r, 0, sizeof(*r));
}

static struct feed_doc *
doc(const char *xml, const char *base)
{
	return feed_doc_parse(xml, strlen(xml), base);
}

static void
test_callbacks(void)
{
	static const char xml[] = "<rss version=\"2.0\"><channel>"
	    "<title>T</title><item><title>one</title></item>"
	    "<item><title>two</title></item><item><title>three</title>"
	    "</item></channel></rss>";
	struct run r = { 0 };
	char *err;

	ok(push(xml, strlen(xml), strlen(xml), NULL, &r, &err) == 0 &&
	    err == NULL, "three items parse");
	ok(r.headers == 1 && r.entries_at_header == 0 && r.entries == 3,
	    "on_header once, before the first entry; on_entry per item");
	run_free(&r);
	free(err);

	r.stop_after = 2;
	ok(push(xml, strlen(xml), strlen(xml), NULL, &r, &err) == -1 &&
	    r.entries == 2 && err != NULL, "on_entry returning false stops");
	diag("%s", err ? err : "");
	run_free(&r);
	free(err);
}

static void
test_broken(void)
{
	static const char xml[] = "<rss version=\"2.0\"><channel>\n"
	    "<title>T</title>\n<item><title>kept</title></item>\n"
	    "<item><title>also kept</title></item>\n"
	    "<item><title>lost</title><link>x</lin></item></channel></rss>";
	struct feed_doc *d;
	struct run r = { 0 };
	char *err;

	d = doc(xml, NULL);
	ok(d->nentries == 2 && d->error != NULL, "a broken document keeps "
	    "the entries before the break");
	ok(d->error != NULL && strncmp(d->error, "line 5, column ", 15) == 0,
	    "error says where: %s", d->error ? d->error : "(none)");
	is_str(d->header.title, "T", "header kept");
	feed_doc_free(d);

	ok(push(xml, strlen(xml), 3, NULL, &r, &err) == -1 &&
	    r.entries == 2 && r.headers == 1, "same when pushed in pieces");
	run_free(&r);
	free(err);

	d = doc("<html><body>Not a feed</body></html>", NULL);
	ok(d->error != NULL && d->nentries == 0 &&
	    d->header.format == FEED_FORMAT_UNKNOWN, "an HTML page: %s",
	    d->error ? d->error : "(no error)");
	feed_doc_free(d);

	d = doc("\n\n  <?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss><channel>"
	    "<item><title>a</title></item></channel></rss>", NULL);
	ok(d->error == NULL && d->nentries == 1,
	    "white space before the XML declaration is ignored");
	feed_doc_free(d);

	d = doc("<rss><channel><item><title>a</title></item></channel></rss>"
	    "\n<br />\n<b>Warning</b>: something in <b>feed.php</b>", NULL);
	ok(d->error == NULL && d->nentries == 1,
	    "junk after the root element is ignored: %s",
	    d->error ? d->error : "no error");
	feed_doc_free(d);

	d = doc("", NULL);
	ok(d->error != NULL, "empty input: %s", d->error ? d->error : "");
	feed_doc_free(d);

	d = doc("<rss><channel><title>cut", NULL);
	ok(d->error != NULL && d->header.format == FEED_FORMAT_RSS20,
	    "truncated: %s", d->error ? d->error : "");
	feed_doc_free(d);
}

/* Bare '&' and '<': a second, mended reading; nothing delivered twice. */
static void
test_mended(void)
{
	static const char xml[] = "<rss version=\"2.0\"><channel>"
	    "<title>Q&amp;A: R&amp;D</title>"
	    "<item><title>one &amp; only</title></item>"
	    "<item><title>AT&T & a < b, 3<4</title>"
	    "<description><![CDATA[kept & <i>as is</i>]]></description>"
	    "<!-- a & b --></item>"
	    "<item><title>&#x263A; &nbsp;&#38;</title></item>"
	    "</channel></rss>";
	static const size_t chunks[] = { 0, 1, 5, 64 };
	struct feed_doc *d;
	struct run r;
	size_t i;
	char *err;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		d = feed_doc_parse_chunked(xml, strlen(xml), NULL, chunks[i]);
		ok(d->error == NULL && d->nentries == 3, "bare & and <, "
		    "chunk %zu: %zu entries, %s", chunks[i], d->nentries,
		    d->error ? d->error : "no error");
		is_str(d->header.title, "Q&A: R&D", "... feed title");
		if (d->nentries == 3) {
			is_str(d->entries[0].title, "one & only",
			    "... entry before the first bare &");
			is_str(d->entries[1].title, "AT&T & a < b, 3<4",
			    "... mended title");
			is_str(d->entries[1].summary, "kept & <i>as is</i>",
			    "... CDATA untouched");
			is_str(d->entries[2].title, "\xe2\x98\xba \xc2\xa0&",
			    "... references still read");
		}
		feed_doc_free(d);

		memset(&r, 0, sizeof(r));
		push(xml, strlen(xml), chunks[i] ? chunks[i] : strlen(xml),
		    NULL, &r, &err);
		ok(r.headers == 1 && r.entries == 3, "... callbacks: %d "
		    "header, %d entries", r.headers, r.entries);
		run_free(&r);
		free(err);
	}

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		static const char html[] = "<rss><channel><item><title>one"
		    "</title></item><item><description>a<br>b<BR >c<br/>d"
		    "<img src=\"x.png\" alt=\"a>b\">e<hr></hr>f</description>"
		    "</item><item><title>three</title></item></channel></rss>";

		d = feed_doc_parse_chunked(html, strlen(html), NULL,
		    chunks[i]);
		ok(d->error == NULL && d->nentries == 3, "unclosed <br>, "
		    "chunk %zu: %s", chunks[i], d->error ? d->error : "mended");
		is_str(d->nentries == 3 ? d->entries[1].summary : NULL,
		    "a<br />b<BR />c<br />d<img src=\"x.png\" alt=\"a&gt;b\" />e"
		    "<hr />f", "... void elements closed");
		feed_doc_free(d);
	}

	d = doc("<rss><channel><item><title>a&#0;b&#x1F;c&#xD800;d&#65;"
	    "&#1114112;</title></item></channel></rss>", NULL);
	ok(d->error == NULL && d->nentries == 1, "references to characters "
	    "XML forbids: %s", d->error ? d->error : "dropped");
	is_str(d->nentries ? d->entries[0].title : NULL, "abcdA",
	    "... and only they");
	feed_doc_free(d);

	d = doc("<rss><channel><item><title>a</title></item><item><title>"
	    "Q&A</title></itemz></channel></rss>", NULL);
	ok(d->error != NULL && d->nentries == 1, "still broken after "
	    "mending: %s", d->error ? d->error : "no error");
	feed_doc_free(d);
}

static void
test_markup(void)
{
	struct feed_doc *d;

	d = doc("<rss version=\"2.0\"><channel><item>"
	    "<title>a&nbsp;b&mdash;c&rsquo;d&hellip;&eacute;&foo;</title>"
	    "<media:content url=\"http://e.com/v.mp4\" type=\"video/mp4\"/>"
	    "<dc:creator>Undeclared Prefix</dc:creator>"
	    "</item></channel></rss>", NULL);
	ok(d->error == NULL && d->nentries == 1, "HTML entities and "
	    "undeclared prefixes are not fatal");
	if (d->nentries == 1) {
		is_str(d->entries[0].title,
		    "a\xc2\xa0" "b\xe2\x80\x94" "c\xe2\x80\x99" "d\xe2\x80\xa6"
		    "\xc3\xa9", "entities decoded, unknown one skipped");
		is_str(d->entries[0].author, "Undeclared Prefix",
		    "dc: without xmlns:dc");
		ok(d->entries[0].nenclosures == 1,
		    "media: without xmlns:media");
	}
	feed_doc_free(d);

	d = doc("<?xml version=\"1.0\" standalone=\"yes\"?><rss><channel>"
	    "<title>&nbsp;</title></channel></rss>", NULL);
	ok(d->error != NULL, "standalone=\"yes\" keeps entities strict");
	feed_doc_free(d);

	d = doc("<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	    "xml:base=\"http://example.com/blog/\" xml:lang=\"uk\">"
	    "<link href=\"index.html\"/><entry>"
	    "<link rel=\"alternate\" href=\"post/1\"/>"
	    "<link rel=\"enclosure\" href=\"/a.mp3\" length=\"42\" "
	    "type=\"audio/mpeg\"/>"
	    "<content type=\"xhtml\" xml:base=\"http://other.org/\">"
	    "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>A &amp; B<br/>"
	    "</p></div></content></entry>"
	    "<entry xml:base=\"sub/\"><link href=\"2\"/></entry></feed>",
	    "http://ignored.example/feed");
	ok(d->error == NULL && d->nentries == 2, "Atom with xml:base");
	if (d->nentries == 2) {
		is_str(d->header.link, "http://example.com/blog/index.html",
		    "feed link against xml:base");
		is_str(d->header.language, "uk", "xml:lang as language");
		is_str(d->entries[0].link, "http://example.com/blog/post/1",
		    "entry link");
		ok(d->entries[0].nenclosures == 1 &&
		    strcmp(d->entries[0].enclosures[0].url,
		    "http://example.com/a.mp3") == 0 &&
		    d->entries[0].enclosures[0].length == 42,
		    "rel=enclosure");
		is_str(d->entries[0].content, "<p>A &amp; B<br /></p>",
		    "xhtml serialised, wrapper div dropped");
		is_str(d->entries[1].link, "http://example.com/blog/sub/2",
		    "nested xml:base");
	}
	feed_doc_free(d);

	d = doc("<rss><channel><link>/</link><item><link>a/b?c=1</link>"
	    "<guid>x1</guid></item><item><guid>http://g.example/1</guid>"
	    "</item></channel></rss>", "https://site.example/feed.xml");
	ok(d->nentries == 2, "relative RSS links");
	if (d->nentries == 2) {
		is_str(d->header.link, "https://site.example/",
		    "channel link against the document URL");
		is_str(d->entries[0].link, "https://site.example/a/b?c=1",
		    "item link against the document URL");
		is_str(d->entries[0].id, "x1",
		    "a guid is not resolved against the document URL");
		is_str(d->entries[1].link, "http://g.example/1",
		    "permalink guid as link");
	}
	feed_doc_free(d);
}

static void
test_authors(void)
{
	static const char *const in[][2] = {
		{ "me@example.com (Example editor)", "Example editor" },
		{ "Example editor (me@example.com)", "Example editor" },
		{ "Example editor &lt;me@example.com&gt;", "Example editor" },
		{ "Example editor me@example.com", "Example editor" },
		{ "mailto:me@example.com (Example editor)", "Example editor" },
		{ "me@example.com", "me@example.com" },
		{ "John Smith (Editor)", "John Smith (Editor)" },
		{ "Анна Петренко", "Анна Петренко" },
	};
	struct feed_doc *d;
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf_init(&b);
		buf_printf(&b, "<rss><channel><managingEditor>%s"
		    "</managingEditor><item><author>%s</author></item>"
		    "</channel></rss>", in[i][0], in[i][0]);
		d = feed_doc_parse(b.data, b.len, NULL);
		is_str(d->nentries ? d->entries[0].author : NULL, in[i][1],
		    in[i][0]);
		is_str(d->header.author, in[i][1], "... managingEditor");
		feed_doc_free(d);
		buf_free(&b);
	}
}

static void
test_security(void)
{
	static const char lol[] = "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss [\n<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
	    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
	    "]>\n<rss><channel><item><title>ok</title></item>"
	    "<item><title>&h;</title></item></channel></rss>";
	static const char xxe[] = "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:9/evil.dtd\" [\n"
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">\n"
	    "<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;\n]>\n"
	    "<rss><channel><item><title>[&x;]</title></item></channel></rss>";
	struct feed_doc *d;
	struct buf b;
	int i;

	d = doc(lol, NULL);
	ok(d->error != NULL && d->nentries == 1, "billion laughs stops "
	    "with an error, earlier entries kept: %s",
	    d->error ? d->error : "");
	feed_doc_free(d);

	d = doc(xxe, NULL);
	ok(d->nentries == 1 && d->entries[0].title != NULL &&
	    strcmp(d->entries[0].title, "[]") == 0,
	    "external entities are never loaded");
	feed_doc_free(d);

	buf_init(&b);
	buf_puts(&b, "<rss><channel><item><description>");
	for (i = 0; i < FEED_MAX_DEPTH + 10; i++)
		buf_puts(&b, "<b>");
	d = doc(b.data, NULL);
	ok(d->error != NULL && strstr(d->error, "nested") != NULL,
	    "depth is bounded: %s", d->error ? d->error : "");
	feed_doc_free(d);
	buf_free(&b);

	buf_init(&b);
	buf_puts(&b, "<rss><channel>");
	for (i = 0; i < FEED_MAX_ENTRIES + 5; i++)
		buf_puts(&b, "<item/>");
	buf_puts(&b, "</channel></rss>");
	d = feed_doc_parse(b.data, b.len, NULL);
	ok(d->error != NULL && d->nentries == FEED_MAX_ENTRIES,
	    "entry count is bounded: %s", d->error ? d->error : "");
	feed_doc_free(d);
	buf_free(&b);
}

/* A 10 MB text node, CDATA section and attribute in 4 KB pushes. */
static void
test_huge_tokens(void)
{
	static const char *const pre[] = { "<rss><channel><item><description>",
	    "<rss><channel><item><description><![CDATA[",
	    "<rss><channel><item><enclosure type=\"x\" url=\"http://e/" };
	static const char *const post[] = {
	    "</description></item></channel></rss>",
	    "]]></description></item></channel></rss>",
	    "\"/></item></channel></rss>" };
	static const char *const what[] = { "text node", "CDATA section",
	    "attribute" };
	size_t big = 10 * 1024 * 1024;
	struct run r;
	struct buf b;
	char *err;
	int k;

	for (k = 0; k < 3; k++) {
		buf_init(&b);
		buf_puts(&b, pre[k]);
		buf_reserve(&b, big);
		memset(b.data + b.len, 'a', big);
		b.len += big;
		buf_puts(&b, post[k]);
		memset(&r, 0, sizeof(r));
		ok(push(b.data, b.len, 4096, NULL, &r, &err) == 0 &&
		    r.entries == 1, "10 MB %s in 4 KB pushes", what[k]);
		if (k < 2)
			ok(r.longest == FEED_MAX_TEXT, "... cut to "
			    "FEED_MAX_TEXT (%zu)", r.longest);
		run_free(&r);
		free(err);
		buf_free(&b);
	}
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	FILE *f;

	buf_init(&b);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static void
test_realworld(void)
{
	static const struct {
		const char *file;
		size_t	 entries;
		const char *title;	/* feed title */
		const char *first;	/* first entry's title */
	} rw[] = {
		{ "anchorfm-podcast.rss.xml", 1, NULL, NULL },
		{ "arstechnica-wordpress-feedburner.rss.xml", 1,
		    "Ars Technica", NULL },
		{ "bbc-in-our-time-podcast.rss.xml", 1, "In Our Time",
		    "Marcus Aurelius" },
		{ "bbc-urdu-rtl-cdata.rss.xml", 26, NULL, NULL },
		{ "blogger-via-feedburner.atom.xml", 25,
		    "Google Ads Developer Blog", NULL },
		{ "cloudflare-blog-ghost.rss.xml", 1, "The Cloudflare Blog",
		    NULL },
		{ "debian-news.rdf.xml", 1, "Debian News",
		    "Updated Debian 11: 11.6 released" },
		{ "feedcreator-iso-8859-1.rdf.xml", 1, "Golem.de",
		    "Digitalministerium: Neue Glasfaserförderung mit "
		    "Schnellkasse" },
		{ "github-commits-miniflux.atom.xml", 20, NULL, NULL },
		{ "github-releases-feed-rs.atom.xml", 4, NULL, NULL },
		{ "golem-de-iso-8859-1.rss.xml", 40, "Golem.de", NULL },
		{ "heated-substack.rss.xml", 1, "HEATED", NULL },
		{ "heise-rss090-rdf.xml", 60, "heise online News",
		    "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen" },
		{ "ibash-org-ru-windows-1251.rss.xml", 50, "iBash.Org.Ru",
		    "Цитата #17703" },
		{ "ilgiornale-news-it.rss.xml", 1, NULL, NULL },
		{ "le-cercle-psy-undeclared-latin1.rss.xml", 10, NULL, NULL },
		{ "medium-tagged-food.rss.xml", 7, NULL, NULL },
		{ "nightvale-podcast-prx.rss.xml", 1, "Welcome to Night Vale",
		    NULL },
		{ "planet-freedesktop.rdf.xml", 1, "planet.freedesktop.org",
		    NULL },
		{ "reddit-r-rust.atom.xml", 1, NULL, NULL },
		{ "spiegel-news-de.rss.xml", 1, NULL, NULL },
		{ "synthetic-koi8-r-ru.rss.xml", 2, "Пример RSS ленты",
		    "Первая новость" },
		{ "uol-noticias-br-undeclared-latin1.rss.xml", 15,
		    "UOL Noticias", "Ibope: Bolsonaro perde de Haddad, Ciro "
		    "e Alckmin em simulações de 2º turno" },
		{ "wordpress-5.1-earthquakes.rss.xml", 1, NULL, NULL },
		{ "youtube-channel.atom.xml", 1, "PBS Space Time",
		    "Navigating with Quantum Entanglement" },
	};
	struct feed_doc *d;
	char path[512], *body;
	size_t i, len;

	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		snprintf(path, sizeof(path), "../corpus/realworld/%s", rw[i].file);
		if ((body = slurp(path, &len)) == NULL) {
			ok(false, "read %s", path);
			continue;
		}
		d = feed_doc_parse(body, len, NULL);
		ok(d->error == NULL && d->nentries == rw[i].entries,
		    "%s: %zu entries, %s", rw[i].file, d->nentries,
		    d->error ? d->error : "no error");
		if (rw[i].title != NULL)
			is_str(d->header.title, rw[i].title, "... feed title");
		if (rw[i].first != NULL)
			is_str(d->nentries ? d->entries[0].title : NULL,
			    rw[i].first, "... first entry title");
		feed_doc_free(d);
		free(body);
	}
	d = NULL;
	if ((body = slurp("../corpus/realworld/ibash-org-ru-windows-1251.rss.xml",
	    &len)) != NULL) {
		d = feed_doc_parse(body, len, NULL);
		is_str(d->header.subtitle, "Новый цитатник Рунета",
		    "windows-1251 channel description");
		feed_doc_free(d);
		free(body);
	}
}


/* Whether d has a warning that holds what (and, if line, that line). */
static bool
warned(const struct feed_doc *d, const char *what, const char *line)
{
	for (size_t i = 0; i < d->nwarnings; i++)
		if (strstr(d->warnings[i], what) != NULL && (line == NULL ||
		    strncmp(d->warnings[i], line, strlen(line)) == 0))
			return true;
	return false;
}

/* Every chunking gives the warnings of one push. */
static bool
same_warnings(const char *xml, size_t len, const struct feed_doc *whole)
{
	static const size_t chunks[] = { 1, 3, 7, 64 };
	struct feed_doc *d;
	bool same = true;

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		d = feed_doc_parse_chunked(xml, len, NULL, chunks[k]);
		same = same && d->nwarnings == whole->nwarnings;
		for (size_t i = 0; same && i < d->nwarnings; i++)
			same = strcmp(d->warnings[i], whole->warnings[i]) == 0;
		feed_doc_free(d);
	}
	return same;
}

/*
 * Inputs the fuzzer found (fuzz/regressions): the first byte picks the
 * piece size, as in fuzz_parse.c; pushed whole and in pieces, the
 * documents must be the same, error aside.
 */
static void
test_fuzz_regressions(void)
{
	static const char *const names[] = { "warnings-after-a-break",
	    "declaration-past-the-sniff", "utf7-resync", NULL };
	struct feed_doc *whole, *parts;
	json_t *jw, *jp;
	char path[256], *a, *b;
	size_t len;

	for (size_t i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "../fuzz/regressions/%s",
		    names[i]);
		if ((a = slurp(path, &len)) == NULL || len < 1) {
			ok(false, "read %s", path);
			free(a);
			continue;
		}
		whole = feed_doc_parse(a + 1, len - 1, "http://fuzz.example/");
		parts = feed_doc_parse_chunked(a + 1, len - 1,
		    "http://fuzz.example/", (unsigned char)a[0] % 64 + 1);
		free(whole->error);
		free(parts->error);
		whole->error = parts->error = NULL;
		free(a);
		jw = feed_json_doc(whole);
		jp = feed_json_doc(parts);
		b = json_dumps(jw, JSON_SORT_KEYS);
		a = json_dumps(jp, JSON_SORT_KEYS);
		json_decref(jw);
		json_decref(jp);
		ok(a != NULL && b != NULL && strcmp(a, b) == 0,
		    "%s: the same whole and in pieces", names[i]);
		free(a);
		free(b);
		feed_doc_free(whole);
		feed_doc_free(parts);
	}
}

static void
test_warnings(void)
{
	static const struct {
		const char *xml;
		const char *want;	/* in a warning; NULL: no warning */
		const char *line;
		const char *what;
	} cases[] = {
		{ "<rss><channel><item><title>fine</title></item></channel>"
		    "</rss>", NULL, NULL, "a clean document: none" },
		{ "<rss><channel><item><title>caf\xe9 cr\xe8me</title></item>"
		    "</channel></rss>", "not UTF-8 and no encoding declared: "
		    "read as windows-1252 (2 bytes)", NULL,
		    "an undeclared Latin-1 document" },
		{ "<rss><channel><item><title>\xc3\xa9t\xc3\xa9 "
		    "\x96 x</title></item></channel></rss>", "1 byte that is "
		    "not UTF-8 read as windows-1252", NULL,
		    "a stray byte in UTF-8" },
		{ "<rss><channel><item><title>a\x01" "b\x00" "c</title></item>"
		    "</channel></rss>", "2 NUL or other control characters "
		    "dropped", NULL, "NUL and a control character" },
		{ "<?xml version=\"1.0\" encoding=\"shift_jis\"?><rss><channel>"
		    "<item><title>\x82\xa0\xff\xff</title></item></channel>"
		    "</rss>", "replaced by U+FFFD", NULL,
		    "bytes invalid in the declared encoding" },
		{ "<rss><channel><item><title>Q&A</title></item></channel>"
		    "</rss>", "read again with a bare '&'", NULL,
		    "a bare ampersand" },
		{ "<rss><channel><item><title>t</title></item></channel></rss>"
		    "<b>Warning</b>: x", "text after the end of the document",
		    NULL, "junk after the root element" },
		{ "<rss><channel><item><title>kept</title></item><item>"
		    "<title>cut", "the 1 entry before that point kept", NULL,
		    "a truncated document" },
	};
	struct feed_doc *d;
	struct buf b;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].xml);
		if (strstr(cases[i].what, "NUL") != NULL)
			/* The NUL is part of it: the text goes on after. */
			len += 1 + strlen(cases[i].xml + len + 1);
		d = feed_doc_parse(cases[i].xml, len, NULL);
		if (cases[i].want == NULL)
			ok(d->nwarnings == 0, "%s (%zu)", cases[i].what,
			    d->nwarnings);
		else if (!ok(warned(d, cases[i].want, cases[i].line), "%s: "
		    "'%s'", cases[i].what, cases[i].want))
			for (size_t k = 0; k < d->nwarnings; k++)
				diag("got: %s", d->warnings[k]);
		ok(same_warnings(cases[i].xml, len, d), "%s: the same in "
		    "pieces", cases[i].what);
		feed_doc_free(d);
	}

	/* A field over FEED_MAX_TEXT, and too many categories. */
	buf_init(&b);
	buf_puts(&b, "<rss><channel>\n<item>\n<description>");
	buf_reserve(&b, FEED_MAX_TEXT + 10);
	memset(b.data + b.len, 'a', FEED_MAX_TEXT + 10);
	b.len += FEED_MAX_TEXT + 10;
	buf_puts(&b, "</description>");
	for (i = 0; i < FEED_MAX_LIST + 3; i++)
		buf_puts(&b, "<category>c</category>");
	buf_puts(&b, "</item></channel></rss>");
	d = feed_doc_parse(b.data, b.len, NULL);
	ok(warned(d, "1 field cut at the limit of 4 MiB", "line 3:"),
	    "a cut field is said, with its line");
	ok(warned(d, "3 categories or enclosures past the first 256",
	    "line 3:"), "dropped categories are said");
	feed_doc_free(d);
	buf_free(&b);
}

/* A JSON document through the push API, in pieces of chunk bytes. */
static struct feed_doc *
json_doc(const char *json, const char *base, size_t chunk)
{
	return feed_doc_parse_chunked(json, strlen(json), base, chunk);
}

static void
test_json(void)
{
	static const char feed[] = "{\"version\": \"https://jsonfeed.org/"
	    "version/1.1\", \"title\": \"T\", \"home_page_url\": \"/\","
	    "\"items\": [{\"id\": \"1\", \"url\": \"posts/1.html\","
	    "\"attachments\": [{\"url\": \"../a.mp3\", \"mime_type\": "
	    "\"audio/mpeg\"}]}]}";
	struct feed_parser *p;
	struct feed_doc *d;
	struct run r = { 0 };
	struct buf b;
	size_t i;

	d = json_doc(feed, "https://site.example/blog/feed.json", 0);
	ok(d->error == NULL && d->nentries == 1 &&
	    d->header.format == FEED_FORMAT_JSON11, "a JSON Feed parses");
	is_str(d->header.link, "https://site.example/", "home_page_url "
	    "made absolute against the document's URL");
	is_str(d->entries[0].link, "https://site.example/blog/posts/1.html",
	    "an item's url too");
	is_str(d->entries[0].enclosures[0].url, "https://site.example/a.mp3",
	    "and an attachment's");
	feed_doc_free(d);

	/* Callbacks as for XML: the header once, first. */
	p = feed_parser_new(NULL, &cb, &r);
	for (i = 0; feed[i] != '\0'; i++)
		feed_parser_push(p, feed + i, 1, false);
	ok(feed_parser_push(p, NULL, 0, true) == 0 && r.headers == 1 &&
	    r.entries_at_header == 0 && r.entries == 1,
	    "byte by byte: on_header once before the entries");
	run_free(&r);
	feed_parser_free(p);

	/* The label decides when the content does not start like JSON. */
	p = feed_parser_new(NULL, &cb, &r);
	feed_parser_set_content_type(p, "Application/Feed+JSON; charset="
	    "utf-8");
	ok(feed_parser_push(p, "<rss/>", 6, true) == -1 &&
	    strstr(feed_parser_error(p), "not valid JSON") != NULL,
	    "application/feed+json is read as JSON: %s",
	    feed_parser_error(p));
	run_free(&r);
	feed_parser_free(p);
	p = feed_parser_new(NULL, &cb, &r);
	feed_parser_set_content_type(p, "text/xml");
	ok(feed_parser_push(p, feed, strlen(feed), true) == 0 &&
	    r.entries == 1, "any other label: the content decides");
	run_free(&r);
	feed_parser_free(p);

	/* Stopping from on_entry, as for XML: not a repair. */
	r.stop_after = 1;
	p = feed_parser_new(NULL, &cb, &r);
	ok(feed_parser_push(p, feed, strlen(feed), true) == -1 &&
	    r.entries == 1, "on_entry returning false stops");
	run_free(&r);
	feed_parser_free(p);

	/* Bounds: entries, field length, the whole document. */
	buf_init(&b);
	buf_puts(&b, "{\"title\": \"t\", \"items\": [");
	for (i = 0; i < FEED_MAX_ENTRIES + 5; i++)
		buf_printf(&b, "%s{\"id\": %zu}", i > 0 ? "," : "", i);
	buf_puts(&b, "]}");
	d = feed_doc_parse(b.data, b.len, NULL);
	ok(d->error != NULL && d->nentries == FEED_MAX_ENTRIES &&
	    warned(d, "50000 entries before that point kept", NULL),
	    "JSON: entry count is bounded: %s", d->error ? d->error : "");
	feed_doc_free(d);
	buf_free(&b);

	buf_init(&b);
	buf_puts(&b, "{\"title\": \"t\", \"items\": [{\"content_html\": \"");
	buf_reserve(&b, FEED_MAX_TEXT + 10);
	memset(b.data + b.len, 'a', FEED_MAX_TEXT + 10);
	b.len += FEED_MAX_TEXT + 10;
	buf_puts(&b, "\"}]}");
	d = feed_doc_parse_chunked(b.data, b.len, NULL, 4096);
	ok(d->error == NULL && strlen(d->entries[0].content) ==
	    FEED_MAX_TEXT && warned(d, "1 field cut", NULL),
	    "JSON: a field over FEED_MAX_TEXT is cut, and said");
	feed_doc_free(d);
	buf_free(&b);

	buf_init(&b);
	buf_puts(&b, "{\"title\": \"");
	buf_reserve(&b, FEED_MAX_JSON);
	memset(b.data + b.len, 'a', FEED_MAX_JSON);
	b.len += FEED_MAX_JSON;
	buf_puts(&b, "\", \"items\": []}");
	d = feed_doc_parse_chunked(b.data, b.len, NULL, 65536);
	ok(d->error != NULL && strstr(d->error, "read whole") != NULL,
	    "JSON over FEED_MAX_JSON is refused: %s", d->error);
	feed_doc_free(d);
	d = feed_doc_parse(b.data, b.len, NULL);
	ok(d->error != NULL && strstr(d->error, "read whole") != NULL,
	    "... pushed whole too");
	feed_doc_free(d);
	buf_free(&b);

	/* Deep nesting: jansson's own bound, an error, no crash. */
	buf_init(&b);
	buf_puts(&b, "{\"items\": ");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	d = feed_doc_parse(b.data, b.len, NULL);
	ok(d->error != NULL && d->nentries == 0, "100 000 nested arrays: %s",
	    d->error);
	feed_doc_free(d);
	buf_free(&b);
}

/* WebSub discovery: the first hub and the self link, made absolute. */
static void
test_websub_links(void)
{
	struct feed_doc *d;

	d = doc("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/"
	    "Atom\"><channel><title>T</title>"
	    "<atom:link rel=\"hub\" href=\"https://hub.example/\"/>"
	    "<atom:link rel=\"hub\" href=\"https://second.example/\"/>"
	    "<atom:link rel=\"self\" href=\"/feed.xml\"/>"
	    "<item><title>a</title><atom:link rel=\"hub\" "
	    "href=\"https://item.example/\"/></item></channel></rss>",
	    "https://site.example/x/");
	is_str(d->header.hub, "https://hub.example/", "RSS: the first hub");
	is_str(d->header.self, "https://site.example/feed.xml",
	    "RSS: self, resolved");
	feed_doc_free(d);
	d = doc("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>"
	    "<link rel=\"hub\" href=\"https://hub.example/\"/>"
	    "<link rel=\"alternate\" href=\"https://site.example/\"/>"
	    "<entry><title>e</title></entry></feed>", NULL);
	is_str(d->header.hub, "https://hub.example/", "Atom: the hub");
	ok(d->header.self == NULL, "Atom: no self link");
	is_str(d->header.link, "https://site.example/",
	    "the alternate link is still the site's");
	feed_doc_free(d);
	d = doc("{\"version\": \"https://jsonfeed.org/version/1.1\", "
	    "\"title\": \"T\", \"feed_url\": \"https://site.example/f."
	    "json\", \"hubs\": [{\"type\": \"rssCloud\", \"url\": "
	    "\"https://cloud.example/\"}, {\"type\": \"WebSub\", \"url\": "
	    "\"https://hub.example/\"}], \"items\": []}", NULL);
	is_str(d->header.hub, "https://hub.example/",
	    "JSON Feed: the WebSub hub of its hubs");
	is_str(d->header.self, "https://site.example/f.json",
	    "JSON Feed: feed_url as self");
	feed_doc_free(d);
}

int
main(void)
{
	test_callbacks();
	test_broken();
	test_markup();
	test_mended();
	test_authors();
	test_security();
	test_huge_tokens();
	test_realworld();
	test_warnings();
	test_fuzz_regressions();
	test_json();
	test_websub_links();
	return tap_done();
}
