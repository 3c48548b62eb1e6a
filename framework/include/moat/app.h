/*
 * app.h - how an application plugs into Moat.
 *
 * An application is a table of routes and a main() that hands it to
 * moat_main().  The framework owns the process model: moat_main() parses
 * the command line, reads the config, starts the supervisor and its
 * workers, and calls the handlers in the workers.
 */
#ifndef MOAT_APP_H
#define MOAT_APP_H

#include <stddef.h>

#include <moat/request.h>
#include <moat/response.h>

/**
 * A request handler.  Return 0 when the response is complete.  Any other
 * value means the handler failed: the client gets a generic error page with
 * an incident id, and the response built so far is thrown away.  Log the
 * reason first with moat_log_error().
 */
typedef int (*moat_handler)(const struct moat_request *req,
    struct moat_response *res);

/**
 * One route.  The pattern is a path whose segments are literal or typed:
 * "{name:int}" (a signed 64-bit decimal), "{name:slug}" ([A-Za-z0-9_-]+),
 * "{name:uuid}" or "{name:str}" (any non-empty segment).  A GET route also
 * answers HEAD.
 */
struct moat_route {
	const char	*method;
	const char	*pattern;
	moat_handler	 handler;
};

/** The application: its name (for logs) and its routes. */
struct moat_app {
	const char		*name;
	const struct moat_route	*routes;
	size_t			 nroutes;
};

/**
 * Run the application: "prog -c FILE" serves, "prog -c FILE --check-config"
 * checks the config and exits.  Returns the process exit status.
 */
int	moat_main(const struct moat_app *app, int argc, char **argv);

#define MOAT_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
