/*
 * pg_store: the PostgreSQL store, the other implementation of store.h
 * (the first is store_sqlite.h). Each function is its store.h namesake
 * on a PostgreSQL database through libpq: one connection, prepared
 * statements, the schema of pg_schema.h, full text by pg_fts.h.
 * store_front.c calls these when store_open was given a postgresql: URI;
 * the functions of store.h not listed here are not available on
 * PostgreSQL yet (store_front.c says so when they are called).
 */
#ifndef FEEDD_PG_STORE_H
#define FEEDD_PG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct pg_store;

struct pg_store *pg_store_open(const char *path, char *err, size_t errlen);
void	pg_store_free(struct pg_store *s);
const char *pg_store_path(const struct pg_store *s);
int64_t	pg_store_db_size(struct pg_store *s);
int64_t	pg_store_last_entry_id(struct pg_store *s);
void	pg_store_set_now(struct pg_store *s, int64_t now);
void	pg_store_set_token_sink(struct pg_store *s,
	    const struct store_token_sink *sink);
int	pg_store_batch_begin(struct pg_store *s);
int	pg_store_batch_commit(struct pg_store *s);
void	pg_store_batch_rollback(struct pg_store *s);
void	pg_store_index_defer(struct pg_store *s);
int	pg_store_index_pending(struct pg_store *s);
void	pg_store_health_get(const struct pg_store *s,
	    struct store_health *ret);

#endif
