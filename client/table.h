/*
 * table: feedctl's human output. Rows of cells printed in aligned columns
 * fitted to the terminal width: when a table is too wide, the columns
 * marked flexible shrink (widest first) and their cells are cut on a
 * character boundary with "…", so Cyrillic or CJK text is never split
 * inside a character. Widths count characters as a terminal shows them
 * (combining marks 0, East Asian wide 2). Control characters in cells are
 * shown as spaces. Colour is used only when the caller says so (stdout a
 * terminal and NO_COLOR unset).
 */
#ifndef FEEDD_TABLE_H
#define FEEDD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

enum table_style {
	TABLE_PLAIN = 0,
	TABLE_DIM,
	TABLE_BOLD,
	TABLE_RED,
	TABLE_GREEN,
	TABLE_YELLOW,
	TABLE_CYAN,
	TABLE_STYLE_MAX,
};

struct table;

struct table *table_new(void);
/* Adds a column; right-aligned for numbers; flexible columns may shrink. */
void	table_column(struct table *t, const char *title, bool right,
	    bool flexible);
/* Starts a row; cells then fill it left to right. */
void	table_row(struct table *t);
void	table_cell(struct table *t, enum table_style style, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/*
 * Prints header and rows within columns (a terminal width); no header
 * when no column has a title (rows of name and value).
 */
void	table_print(struct table *t, FILE *f, int columns, bool color);
void	table_free(struct table *t);

/* Display width of a UTF-8 string. */
size_t	table_text_width(const char *s);
/*
 * Appends s to out cut to at most width display columns, ending in "…"
 * when cut; control characters become spaces.
 */
void	table_fit(struct buf *out, const char *s, size_t width);
/* "5 min ago", "in 2 h", "3 days ago", "2025-09-03"; "never" for 0. */
void	table_reltime(int64_t t, int64_t now, char *buf, size_t len);
/* "2025-09-03 14:05 EEST": local time (TZ), to the minute; "-" for 0. */
void	table_localtime(int64_t t, char *buf, size_t len);
/* Unix seconds of a "YYYY-MM-DDTHH:MM:SSZ" string; 0 for NULL or junk. */
int64_t	table_parse_time(const char *s);
/* The escape sequence for a style ("" for TABLE_PLAIN). */
const char *table_style_on(enum table_style s);

#endif
