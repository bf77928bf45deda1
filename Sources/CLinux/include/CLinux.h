// Linux system calls Swift's Glibc module does not expose: epoll, eventfd,
// accept4 (needs _GNU_SOURCE), resource limits helpers.
#ifndef CLINUX_H
#define CLINUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// epoll_event is packed on x86_64; these accessors keep Swift away from its layout.
static inline int clinux_epoll_event_fd(const struct epoll_event *e) { return e->data.fd; }
static inline uint32_t clinux_epoll_event_events(const struct epoll_event *e) { return e->events; }
static inline int clinux_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = 0;
  ev.data.fd = fd;
  return epoll_ctl(epfd, op, fd, &ev);
}
static inline int clinux_sizeof_epoll_event(void) { return (int)sizeof(struct epoll_event); }

/// epoll_wait into two plain arrays (fds, event bits), so Swift never indexes
/// the packed struct. Returns the count, or -1 with errno set.
int clinux_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms);

/// Thread-safe strerror (GNU strerror_r, which needs _GNU_SOURCE to pick).
const char *clinux_strerror(int err, char *buf, size_t len);

/// Raises the soft RLIMIT_NOFILE to the hard limit; reports both afterwards.
/// Returns 0, or -1 with errno set.
int clinux_raise_nofile(uint64_t *soft, uint64_t *hard);

#endif
