/*
 * client.h - the worker's end of its broker channel.
 */
#ifndef MOAT_CLIENT_H
#define MOAT_CLIENT_H

#include <stdbool.h>

/* Greet the broker on fd (HELLO); -1 if it does not answer properly. */
int	client_attach(int fd);

/* The request is over: tell the broker if it was told it began. */
void	client_request_end(void);

/* True once the channel broke: the worker should retire. */
bool	client_lost(void);

#endif
