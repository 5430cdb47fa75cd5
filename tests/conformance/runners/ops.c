/* SPDX-License-Identifier: MIT */
/* ash-conformance-op: the runner operations of tests/conformance/README.md,
 * done once for every runner (each spawns this program).
 *
 *   ash-conformance-op kill_attacher NAME   a child attaches NAME, then is
 *                                           SIGKILLed (a dead attach slot)
 *   ash-conformance-op kill_creator NAME    a child creates NAME (float64
 *                                           (4,), auto), then is SIGKILLed
 *   ash-conformance-op poke NAME OFFSET HEX writes bytes into the segment file
 *   ash-conformance-op truncate NAME SIZE   truncates the segment file
 *   ash-conformance-op write_file TARGET HEX  a foreign file: TARGET is a
 *                                           segment name, or an absolute path
 *   ash-conformance-op exists NAME          prints true or false
 *   ash-conformance-op shm_total            prints the size of /dev/shm
 *
 * A result is printed as JSON on stdout; a failure is a message on stderr
 * and exit status 1. */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

static int failf(const char *what, const char *target) {
  fprintf(stderr, "%s %s: %s\n", what, target, strerror(errno));
  return 1;
}

/* /dev/shm/ash.NAME, or TARGET itself when it is an absolute path. */
static const char *file_of(const char *target, char *buf, size_t cap) {
  if (target[0] == '/')
    return target;
  snprintf(buf, cap, "/dev/shm/ash.%s", target);
  return buf;
}

/* Decodes HEX into @buf; returns the byte count. */
static size_t unhex(const char *hex, unsigned char *buf, size_t cap) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n && i < cap; i++)
    sscanf(hex + 2 * i, "%2hhx", &buf[i]);
  return n < cap ? n : cap;
}

/* A child creates or attaches @name, tells us, and is killed. */
static int kill_after(const char *name, int create) {
  int fds[2];
  if (pipe(fds) != 0)
    return failf("pipe", name);
  pid_t p = fork();
  if (p == 0) {
    close(fds[0]);
    ash_view *v;
    int64_t shape[1] = {4};
    int st = create ? ash_create(name, ASH_FLOAT64, 1, shape, 0, 0600, &v)
                    : ash_attach(name, 0, &v);
    char c = st == ASH_OK ? 'y' : 'n';
    if (write(fds[1], &c, 1) != 1)
      _exit(2);
    pause();
    _exit(0);
  }
  close(fds[1]);
  char c = 'n';
  if (read(fds[0], &c, 1) != 1)
    c = 'n';
  close(fds[0]);
  kill(p, SIGKILL);
  waitpid(p, NULL, 0);
  if (c != 'y') {
    fprintf(stderr, "the helper could not %s %s\n",
            create ? "create" : "attach", name);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  static unsigned char buf[1 << 16];
  char path[600];
  const char *op = argc > 1 ? argv[1] : "";
  const char *a1 = argc > 2 ? argv[2] : "";
  const char *a2 = argc > 3 ? argv[3] : "";
  if (strcmp(op, "kill_attacher") == 0 || strcmp(op, "kill_creator") == 0)
    return kill_after(a1, strcmp(op, "kill_creator") == 0);
  if (strcmp(op, "poke") == 0 && argc == 5) {
    size_t n = unhex(argv[4], buf, sizeof buf);
    int fd = open(file_of(a1, path, sizeof path), O_WRONLY);
    int ok = fd >= 0 && pwrite(fd, buf, n, (off_t)atoll(a2)) == (ssize_t)n;
    if (fd >= 0)
      close(fd);
    return ok ? 0 : failf("poke", path);
  }
  if (strcmp(op, "truncate") == 0 && argc == 4)
    return truncate(file_of(a1, path, sizeof path), (off_t)atoll(a2)) == 0
               ? 0
               : failf("truncate", path);
  if (strcmp(op, "write_file") == 0 && argc == 4) {
    const char *f = file_of(a1, path, sizeof path);
    size_t n = unhex(a2, buf, sizeof buf);
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int ok = fd >= 0 && write(fd, buf, n) == (ssize_t)n;
    if (fd >= 0)
      close(fd);
    return ok ? 0 : failf("write_file", f);
  }
  if (strcmp(op, "exists") == 0 && argc == 3) {
    printf("%s\n", access(file_of(a1, path, sizeof path), F_OK) == 0 ? "true"
                                                                    : "false");
    return 0;
  }
  if (strcmp(op, "shm_total") == 0) {
    struct statvfs sv;
    if (statvfs("/dev/shm", &sv) != 0)
      return failf("statvfs", "/dev/shm");
    printf("%.0f\n", (double)sv.f_blocks * (double)sv.f_frsize);
    return 0;
  }
  fprintf(stderr, "unknown op or arguments: %s\n", op);
  return 2;
}
