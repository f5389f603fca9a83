/* Unit tests: core/time.c, the one date helper. Expected values come from
 * GNU date (`date -u -d @N +%Y-%m-%dT%H:%M:%SZ`) and Python's datetime, not
 * from sigfs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "internal.h"

static void expect_iso(int64_t t, const char *want)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_time_iso8601(&b, t), 1);
	assert_string_equal(b.ptr, want);
	sigfs_buf_free(&b);
}

static void test_iso8601(void **state)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	(void)state;
	expect_iso(0, "1970-01-01T00:00:00Z");
	expect_iso(-1, "1969-12-31T23:59:59Z");
	expect_iso(951782400, "2000-02-29T00:00:00Z");
	expect_iso(1700000000, "2023-11-14T22:13:20Z");
	expect_iso(253402300799, "9999-12-31T23:59:59Z");
	expect_iso(-62135596800, "0001-01-01T00:00:00Z");
	/* years 0 and 10000: nothing appended */
	assert_int_equal(sigfs_time_iso8601(&b, -62135596801), 0);
	assert_int_equal(sigfs_time_iso8601(&b, 253402300800), 0);
	assert_int_equal(b.len, 0);
	sigfs_buf_free(&b);
}

static void test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(sigfs_time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(sigfs_time_days_from_civil(2001, 1, 1), SIGFS_TIME_2001);
	assert_int_equal(sigfs_time_days_from_civil(2001, 1, 1), 11323);
	assert_int_equal(sigfs_time_days_from_civil(1600, 2, 29), -135081);
	assert_int_equal(sigfs_time_days_from_civil(9999, 12, 31), 2932896);
}

/* Seconds since 2001-01-01 (requirement dates, CFAbsoluteTime). */
static void test_civil_2001(void **state)
{
	struct sigfs_civil c;

	(void)state;
	sigfs_time_civil(0, SIGFS_TIME_2001, &c);
	assert_true(c.year == 2001 && c.month == 1 && c.day == 1 && c.hour == 0 && c.min == 0 && c.sec == 0);
	sigfs_time_civil(-86401, SIGFS_TIME_2001, &c);
	assert_true(c.year == 2000 && c.month == 12 && c.day == 30 && c.hour == 23 && c.min == 59 &&
		    c.sec == 59);
	sigfs_time_civil(700000000, SIGFS_TIME_2001, &c);
	assert_true(c.year == 2023 && c.month == 3 && c.day == 8 && c.hour == 20 && c.min == 26 &&
		    c.sec == 40);
	/* the extremes of a requirement's 64-bit date: no overflow, sane fields */
	sigfs_time_civil(INT64_MAX, SIGFS_TIME_2001, &c);
	assert_true(c.year > 292000000000 && c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31);
	sigfs_time_civil(INT64_MIN, SIGFS_TIME_2001, &c);
	assert_true(c.year < -292000000000 && c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iso8601),
	    cmocka_unit_test(test_days_from_civil),
	    cmocka_unit_test(test_civil_2001),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
