/*
 * fetch_engine: the transfers themselves, libcurl's multi-socket API
 * driven by one libevent loop. fetch.c runs it on a thread of its own
 * (fetch.h says what callers are promised); everything here is called on
 * that thread only, and every on_done comes from its loop.
 *
 * It keeps every promise fetch.h makes of a transfer: at most one on_done
 * per transfer, never from inside fetch_engine_start(), none after
 * fetch_engine_cancel(); fetch_engine_free() reports what is still in
 * flight as FETCH_CANCELLED. Results are borrowed for on_done's duration.
 */
#ifndef FEEDD_FETCH_ENGINE_H
#define FEEDD_FETCH_ENGINE_H

#include <stddef.h>

#include "fetch.h"

struct event_base;
struct fetch_engine;
struct fetch_engine_xfer;

struct fetch_engine *fetch_engine_new(struct event_base *base,
		    const struct fetch_options *opts);
void		 fetch_engine_set_options(struct fetch_engine *f,
		    const struct fetch_options *opts);
/* Never NULL; the request's strings and body are copied. */
struct fetch_engine_xfer *fetch_engine_start(struct fetch_engine *f,
		    const struct fetch_request *req);
void		 fetch_engine_cancel(struct fetch_engine_xfer *x);
size_t		 fetch_engine_in_flight(const struct fetch_engine *f);
void		 fetch_engine_free(struct fetch_engine *f);

#endif
