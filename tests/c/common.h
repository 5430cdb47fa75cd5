/* SPDX-License-Identifier: MIT */
/* Shared helpers for the arrayshare C tests (Criterion).
 *
 * Every segment a test creates gets a name from t_name(): "tc<pid>_<n>",
 * unique per test process (Criterion runs each test in its own process).
 * Every test suite in this directory installs t_fini as its teardown: it
 * fails the test if anything named "*tc<pid>_*" is left in /dev/shm or if
 * the per-test temporary directory is not empty, then removes the leftovers,
 * so /dev/shm ends exactly as it started even when a test fails half-way.
 *
 * Forked children never use cr_assert: they report through their exit status
 * (0 = all checks passed, anything else names the failing check) and always
 * leave with _exit(). */
#ifndef ASH_TEST_COMMON_H
#define ASH_TEST_COMMON_H

#ifdef ASH_TEST_NO_CRITERION
#include <stdbool.h>

#include "nocriterion.h" /* ThreadSanitizer builds: see there */
#else
#include <criterion/criterion.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arrayshare.h"

#define T_UNUSED __attribute__((unused))

/* ---- status assertions ---------------------------------------------- */

#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    int t_rc_ = (expr);                                                        \
    cr_assert_eq(t_rc_, ASH_OK, "%s returned %d (%s): %s", #expr, t_rc_,       \
                 ash_err_name(t_rc_), ash_last_error());                       \
  } while (0)

#define ASSERT_ERR(expr, code)                                                 \
  do {                                                                         \
    int t_rc_ = (expr);                                                        \
    cr_assert_eq(t_rc_, (code),                                                \
                 "%s returned %d (%s), expected %s; detail: %s", #expr, t_rc_, \
                 ash_err_name(t_rc_), ash_err_name(code), ash_last_error());   \
  } while (0)

/* Either of two codes (for places where the header allows both). */
#define ASSERT_ERR2(expr, c1, c2)                                              \
  do {                                                                         \
    int t_rc_ = (expr);                                                        \
    cr_assert(t_rc_ == (c1) || t_rc_ == (c2),                                  \
              "%s returned %d (%s), expected %s or %s; detail: %s", #expr,     \
              t_rc_, ash_err_name(t_rc_), ash_err_name(c1), ash_err_name(c2),  \
              ash_last_error());                                               \
  } while (0)

/* ---- unique names ---------------------------------------------------- */

static int t_counter_;

/* Writes a fresh segment name into buf (at least 64 bytes). */
static T_UNUSED char *t_name(char *buf) {
  snprintf(buf, 64, "tc%d_%d", (int)getpid(), ++t_counter_);
  return buf;
}

#define TNAME(var)                                                             \
  char var[64];                                                                \
  t_name(var)

static T_UNUSED char *t_shm_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "/dev/shm/" ASH_SHM_PREFIX "%s", name);
  return buf;
}

static T_UNUSED int t_shm_exists(const char *name) {
  char p[300];
  struct stat st;
  return stat(t_shm_path(p, sizeof p, name), &st) == 0;
}

static T_UNUSED int t_path_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Removes a segment name whatever it holds (for cleanup only). */
static T_UNUSED void t_shm_remove(const char *name) {
  char p[300];
  unlink(t_shm_path(p, sizeof p, name));
}

/* ---- per-test temporary directory (file backend) ---------------------- */

static char t_tmpdir_[256];

static T_UNUSED const char *t_tmpdir(void) {
  if (!t_tmpdir_[0]) {
    snprintf(t_tmpdir_, sizeof t_tmpdir_, "/tmp/ash-ctest-%d-XXXXXX",
             (int)getpid());
    if (!mkdtemp(t_tmpdir_)) {
      t_tmpdir_[0] = 0;
      cr_assert_fail("mkdtemp: %s", strerror(errno));
    }
  }
  return t_tmpdir_;
}

/* Writes "<tmpdir>/<leaf>" into buf. */
static T_UNUSED char *t_tmpfile(char *buf, size_t n, const char *leaf) {
  snprintf(buf, n, "%s/%s", t_tmpdir(), leaf);
  return buf;
}

static int t_rm_cb_(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* ---- nothing left behind ------------------------------------------------ */

/* Counts (and removes) what this test process left: entries of /dev/shm
 * named ash.tc<pid>_* or tc<pid>_*, and files in the temporary directory
 * (which is removed). Describes them in desc. */
static T_UNUSED int t_sweep(char *desc, size_t desc_size) {
  char prefix[64], shmpref[80];
  int nleft = 0;
  desc[0] = 0;
  snprintf(prefix, sizeof prefix, "tc%d_", (int)getpid());
  snprintf(shmpref, sizeof shmpref, ASH_SHM_PREFIX "%s", prefix);
  DIR *d = opendir("/dev/shm");
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strncmp(e->d_name, shmpref, strlen(shmpref)) == 0 ||
          strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
        char p[600];
        snprintf(p, sizeof p, "/dev/shm/%s", e->d_name);
        unlink(p);
        nleft++;
        if (strlen(desc) + strlen(e->d_name) + 2 < desc_size) {
          strcat(desc, " ");
          strcat(desc, e->d_name);
        }
      }
    }
    closedir(d);
  }
  if (t_tmpdir_[0]) {
    DIR *td = opendir(t_tmpdir_);
    if (td) {
      struct dirent *e;
      while ((e = readdir(td)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
          nleft++;
          if (strlen(desc) + strlen(e->d_name) + 8 < desc_size) {
            strcat(desc, " tmp:");
            strcat(desc, e->d_name);
          }
        }
      closedir(td);
    }
    nftw(t_tmpdir_, t_rm_cb_, 16, FTW_DEPTH | FTW_PHYS);
    t_tmpdir_[0] = 0;
  }
  return nleft;
}

/* End of every test body (see TEST): fails the test if it left anything. */
static T_UNUSED void t_check_clean(void) {
  char desc[1024];
  int n = t_sweep(desc, sizeof desc);
  cr_assert_eq(n, 0, "test left %d entries behind:%s", n, desc);
}

/* Teardown of every suite: removes leftovers of a test that failed half-way
 * (Criterion does not count assertions made in .fini, hence t_check_clean). */
static T_UNUSED void t_fini(void) {
  char desc[1024];
  int n = t_sweep(desc, sizeof desc);
  if (n)
    cr_log_warn("removed %d leftovers:%s", n, desc);
}

/* TEST(suite, name) / TEST_OPT(suite, name, options...): a Criterion Test
 * whose body must also leave /dev/shm and its temporary directory clean. */
#define TEST_OPT(suite, name, ...)                                             \
  static void t_body_##suite##_##name(void);                                   \
  Test(suite, name, __VA_ARGS__) {                                             \
    t_body_##suite##_##name();                                                 \
    t_check_clean();                                                           \
  }                                                                            \
  static void t_body_##suite##_##name(void)
#define TEST(suite, name) TEST_OPT(suite, name, .disabled = 0)

/* ---- fork helpers ------------------------------------------------------ */

/* Waits for pid and returns its exit code, or 1000 + signal number. */
static T_UNUSED int t_wait(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  if (WIFSIGNALED(st))
    return 1000 + WTERMSIG(st);
  return -2;
}

/* Runs fn(arg) in a forked child that leaves with _exit(fn(arg)). */
typedef int (*t_child_fn)(void *arg);

static T_UNUSED pid_t t_spawn(t_child_fn fn, void *arg) {
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
  if (pid == 0)
    _exit(fn(arg));
  return pid;
}

/* Runs fn(arg) in a child and returns its exit code (see t_wait). */
static T_UNUSED int t_run_child(t_child_fn fn, void *arg) {
  return t_wait(t_spawn(fn, arg));
}

/* A pipe used as a one-shot signal between processes. */
typedef struct {
  int fd[2];
} t_pipe;

static T_UNUSED void t_pipe_init(t_pipe *p) {
  cr_assert_eq(pipe(p->fd), 0, "pipe: %s", strerror(errno));
}

static T_UNUSED int t_pipe_send(t_pipe *p, char c) {
  return write(p->fd[1], &c, 1) == 1 ? 0 : -1;
}

/* Reads one byte; returns it, or -1 on EOF/error. */
static T_UNUSED int t_pipe_recv(t_pipe *p) {
  char c;
  ssize_t r;
  do
    r = read(p->fd[0], &c, 1);
  while (r < 0 && errno == EINTR);
  return r == 1 ? (unsigned char)c : -1;
}

static T_UNUSED void t_pipe_close(t_pipe *p) {
  close(p->fd[0]);
  close(p->fd[1]);
}

/* Copies tmpl into buf with every "%s" replaced by name (a non-literal
 * format would trip -Wformat-nonliteral). */
static T_UNUSED char *t_subst(char *buf, size_t n, const char *tmpl,
                              const char *name) {
  size_t o = 0;
  for (const char *p = tmpl; *p && o + 1 < n; p++) {
    if (p[0] == '%' && p[1] == 's') {
      for (const char *q = name; *q && o + 1 < n; q++)
        buf[o++] = *q;
      p++;
    } else {
      buf[o++] = *p;
    }
  }
  buf[o] = 0;
  return buf;
}

/* ---- convenience ------------------------------------------------------- */

/* Creates a segment holding one array "a" and returns a writable view. The
 * segment handle is returned in *segp (or closed when segp is NULL). */
static T_UNUSED ash_view *t_make_array(const char *seg_name, int dtype,
                                       int ndim, const int64_t *shape,
                                       unsigned flags, ash_segment **segp) {
  uint64_t arena = 0;
  ASSERT_OK(ash_arena_bytes_for(dtype, ndim, shape, &arena));
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(seg_name, arena, 4, flags, 0600, &seg));
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "a", dtype, ndim, shape, &v));
  cr_assert_not_null(v);
  if (segp)
    *segp = seg;
  else
    ash_segment_close(seg);
  return v;
}

/* Fills every element of v with its flat C-order index (via set_i64). */
static T_UNUSED void t_fill_arange(const ash_view *v) {
  int64_t n = ash_view_size(v);
  for (int64_t i = 0; i < n; i++)
    ASSERT_OK(ash_view_set_i64(v, 1, &i, i));
}

static T_UNUSED int64_t t_get_i64_flat(const ash_view *v, int64_t i) {
  int64_t x = -12345;
  ASSERT_OK(ash_view_get_i64(v, 1, &i, &x));
  return x;
}

#endif
