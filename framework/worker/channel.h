/*
 * channel.h - the worker's end of its broker channel: the transport.
 * Statements and files (db.c) and sessions (session.c) are built on it.
 */
#ifndef MOAT_WORKER_CHANNEL_H
#define MOAT_WORKER_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

/* Greet the broker on fd (HELLO); -1 if it does not answer properly. */
int	channel_attach(int fd);

/*
 * The request is over: tell the broker if it holds session state of it
 * (otherwise the next request's first frame ends it).
 */
void	channel_request_end(void);

struct proto_reader;
struct proto_writer;

/*
 * Start a frame for op, announcing the request if this is its first
 * message; NULL if the channel is down.  Fill it, then channel_exchange()
 * or channel_call().
 */
struct proto_writer *channel_begin(uint16_t op);

/* Send the frame and wait for the reply to it; -1 if the channel broke. */
int	channel_exchange(struct proto_reader *r);

/*
 * The same with descriptors: send_fd (unless -1) goes with the frame, and
 * the reply may bring one into *recv_fd (only where recv_fd is given).
 */
int	channel_call(struct proto_reader *r, int send_fd, int *recv_fd);

/*
 * The broker now holds session state of this request (a session op was
 * answered): the request must end with REQUEST_END.
 */
void	channel_holds_session(void);

/* Changes each time a request ends: tells one request's state from the
 * last one's (db.c's SQLSTATE). */
unsigned long	channel_requests_ended(void);

/* The reply was not what the protocol says: stop using the channel. */
void	channel_broken(const char *why);

/*
 * Did this request find the broker or the database unreachable?  Then a
 * failed handler is answered 503 (try again), not 500.
 */
bool	channel_unavailable(void);
void	channel_mark_unavailable(void);

/* True once the channel broke: the worker should retire. */
bool	channel_lost(void);

#endif
