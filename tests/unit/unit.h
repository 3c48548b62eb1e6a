/*
 * unit.h - shared declarations for the CUnit test program.
 *
 * Each test_*.c file adds its suites in one register function, called from
 * main.c; a new file adds one line there and one here.
 */
#ifndef MOAT_UNIT_H
#define MOAT_UNIT_H

#include <CUnit/CUnit.h>

#include <moat/nelem.h>

int	register_buf_tests(void);
int	register_catalogue_tests(void);
int	register_channel_tests(void);
int	register_config_tests(void);
int	register_dispatch_tests(void);
int	register_fcgi_record_tests(void);
int	register_fields_tests(void);
int	register_cookies_tests(void);
int	register_hashpool_tests(void);
int	register_multipart_tests(void);
int	register_passwd_tests(void);
int	register_pct_tests(void);
int	register_proto_tests(void);
int	register_request_tests(void);
int	register_response_tests(void);
int	register_router_tests(void);
int	register_sandbox_tests(void);
int	register_session_tests(void);
int	register_seal_tests(void);
int	register_split_tests(void);
int	register_template_tests(void);
int	register_urlencoded_tests(void);
int	register_validate_tests(void);

/* Add a suite with the given tests; returns 0 or -1. */
struct unit_test {
	const char	*name;
	CU_TestFunc	 fn;
};
int	unit_add_suite(const char *name, const struct unit_test *tests,
	    size_t ntests);


#endif
