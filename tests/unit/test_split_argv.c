/*
 * test_split_argv: a hook's command line is split into words the way a
 * POSIX shell splits them (quotes, backslashes, # comments) and nothing
 * more: no expansion, no shell.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "strv.h"
#include "tap.h"

/* The words of line, joined by '|' ("(null)" when it cannot be split). */
static char *
words(const char *line)
{
	char **v = config_split_argv(line);
	struct buf b;

	buf_init(&b);
	if (v == NULL)
		buf_puts(&b, "(null)");
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		buf_printf(&b, "%s%s", i > 0 ? "|" : "", v[i]);
	strv_free(v);
	return buf_detach(&b);
}

static void
split_is(const char *line, const char *want, const char *what)
{
	char *got = words(line);

	is_str(got, want, what);
	free(got);
}

int
main(void)
{
	split_is("/usr/bin/notify --urgency low", "/usr/bin/notify|--urgency|low",
	    "words split at blanks");
	split_is("  a\t b  ", "a|b", "leading, trailing and inner blanks");
	split_is("a 'b c' \"d e\"", "a|b c|d e", "single and double quotes");
	split_is("a b\\ c", "a|b c", "a backslash escapes a blank");
	split_is("a '$HOME' $HOME `id`", "a|$HOME|$HOME|`id`",
	    "nothing is expanded");
	split_is("notify --urgency low   # split like a shell would",
	    "notify|--urgency|low", "a word starting with # starts a comment");
	split_is("notify '#tag' \"#two\" \\#three", "notify|#tag|#two|#three",
	    "a quoted or escaped # is a word");
	split_is("notify a#b", "notify|a#b", "# inside a word is part of it");
	split_is("# only a comment", "(null)", "a comment alone is no command");
	split_is("a 'open", "(null)", "an unterminated quote is refused");
	split_is("", "(null)", "an empty line is refused");
	return tap_done();
}
