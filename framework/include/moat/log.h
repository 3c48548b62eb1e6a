/*
 * log.h - logging for framework and application code.
 *
 * A worker writes one line per message to stderr, which is a pipe to the
 * supervisor; the supervisor prefixes the process that sent it, escapes
 * control characters and caps the length, so a message can never forge a
 * line of its own.  Never pass a password, token or key to these functions.
 */
#ifndef MOAT_LOG_H
#define MOAT_LOG_H

enum moat_log_level {
	MOAT_LOG_DEBUG,
	MOAT_LOG_INFO,
	MOAT_LOG_WARN,
	MOAT_LOG_ERROR,
};

/** Log one message at the given level. */
void	moat_log(enum moat_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define moat_log_debug(...)	moat_log(MOAT_LOG_DEBUG, __VA_ARGS__)
#define moat_log_info(...)	moat_log(MOAT_LOG_INFO, __VA_ARGS__)
#define moat_log_warn(...)	moat_log(MOAT_LOG_WARN, __VA_ARGS__)
#define moat_log_error(...)	moat_log(MOAT_LOG_ERROR, __VA_ARGS__)

#endif
