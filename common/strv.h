/*
 * strv: NULL-terminated vectors of strings (argv, envp, name lists), as
 * the configuration, hooks and topics keep them. Allocation cannot fail
 * (xmalloc); NULL stands for no vector and is accepted everywhere.
 */
#ifndef FEEDD_STRV_H
#define FEEDD_STRV_H

/* A deep copy of v, or NULL for NULL. */
char	**strv_dup(char *const v[]);
/* Frees v and its strings. */
void	  strv_free(char **v);

#endif
