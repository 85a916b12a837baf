/*
 * test_htmlrender: the promises of htmlrender.h on small fragments, then
 * real articles of corpus/realworld rendered and compared with the text
 * expected in corpus/render/ (NAME.WIDTH.txt: the first entry of NAME at
 * WIDTH columns). Every line of those fits its width unless it is <pre>
 * or one long word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "feed.h"
#include "htmlrender.h"
#include "tap.h"
#include "testfile.h"
#include "termwidth.h"

static void
render(const char *in, int width, const char *want, const char *what)
{
	char *got = htmlrender_text(in, strlen(in), "http://example.org/a/",
	    width);

	is_str(got, want, what);
	free(got);
}

/* Lines wider than width that are neither <pre> nor one word. */
static int
overlong_lines(const char *text, int width)
{
	const char *p = text, *nl;
	int bad = 0;

	for (; *p != '\0'; p = nl + 1) {
		char *line;

		nl = strchr(p, '\n');
		line = strndup(p, (size_t)(nl - p));
		if (termwidth_str(line) > (size_t)width &&
		    strncmp(line, "    ", 4) != 0 &&
		    strchr(line + strspn(line, " >*"), ' ') != NULL &&
		    line[0] != '[')
			bad++;
		free(line);
	}
	return bad;
}

static void
corpus(const char *file, int width)
{
	char path[256], name[128];
	struct buf feed, want;
	struct feed_doc *d;
	const char *html;
	char *got;

	/* "reddit-r-rust.atom.xml" is expected in "reddit-r-rust.60.txt". */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(file, "."), file);
	buf_init(&feed);
	buf_init(&want);
	snprintf(path, sizeof(path), "../corpus/realworld/%s", file);
	if (!ok(testfile_read(path, &feed) == 0, "read %s", path))
		return;
	snprintf(path, sizeof(path), "../corpus/render/%s.%d.txt", name,
	    width);
	if (!ok(testfile_read(path, &want) == 0, "read %s", path))
		return;
	d = feed_doc_parse(feed.data, feed.len, NULL);
	html = d->nentries == 0 ? NULL : d->entries[0].content != NULL ?
	    d->entries[0].content : d->entries[0].summary;
	if (ok(html != NULL, "%s has a first entry with content", name)) {
		got = htmlrender_text(html, strlen(html), d->entries[0].link,
		    width);
		is_str(got, want.data, path);
		ok(overlong_lines(got, width) == 0, "%s: every line fits in "
		    "%d columns", name, width);
		free(got);
	}
	feed_doc_free(d);
	buf_free(&feed);
	buf_free(&want);
}

/*
 * 200 000 nested elements (the parser alone would take minutes) come out
 * as their words at once; 5000 paragraphs never closed are no nesting.
 */
static void
deep(void)
{
	struct buf h;
	struct timespec t0, t1;
	char *got;
	double secs;

	buf_init(&h);
	for (int i = 0; i < 200000; i++)
		buf_puts(&h, "<div><b>");
	buf_puts(&h, "deep &amp; down");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = htmlrender_text(h.data, h.len, NULL, 72);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	is_str(got, "deep & down\n", "deep nesting: the words");
	ok(secs < 5, "deep nesting renders in linear time (%.2f s)", secs);
	free(got);
	buf_reset(&h);
	for (int i = 0; i < 5000; i++)
		buf_puts(&h, "<p>para");
	got = htmlrender_text(h.data, h.len, NULL, 72);
	ok(got != NULL && strncmp(got, "para\n\npara\n\n", 12) == 0,
	    "unclosed paragraphs are paragraphs");
	free(got);
	buf_free(&h);
}

int
main(void)
{
	render("", 72, "", "empty");
	render("plain words", 72, "plain words\n", "plain text");
	render("<p>one</p><p>two</p>", 72, "one\n\ntwo\n",
	    "paragraphs stand apart by a blank line");
	render("<p>Hello <b>wor</b>ld</p>", 72, "Hello world\n",
	    "inline tags do not split words");
	render("caf&eacute; &amp; &lt;tea&gt; &mdash; &#x41;&#66; &hellip;",
	    72, "café & <tea> — AB …\n", "entities decoded");
	render("a&nbsp;b c", 3, "a b\nc\n", "&nbsp; does not break");
	render("one two three four five six", 9,
	    "one two\nthree\nfour five\nsix\n", "wrapped at whole words");
	render("a supercalifragilistic b", 5,
	    "a\nsupercalifragilistic\nb\n", "a long word gets its own line");
	render("<p>Коаліція охочих зустрілася</p>", 16,
	    "Коаліція охочих\nзустрілася\n", "Cyrillic counts one column a "
	    "letter");
	render("<p>日本語の文章 です</p>", 12, "日本語の文章\nです\n",
	    "CJK counts two columns a character");
	render("<ul><li>one</li><li>two words</li></ul>", 9,
	    "  * one\n  * two\n    words\n", "a list, continuation indented");
	render("<ol start=\"9\"><li>nine</li><li>ten</li></ol>", 72,
	    "  9. nine\n  10. ten\n", "an ordered list counts from start");
	render("<ul><li>a<ul><li>b</li></ul></li></ul><p>after</p>", 72,
	    "  * a\n      * b\n\nafter\n", "nested lists");
	render("<p>before</p><blockquote><p>quoted one</p><p>two</p>"
	    "</blockquote>after", 72,
	    "before\n\n> quoted one\n>\n> two\n\nafter\n", "block quotes");
	render("<h2>Title</h2><p>text</p>", 72, "Title\n\ntext\n",
	    "headings stand apart");
	render("<p>x</p><pre>if (a)\n\treturn;</pre><p>y</p>", 4,
	    "x\n\n    if (a)\n            return;\n\ny\n",
	    "<pre> kept line for line, indented, never wrapped");
	render("see <a href=\"/doc\">the docs</a> and <a href=\"/doc\">again"
	    "</a>, <a href=\"http://x.org/\">x</a>", 72,
	    "see the docs[1] and again[1], x[2]\n\nLinks:\n"
	    "[1] http://example.org/doc\n[2] http://x.org/\n",
	    "links numbered once per target, made absolute, listed");
	render("<a href=\"http://x.org/\">http://x.org/</a> <a href=\"#top\">"
	    "top</a> <a href=\"javascript:go()\">go</a> <a href=\"/e\"><br>"
	    "</a>", 72, "http://x.org/ top go\n",
	    "no number for an address as text, a fragment, a script or no "
	    "text");
	render("a<br>b<br><br>c", 72, "a\nb\n\nc\n", "<br> breaks lines");
	render("<p>x</p><hr><p>y</p>", 10, "x\n\n----------\n\ny\n",
	    "a rule as wide as the text");
	render("<img src=\"p.png\" alt=\"a cat\"> <img src=\"t.gif\">text", 72,
	    "[image: a cat] text\n", "images by their alt text");
	render("<script>alert(1)</script><style>p{}</style>kept", 72,
	    "kept\n", "scripts and styles dropped");
	render("<p>unclosed <b>bold<p>next", 72, "unclosed bold\n\nnext\n",
	    "broken markup read as a browser does");
	render("x\xe2\x80\x8by\xc2\xad" "z", 72, "xyz\n",
	    "zero-width spaces and soft hyphens dropped");
	render("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr>"
	    "</table>", 72, "a b\nc\n", "table rows on lines of their own");
	render("one two three", 0, "one two three\n", "width 0: no wrapping");

	deep();

	corpus("cloudflare-blog-ghost.rss.xml", 72);
	corpus("medium-tagged-food.rss.xml", 72);
	corpus("reddit-r-rust.atom.xml", 60);
	corpus("blogger-via-feedburner.atom.xml", 72);
	corpus("planet-freedesktop.rdf.xml", 72);
	corpus("bbc-urdu-rtl-cdata.rss.xml", 40);
	corpus("ibash-org-ru-windows-1251.rss.xml", 40);
	return tap_done();
}
