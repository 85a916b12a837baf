#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"

#define PAGER_DEFAULT	"less -R"

static size_t
count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	return n;
}

static int
to_stdout(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
		return -1;
	return 0;
}

int
pager_show(const char *text, size_t len, bool tty, int rows)
{
	const char *pager = getenv("PAGER");
	void (*old)(int);
	FILE *p;
	int status;

	if (pager == NULL)
		pager = PAGER_DEFAULT;
	if (!tty || rows <= 0 || count_lines(text, len) < (size_t)rows ||
	    *pager == '\0' || strcmp(pager, "cat") == 0)
		return to_stdout(text, len);
	fflush(stdout);
	/* $PAGER is a command line, as for git and man: sh reads it. */
	if ((p = popen(pager, "w")) == NULL)
		return to_stdout(text, len);
	/* Quitting the pager early is no error of ours. */
	old = signal(SIGPIPE, SIG_IGN);
	fwrite(text, 1, len, p);
	status = pclose(p);
	signal(SIGPIPE, old);
	/* 127: sh found no such command, so nothing was shown. */
	if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
		return to_stdout(text, len);
	return 0;
}
