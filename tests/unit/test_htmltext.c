#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htmltext.h"
#include "tap.h"

static void
text(const char *in, const char *want)
{
	char *got = htmltext_dup(in), label[80], *p;

	/* A newline in a TAP description would end the line. */
	snprintf(label, sizeof(label), "%s", in != NULL ? in : "NULL");
	for (p = label; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	is_str(got, want, label);
	free(got);
}

/*
 * Whether the summary is left out of the index, its content's text being
 * there (both HTML); a summary left out leaves no text either.
 */
static bool
leads(const char *summary, const char *content)
{
	struct buf s, c;
	bool indexed;

	buf_init(&s);
	buf_init(&c);
	indexed = htmltext_entry(summary, content, &s, &c);
	if (!indexed && s.len != 0)
		indexed = true;		/* text left over: the test fails */
	buf_free(&s);
	buf_free(&c);
	return !indexed;
}

/* htmltext_append_max's text is the start of htmltext_append's. */
static void
text_max(const char *in, size_t max)
{
	struct buf all, part;
	char label[80];

	buf_init(&all);
	buf_init(&part);
	buf_puts(&part, "x");
	htmltext_append(&all, in, strlen(in));
	htmltext_append_max(&part, in, strlen(in), max);
	snprintf(label, sizeof(label), "at least %zu bytes of '%.40s'", max,
	    in);
	ok(part.len - 1 >= (max < all.len ? max : all.len) &&
	    part.len - 1 <= all.len &&
	    memcmp(part.data + 1, all.data, part.len - 1) == 0, "%s", label);
	buf_free(&all);
	buf_free(&part);
}

int
main(void)
{
	text(NULL, NULL);
	text("", "");
	text("plain", "plain");
	text("<p>Hello <b>wor</b>ld</p><p>again</p>", "Hello world again");
	text("  a \n\t b  ", "a b");
	text("x<br/>y", "x y");
	text("a &amp; b &lt;c&gt; &quot;d&quot;", "a & b <c> \"d\"");
	text("caf&#233; &#x41;&#X42; &mdash;", "café AB —");
	text("a&nbsp;b", "a b");
	text("a\xc2\xa0" "b", "a b");
	text("&bogus; & &#; &#xZZ;", "&bogus; & &#; &#xZZ;");
	text("&#0;&#xD800;&#x110000;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	text("<script>var a = '<p>';</script>kept", "kept");
	text("<STYLE>p { x: 1 }</STYLE>kept", "kept");
	text("<!-- <p>hidden</p> -->shown", "shown");
	text("<a href=\"x>y\">link</a>", "link");
	text("1 < 2 and 3 > 2", "1 < 2 and 3 > 2");
	text("Коаліція <i>охочих</i>", "Коаліція охочих");
	text("<p>unterminated", "unterminated");
	text("<!DOCTYPE html>x", "x");

	text_max("<p>Hello <b>wor</b>ld</p><p>again</p>", 0);
	text_max("<p>Hello <b>wor</b>ld</p><p>again</p>", 5);
	text_max("<p>Hello <b>wor</b>ld</p><p>again</p>", 6);
	text_max("<p>Hello <b>wor</b>ld</p><p>again</p>", 12);
	text_max("<p>Hello <b>wor</b>ld</p><p>again</p>", 100);
	text_max("a &amp; b  <br> c", 4);

	/* Summaries that add no word to their content. */
	ok(leads("<p>Storm <b>warning</b></p>", "Storm warning for the coast"),
	    "the content's start, as text");
	ok(leads("Storm warning", "Storm warning"), "the whole content");
	ok(leads("Storm warning&hellip;", "Storm warning for the coast") &&
	    leads("Storm warning ...", "Storm warning, then") &&
	    leads("Storm warning [&hellip;]", "Storm warning. Then") &&
	    leads("Storm warning [...]", "Storm warning Then"),
	    "less a trailing ellipsis");
	ok(leads("Storm.", "Storm. Then") && leads("Storm", "Storm-warning"),
	    "a word ends where a byte that is no letter follows");
	ok(leads("", "x") && leads("<img src=\"a.jpg\">", "x") &&
	    leads("<p></p>", NULL), "a summary without text");
	ok(leads("  Storm\n<br>warning ", "<div>Storm warning</div> more"),
	    "whitespace as the text makes it");
	/* Summaries that do. */
	ok(!leads("Storm warn", "Storm warning") &&
	    !leads("Storm warn...", "Storm warning"),
	    "a word cut short is a word of the summary alone");
	ok(!leads("Caf", "Caf\xc3\xa9 open") && !leads("Storm",
	    "Storm\xe2\x80\x94warning"), "a byte of UTF-8 after it: "
	    "taken for part of a word");
	ok(!leads("pilots strike", "Harbour pilots strike"),
	    "inside the content, not at its start");
	ok(!leads("storm warning", "Storm warning"), "case counts");
	ok(!leads("Storm warning", NULL) && !leads("Storm warning", ""),
	    "no content");
	ok(!leads("Storm warning for the coast", "Storm warning"),
	    "longer than the content");
	ok(leads(NULL, "x"), "no summary: nothing of it indexed");
	return tap_done();
}
