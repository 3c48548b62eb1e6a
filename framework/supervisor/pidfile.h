/*
 * pidfile.h - one instance per pidfile.
 */
#ifndef MOAT_SUPERVISOR_PIDFILE_H
#define MOAT_SUPERVISOR_PIDFILE_H

#include <stddef.h>

/*
 * Lock the pidfile and write our pid.  A second instance fails with "already
 * running (pid N)".  Returns the open, locked fd (keep it) or -1 with err.
 */
int	pidfile_lock(const char *path, char *err, size_t errlen);

/* Remove the file and drop the lock. */
void	pidfile_release(const char *path, int fd);

#endif
