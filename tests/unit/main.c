/*
 * main.c - runs every CUnit suite; exits non-zero if any test failed.
 */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "unit.h"

int
unit_add_suite(const char *name, const struct unit_test *tests, size_t ntests)
{
	CU_pSuite suite;
	size_t i;

	if ((suite = CU_add_suite(name, NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < ntests; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}

int
main(void)
{
	int (*registers[])(void) = {
		register_buf_tests,
		register_catalogue_tests,
		register_channel_tests,
		register_config_tests,
		register_fcgi_record_tests,
		register_dispatch_tests,
		register_fields_tests,
		register_cookies_tests,
		register_hashpool_tests,
		register_multipart_tests,
		register_passwd_tests,
		register_pct_tests,
		register_proto_tests,
		register_request_tests,
		register_response_tests,
		register_router_tests,
		register_sandbox_tests,
		register_session_tests,
		register_seal_tests,
		register_split_tests,
		register_template_tests,
		register_urlencoded_tests,
		register_validate_tests,
	};
	unsigned int failed;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < MOAT_NELEM(registers); i++) {
		if (registers[i]() != 0) {
			fprintf(stderr, "unit: cannot register suites\n");
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_suites_failed() > 0)
		failed++;
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
