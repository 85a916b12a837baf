/*
 * strv: NULL-terminated vectors of strings (argv, envp, name lists), as
 * the configuration, hooks and topics keep them. Allocation cannot fail
 * (xmalloc); NULL stands for no vector and is accepted everywhere.
 */
#ifndef FEEDD_STRV_H
#define FEEDD_STRV_H

#include <stddef.h>

/* A deep copy of v, or NULL for NULL. */
char	**strv_dup(char *const v[]);
/* Appends a copy of s[0..n) to *v (NULL: a new vector). */
void	  strv_add(char ***v, const char *s, size_t n);
/* The strings in v (0 for NULL). */
size_t	  strv_len(char *const v[]);
/* Frees v and its strings. */
void	  strv_free(char **v);

#endif
