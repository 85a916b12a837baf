/*
 * store_reconcile: feedd.conf's [feed] sections made the store's feeds,
 * the one rule both stores follow (store_feed.c, pg/pg_store_feed.c);
 * each hands it its own statements.
 *
 * In one transaction: a configured feed is found by its name, else by
 * its URL (a feed added through the API, or renamed in feedd.conf,
 * becomes the configured one), else added. A feed whose URL changed in
 * feedd.conf starts over at the new URL (fresh validators), unless
 * another feed has that URL already: then it keeps the old one, with a
 * warning. Title, interval and category follow feedd.conf; a configured
 * feed no longer named there is removed with its entries. Anything that
 * fails undoes it all.
 */
#ifndef FEEDD_STORE_RECONCILE_H
#define FEEDD_STORE_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A store's part: s is the store these are given with. */
struct store_reconcile_ops {
	int	(*begin)(void *s);
	int	(*commit)(void *s);
	void	(*rollback)(void *s);
	/* 1 found (*ret filled), 0 none, -1 */
	int	(*by_id)(void *s, int64_t id, struct store_feed *ret);
	int	(*by_name)(void *s, const char *name, struct store_feed *ret);
	int	(*by_url)(void *s, const char *url, struct store_feed *ret);
	/*
	 * 0: added as configured, its id in *ret_id; 1: another writer
	 * holds the URL now, its feed's id in *ret_id; -1.
	 */
	int	(*insert)(void *s, const struct store_config_feed *cf,
		    int64_t *ret_id);
	/* The feed becomes cf's: name, origin, title, interval, category. */
	int	(*config_set)(void *s, int64_t id,
		    const struct store_config_feed *cf);
	/* The feed starts over at url. */
	int	(*new_url)(void *s, int64_t id, const char *url);
	/* Removes the configured feeds not named in feeds[0..n). */
	int	(*drop_unnamed)(void *s, const struct store_config_feed *feeds,
		    size_t n, size_t *ret_removed);
};

/* 0 and *ret (may be NULL), or -1 (logged; nothing changed). */
int	store_reconcile_run(void *s, const struct store_reconcile_ops *o,
	    const struct store_config_feed *feeds, size_t n,
	    struct store_reconcile_result *ret);

#endif
