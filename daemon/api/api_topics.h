/*
 * api_topics: the topics endpoints, served through api.c's route table.
 *
 *   GET    /v1/topics[?client=NAME]  every topic with its match count, the
 *                                    newest match, and (with client) the
 *                                    unseen count and cursor for that client
 *   GET    /v1/topics/{name}         one topic, the same fields
 *   POST   /v1/topics                {name, query, notify?, feeds?,
 *                                    category?} -> 201; 409 if the name
 *                                    exists; 400 for a bad query, an
 *                                    unknown feed id, an empty list
 *   PATCH  /v1/topics/{name}         {notify} -> 200 and the topic; 409
 *                                    for a topic the configuration defines
 *
 * notify is null or the name of a [hook] the configuration declares,
 * anything else (a command line, an unknown name) 400 unknown_hook: the
 * API never takes a command.
 *   DELETE /v1/topics/{name}         404 if unknown; 409 for a topic the
 *                                    configuration defines
 *   GET    /v1/why/{id}              topics_why()'s explanation of an entry
 */
#ifndef FEEDD_API_TOPICS_H
#define FEEDD_API_TOPICS_H

struct api;
struct evhttp_request;

#define API_TOPICS_UNSEEN_MAX	1000	/* counted up to; "1000+" beyond */

void	api_topics_list(struct api *, struct evhttp_request *, const char *);
void	api_topics_get(struct api *, struct evhttp_request *, const char *);
void	api_topics_add(struct api *, struct evhttp_request *, const char *);
void	api_topics_change(struct api *, struct evhttp_request *,
	    const char *);
void	api_topics_remove(struct api *, struct evhttp_request *, const char *);
void	api_topics_why(struct api *, struct evhttp_request *, const char *);

#endif
