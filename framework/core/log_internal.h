/*
 * log_internal.h - the framework's side of logging.
 */
#ifndef MOAT_CORE_LOG_INTERNAL_H
#define MOAT_CORE_LOG_INTERNAL_H

#include <stddef.h>

#include <moat/log.h>

/* Receives one escaped line without newline. */
typedef void (*log_sink_fn)(enum moat_log_level level, const char *line);

void		 log_set_level(enum moat_log_level level);
void		 log_set_sink(log_sink_fn sink);
void		 log_sink_stderr(enum moat_log_level level, const char *line);
const char	*log_level_name(enum moat_log_level level);
void		 log_write_all(int fd, const char *p, size_t len);

#endif
