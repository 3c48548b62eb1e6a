/*
 * fcgi_record.h - FastCGI records the worker writes itself.
 *
 * libfcgi reads requests; the worker writes its answers.  A response is
 * fully built before it goes out (buffered responses), so it leaves as
 * FCGI_STDOUT records, the end of that stream and FCGI_END_REQUEST, in
 * as few writes as possible, the last records always in one write.  That
 * last write can also carry a goodbye (see fcgi_reply_write), which is
 * why libfcgi's own writer, whose END_REQUEST we cannot follow with
 * anything, is not used for responses.
 */
#ifndef MOAT_WORKER_FCGI_RECORD_H
#define MOAT_WORKER_FCGI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fastcgi.h>

/* FCGI_END_REQUEST with its body. */
#define FCGI_END_RECORD_LEN	(FCGI_HEADER_LEN + sizeof(FCGI_EndRequestBody))
/* The goodbye: an FCGI_UNKNOWN_TYPE management record. */
#define FCGI_GOODBYE_LEN	(FCGI_HEADER_LEN + sizeof(FCGI_UnknownTypeBody))

/* A record header: version 1, type, request id, len bytes, no padding. */
void	fcgi_record_header(unsigned char h[FCGI_HEADER_LEN], int type,
	    int request_id, size_t len);

/* FCGI_END_REQUEST for request_id with app_status, request complete. */
void	fcgi_end_record(unsigned char r[FCGI_END_RECORD_LEN], int request_id,
	    uint32_t app_status);

/*
 * The goodbye record.  nginx keeps an upstream connection for reuse only
 * when FCGI_END_REQUEST is the last byte it read; anything after it in
 * the same read makes it close the connection itself once the response
 * is done.  So a worker that wants to be rid of a kept connection sends
 * this behind its next response, and nginx, not the worker, closes it:
 * nginx never writes a new request on a connection the worker is
 * closing.  The record is a well-formed management record (request id
 * 0), so a peer that does read it is not confused by its framing.
 */
void	fcgi_goodbye_record(unsigned char r[FCGI_GOODBYE_LEN]);

/*
 * Answer request_id on fd: head[0..headlen) and body[0..bodylen) as
 * FCGI_STDOUT, the end of the stream, FCGI_END_REQUEST with status 0
 * and, with goodbye, the goodbye record after it.  Blocks until all is
 * written (the socket is blocking; the request timeout bounds a peer
 * that stops reading).  0, or -1 with errno.
 */
int	fcgi_reply_write(int fd, int request_id, const void *head,
	    size_t headlen, const void *body, size_t bodylen, bool goodbye);

#endif
