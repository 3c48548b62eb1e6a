/*
 * client.h - the worker's end of its broker channel.
 */
#ifndef MOAT_CLIENT_H
#define MOAT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

/* Greet the broker on fd (HELLO); -1 if it does not answer properly. */
int	client_attach(int fd);

/*
 * The request is over: tell the broker if it holds session state of it
 * (otherwise the next request's first frame ends it).
 */
void	client_request_end(void);

struct proto_reader;
struct proto_writer;

/*
 * Start a frame for op, announcing the request if this is its first
 * message; NULL if the channel is down.  Fill it, then client_exchange().
 */
struct proto_writer *client_begin(uint16_t op);

/* Send the frame and wait for the reply to it; -1 if the channel broke. */
int	client_exchange(struct proto_reader *r);

/* The reply was not what the protocol says: stop using the channel. */
void	client_broken(const char *why);

/*
 * Did this request find the broker or the database unreachable?  Then a
 * failed handler is answered 503 (try again), not 500.
 */
bool	client_unavailable(void);
void	client_mark_unavailable(void);

/* True once the channel broke: the worker should retire. */
bool	client_lost(void);

#endif
