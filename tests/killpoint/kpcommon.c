/* SPDX-License-Identifier: MIT */
/* Helpers shared by the kill-point driver and the torture run. */
#define _GNU_SOURCE
#include "kpcommon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char kp_pre[40];

const char *kp_prefix_init(const char *tag) {
  snprintf(kp_pre, sizeof kp_pre, "%s%d.", tag, (int)getpid());
  setenv("ASH_SHM_PREFIX", kp_pre, 1);
  return kp_pre;
}

const char *kp_prefix(void) { return kp_pre; }

void kp_path(const char *name, char *out, size_t cap) {
  snprintf(out, cap, "/dev/shm/%s%s", kp_pre, name);
}

int kp_leftovers(void (*fn)(const char *file, void *ctx), void *ctx,
                 bool remove) {
  DIR *d = opendir("/dev/shm");
  if (d == NULL)
    return 0;
  size_t pn = strlen(kp_pre);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (pn == 0 || strncmp(e->d_name, kp_pre, pn) != 0)
      continue;
    n++;
    if (fn)
      fn(e->d_name, ctx);
    if (remove)
      (void)unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
  return n;
}

int64_t kp_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void kp_sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

void kp_close_fds_except(const int *keep, int nkeep) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return;
  int self = dirfd(d);
  int fds[1024];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 1024) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < 3 || fd == self)
      continue;
    bool k = false;
    for (int i = 0; i < nkeep; i++)
      k |= keep[i] == fd;
    if (!k)
      fds[n++] = fd;
  }
  closedir(d);
  for (int i = 0; i < n; i++)
    close(fds[i]);
}

void kp_lines_init(struct kp_lines *l, int fd) {
  l->fd = fd;
  l->n = 0;
}

int kp_line(struct kp_lines *l, char *out, size_t cap, int timeout_ms) {
  int64_t deadline = kp_now_ns() + (int64_t)timeout_ms * 1000000LL;
  for (;;) {
    char *nl = memchr(l->buf, '\n', l->n);
    if (nl) {
      size_t len = (size_t)(nl - l->buf);
      size_t c = len < cap - 1 ? len : cap - 1;
      memcpy(out, l->buf, c);
      out[c] = '\0';
      memmove(l->buf, nl + 1, l->n - len - 1);
      l->n -= len + 1;
      return 1;
    }
    if (l->n == sizeof l->buf) { /* an over-long line: cut it */
      size_t c = cap - 1 < l->n ? cap - 1 : l->n;
      memcpy(out, l->buf, c);
      out[c] = '\0';
      l->n = 0;
      return 1;
    }
    int64_t left = (deadline - kp_now_ns() + 999999LL) / 1000000LL;
    if (left < 0)
      left = 0; /* one look without waiting */
    struct pollfd p = {l->fd, POLLIN, 0};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      return -1;
    ssize_t got = read(l->fd, l->buf + l->n, sizeof l->buf - l->n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      if (l->n) { /* a last line without its newline */
        l->buf[l->n < sizeof l->buf ? l->n : sizeof l->buf - 1] = '\n';
        l->n++;
        continue;
      }
      return 0;
    }
    l->n += (size_t)got;
  }
}

void kp_say(int fd, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof line - 2)
    n = (int)sizeof line - 2;
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(fd, line + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    off += (int)w;
  }
}

int kp_wait(pid_t pid, int *status, int timeout_ms) {
  int64_t deadline = kp_now_ns() + (int64_t)timeout_ms * 1000000LL;
  long nap = 50;
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return 1;
    if (r < 0 && errno != EINTR) {
      *status = 0;
      return 1; /* not our child any more */
    }
    if (kp_now_ns() > deadline)
      return 0;
    kp_sleep_us(nap);
    if (nap < 2000)
      nap *= 2;
  }
}

void kp_kill_wait(pid_t pid) {
  if (pid <= 0)
    return;
  kill(pid, SIGKILL);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
}

static void kp_cat(const char *path, const char *indent, const char *label) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    printf("%s%s%s\n", indent, label, line);
  }
  fclose(f);
}

void kp_dump_stack(pid_t pid, bool gdb, const char *indent) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
  kp_cat(path, indent, "wchan: ");
  snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
  kp_cat(path, indent, "syscall: ");
  snprintf(path, sizeof path, "/proc/%d/stack", (int)pid);
  kp_cat(path, indent, "kernel: ");
  if (!gdb || access("/usr/bin/gdb", X_OK) != 0)
    return;
  fflush(stdout);
  char cmd[256];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/gdb -nx -batch -p %d -ex 'thread apply all bt' 2>/dev/null"
           " | grep -E '^(#|Thread)' | sed 's/^/%s/'",
           (int)pid, indent);
  if (system(cmd) != 0)
    printf("%s(gdb failed)\n", indent);
}
