/*
 * testfile: the whole of a test's input file into a buf (appended), for the
 * unit tests that read corpus/. 0, or -1 if it cannot be opened.
 */
#ifndef FEEDD_TESTFILE_H
#define FEEDD_TESTFILE_H

#include <stdio.h>

#include "buf.h"

static inline int
testfile_read(const char *path, struct buf *b)
{
	char chunk[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return 0;
}

#endif
