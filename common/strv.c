#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "xmalloc.h"

char **
strv_dup(char *const v[])
{
	char **out;
	size_t i, n = 0;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	out = xreallocarray(NULL, n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	out[n] = NULL;
	return out;
}

void
strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
strv_len(char *const v[])
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

void
strv_add(char ***v, const char *s, size_t n)
{
	size_t len = strv_len(*v);

	*v = xreallocarray(*v, len + 2, sizeof(**v));
	(*v)[len] = xstrndup(s, n);
	(*v)[len + 1] = NULL;
}
