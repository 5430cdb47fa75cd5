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
 * Coordination (TARGET: "NAME/ARRAY" for an array's lock, "NAME" for the
 * segment lock):
 *   kill_holder TARGET       a child takes the lock and is SIGKILLed
 *   exit_holder TARGET       a child takes the lock and exits normally
 *   hold_for TARGET MS       a child takes the lock, holds it MS ms, goes
 *                            (in the background: the op returns at once)
 *   kill_writer NAME/ARRAY   a child begins a write, changes element 0,
 *                            and is SIGKILLed (a torn array)
 *   publish_later NAME/ARRAY MS N   in the background, after MS ms: N
 *                            writes, the i-th filling the array with i
 *   count NAME/ARRAY N       two children each add 1 to element 0 under
 *                            the lock and to element 1 atomically, N times
 *   kill_ring_producer NAME/RING    a child begins a slot and is SIGKILLed
 *   ring_produce_later NAME/RING MS N  in the background, after MS ms: N
 *                            slots, slot i filled with the byte i
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

/* ---- coordination ------------------------------------------------------ */

/* The lock of TARGET: an array's ("NAME/ARRAY"), or the segment's. */
struct lk {
  ash_view *v;
  ash_segment *s;
};

static int lk_open(const char *target, struct lk *l) {
  l->v = NULL;
  l->s = NULL;
  return strchr(target, '/') ? ash_attach(target, 0, &l->v)
                             : ash_segment_open(target, 0, &l->s);
}

static int lk_lock(struct lk *l) {
  return l->v ? ash_view_lock(l->v, 5) : ash_segment_lock(l->s, 5);
}

/* A child that runs @fn, tells the parent 'y' or 'n', then pauses (to be
 * killed), exits normally (@mode 1), or goes on in the background (@mode
 * 2, with stdout closed so the runner's read ends). */
static pid_t child(int mode, int (*fn)(const char *, const char *),
                   const char *a, const char *b, int *ok) {
  int fds[2];
  *ok = 0;
  if (pipe(fds) != 0)
    return -1;
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    close(fds[0]);
    int devnull = open("/dev/null", O_WRONLY);
    if (mode == 2 && devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    int r = fn(a, b);
    char c = r == 0 ? 'y' : 'n';
    if (write(fds[1], &c, 1) != 1)
      _exit(2);
    close(fds[1]);
    if (mode == 1)
      exit(0); /* the library's destructor detaches */
    if (mode == 2)
      _exit(fn(NULL, b) == 0 ? 0 : 3); /* the rest, in the background */
    pause();
    _exit(0);
  }
  close(fds[1]);
  char c = 'n';
  if (read(fds[0], &c, 1) != 1)
    c = 'n';
  close(fds[0]);
  *ok = c == 'y';
  return p;
}

/* The lock a child holds (reachable: a child that exits holding it does
 * not leak it in LeakSanitizer's eyes). */
static struct lk held;

static int do_lock(const char *target, const char *unused) {
  (void)unused;
  return lk_open(target, &held) || lk_lock(&held);
}

static int do_hold(const char *target, const char *ms) {
  if (target) /* first part: take it */
    return lk_open(target, &held) || lk_lock(&held);
  usleep((useconds_t)atoi(ms) * 1000);
  return held.v ? ash_view_unlock(held.v) : ash_segment_unlock(held.s);
}

static int do_write(const char *target, const char *unused) {
  (void)unused;
  ash_view *v;
  int64_t i = 0;
  return ash_attach(target, 0, &v) || ash_view_write_begin(v, 5) ||
         ash_view_set_i64(v, 1, &i, 66); /* half a write */
}

static const char *later_target;
static int later_n;
static int do_publish(const char *target, const char *ms) {
  if (target) { /* first part: nothing to do yet */
    later_target = target;
    return 0;
  }
  ash_view *v;
  if (ash_attach(later_target, 0, &v))
    return 1;
  usleep((useconds_t)atoi(ms) * 1000);
  for (int i = 1; i <= later_n; i++) {
    if (ash_view_write_begin(v, 5) || ash_view_fill_i64(v, i) ||
        ash_view_write_end(v))
      return 1;
    usleep(10000);
  }
  ash_view_release(v);
  return 0;
}

static int do_ring_begin(const char *target, const char *unused) {
  (void)unused;
  ash_ring *r;
  ash_view *slot;
  if (ash_ring_attach(target, 0, &r) || ash_ring_write_begin(r, 5, &slot))
    return 1;
  memset(ash_view_data(slot), 0xEE, 1); /* half a slot */
  return 0;
}

static int do_ring_produce(const char *target, const char *ms) {
  if (target) {
    later_target = target;
    return 0;
  }
  ash_ring *r;
  if (ash_ring_attach(later_target, 0, &r))
    return 1;
  usleep((useconds_t)atoi(ms) * 1000);
  unsigned char buf[1 << 16];
  uint64_t n = ash_ring_slot_nbytes(r);
  if (n > sizeof buf)
    return 1;
  for (int i = 0; i < later_n; i++) {
    memset(buf, i, n);
    if (ash_ring_write(r, buf, n, 10))
      return 1;
  }
  ash_ring_close(r);
  return 0;
}

static int count_child(const char *target, int n) {
  ash_view *v;
  if (ash_attach(target, 0, &v))
    return 1;
  int64_t i0 = 0, i1 = 1, x;
  for (int k = 0; k < n; k++) {
    if (ash_view_lock(v, 10) || ash_view_get_i64(v, 1, &i0, &x) ||
        ash_view_set_i64(v, 1, &i0, x + 1) || ash_view_unlock(v) ||
        ash_view_atomic_i64(v, ASH_ATOMIC_ADD, 1, &i1, 1, 0, &x))
      return 1;
  }
  ash_view_release(v);
  return 0;
}

static int coordination(const char *op, int argc, char **argv) {
  const char *a1 = argc > 2 ? argv[2] : "", *a2 = argc > 3 ? argv[3] : "0";
  int ok = 0;
  pid_t p = -1;
  if (strcmp(op, "kill_holder") == 0 || strcmp(op, "kill_writer") == 0 ||
      strcmp(op, "kill_ring_producer") == 0) {
    p = child(0,
              op[5] == 'h'   ? do_lock
              : op[5] == 'w' ? do_write
                             : do_ring_begin,
              a1, NULL, &ok);
    if (p > 0) {
      kill(p, SIGKILL);
      waitpid(p, NULL, 0);
    }
  } else if (strcmp(op, "exit_holder") == 0) {
    p = child(1, do_lock, a1, NULL, &ok);
    int st = 1;
    if (p > 0)
      waitpid(p, &st, 0);
    ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  } else if (strcmp(op, "hold_for") == 0) {
    p = child(2, do_hold, a1, a2, &ok);
  } else if (strcmp(op, "publish_later") == 0 ||
             strcmp(op, "ring_produce_later") == 0) {
    later_n = argc > 4 ? atoi(argv[4]) : 1;
    p = child(2, op[0] == 'p' ? do_publish : do_ring_produce, a1, a2, &ok);
  } else if (strcmp(op, "count") == 0) {
    pid_t k[2];
    for (int i = 0; i < 2; i++) {
      fflush(NULL);
      if ((k[i] = fork()) == 0)
        _exit(count_child(a1, atoi(a2)));
    }
    ok = 1;
    for (int i = 0; i < 2; i++) {
      int st = 1;
      waitpid(k[i], &st, 0);
      ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
  } else {
    return -1;
  }
  if (!ok) {
    fprintf(stderr, "%s %s: the helper failed: %s\n", op, a1,
            ash_last_error());
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
  int c = coordination(op, argc, argv);
  if (c >= 0)
    return c;
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
