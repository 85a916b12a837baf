/*
 * pager: long output on a terminal goes through $PAGER ("less -R" when
 * unset), as git and man do: only when stdout is a terminal and the text
 * has more lines than the screen; otherwise, or with PAGER empty or
 * "cat", it is written to stdout as it is. A pager that cannot be started
 * leaves the text on stdout too, so nothing is ever lost.
 */
#ifndef FEEDD_PAGER_H
#define FEEDD_PAGER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Shows text[0..len). tty: stdout is a terminal; rows: its height.
 * 0, or -1 when stdout could not be written (the caller reports it).
 */
int	pager_show(const char *text, size_t len, bool tty, int rows);

#endif
