/* SPDX-License-Identifier: MIT */
/* Anonymous, size-sealed segments (ASH_ANON): nothing in /dev/shm, no
 * truncation, handed over by descriptor passing or by an ash+fd://
 * descriptor, sealed read-only for publication. */
#include <sys/socket.h>

#include "common.h"

TestSuite(anon, .fini = t_fini);

static ash_segment *make_anon(const char *label, int64_t n, ash_view **v) {
  ash_segment *s = NULL;
  ASSERT_OK(
      ash_segment_create(label, 8 * (uint64_t)n + 64, 2, ASH_ANON, 0600, &s));
  ASSERT_OK(ash_segment_add_array(s, "x", ASH_FLOAT64, 1, &n, v));
  return s;
}

static int count_shm_named(const char *label) {
  DIR *d = opendir("/dev/shm");
  int k = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    k += strstr(e->d_name, label) != NULL;
  if (d)
    closedir(d);
  return k;
}

TEST(anon, nothing_in_dev_shm_and_no_truncation) {
  TNAME(a);
  ash_view *v = NULL;
  ash_segment *s = make_anon(a, 1024, &v);
  cr_assert_eq(count_shm_named(a), 0);
  cr_assert_str_eq(ash_segment_name(s), a);
  int fd = ash_segment_fd(s);
  cr_assert_geq(fd, 0);
  cr_assert_neq(ftruncate(fd, 4096), 0, "a sealed size cannot shrink");
  cr_assert_eq(errno, EPERM);
  cr_assert_neq(ftruncate(fd, 1 << 30), 0, "nor grow");
  int64_t i = 1023;
  ASSERT_OK(ash_view_set_f64(v, 1, &i, 9.5));
  double x = 0;
  ASSERT_OK(ash_view_get_f64(v, 1, &i, &x));
  cr_assert_eq(x, 9.5);
  const char *d = ash_view_descriptor(v);
  cr_assert(strncmp(d, "ash+fd://", 9) == 0 && strstr(d, "gen="), "%s", d);
  ash_view_release(v);
  ash_segment_close(s);
}

TEST(anon, refused_flag_combinations) {
  TNAME(a);
  ash_segment *s = NULL;
  unsigned bad[] = {ASH_ANON | ASH_PERSIST, ASH_ANON | ASH_OR_OPEN,
                    ASH_ANON | ASH_FILE, ASH_ANON | ASH_UNPUBLISHED};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    ASSERT_ERR(ash_segment_create(a, 4096, 1, bad[k], 0600, &s), ASH_E_INVAL);
  ASSERT_OK(ash_segment_create(a, 4096, 1, 0, 0600, &s));
  ASSERT_ERR(ash_segment_seal(s), ASH_E_INVAL); /* not anonymous */
  ASSERT_OK(ash_segment_unlink(s));
  ash_segment_close(s);
}

struct desc_ctx {
  char desc[512];
  ash_view *inherited;
};

/* A fresh process would attach through /proc/PID/fd/N: a fork child drops
 * what it inherited first, so it does the same. */
static int child_attach_desc(void *arg) {
  struct desc_ctx *c = arg;
  ash_view_release(c->inherited);
  ash_cache_clear();
  ash_view *w = NULL;
  if (ash_attach(c->desc, 0, &w) != ASH_OK)
    return 2;
  double x = 0;
  int64_t i = 7;
  if (ash_view_get_f64(w, 1, &i, &x) != ASH_OK || x != 3.25)
    return 3;
  if (ash_view_set_f64(w, 1, &i, 4.5) != ASH_OK)
    return 4;
  ash_segment *s = NULL;
  if (ash_view_segment(w, &s) != ASH_OK)
    return 5;
  int alive = 0;
  if (ash_segment_attachers(s, &alive, NULL) != ASH_OK || alive != 2)
    return 6;
  ash_segment_close(s);
  ash_view_release(w);
  /* without gen= the number could name another file: refused */
  char nogen[512];
  snprintf(nogen, sizeof nogen, "%s", c->desc);
  char *g = strstr(nogen, "&gen=");
  if (g == NULL)
    return 7;
  *g = '\0';
  if (ash_attach(nogen, 0, &w) != ASH_E_DESC)
    return 8;
  return 0;
}

TEST(anon, attach_by_descriptor_in_another_process) {
  TNAME(a);
  ash_view *v = NULL;
  ash_segment *s = make_anon(a, 16, &v);
  int64_t i = 7;
  ASSERT_OK(ash_view_set_f64(v, 1, &i, 3.25));
  struct desc_ctx c;
  snprintf(c.desc, sizeof c.desc, "%s", ash_view_descriptor(v));
  c.inherited = v;
  cr_assert_eq(t_run_child(child_attach_desc, &c), 0);
  double x = 0;
  ASSERT_OK(ash_view_get_f64(v, 1, &i, &x));
  cr_assert_eq(x, 4.5);
  ash_view_release(v);
  ash_segment_close(s);
}

static int child_create_then_killed(void *arg) {
  int *pipefd = arg;
  ash_view *v = NULL;
  ash_segment *s = NULL;
  int64_t n = 4;
  if (ash_segment_create("anonkill", 4096, 1, ASH_ANON, 0600, &s) != ASH_OK ||
      ash_segment_add_array(s, "x", ASH_INT64, 1, &n, &v) != ASH_OK)
    return 2;
  const char *d = ash_view_descriptor(v);
  if (write(pipefd[1], d, strlen(d) + 1) < 0)
    return 3;
  pause();
  return 0;
}

TEST(anon, a_crashed_holder_leaves_nothing) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  pid_t k = t_spawn(child_create_then_killed, p);
  char desc[512] = {0};
  cr_assert_gt(read(p[0], desc, sizeof desc - 1), 0);
  ash_view *v = NULL;
  ASSERT_OK(ash_attach(desc, ASH_RDONLY, &v)); /* while it lives */
  kill(k, SIGKILL);
  t_wait(k);
  int64_t i = 3, x = -1;
  ASSERT_OK(ash_view_get_i64(v, 1, &i, &x)); /* our mapping keeps it */
  cr_assert_eq(x, 0);
  ash_view_release(v);
  ash_cache_clear();
  ASSERT_ERR(ash_attach(desc, 0, &v), ASH_E_NOENT); /* gone with its holder */
  close(p[0]);
  close(p[1]);
}

static int child_sends_fd(void *arg) {
  int sock = *(int *)arg;
  ash_view *v = NULL;
  ash_segment *s = NULL;
  int64_t n = 8;
  if (ash_segment_create("anonsend", 4096, 1, ASH_ANON, 0600, &s) != ASH_OK ||
      ash_segment_add_array(s, "x", ASH_INT64, 1, &n, &v) != ASH_OK ||
      ash_view_fill_i64(v, 42) != ASH_OK)
    return 2;
  int fd = ash_segment_fd(s);
  char byte = 'x';
  struct iovec io = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &io,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  if (sendmsg(sock, &msg, 0) != 1)
    return 3;
  return 0; /* exits: the receiver's descriptor keeps the segment */
}

TEST(anon, handed_over_by_scm_rights) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  cr_assert_eq(t_run_child(child_sends_fd, &sv[1]), 0);
  char byte;
  struct iovec io = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &io,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  cr_assert_eq(recvmsg(sv[0], &msg, 0), 1);
  int fd = -1;
  memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fd);
  ash_segment *s = NULL;
  ASSERT_ERR(ash_segment_open_fd(fd, ASH_FILE, &s), ASH_E_INVAL);
  ASSERT_OK(ash_segment_open_fd(fd, 0, &s));
  close(fd); /* the library keeps its own duplicate */
  cr_assert_str_eq(ash_segment_name(s), "anonsend");
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_view(s, "x", &v));
  int64_t i = 7, x = 0;
  ASSERT_OK(ash_view_get_i64(v, 1, &i, &x));
  cr_assert_eq(x, 42);
  ASSERT_OK(ash_view_set_i64(v, 1, &i, 43));
  ash_view_release(v);
  ash_segment_close(s);
  close(sv[0]);
  close(sv[1]);
}

struct seal_ctx {
  char desc[512];
  ash_view *inherited;
  ash_segment *seg;
};

static int child_sees_sealed(void *arg) {
  struct seal_ctx *c = arg;
  ash_view_release(c->inherited);
  ash_segment_close(c->seg);
  ash_cache_clear();
  ash_view *w = NULL;
  if (ash_attach(c->desc, 0, &w) != ASH_E_RDONLY)
    return 2; /* writable refused */
  if (ash_attach(c->desc, ASH_RDONLY, &w) != ASH_OK)
    return 3;
  int64_t i = 0, x = 0;
  if (ash_view_get_i64(w, 1, &i, &x) != ASH_OK || x != 5)
    return 4;
  if (ash_view_set_i64(w, 1, &i, 6) != ASH_E_RDONLY)
    return 5;
  ash_segment *s = NULL;
  if (ash_view_segment(w, &s) != ASH_OK)
    return 6;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                 ash_segment_fd(s), 0);
  if (p != MAP_FAILED)
    return 7; /* the kernel refuses a writable mapping */
  ash_segment_close(s);
  ash_view_release(w);
  return 0;
}

TEST(anon, sealed_read_only_for_later_attachers) {
  TNAME(a);
  ash_view *v = NULL;
  ash_segment *s = NULL;
  int64_t n = 4;
  ASSERT_OK(ash_segment_create(a, 4096, 1, ASH_ANON, 0600, &s));
  ASSERT_OK(ash_segment_add_array(s, "x", ASH_INT64, 1, &n, &v));
  ASSERT_OK(ash_view_fill_i64(v, 5));
  ASSERT_OK(ash_segment_seal(s));
  ASSERT_OK(ash_segment_seal(s)); /* again: nothing to do */
  ash_segment *ro = NULL;
  ASSERT_OK(ash_view_segment(v, &ro));
  ash_segment_close(ro);
  struct seal_ctx c;
  snprintf(c.desc, sizeof c.desc, "%s", ash_view_descriptor(v));
  c.inherited = v;
  c.seg = s;
  cr_assert_eq(t_run_child(child_sees_sealed, &c), 0);
  int64_t i = 1;
  ASSERT_OK(ash_view_set_i64(v, 1, &i, 7)); /* the publisher still writes */
  ash_view_release(v);
  ash_segment_close(s);
}
