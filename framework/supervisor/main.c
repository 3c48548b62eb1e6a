/*
 * main.c - moat_main(): the command line of every Moat application.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>
#include <sodium.h>

#include <moat/app.h>

#include "broker/catalogue.h"
#include "broker/reencrypt.h"
#include "core/config.h"
#include "http/router.h"
#include "supervisor/supervisor.h"
#include "template/template.h"
#include "worker/sandbox.h"

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s -c CONFIG_FILE [--check-config]\n", prog);
}

/*
 * The broker loads the catalogue again for itself; parsing it here too
 * makes --check-config catch a bad one, before anything starts.
 */
static int
check_catalogue(const struct moat_config *cfg, char *err, size_t errlen)
{
	struct catalogue cat;
	int rc;

	if (cfg->catalogue == NULL)
		return 0;
	rc = catalogue_load(&cat, cfg->catalogue, err, errlen);
	catalogue_free(&cat);
	return rc;
}

/*
 * Templates are compiled here, before any worker exists: workers inherit
 * them, and a template error stops start-up (and --check-config) with
 * file:line.
 */
static int
load_templates(const struct moat_config *cfg, char *err, size_t errlen)
{
	if (cfg->templates == NULL)
		return 0;
	return templates_load(cfg->templates, err, errlen);
}

int
moat_main(const struct moat_app *app, int argc, char **argv)
{
	static struct moat_config cfg;
	static struct router router;
	char err[CONFIG_ERR_MAX];
	const char *path = NULL;
	bool check = false;
	int i, rc;

	if ((rc = reencrypt_command(argc, argv)) >= 0)	/* --reencrypt */
		return rc;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--check-config") == 0)
			check = true;
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (path == NULL) {
		usage(argv[0]);
		return 2;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (router_compile(&router, app->routes, app->nroutes, err,
	    sizeof(err)) != 0 || sandbox_check(&cfg, app, err,
	    sizeof(err)) != 0 || check_catalogue(&cfg, err, sizeof(err)) != 0 ||
	    load_templates(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		return 1;
	}
	if (check) {
		printf("%s: configuration ok\n", path);
		return 0;
	}
	if (sodium_init() < 0 || FCGX_Init() != 0) {
		fprintf(stderr, "%s: cannot initialise libsodium or libfcgi\n",
		    app->name);
		return 1;
	}
	rc = supervisor_run(app, &router, &cfg, path);
	router_free(&router);
	templates_free();
	config_free(&cfg);
	return rc;
}
