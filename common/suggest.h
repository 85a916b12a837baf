/*
 * suggest: "did you mean ...?" for a mistyped name (a command, a
 * configuration key): the known name nearest to what was typed, by edit
 * distance (insert, delete, replace, swap two neighbours; by bytes, case
 * ignored), if it is near enough to be a typo: at most a third of the
 * typed name's length, and at least 1.
 */
#ifndef FEEDD_SUGGEST_H
#define FEEDD_SUGGEST_H

#include <stddef.h>

/* The nearest of names[0..n), or NULL when none is near enough. */
const char *suggest_nearest(const char *typed, const char *const *names,
	    size_t n);

#endif
