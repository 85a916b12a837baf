/*
 * table: display widths, cutting on character boundaries (Cyrillic, CJK,
 * combining marks), column fitting and relative dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "../../client/table.h"
#include "tap.h"

static char *
fit(const char *s, size_t width)
{
	struct buf b;

	buf_init(&b);
	table_fit(&b, s, width);
	return buf_detach(&b);
}

static void
check_fit(const char *s, size_t width, const char *want)
{
	char *got = fit(s, width), what[160];

	snprintf(what, sizeof(what), "fit '%s' to %zu", s, width);
	is_str(got, want, what);
	free(got);
}

int
main(void)
{
	char buf[64], *out = NULL;
	size_t len = 0;
	struct table *t;
	FILE *f;

	ok(table_text_width("abc") == 3, "ASCII width");
	ok(table_text_width("Київ") == 4, "Cyrillic: one column a letter");
	ok(table_text_width("日本") == 4, "CJK: two columns a character");
	ok(table_text_width("e\xcc\x81") == 1, "a combining mark takes none");

	check_fit("short", 10, "short");
	check_fit("exactly", 7, "exactly");
	check_fit("one more", 7, "one mo…");
	check_fit("Лідери країн коаліції", 10, "Лідери кр…");
	check_fit("日本語です", 5, "日本…");
	check_fit("日本語です", 6, "日本…");
	check_fit("tab\there", 20, "tab here");
	check_fit("x", 1, "x");
	check_fit("xy", 1, "…");

	table_reltime(1000, 1000 + 30, buf, sizeof(buf));
	is_str(buf, "just now", "under a minute");
	table_reltime(1000, 1000 + 5 * 60 + 10, buf, sizeof(buf));
	is_str(buf, "5 min ago", "minutes");
	table_reltime(1000, 1000 + 3 * 3600, buf, sizeof(buf));
	is_str(buf, "3 h ago", "hours");
	table_reltime(1000, 1000 + 86400, buf, sizeof(buf));
	is_str(buf, "1 day ago", "a day");
	table_reltime(10000, 10000 - 600, buf, sizeof(buf));
	is_str(buf, "in 10 min", "the future");
	table_reltime(1756900000, 1756900000 + 40 * 86400, buf, sizeof(buf));
	is_str(buf, "2025-09-03", "long ago: the date");
	table_reltime(0, 1000, buf, sizeof(buf));
	is_str(buf, "never", "never");
	ok(table_parse_time("2025-09-03T12:00:00Z") == 1756900800,
	    "parses API dates");
	ok(table_parse_time("2025-09-03") == 0 && table_parse_time(NULL) == 0,
	    "junk is 0");

	/* A table too wide shrinks its flexible column, not the others. */
	t = table_new();
	table_column(t, "ID", true, false);
	table_column(t, "TITLE", false, true);
	table_row(t);
	table_cell(t, TABLE_PLAIN, "%d", 7);
	table_cell(t, TABLE_RED, "%s", "Лідери країн коаліції охочих");
	table_row(t);
	table_cell(t, TABLE_PLAIN, "%d", 1042);
	table_cell(t, TABLE_PLAIN, "%s", "ok");
	f = open_memstream(&out, &len);
	table_print(t, f, 20, false);
	fclose(f);
	is_str(out, "  ID  TITLE\n"
	    "   7  Лідери країн …\n"
	    "1042  ok\n", "fitted to 20 columns, numbers right-aligned");
	free(out);
	f = open_memstream(&out, &len);
	table_print(t, f, 0, true);
	fclose(f);
	ok(strstr(out, "\033[31mЛідери країн коаліції охочих\033[0m") != NULL,
	    "colour when asked, no limit at 0 columns");
	free(out);
	table_free(t);

	t = table_new();
	table_column(t, "", false, false);
	table_column(t, "", false, true);
	table_row(t);
	table_cell(t, TABLE_DIM, "query");
	table_cell(t, TABLE_PLAIN, "drone");
	f = open_memstream(&out, &len);
	table_print(t, f, 0, false);
	fclose(f);
	is_str(out, "query  drone\n", "no titles: no header line");
	free(out);
	table_free(t);
	return tap_done();
}
