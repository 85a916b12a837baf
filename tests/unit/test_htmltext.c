#include <stdio.h>
#include <stdlib.h>

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
	return tap_done();
}
