/*
 * feedserver.h: the C unit tests that need HTTP start the suite's own
 * server (tests/daemon/feedserver.py) on 127.0.0.1 with this, from
 * tests/unit (their working directory). Header-only, like tap.h.
 */
#ifndef FEEDD_TEST_FEEDSERVER_H
#define FEEDD_TEST_FEEDSERVER_H

#include <sys/types.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xmalloc.h"

extern char **environ;

/*
 * Serves root; the port it chose in *ret_port. The server's pid, or -1 if
 * it did not come up within 5 s. Stop it with kill() and waitpid().
 */
static inline pid_t
feedserver_start(const char *root, int *ret_port)
{
	char *portfile = xasprintf("%s/port", root);
	char *argv[] = { "python3", "../daemon/feedserver.py", "--root",
	    (char *)root, "--port-file", portfile, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	FILE *fp;
	int i, rc, port = 0;

	/* Its "PORT n" line must not land in our TAP stream. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "python3", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; rc == 0 && i < 100 && port <= 0; i++) {
		if ((fp = fopen(portfile, "r")) != NULL) {
			if (fscanf(fp, "%d", &port) != 1)
				port = 0;
			fclose(fp);
		}
		if (port <= 0)
			usleep(50000);
	}
	free(portfile);
	*ret_port = port;
	return rc == 0 && port > 0 ? pid : -1;
}

#endif
