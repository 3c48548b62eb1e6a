/*
 * clock.h - monotonic time for timeouts and back-off.
 */
#ifndef MOAT_CORE_CLOCK_H
#define MOAT_CORE_CLOCK_H

#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC: immune to wall-clock changes. */
static inline long long
clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
