/*
 * home.c - the front page and the health check.
 */
#include "notes.h"

/*
 * GET /: public.  The page holds no form, so showing it starts no
 * session: an anonymous visitor gets no cookie and costs no database row.
 */
int
home(const struct moat_request *req, struct moat_response *res)
{
	struct moat_view *v;

	if ((v = moat_view_new(req)) == NULL ||
	    moat_view_bool(v, "signed_in", moat_session_user(req) != 0) != 0)
		return -1;
	return moat_render(req, res, "home.html", v);
}

/*
 * GET /healthz: for load balancers and monitoring.  A trivial statement
 * goes through the broker to PostgreSQL and back, so "ok" means the
 * worker, the broker and the database all answer; anything else is 503,
 * and the balancer sends traffic elsewhere until it passes again.
 */
int
healthz(const struct moat_request *req, struct moat_response *res)
{
	struct moat_rows *rows;
	int64_t one;

	if (moat_db_run(req, "health", NULL, 0, &rows) != MOAT_DB_OK ||
	    !moat_rows_int(rows, 0, 0, &one) || one != 1)
		return moat_response_text(res, 503, "unavailable\n");
	return moat_response_text(res, 200, "ok\n");
}
