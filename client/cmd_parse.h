/*
 * cmd_parse: `feedctl parse FILE|- [--url BASE] [--json]`, offline. Reads
 * a feed document from a file or stdin, prints the neutral model as one
 * JSON object (DESIGN.md) on stdout. Needs no daemon. Exit status 0 when
 * the document parsed, 1 when it stopped early (the JSON still carries
 * what was read and the "error"), 2 on usage or I/O errors.
 */
#ifndef FEEDD_CMD_PARSE_H
#define FEEDD_CMD_PARSE_H

/* argv[0] is "parse". */
int	cmd_parse(int argc, char **argv);

#endif
