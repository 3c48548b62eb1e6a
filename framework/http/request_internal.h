/*
 * request_internal.h - the request as the framework builds it.
 */
#ifndef MOAT_HTTP_REQUEST_INTERNAL_H
#define MOAT_HTTP_REQUEST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <moat/request.h>
#include <moat/validate.h>

#include "core/arena.h"
#include "core/incident.h"
#include "core/limits.h"
#include "http/params.h"
#include "http/router.h"

enum body_kind {
	BODY_NONE,
	BODY_URLENCODED,
	BODY_MULTIPART,
	BODY_OTHER,
};

struct moat_request {
	struct arena			*arena;
	const struct moat_limits	*limits;
	const char			*method;
	const char			*path;		/* decoded */
	const char			*raw_path;
	const char			*raw_query;
	const char			*remote_addr;
	const char			*content_type;
	const char			*content_length;
	const char			*https;		/* "on" over TLS */
	const char			*server_port;	/* or NULL */
	enum body_kind			 body_kind;
	size_t				 body_len;	/* from CONTENT_LENGTH */
	const unsigned char		*raw_body;	/* BODY_OTHER only */
	struct param_list		 headers;	/* "user-agent" */
	struct param_list		 query;
	struct param_list		 form;
	struct param_list		 cookies;
	struct upload_list		 files;
	struct path_segments		 segments;
	struct route_match		 match;
	/* The route's declared fields and their checked values (fields.c). */
	const struct moat_field		*fields;
	struct moat_value_out		*values;	/* one per field */
	size_t				 nfields;
	char				 incident[INCIDENT_ID_LEN + 1];
};

/*
 * Build the request from FastCGI params ("NAME=value" strings, NULL-ended):
 * method, path, query, headers, cookies, and the body's size and kind.
 * Returns 0 or an HTTP status (400, 413, 414, 431, 501) with *why set.
 * Nothing of the body has been read yet.
 */
int	request_from_params(struct moat_request *req, struct arena *a,
	    const struct moat_limits *lim, char *const *envp,
	    const char *incident, const char **why);

/* Parse the body (exactly req->body_len bytes).  0 or 400/413. */
int	request_parse_body(struct moat_request *req,
	    const unsigned char *body, size_t len, const char **why);

#endif
