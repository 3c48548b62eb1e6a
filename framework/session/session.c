/*
 * session.c - the worker's side of sessions (moat/session.h).
 *
 * Work in progress: the broker operations behind these land next.
 */
#include <moat/session.h>

int64_t
moat_session_user(const struct moat_request *req)
{
	(void)req;
	return 0;
}

bool
moat_session_is_admin(const struct moat_request *req)
{
	(void)req;
	return false;
}

const char *
moat_csrf_token(const struct moat_request *req)
{
	(void)req;
	return NULL;
}
