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

#include <moat/nelem.h>
#include <moat/request.h>
#include <moat/response.h>
#include <moat/validate.h>

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
	const char		*method;
	const char		*pattern;
	moat_handler		 handler;
	/*
	 * The query (GET, HEAD) or form (other methods) fields the handler
	 * reads.  Each is checked before the handler runs, a failure gives
	 * 400 naming the field, and fields not listed here are dropped.
	 */
	const struct moat_field	*fields;
	size_t			 nfields;
	unsigned		 flags;		/* MOAT_ROUTE_* */
};

/*
 * An unsafe method (anything but GET, HEAD, OPTIONS) on a route that
 * uses a session needs the session's CSRF token (moat/session.h).  Set
 * this on a route that is not called by browsers (a webhook, say) to
 * skip that check; the Origin check still applies.
 */
#define MOAT_ROUTE_CSRF_EXEMPT	0x0001

/**
 * The application: its name (for logs), its routes and what its handlers
 * need from the kernel beyond what Moat's workers already may do.
 *
 * Workers run in a seccomp sandbox that kills the process on any system
 * call outside Moat's allowlist (framework/worker/sandbox.c).  If a
 * handler or a library it uses needs another one, list it by name in
 * sandbox_syscalls, e.g. { "getcpu", NULL }.  A name the kernel does not
 * know stops start-up; calls that would open files, run programs, make
 * network connections or create processes ("openat", "execve", "socket",
 * "clone", ...) are refused, because no worker may do those.  Set
 * "sandbox_debug = on" in the config to have a denied call logged by name
 * (and fail with ENOSYS) instead of killing the worker.
 */
struct moat_app {
	const char		*name;
	const struct moat_route	*routes;
	size_t			 nroutes;
	/* Extra syscalls by name, NULL-terminated; NULL for none. */
	const char *const	*sandbox_syscalls;
};

/**
 * Run the application: "prog -c FILE" serves, "prog -c FILE --check-config"
 * checks the config and exits.  Returns the process exit status.
 */
int	moat_main(const struct moat_app *app, int argc, char **argv);

#endif
