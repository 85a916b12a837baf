/*
 * httpdate: the few HTTP header values a poller reads for timing.
 * Dates go through curl_getdate(), which knows the RFC 9110 forms (IMF-fixdate,
 * RFC 850, asctime); nothing here keeps its own month or zone tables.
 */
#ifndef FEEDD_HTTPDATE_H
#define FEEDD_HTTPDATE_H

#include <stdint.h>

/* An HTTP-date as Unix seconds; -1 if it is not one. */
int64_t	httpdate_parse(const char *s);
/*
 * Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date, as seconds
 * from now (a date in the past gives 0). -1 if absent or unreadable.
 */
int64_t	httpdate_retry_after(const char *value, int64_t now);
/* Cache-Control max-age in seconds; -1 if absent or unreadable. */
int64_t	httpdate_max_age(const char *cache_control);

#endif
