/*
 * cmd_discover: feedctl discover, and how feedctl shows the feeds found
 * behind an address (the API's "candidates", api_discover.c).
 */
#ifndef FEEDD_CMD_DISCOVER_H
#define FEEDD_CMD_DISCOVER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* The candidates, numbered from 1, one per line. */
void	discover_print(FILE *out, json_t *candidates);
/*
 * On a terminal (stdin and stdout), asks which of n candidates to take:
 * its index, or -1 when there is no terminal or no choice was made.
 */
long	discover_choose(size_t n);

#endif
