/*
 * channel.h - the worker's end of its broker channel.
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
 * message; NULL if the channel is down.  Fill it, then channel_exchange().
 */
struct proto_writer *channel_begin(uint16_t op);

/* Send the frame and wait for the reply to it; -1 if the channel broke. */
int	channel_exchange(struct proto_reader *r);

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
