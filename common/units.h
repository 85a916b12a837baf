/*
 * units: durations ("90s", "15m", "2h", "1d", "1h30m", a bare number is
 * seconds) and sizes ("512k", "10M", "1G", a bare number is bytes; binary
 * multiples). Parsing is strict: junk, overflow and negative values fail.
 */
#ifndef FEEDD_UNITS_H
#define FEEDD_UNITS_H

#include <stddef.h>
#include <stdint.h>

int	units_parse_duration(const char *s, int64_t *ret_seconds);
int	units_parse_size(const char *s, uint64_t *ret_bytes);
/* "2h30m", "45s", "1d"; writes at most len bytes. */
void	units_format_duration(int64_t seconds, char *out, size_t len);

#endif
