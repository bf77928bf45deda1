#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>
#include "CLinux.h"

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  return accept4(fd, addr, len, flags);
}

int clinux_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms) {
  struct epoll_event evs[256];
  if (max > 256) max = 256;
  int n = epoll_wait(epfd, evs, max, timeout_ms);
  for (int i = 0; i < n; i++) {
    fds[i] = evs[i].data.fd;
    events[i] = evs[i].events;
  }
  return n;
}

const char *clinux_strerror(int err, char *buf, size_t len) {
  return strerror_r(err, buf, len);
}

int clinux_raise_nofile(uint64_t *soft, uint64_t *hard) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  }
  *soft = (uint64_t)rl.rlim_cur;
  *hard = (uint64_t)rl.rlim_max;
  return 0;
}
