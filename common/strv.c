#include <stdlib.h>

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
