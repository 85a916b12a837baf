/*
 * category: where a feed is filed, a path of names such as "News/Ukraine"
 * (OPML's nested outlines). A category takes in its sub-categories: a
 * topic limited to "News" follows "News/Ukraine" too.
 *
 * The normal form has no empty part and no blanks around a '/', so
 * " News / Ukraine/" and "News/Ukraine" are one category; comparison is
 * exact otherwise (case counts).
 */
#ifndef FEEDD_CATEGORY_H
#define FEEDD_CATEGORY_H

#include <stdbool.h>

#define CATEGORY_MAX	200	/* bytes, in the normal form */

/*
 * The normal form of s in *ret (free() it), NULL when s names no category
 * (empty, or nothing but blanks and '/'). 0, or -1 with the reason in
 * *why (a control character, too long).
 */
int	category_norm(const char *s, char **ret, const char **why);
/* Whether cat (normal form, may be NULL) is parent or below it. */
bool	category_within(const char *cat, const char *parent);

#endif
