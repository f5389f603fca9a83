/* sigfs core: the one place dates are computed — proleptic Gregorian
 * calendar arithmetic after H. Hinnant's days_from_civil/civil_from_days,
 * with no gmtime/timegm, time zone or locale, exact for every int64 second
 * count. Used by the CMS times, plist dates, requirement timestamps and the
 * rendered signing-time/timestamp files. */
#include "internal.h"

int64_t sigfs_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? (int64_t)m - 3 : (int64_t)m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void sigfs_time_civil(int64_t secs, int64_t epoch_day, struct sigfs_civil *out)
{
	int64_t z, era, yoe, doy, mp, sod;

	/* floor division: days and seconds of day, without overflow */
	z = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		z--;
	}
	z += epoch_day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	out->year = yoe + era * 400 + (out->month <= 2);
	out->hour = (unsigned)(sod / 3600);
	out->min = (unsigned)(sod / 60 % 60);
	out->sec = (unsigned)(sod % 60);
}

int sigfs_time_iso8601(sigfs_buf *b, int64_t unix_s)
{
	struct sigfs_civil c;

	sigfs_time_civil(unix_s, 0, &c);
	if (c.year < 1 || c.year > 9999)
		return 0;
	sigfs_buf_printf(b, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)c.year, c.month, c.day, c.hour, c.min,
			 c.sec);
	return 1;
}
