/*
 * pg_schema: the PostgreSQL store's schema and its migrations, one step
 * per version, each in its own transaction.
 *
 * Version 1 is the SQLite store's schema as it stands at its version 12
 * (store_schema.c), in PostgreSQL's terms: identity columns, booleans,
 * bytea, PL/pgSQL triggers for the counts, and unique constraints that
 * several writers meet with ON CONFLICT. Full text is a tsvector column
 * of entries (pg_fts.h) under a GIN index.
 *
 * Version 2 adds what several workers on one database share: feed
 * leases, hosts' last starts, the workers themselves, hook leases.
 *
 * Several feedd processes may start together on one database: each step
 * runs under a transaction-level advisory lock and reads the version
 * again once it holds it, so a step runs once.
 */
#ifndef FEEDD_PG_SCHEMA_H
#define FEEDD_PG_SCHEMA_H

#include <stddef.h>

#include <libpq-fe.h>

#define PG_SCHEMA_VERSION	4
/* "feed" in ASCII, as the SQLite store's application_id: our lock's key. */
#define PG_SCHEMA_LOCK		0x66656564

/*
 * Brings the database up to PG_SCHEMA_VERSION. 0, or -1 with the reason in
 * err: a database of a newer feedd, one that holds tables of something
 * else, or what PostgreSQL said. A failed step leaves the version before.
 */
int	pg_schema_migrate(PGconn *c, char *err, size_t errlen);

/* The version the database is at (0: none of ours), or -1 (err says). */
int	pg_schema_version(PGconn *c, char *err, size_t errlen);

#endif
