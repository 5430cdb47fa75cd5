/* SPDX-License-Identifier: MIT */
/* Segments: create / open / close / unlink, flags, modes, the file backend,
 * and every way an existing name can be bad (foreign, corrupted, truncated,
 * not ours), plus creation races between processes. */
#include "common.h"

TestSuite(segment, .fini = t_fini, .timeout = 60);

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- basics -------------------------------------------------------------- */

TEST(segment, create_properties) {
  TNAME(name);
  ash_segment *seg = NULL;
  int64_t t0 = now_ns();
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  int64_t t1 = now_ns();
  cr_assert_not_null(seg);
  cr_assert(t_shm_exists(name), "/dev/shm/ash.%s must exist", name);
  cr_assert_str_eq(ash_segment_name(seg), name);
  cr_assert_geq(ash_segment_size(seg), 4096u + 256u, "size %" PRIu64,
                ash_segment_size(seg));
  cr_assert_geq(ash_segment_arena_free(seg), 4096u);
  cr_assert_lt(ash_segment_arena_free(seg), ash_segment_size(seg));
  cr_assert_eq(ash_segment_policy(seg), ASH_POLICY_AUTO);
  cr_assert_eq(ash_segment_readonly(seg), 0);
  cr_assert_eq(ash_segment_creator_pid(seg), (int64_t)getpid());
  int64_t ct = ash_segment_ctime(seg);
  cr_assert(ct >= t0 - 1000000 && ct <= t1 + 1000000,
            "ctime %" PRId64 " not in [%" PRId64 ", %" PRId64 "]", ct, t0, t1);
  cr_assert_eq(ash_segment_format_minor(seg), ASH_FORMAT_MINOR);
  cr_assert_eq(ash_segment_array_count(seg), 0);
  cr_assert_null(ash_segment_array_name(seg, 0));
  cr_assert_null(ash_segment_array_name(seg, -1));

  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 0);
  ASSERT_OK(ash_segment_attachers(seg, NULL, NULL));
  int64_t pid = 0;
  int is_alive = -1;
  ASSERT_OK(ash_segment_attacher(seg, 0, &pid, &is_alive));
  cr_assert_eq(pid, (int64_t)getpid());
  cr_assert_eq(is_alive, 1);
  ASSERT_ERR(ash_segment_attacher(seg, 1, &pid, &is_alive), ASH_E_INDEX);
  ASSERT_ERR(ash_segment_attacher(seg, -1, &pid, &is_alive), ASH_E_INDEX);
  ASSERT_ERR(ash_segment_attachers(NULL, &alive, &dead), ASH_E_INVAL);

  /* the file really holds the whole reserved size */
  struct stat st;
  char p[300];
  cr_assert_eq(stat(t_shm_path(p, sizeof p, name), &st), 0);
  cr_assert_eq((uint64_t)st.st_size, ash_segment_size(seg));
  cr_assert_geq((uint64_t)st.st_blocks * 512, ash_segment_size(seg),
                "posix_fallocate must reserve the whole size (%" PRIu64
                " of %" PRIu64 " bytes allocated)",
                (uint64_t)st.st_blocks * 512, ash_segment_size(seg));
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name), "auto segment must go on last close");
}

TEST(segment, persist_open_close_unlink) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1024, 2, ASH_PERSIST, 0600, &seg));
  cr_assert_eq(ash_segment_policy(seg), ASH_POLICY_PERSIST);
  int64_t shape[1] = {5};
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "x", ASH_INT32, 1, shape, &v));
  ASSERT_OK(ash_view_set_i64(v, 1, (int64_t[]){3}, 42));
  ash_view_release(v);
  ash_segment_close(seg);
  cr_assert(t_shm_exists(name), "persist segment must survive close");

  seg = NULL;
  ASSERT_OK(ash_segment_open(name, 0, &seg));
  cr_assert_not_null(seg);
  cr_assert_eq(ash_segment_policy(seg), ASH_POLICY_PERSIST);
  cr_assert_eq(ash_segment_creator_pid(seg), (int64_t)getpid());
  cr_assert_eq(ash_segment_array_count(seg), 1);
  cr_assert_str_eq(ash_segment_array_name(seg, 0), "x");
  v = NULL;
  ASSERT_OK(ash_segment_view(seg, "x", &v));
  cr_assert_eq(t_get_i64_flat(v, 3), 42);
  ash_view_release(v);
  ash_segment_close(seg);
  cr_assert(t_shm_exists(name));

  ASSERT_OK(ash_unlink(name, 0));
  cr_assert(!t_shm_exists(name));
  ASSERT_ERR(ash_unlink(name, 0), ASH_E_NOENT);
  ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_NOENT);
}

TEST(segment, exclusive_create_gives_exist) {
  TNAME(name);
  ash_segment *a = NULL;
  ASSERT_OK(ash_segment_create(name, 1024, 2, 0, 0600, &a));
  ASSERT_OK(
      ash_segment_add_array(a, "keep", ASH_UINT8, 1, (int64_t[]){8}, NULL));
  ash_segment *b = (ash_segment *)&b;
  ASSERT_ERR(ash_segment_create(name, 1024, 2, 0, 0600, &b), ASH_E_EXIST);
  cr_assert_null(b, "out must be NULL on failure");
  /* different parameters do not matter, nor does persist */
  b = (ash_segment *)&b;
  ASSERT_ERR(ash_segment_create(name, 99999, 7, ASH_PERSIST, 0644, &b),
             ASH_E_EXIST);
  cr_assert_null(b);
  /* the existing segment is untouched */
  cr_assert_eq(ash_segment_array_count(a), 1);
  cr_assert_eq(ash_segment_policy(a), ASH_POLICY_AUTO);
  ash_view *v = NULL;
  ASSERT_ERR(ash_create(name, ASH_FLOAT64, 0, NULL, 0, 0600, &v), ASH_E_EXIST);
  cr_assert_null(v);
  ash_segment_close(a);
  cr_assert(!t_shm_exists(name));
}

TEST(segment, or_open_attaches_existing) {
  TNAME(name);
  ash_segment *a = NULL, *b = NULL;
  ASSERT_OK(ash_segment_create(name, 1024, 2, ASH_PERSIST, 0600, &a));
  ASSERT_OK(
      ash_segment_add_array(a, "first", ASH_INT16, 1, (int64_t[]){4}, NULL));
  ASSERT_OK(ash_segment_create(name, 8, 1, ASH_OR_OPEN, 0600, &b));
  cr_assert_not_null(b);
  /* the existing segment, not a new one: its array and policy are there */
  cr_assert_eq(ash_segment_array_count(b), 1);
  cr_assert_str_eq(ash_segment_array_name(b, 0), "first");
  cr_assert_eq(ash_segment_policy(b), ASH_POLICY_PERSIST);
  cr_assert_eq(ash_segment_size(b), ash_segment_size(a));
  ash_segment_close(b);
  ash_segment_close(a);
  ASSERT_OK(ash_unlink(name, 0));

  /* OR_OPEN on a free name creates */
  ASSERT_OK(ash_segment_create(name, 1024, 2, ASH_OR_OPEN, 0600, &b));
  cr_assert_eq(ash_segment_array_count(b), 0);
  cr_assert_eq(ash_segment_policy(b), ASH_POLICY_AUTO);
  ash_segment_close(b);
  cr_assert(!t_shm_exists(name));
}

TEST(segment, noent) {
  TNAME(name);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_NOENT);
  cr_assert_null(seg);
  ASSERT_ERR(ash_segment_open(name, ASH_RDONLY, &seg), ASH_E_NOENT);
  ASSERT_ERR(ash_segment_open(name, ASH_NOATTACH, &seg), ASH_E_NOENT);
  ASSERT_ERR(ash_unlink(name, 0), ASH_E_NOENT);
  ash_view *v = NULL;
  ASSERT_ERR(ash_attach(name, 0, &v), ASH_E_NOENT);
  cr_assert_null(v);
  char path[512];
  t_tmpfile(path, sizeof path, "missing.ash");
  ASSERT_ERR(ash_segment_open(path, ASH_FILE, &seg), ASH_E_NOENT);
  ASSERT_ERR(ash_unlink(path, ASH_FILE), ASH_E_NOENT);
  cr_assert(!t_shm_exists(name));
}

TEST(segment, close_null_and_unlink_null) {
  ash_segment_close(NULL);
  ash_view_release(NULL);
  ASSERT_ERR(ash_segment_unlink(NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_segment_create(NULL, 64, 1, 0, 0600, &(ash_segment *){0}),
             ASH_E_INVAL);
  TNAME(name);
  ASSERT_ERR(ash_segment_create(name, 64, 1, 0, 0600, NULL), ASH_E_INVAL);
  cr_assert(!t_shm_exists(name));
}

/* ---- modes and parameters ------------------------------------------------ */

TEST(segment, mode_bits_exact) {
  mode_t old = umask(077);
  const unsigned modes[] = {0640, 0604, 0660, 0666, 0600, 0};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    TNAME(name);
    ash_segment *seg = NULL;
    ASSERT_OK(ash_segment_create(name, 64, 1, 0, modes[i], &seg));
    char p[300];
    int fd = open(t_shm_path(p, sizeof p, name), O_RDONLY);
    cr_assert_geq(fd, 0, "open %s: %s", p, strerror(errno));
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    close(fd);
    unsigned want = modes[i] ? modes[i] : 0600;
    cr_assert_eq(st.st_mode & 07777, want, "mode %04o gave %04o", modes[i],
                 (unsigned)(st.st_mode & 07777));
    cr_assert_eq(st.st_uid, geteuid());
    ash_segment_close(seg);
  }
  umask(old);
}

TEST(segment, bad_parameters_are_inval) {
  TNAME(name);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_create(name, 64, 0, 0, 0600, &seg), ASH_E_INVAL);
  cr_assert_null(seg);
  ASSERT_ERR(ash_segment_create(name, 64, 4097, 0, 0600, &seg), ASH_E_INVAL);
  ASSERT_ERR(ash_segment_create(name, 64, UINT32_MAX, 0, 0600, &seg),
             ASH_E_INVAL);
  ASSERT_ERR(ash_segment_create(name, 64, 1, 0, 010000, &seg), ASH_E_INVAL);
  ASSERT_ERR(ash_segment_create(name, 64, 1, 0, 0xFFFFFFFFu, &seg),
             ASH_E_INVAL);
  cr_assert(!t_shm_exists(name), "a failed create must leave nothing");
  ASSERT_OK(ash_segment_create(name, 64, 4096, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_UINT8, 1, (int64_t[]){1}, NULL));
  ash_segment_close(seg);
}

TEST(segment, zero_arena) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 0, 2, 0, 0600, &seg));
  /* zero-length arrays need no arena bytes... */
  ash_view *v = NULL;
  int rc =
      ash_segment_add_array(seg, "empty", ASH_FLOAT64, 1, (int64_t[]){0}, &v);
  cr_assert(rc == ASH_OK || rc == ASH_E_FULL, "got %s", ash_err_name(rc));
  ash_view_release(v);
  /* ...but anything with an element does, unless arena rounding gave some */
  if (ash_segment_arena_free(seg) == 0)
    ASSERT_ERR(ash_segment_add_array(seg, "one", ASH_UINT8, 0, NULL, NULL),
               ASH_E_FULL);
  ash_segment_close(seg);
}

/* ---- read-only ----------------------------------------------------------- */

static void make_persist_with_array(const char *name) {
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 2, ASH_PERSIST, 0600, &seg));
  ash_view *v = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_FLOAT64, 2, (int64_t[]){2, 3}, &v));
  for (int64_t i = 0; i < 6; i++)
    ASSERT_OK(ash_view_set_f64(v, 1, &i, (double)i + 0.5));
  ash_view_release(v);
  ash_segment_close(seg);
}

TEST(segment, rdonly_refuses_every_write) {
  TNAME(name);
  make_persist_with_array(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_open(name, ASH_RDONLY, &seg));
  cr_assert_eq(ash_segment_readonly(seg), 1);
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_view(seg, "a", &v));
  cr_assert(ash_view_flags(v) & ASH_VIEW_READONLY);
  double x = 0;
  ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){4}, &x));
  cr_assert_eq(x, 4.5);

  int64_t i0[2] = {0, 0};
  ASSERT_ERR(ash_view_set_f64(v, 2, i0, 1.0), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_i64(v, 2, i0, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_u64(v, 2, i0, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_c128(v, 2, i0, 1.0, 0.0), ASH_E_RDONLY);
  double buf[6] = {9, 9, 9, 9, 9, 9};
  ASSERT_ERR(ash_view_write(v, buf, sizeof buf), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_fill_f64(v, 1.0), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_fill_i64(v, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_copy(v, v), ASH_E_RDONLY);
  ASSERT_ERR(
      ash_segment_add_array(seg, "b", ASH_UINT8, 1, (int64_t[]){1}, NULL),
      ASH_E_RDONLY);
  cr_assert_eq(ash_segment_array_count(seg), 1);

  /* derived views stay read-only */
  ash_view *s = NULL, *t = NULL, *r = NULL;
  ASSERT_OK(ash_view_slice(v, 1, 1, ASH_NONE, 1, 0, &s));
  cr_assert(ash_view_flags(s) & ASH_VIEW_READONLY);
  ASSERT_ERR(ash_view_set_f64(s, 2, i0, 1.0), ASH_E_RDONLY);
  ASSERT_OK(ash_view_transpose(v, &t));
  ASSERT_ERR(ash_view_fill_f64(t, 0.0), ASH_E_RDONLY);
  ASSERT_OK(ash_view_reinterpret(v, ASH_INT64, &r));
  ASSERT_ERR(ash_view_set_i64(r, 2, i0, 0), ASH_E_RDONLY);

  /* nothing changed */
  ASSERT_OK(ash_view_read(v, buf, sizeof buf));
  for (int i = 0; i < 6; i++)
    cr_assert_eq(buf[i], i + 0.5);
  ash_view_release(r);
  ash_view_release(t);
  ash_view_release(s);
  ash_view_release(v);
  ash_segment_close(seg);

  /* ash_attach with ASH_RDONLY too */
  ASSERT_OK(ash_attach(name, ASH_RDONLY, &v));
  cr_assert(ash_view_flags(v) & ASH_VIEW_READONLY);
  ASSERT_ERR(ash_view_set_f64(v, 1, (int64_t[]){0}, 1.0), ASH_E_RDONLY);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(name, 0));
}

static const char *g_rdonly_name;

static void on_fault(int sig) {
  (void)sig;
  _exit(77);
}

static int child_write_through_rdonly_pointer(void *arg) {
  (void)arg;
  /* our own handler (also under ASan, which lets a program replace its
   * SIGSEGV handler) turns the expected fault into exit status 77 */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fault;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  ash_view *v = NULL;
  if (ash_attach(g_rdonly_name, ASH_RDONLY, &v) != ASH_OK)
    return 2;
  volatile double *p = ash_view_data(v);
  if (!p)
    return 3;
  p[0] = 123.0; /* must fault: the arrays are mapped PROT_READ */
  return 0;
}

TEST(segment, rdonly_mapping_is_prot_read) {
  TNAME(name);
  make_persist_with_array(name);
  g_rdonly_name = name;
  int rc = t_run_child(child_write_through_rdonly_pointer, NULL);
  cr_assert(rc != 2 && rc != 3, "child could not attach (%d)", rc);
  cr_assert_neq(rc, 0, "write through a read-only mapping did not fault");
  cr_assert(rc == 77 || rc == 1000 + SIGSEGV || rc == 1000 + SIGBUS,
            "the write should fault, child status %d", rc);
  ash_view *v = NULL;
  ASSERT_OK(ash_attach(name, 0, &v));
  cr_assert_eq(*(double *)ash_view_data(v), 0.5);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(name, 0));
}

static const char *g_noattach_name;

static int child_noattach(void *arg) {
  (void)arg;
  ash_segment *seg = NULL;
  if (ash_segment_open(g_noattach_name, ASH_NOATTACH, &seg) != ASH_OK)
    return 2;
  if (ash_segment_readonly(seg) != 1)
    return 3;
  int alive = -1, dead = -1;
  if (ash_segment_attachers(seg, &alive, &dead) != ASH_OK)
    return 4;
  if (alive != 1 || dead != 0)
    return 5; /* only the parent is attached */
  if (ash_segment_add_array(seg, "z", ASH_UINT8, 1, (int64_t[]){1}, NULL) !=
      ASH_E_RDONLY)
    return 6;
  ash_view *v = NULL;
  if (ash_segment_view(seg, NULL, &v) != ASH_OK)
    return 7;
  if (!(ash_view_flags(v) & ASH_VIEW_READONLY))
    return 8;
  if (ash_view_set_f64(v, 1, (int64_t[]){0}, 1.0) != ASH_E_RDONLY)
    return 9;
  ash_view_release(v);
  ash_segment_close(seg);
  return 0;
}

TEST(segment, noattach_is_readonly_and_not_counted) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 2, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_FLOAT64, 1, (int64_t[]){3}, NULL));
  g_noattach_name = name;
  cr_assert_eq(t_run_child(child_noattach, NULL), 0);
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 0, "a NOATTACH inspection must leave no entry");
  cr_assert(t_shm_exists(name));
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name));
}

/* ---- file backend ---------------------------------------------------------- */

TEST(segment, file_backend_persist) {
  char path[512];
  t_tmpfile(path, sizeof path, "seg.ash");
  mode_t old = umask(077);
  ash_segment *seg = NULL;
  ASSERT_OK(
      ash_segment_create(path, 4096, 2, ASH_FILE | ASH_PERSIST, 0640, &seg));
  umask(old);
  cr_assert(t_path_exists(path));
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_mode & 07777, 0640u);
  cr_assert_eq((uint64_t)st.st_size, ash_segment_size(seg));
  ash_view *v = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "m", ASH_UINT16, 2, (int64_t[]){3, 3}, &v));
  ASSERT_OK(ash_view_set_i64(v, 2, (int64_t[]){2, 1}, 777));
  ash_view_release(v);
  ash_segment_close(seg);
  cr_assert(t_path_exists(path));

  seg = NULL;
  ASSERT_OK(ash_segment_open(path, ASH_FILE, &seg));
  cr_assert_eq(ash_segment_policy(seg), ASH_POLICY_PERSIST);
  ASSERT_OK(ash_segment_view(seg, "m", &v));
  cr_assert_eq(t_get_i64_flat(v, 7), 777);
  ash_view_release(v);
  ash_segment_close(seg);

  ASSERT_OK(ash_attach(path, ASH_FILE, &v));
  cr_assert_eq(t_get_i64_flat(v, 7), 777);
  ash_view_release(v);

  ASSERT_OK(ash_unlink(path, ASH_FILE));
  cr_assert(!t_path_exists(path));
  ASSERT_ERR(ash_unlink(path, ASH_FILE), ASH_E_NOENT);
}

TEST(segment, file_backend_exclusive_and_auto) {
  char path[512];
  t_tmpfile(path, sizeof path, "auto.ash");
  ash_segment *a = NULL, *b = (ash_segment *)&b;
  ASSERT_OK(ash_segment_create(path, 256, 1, ASH_FILE, 0600, &a));
  ASSERT_ERR(ash_segment_create(path, 256, 1, ASH_FILE, 0600, &b), ASH_E_EXIST);
  cr_assert_null(b);
  ASSERT_OK(ash_segment_create(path, 256, 1, ASH_FILE | ASH_OR_OPEN, 0600, &b));
  ash_segment_close(b);
  cr_assert(t_path_exists(path));
  ash_segment_close(a);
  cr_assert(!t_path_exists(path), "auto policy removes the file too");
}

TEST(segment, file_backend_foreign_file) {
  char path[512];
  t_tmpfile(path, sizeof path, "foreign.bin");
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  for (int i = 0; i < 8192; i++)
    fputc((i * 7 + 3) & 0xff, f);
  fclose(f);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_open(path, ASH_FILE, &seg), ASH_E_CORRUPT);
  cr_assert_null(seg);
  ASSERT_ERR(
      ash_segment_create(path, 64, 1, ASH_FILE | ASH_OR_OPEN, 0600, &seg),
      ASH_E_CORRUPT);
  ASSERT_ERR(ash_unlink(path, ASH_FILE), ASH_E_CORRUPT);
  cr_assert(t_path_exists(path), "a foreign file must be left alone");
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_size, 8192);
  unlink(path);
}

/* ---- space and sizes ------------------------------------------------------- */

TEST(segment, nospc_when_larger_than_dev_shm) {
  struct statvfs sv;
  cr_assert_eq(statvfs("/dev/shm", &sv), 0);
  uint64_t total = (uint64_t)sv.f_blocks * sv.f_frsize;
  cr_assert_gt(total, 0);
  TNAME(name);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_create(name, total + (64u << 20), 1, 0, 0600, &seg),
             ASH_E_NOSPC);
  cr_assert_null(seg);
  cr_assert(!t_shm_exists(name), "a failed create must not leave the name");
  ash_view *v = NULL;
  int64_t shape[1] = {(int64_t)(total / 8 + (8u << 20))};
  ASSERT_ERR(ash_create(name, ASH_FLOAT64, 1, shape, 0, 0600, &v), ASH_E_NOSPC);
  cr_assert_null(v);
  cr_assert(!t_shm_exists(name));
}

TEST(segment, overflow_arena) {
  TNAME(name);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_create(name, UINT64_MAX, 1, 0, 0600, &seg),
             ASH_E_OVERFLOW);
  cr_assert_null(seg);
  ASSERT_ERR(ash_segment_create(name, UINT64_MAX - 4096, 1, 0, 0600, &seg),
             ASH_E_OVERFLOW);
  cr_assert(!t_shm_exists(name));
}

/* ---- foreign, corrupted and truncated segments ------------------------------ */

static void write_file(const char *path, const void *buf, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  cr_assert_eq(write(fd, buf, n), (ssize_t)n);
  fchmod(fd, 0600);
  close(fd);
}

TEST(segment, foreign_shm_file_is_corrupt) {
  TNAME(name);
  char p[300];
  t_shm_path(p, sizeof p, name);
  unsigned char garbage[8192];
  for (size_t i = 0; i < sizeof garbage; i++)
    garbage[i] = (unsigned char)(i * 31 + 7);
  write_file(p, garbage, sizeof garbage);

  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_CORRUPT);
  cr_assert_null(seg);
  cr_assert(ash_last_error()[0] != '\0');
  ASSERT_ERR(ash_segment_open(name, ASH_RDONLY, &seg), ASH_E_CORRUPT);
  ASSERT_ERR(ash_segment_open(name, ASH_NOATTACH, &seg), ASH_E_CORRUPT);
  ASSERT_ERR(ash_segment_create(name, 64, 1, ASH_OR_OPEN, 0600, &seg),
             ASH_E_CORRUPT);
  ASSERT_ERR(ash_segment_create(name, 64, 1, 0, 0600, &seg), ASH_E_EXIST);
  ash_view *v = NULL;
  ASSERT_ERR(ash_attach(name, 0, &v), ASH_E_CORRUPT);
  ASSERT_ERR(ash_unlink(name, 0), ASH_E_CORRUPT);

  /* left alone, byte for byte */
  unsigned char back[8192];
  int fd = open(p, O_RDONLY);
  cr_assert_geq(fd, 0, "the foreign file was removed");
  cr_assert_eq(read(fd, back, sizeof back), (ssize_t)sizeof back);
  close(fd);
  cr_assert_arr_eq(back, garbage, sizeof garbage);
  t_shm_remove(name);
}

TEST(segment, foreign_small_files) {
  TNAME(name);
  char p[300];
  t_shm_path(p, sizeof p, name);
  const char *texts[] = {"hello", "not an arrayshare segment at all\n"};
  for (size_t i = 0; i < 2; i++) {
    write_file(p, texts[i], strlen(texts[i]));
    ash_segment *seg = (ash_segment *)&seg;
    ASSERT_ERR2(ash_segment_open(name, 0, &seg), ASH_E_CORRUPT, ASH_E_TRUNC);
    cr_assert_null(seg);
    ASSERT_ERR2(ash_unlink(name, 0), ASH_E_CORRUPT, ASH_E_TRUNC);
    cr_assert(t_shm_exists(name));
  }
  t_shm_remove(name);
}

/* Opens NAME, views array "a" and reads it all; returns the open status (or
 * the view status when open succeeded and the view did not). */
static int open_and_read(const char *name) {
  ash_segment *seg = (ash_segment *)&seg;
  int rc = ash_segment_open(name, 0, &seg);
  if (rc != ASH_OK) {
    cr_assert_null(seg, "out must be NULL on failure");
    cr_assert(ash_last_error()[0] != '\0', "no detail for %s",
              ash_err_name(rc));
    return rc;
  }
  ash_view *v = NULL;
  int vr = ash_segment_view(seg, "a", &v);
  if (vr == ASH_OK) {
    uint64_t nb = ash_view_nbytes(v);
    cr_assert_leq(nb, ash_segment_size(seg),
                  "view of %" PRIu64 " bytes in a %" PRIu64 "-byte segment", nb,
                  ash_segment_size(seg));
    void *buf = malloc(nb ? nb : 1);
    cr_assert_not_null(buf);
    ASSERT_OK(ash_view_read(v, buf, nb));
    free(buf);
    ash_view_release(v);
  } else {
    cr_assert(vr == ASH_E_CORRUPT || vr == ASH_E_NOENT, "segment_view gave %s",
              ash_err_name(vr));
  }
  ash_segment_close(seg);
  return vr == ASH_OK ? ASH_OK : vr;
}

static unsigned char *read_all(const char *path, size_t *n) {
  int fd = open(path, O_RDONLY);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  struct stat st;
  fstat(fd, &st);
  unsigned char *buf = malloc((size_t)st.st_size);
  cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
  close(fd);
  *n = (size_t)st.st_size;
  return buf;
}

/* Rewrites the segment file (recreating it if a successful open under a
 * flipped policy unlinked it) and flips one byte via a plain shared mmap. */
static void restore_and_flip(const char *path, const unsigned char *pristine,
                             size_t n, size_t off, unsigned char mask) {
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  cr_assert_geq(fd, 0);
  fchmod(fd, 0600);
  cr_assert_eq(ftruncate(fd, (off_t)n), 0);
  cr_assert_eq(pwrite(fd, pristine, n, 0), (ssize_t)n);
  unsigned char *m =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  cr_assert_neq(m, MAP_FAILED);
  m[off] ^= mask;
  munmap(m, 4096);
  close(fd);
}

TEST(segment, corrupted_magic) {
  TNAME(name);
  make_persist_with_array(name);
  char p[300];
  t_shm_path(p, sizeof p, name);
  size_t n;
  unsigned char *pristine = read_all(p, &n);
  for (size_t off = 0; off < 4; off++) {
    restore_and_flip(p, pristine, n, off, 0xFF);
    ash_segment *seg = (ash_segment *)&seg;
    ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_CORRUPT);
    cr_assert_null(seg);
    ASSERT_ERR(ash_unlink(name, 0), ASH_E_CORRUPT);
    cr_assert(t_shm_exists(name));
  }
  /* restored, it opens again */
  restore_and_flip(p, pristine, n, 0, 0);
  cr_assert_eq(open_and_read(name), ASH_OK);
  free(pristine);
  ASSERT_OK(ash_unlink(name, 0));
}

/* Flips every byte of the 256-byte header (both all bits and the lowest bit)
 * and opens: each result is success or a clear error, never a crash; the
 * magic gives CORRUPT and some flip (the format major) gives VERSION. The
 * range stops at 256 so the process-shared lock that follows the header (see
 * DESIGN.md: synchronisation words live in the segment) is not garbled: a
 * garbled futex word can legitimately block forever. */
TEST_OPT(segment, corrupted_header_fuzz, .timeout = 120) {
  TNAME(name);
  make_persist_with_array(name);
  char p[300];
  t_shm_path(p, sizeof p, name);
  size_t n;
  unsigned char *pristine = read_all(p, &n);
  int nversion = 0, ncorrupt = 0, nok = 0, ntrunc = 0, nbusy = 0;
  const unsigned char masks[2] = {0xFF, 0x01};
  for (int mi = 0; mi < 2; mi++) {
    for (size_t off = 0; off < 256; off++) {
      restore_and_flip(p, pristine, n, off, masks[mi]);
      int rc = open_and_read(name);
      switch (rc) {
      case ASH_OK:
        nok++;
        break;
      case ASH_E_CORRUPT:
        ncorrupt++;
        break;
      case ASH_E_VERSION:
        nversion++;
        break;
      case ASH_E_TRUNC:
        ntrunc++;
        break;
      case ASH_E_BUSY:
        nbusy++;
        break;
      case ASH_E_NOENT:
        break; /* directory emptied by the flip */
      case ASH_E_FULL:
        break; /* attach table capacity flipped */
      default:
        cr_assert_fail("flip 0x%02x at byte %zu gave %s: %s", masks[mi], off,
                       ash_err_name(rc), ash_last_error());
      }
      if (off < 4)
        cr_assert_eq(rc, ASH_E_CORRUPT, "magic byte %zu flipped gave %s", off,
                     ash_err_name(rc));
    }
  }
  cr_assert_gt(nversion, 0, "no flip in the header gave ASH_E_VERSION");
  cr_assert_gt(ncorrupt, 8);
  cr_log_info("header fuzz: %d ok, %d corrupt, %d version, %d trunc, %d busy",
              nok, ncorrupt, nversion, ntrunc, nbusy);
  restore_and_flip(p, pristine, n, 0, 0);
  cr_assert_eq(open_and_read(name), ASH_OK);
  free(pristine);
  ASSERT_OK(ash_unlink(name, 0));
}

TEST(segment, truncated_by_another_party) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 200000, 2, ASH_PERSIST, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_UINT8, 1, (int64_t[]){150000}, NULL));
  uint64_t size = ash_segment_size(seg);
  ash_segment_close(seg);
  char p[300];
  t_shm_path(p, sizeof p, name);
  /* header intact, data cut: exactly what ASH_E_TRUNC describes */
  cr_assert_eq(truncate(p, (off_t)(size - 4096)), 0);
  seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_TRUNC);
  cr_assert_null(seg);
  const off_t sizes[] = {(off_t)(size / 2), 8192, 1000, 300, 100};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    cr_assert_eq(truncate(p, sizes[i]), 0);
    seg = (ash_segment *)&seg;
    int rc = ash_segment_open(name, 0, &seg);
    cr_assert(rc == ASH_E_TRUNC || rc == ASH_E_CORRUPT,
              "open of a segment truncated to %lld bytes gave %s",
              (long long)sizes[i], ash_err_name(rc));
    cr_assert_null(seg);
    ash_view *v = NULL;
    rc = ash_attach(name, 0, &v);
    cr_assert(rc == ASH_E_TRUNC || rc == ASH_E_CORRUPT, "attach gave %s",
              ash_err_name(rc));
  }
  t_shm_remove(name);
}

/* ---- another user's segment ------------------------------------------------ */

static const char *g_perm_name;

static int child_other_user(void *arg) {
  (void)arg;
  if (setgid(65534) != 0 || setuid(65534) != 0)
    return 2;
  ash_segment *seg = NULL;
  if (ash_segment_open(g_perm_name, 0, &seg) != ASH_E_PERM)
    return 3;
  if (seg != NULL)
    return 4;
  if (ash_segment_open(g_perm_name, ASH_RDONLY, &seg) != ASH_E_PERM)
    return 5;
  if (ash_segment_create(g_perm_name, 64, 1, ASH_OR_OPEN, 0600, &seg) !=
      ASH_E_PERM)
    return 6;
  ash_view *v = NULL;
  if (ash_attach(g_perm_name, 0, &v) != ASH_E_PERM)
    return 7;
  if (ash_unlink(g_perm_name, 0) != ASH_E_PERM)
    return 8;
  return 0;
}

TEST(segment, other_users_segment_is_perm) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1024, 1, 0, 0600, &seg));
  ASSERT_OK(ash_segment_add_array(seg, "a", ASH_INT8, 1, (int64_t[]){4}, NULL));
  if (geteuid() == 0) {
    g_perm_name = name;
    int rc = t_run_child(child_other_user, NULL);
    cr_assert_neq(rc, 2, "setuid(65534) failed");
    cr_assert_eq(rc, 0, "uid 65534 on a 0600 root segment: check %d failed",
                 rc);
  } else {
    /* not root: take our own permissions away instead (mode 0 at create
     * means 0600, so chmod afterwards). This process already maps it; a
     * child makes the open real. */
    char p[300];
    cr_assert_eq(chmod(t_shm_path(p, sizeof p, name), 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      ash_segment *s2 = NULL;
      _exit(ash_segment_open(name, 0, &s2) == ASH_E_PERM ? 0 : 3);
    }
    cr_assert_eq(t_wait(pid), 0, "open of a mode-0 segment must be PERM");
    chmod(p, 0600);
  }
  cr_assert(t_shm_exists(name), "the other user must not remove it");
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name));
}

/* ---- creation races --------------------------------------------------------- */

#define RACERS 4
#define ROUNDS 8

struct race {
  const char *name;
  t_pipe go;
  unsigned flags;
};

static int child_race(void *arg) {
  struct race *r = arg;
  close(r->go.fd[1]);
  t_pipe_recv(&r->go); /* EOF when the parent closes: everyone starts */
  ash_segment *seg = NULL;
  int rc;
  for (int tries = 0;; tries++) {
    rc = ash_segment_create(r->name, 4096, 2, ASH_PERSIST | r->flags, 0600,
                            &seg);
    if (rc != ASH_E_BUSY || tries > 2000)
      break;
    usleep(1000);
  }
  if (rc == ASH_E_EXIST)
    return (r->flags & ASH_OR_OPEN) ? 20 : 1;
  if (rc != ASH_OK)
    return 30 + (-rc - 1000);
  int created = ash_segment_creator_pid(seg) == (int64_t)getpid();
  if (!(r->flags & ASH_OR_OPEN) && !created)
    return 21;
  ash_segment_close(seg);
  return created ? 0 : 1;
}

static void race_rounds(unsigned flags) {
  for (int round = 0; round < ROUNDS; round++) {
    TNAME(name);
    struct race r = {name, {{-1, -1}}, flags};
    t_pipe_init(&r.go);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++)
      pids[i] = t_spawn(child_race, &r);
    t_pipe_close(&r.go); /* start */
    int winners = 0, losers = 0;
    for (int i = 0; i < RACERS; i++) {
      int rc = t_wait(pids[i]);
      if (rc == 0)
        winners++;
      else if (rc == 1)
        losers++;
      else
        cr_expect_fail("round %d racer %d: status %d", round, i, rc);
    }
    cr_assert_eq(winners, 1, "round %d: %d creators", round, winners);
    cr_assert_eq(losers, RACERS - 1);
    ash_segment *seg = NULL;
    ASSERT_OK(ash_segment_open(name, 0, &seg));
    int alive = -1, dead = -1;
    ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
    cr_assert_eq(alive, 1, "only this process is attached now");
    cr_assert_eq(dead, 0, "racers closed cleanly");
    ash_segment_close(seg);
    ASSERT_OK(ash_unlink(name, 0));
  }
}

TEST(segment, race_exclusive_create) { race_rounds(0); }

TEST(segment, race_create_or_open) { race_rounds(ASH_OR_OPEN); }

/* ---- ash_segment_unlink ------------------------------------------------------ */

TEST(segment, segment_unlink_keeps_mapping) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, ASH_PERSIST, 0600, &seg));
  ASSERT_OK(ash_segment_unlink(seg));
  cr_assert(!t_shm_exists(name));
  /* the handle keeps working */
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "a", ASH_INT64, 1, (int64_t[]){4}, &v));
  ASSERT_OK(ash_view_set_i64(v, 1, (int64_t[]){2}, -5));
  cr_assert_eq(t_get_i64_flat(v, 2), -5);

  /* a new segment under the same name is independent... */
  ash_segment *seg2 = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, ASH_PERSIST, 0600, &seg2));
  cr_assert_eq(ash_segment_array_count(seg2), 0);
  cr_assert_eq(ash_segment_array_count(seg), 1);
  /* ...and the old handle's unlink leaves it alone */
  int rc = ash_segment_unlink(seg);
  cr_assert(rc == ASH_OK || rc == ASH_E_NOENT, "stale unlink gave %s",
            ash_err_name(rc));
  cr_assert(t_shm_exists(name), "the re-created segment was removed");
  ash_view_release(v);
  ash_segment_close(seg);
  cr_assert(t_shm_exists(name));
  ASSERT_OK(ash_segment_unlink(seg2));
  cr_assert(!t_shm_exists(name));
  ash_segment_close(seg2);
}

/* ash_create with ASH_OR_OPEN: creates, then attaches the same array (its
 * policy kept); another dtype or shape, or a segment holding no array, is
 * EXIST naming what is there; a file that is not a segment is refused as
 * an open refuses it. */
TEST(segment, create_or_open_one_array) {
  TNAME(name);
  ash_view *a = NULL, *b = NULL, *c = NULL;
  ASSERT_OK(ash_create(name, ASH_UINT16, 2, (int64_t[]){2, 3},
                       ASH_OR_OPEN | ASH_PERSIST, 0600, &a));
  ASSERT_OK(ash_view_set_i64(a, 2, (int64_t[]){1, 1}, 9));
  ASSERT_OK(ash_create(name, ASH_UINT16, 2, (int64_t[]){2, 3}, ASH_OR_OPEN,
                       0600, &b));
  int64_t x = 0;
  ASSERT_OK(ash_view_get_i64(b, 2, (int64_t[]){1, 1}, &x));
  cr_assert_eq(x, 9);
  ASSERT_ERR(
      ash_create(name, ASH_UINT16, 1, (int64_t[]){6}, ASH_OR_OPEN, 0600, &c),
      ASH_E_EXIST);
  cr_assert(strstr(ash_last_error(), "holding uint16 (2, 3), not uint16 (6)"),
            "%s", ash_last_error());
  cr_assert_null(c);
  ASSERT_ERR(
      ash_create(name, ASH_INT16, 2, (int64_t[]){2, 3}, ASH_OR_OPEN, 0600, &c),
      ASH_E_EXIST);
  ash_view_release(a);
  ash_view_release(b);
  cr_assert(t_shm_exists(name), "persist: the segment stays");
  ASSERT_OK(ash_unlink(name, 0));

  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 2, 0, 0600, &s));
  ASSERT_ERR(
      ash_create(name, ASH_UINT8, 1, (int64_t[]){1}, ASH_OR_OPEN, 0600, &c),
      ASH_E_EXIST);
  cr_assert(strstr(ash_last_error(), "holding no array"), "%s",
            ash_last_error());
  cr_assert(t_shm_exists(name), "an opened segment is never removed");
  ash_segment_close(s);
}
