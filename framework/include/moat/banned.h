/*
 * banned.h - functions that Moat code may not call.
 *
 * Each of these has a safer replacement (snprintf / moat_buf, memcpy with an
 * explicit length, posix_spawn is not allowed either: workers never start
 * programs).  The build force-includes this header first in every framework
 * and app translation unit, so the system headers that declare the names are
 * pulled in here, before the poison, and later includes of them are no-ops.
 */
#ifndef MOAT_BANNED_H
#define MOAT_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Fortified libcs and some compilers define these as macros. */
#undef sprintf
#undef vsprintf
#undef strcpy
#undef strcat
#undef strncpy
#undef strncat
#undef gets

#pragma GCC poison system popen gets strcpy strcat sprintf vsprintf
#pragma GCC poison execl execlp execle execv execvp execve execvpe fexecve
/*
 * After git's banned.h: strncpy and strncat leave a string unterminated
 * or silently cut (use snprintf or moat_buf); strtok hides its position
 * and merges empty fields (core/split.h); the time functions without _r
 * return a static buffer another call overwrites (use gmtime_r,
 * localtime_r, strftime); mktemp, tmpnam and tempnam race (mkstemp).
 */
#pragma GCC poison strncpy strncat strtok strtok_r
#pragma GCC poison gmtime localtime ctime ctime_r asctime asctime_r
#pragma GCC poison mktemp tmpnam tempnam

#endif
