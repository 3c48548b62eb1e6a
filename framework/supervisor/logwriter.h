/*
 * logwriter.h - the log file and the children's stderr pipes: the
 * supervisor is the only process that writes the log.
 */
#ifndef MOAT_SUPERVISOR_LOGWRITER_H
#define MOAT_SUPERVISOR_LOGWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/logline.h"

/* One child's stderr: the line being read, whose pid and role stamp it. */
struct log_input {
	const char	*role;		/* "worker" or "broker" */
	pid_t		 pid;
	int		 fd;		/* the pipe's read end, or -1 */
	char		 line[LOGLINE_MAX];
	size_t		 line_len;
	bool		 skipping;	/* dropping the rest of a long line */
};

/* Open cfg->log_file for appending ("-": a copy of stderr); -1 with err. */
int	log_writer_open(const struct moat_config *cfg, char *err,
	    size_t errlen);

/* Write the supervisor's own lines and the children's to fd from now on. */
void	log_writer_use(int fd);

/* In a new child: log to stderr (the pipe), never to the file. */
void	log_writer_leave(void);

/* Start reading a child's stderr pipe fd. */
void	log_input_init(struct log_input *in, const char *role, pid_t pid,
	    int fd);

/*
 * Read what is there once and log every whole line; false when nothing
 * more is there for now, or ever (then fd is closed and -1).
 */
bool	log_input_read(struct log_input *in);

#endif
