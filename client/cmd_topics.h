/*
 * cmd_topics: feedctl's topic commands.
 *
 *   feedctl topics [--client NAME]           topics, match counts, newest
 *                                            match, unseen for the cursor
 *   feedctl topic add NAME QUERY [--notify HOOK] [--feed ID]... [--category C]
 *   feedctl topic set NAME --notify HOOK
 *   feedctl topic show NAME
 *   feedctl topic rm NAME
 *   feedctl why ID                           why an entry is where it is
 */
#ifndef FEEDD_CMD_TOPICS_H
#define FEEDD_CMD_TOPICS_H

#include "feedctl.h"

int	cmd_topics(struct feedctl *ctl, int argc, char **argv);
int	cmd_topic(struct feedctl *ctl, int argc, char **argv);
int	cmd_why(struct feedctl *ctl, int argc, char **argv);

#endif
