#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "table.h"
#include "termwidth.h"
#include "xmalloc.h"

#define TABLE_GAP		2
#define TABLE_MIN_FLEX		8
#define TABLE_ELLIPSIS		"\xe2\x80\xa6"	/* U+2026, one column */

struct table_cell {
	char		*text;
	enum table_style style;
};

struct table_col {
	char		*title;
	bool		 right;
	bool		 flexible;
	size_t		 width;
};

struct table {
	struct table_col *cols;
	size_t		 ncols;
	struct table_cell *cells;	/* row-major, ncols per row */
	size_t		 nrows;
	size_t		 filled;	/* cells filled in the last row */
};

static const char *const styles[TABLE_STYLE_MAX] = {
	[TABLE_PLAIN] = "",
	[TABLE_DIM] = "\033[2m",
	[TABLE_BOLD] = "\033[1m",
	[TABLE_RED] = "\033[31m",
	[TABLE_GREEN] = "\033[32m",
	[TABLE_YELLOW] = "\033[33m",
	[TABLE_CYAN] = "\033[36m",
};

const char *
table_style_on(enum table_style s)
{
	return s > TABLE_PLAIN && s < TABLE_STYLE_MAX ? styles[s] : "";
}

static bool
is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

size_t
table_text_width(const char *s)
{
	return termwidth_str(s);
}

void
table_fit(struct buf *out, const char *s, size_t width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t total = table_text_width(s), w = 0, n;
	bool cut = total > width;
	uint32_t cp;
	int cw;

	if (width == 0)
		return;
	while (*p != '\0') {
		n = termwidth_next(p, &cp);
		cw = termwidth_char(cp);
		/* Leave one column for the ellipsis when cutting. */
		if (cut && w + (size_t)cw > width - 1)
			break;
		if (is_control(cp))
			buf_putc(out, ' ');
		else if (cp == 0xfffd && n == 1)
			buf_puts(out, "\xef\xbf\xbd");
		else
			buf_append(out, p, n);
		w += (size_t)cw;
		p += n;
	}
	if (cut)
		buf_puts(out, TABLE_ELLIPSIS);
}

struct table *
table_new(void)
{
	return xcalloc(1, sizeof(struct table));
}

void
table_column(struct table *t, const char *title, bool right, bool flexible)
{
	struct table_col *c;

	t->cols = xreallocarray(t->cols, t->ncols + 1, sizeof(*t->cols));
	c = &t->cols[t->ncols++];
	c->title = xstrdup(title);
	c->right = right;
	c->flexible = flexible;
	c->width = table_text_width(title);
}

void
table_row(struct table *t)
{
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof(*t->cells));
	memset(&t->cells[t->nrows * t->ncols], 0,
	    t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->filled = 0;
}

void
table_cell(struct table *t, enum table_style style, const char *fmt, ...)
{
	struct table_cell *c;
	va_list ap;
	char *s;

	if (t->nrows == 0 || t->filled >= t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = xstrdup("");
	va_end(ap);
	c = &t->cells[(t->nrows - 1) * t->ncols + t->filled++];
	c->text = s;
	c->style = style;
}

/* Shrinks flexible columns, widest first, until the table fits. */
static void
fit_columns(struct table *t, int columns)
{
	size_t total = 0, i, widest;

	for (i = 0; i < t->ncols; i++)
		total += t->cols[i].width + (i > 0 ? TABLE_GAP : 0);
	while (columns > 0 && total > (size_t)columns) {
		widest = t->ncols;
		for (i = 0; i < t->ncols; i++)
			if (t->cols[i].flexible &&
			    t->cols[i].width > TABLE_MIN_FLEX &&
			    (widest == t->ncols ||
			    t->cols[i].width > t->cols[widest].width))
				widest = i;
		if (widest == t->ncols)
			break;	/* nothing left to shrink: let it wrap */
		t->cols[widest].width--;
		total--;
	}
}

static void
print_cell(FILE *f, const struct table_col *col, const char *text,
    enum table_style style, bool color, bool last)
{
	struct buf b;
	size_t w, pad;

	buf_init(&b);
	table_fit(&b, text != NULL ? text : "", col->width);
	w = table_text_width(b.data);
	pad = col->width > w ? col->width - w : 0;
	if (col->right)
		fprintf(f, "%*s", (int)pad, "");
	if (color && style != TABLE_PLAIN)
		fprintf(f, "%s%s\033[0m", table_style_on(style), b.data);
	else
		fputs(b.data, f);
	if (!col->right && !last)
		fprintf(f, "%*s", (int)pad, "");
	buf_free(&b);
}

void
table_print(struct table *t, FILE *f, int columns, bool color)
{
	bool header = false;
	size_t r, i;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i].text;
			size_t w = s != NULL ? table_text_width(s) : 0;

			if (w > t->cols[i].width)
				t->cols[i].width = w;
		}
	fit_columns(t, columns);
	for (i = 0; i < t->ncols; i++)
		header = header || *t->cols[i].title != '\0';
	for (i = 0; header && i < t->ncols; i++) {
		if (i > 0)
			fprintf(f, "%*s", TABLE_GAP, "");
		print_cell(f, &t->cols[i], t->cols[i].title, TABLE_BOLD, color,
		    i + 1 == t->ncols);
	}
	if (header)
		fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const struct table_cell *c =
			    &t->cells[r * t->ncols + i];

			if (i > 0)
				fprintf(f, "%*s", TABLE_GAP, "");
			print_cell(f, &t->cols[i], c->text, c->style, color,
			    i + 1 == t->ncols);
		}
		fputc('\n', f);
	}
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i].title);
	free(t->cells);
	free(t->cols);
	free(t);
}

void
table_reltime(int64_t t, int64_t now, char *buf, size_t len)
{
	int64_t d = now - t, a = d < 0 ? -d : d;
	const char *unit;
	int64_t n;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	if (a < 60) {
		snprintf(buf, len, "just now");
		return;
	}
	if (a >= 30 * 86400) {
		time_t tt = (time_t)t;
		struct tm tm;

		localtime_r(&tt, &tm);
		strftime(buf, len, "%Y-%m-%d", &tm);
		return;
	}
	if (a < 3600)
		n = a / 60, unit = "min";
	else if (a < 86400)
		n = a / 3600, unit = "h";
	else
		n = a / 86400, unit = n == 1 ? "day" : "days";
	if (d < 0)
		snprintf(buf, len, "in %lld %s", (long long)n, unit);
	else
		snprintf(buf, len, "%lld %s ago", (long long)n, unit);
}

void
table_localtime(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, len, "-");
}

int64_t
table_parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}
