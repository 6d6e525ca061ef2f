#ifndef CPOSTGRES_SHIM_H
#define CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#ifdef __linux__
/* SocketReactor watches libpq's sockets with epoll; Glibc's Swift module leaves these out. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
#endif
