/*
 * pgtest: what the unit tests of the PostgreSQL store share: the database
 * with_pg.py started for them (FEEDD_TEST_PG), and PostgreSQL's messages
 * on one line, for diag().
 */
#ifndef FEEDD_PGTEST_H
#define FEEDD_PGTEST_H

#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

static inline void
pgtest_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* msg with its line breaks made spaces (a static buffer). */
static inline const char *
pgtest_line(const char *msg)
{
	static char line[1024];
	size_t i;

	for (i = 0; msg[i] != '\0' && i < sizeof(line) - 1; i++)
		line[i] = msg[i] == '\n' ? ' ' : msg[i];
	line[i] = '\0';
	return line;
}

/*
 * A connection to conninfo, NOTICEs silenced; NULL after a "Bail out!"
 * (the test's exit status is then 1).
 */
static inline PGconn *
pgtest_connect(const char *conninfo)
{
	PGconn *c;

	if (conninfo == NULL) {
		printf("Bail out! FEEDD_TEST_PG is not set: run the test "
		    "through with_pg.py (meson test does)\n");
		return NULL;
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		printf("Bail out! %s\n", pgtest_line(PQerrorMessage(c)));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, pgtest_quiet, NULL);
	return c;
}

#endif
