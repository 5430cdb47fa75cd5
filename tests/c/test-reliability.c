/* SPDX-License-Identifier: MIT */
/* Nothing lost, nothing crashed, nothing stuck: fork, the lifetime
 * protocol under peers that die or misbehave, names squatted or damaged,
 * publication, the cache of released mappings, the SIGBUS guard and the
 * read-only model. */
#include "common.h"

TestSuite(reliability, .fini = t_fini);

static ash_view *make_f64(const char *name, int64_t n, unsigned flags) {
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, &n, flags, 0600, &v));
  return v;
}

/* The perms ("rw-p", "r--s", ...) of the mapping holding @addr, from
 * /proc/self/maps; "" when none does. */
static void maps_perms(const void *addr, char perms[8]) {
  perms[0] = 0;
  FILE *f = fopen("/proc/self/maps", "r");
  cr_assert_not_null(f);
  char line[512];
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char p[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 &&
        (unsigned long)addr >= lo && (unsigned long)addr < hi) {
      snprintf(perms, 8, "%s", p);
      break;
    }
  }
  fclose(f);
}

/* Mappings of segment NAME in this process: distinct regions of its inode
 * (a region split by mprotect counts once per contiguous run). By inode,
 * not by path: a creator's mapping shows the nameless file it was built
 * in. */
static int maps_count_ino(ino_t ino);
static int maps_count(const char *name) {
  char path[2048];
  struct stat st;
  if (stat(t_shm_path(path, sizeof path, name), &st) != 0)
    return 0;
  return maps_count_ino(st.st_ino);
}

static int maps_count_ino(ino_t want) {
  FILE *f = fopen("/proc/self/maps", "r");
  cr_assert_not_null(f);
  char line[1024];
  int n = 0;
  unsigned long prev_hi = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi, ino;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &ino) == 3 &&
        ino == (unsigned long)want) {
      if (lo != prev_hi)
        n++;
      prev_hi = hi;
    }
  }
  fclose(f);
  return n;
}

/* ---- fork ------------------------------------------------------------- */

struct fork_ctx {
  const char *a, *b;
  ash_view *inherited;
};

/* The child drops the last reference to an inherited mapping, then opens,
 * attaches and unlinks others: it used to walk freed memory (SIGSEGV). */
static int child_releases_inherited(void *arg) {
  struct fork_ctx *c = arg;
  double x = 0;
  int64_t i0 = 0;
  if (ash_view_get_f64(c->inherited, 1, &i0, &x) != ASH_OK || x != 4.5)
    return 2;
  ash_view_release(c->inherited);
  for (int k = 0; k < 50; k++) {
    ash_view *w = NULL;
    if (ash_attach(c->b, 0, &w) != ASH_OK)
      return 3;
    ash_segment *s = NULL;
    if (ash_segment_open(c->b, ASH_RDONLY, &s) != ASH_OK)
      return 4;
    ash_segment_close(s);
    ash_view_release(w);
  }
  ash_list *l = NULL;
  if (ash_list_segments(&l) != ASH_OK)
    return 5;
  ash_list_free(l);
  return 0;
}

TEST(reliability, fork_child_releases_inherited_views_then_attaches) {
  TNAME(a);
  TNAME(b);
  ash_view *v = make_f64(a, 4, ASH_PERSIST);
  int64_t i0 = 0;
  ASSERT_OK(ash_view_set_f64(v, 1, &i0, 4.5));
  ash_view *w = make_f64(b, 4, ASH_PERSIST);
  struct fork_ctx c = {a, b, v};
  cr_assert_eq(t_run_child(child_releases_inherited, &c), 0);
  ash_view_release(v);
  ash_view_release(w);
  ASSERT_OK(ash_unlink(a, 0));
  ASSERT_OK(ash_unlink(b, 0));
}

/* G: reports its pid once fork() returned in it (its own file description
 * made), then keeps the inherited view until killed. */
static int child_keeps_inherited(void *arg) {
  (void)arg;
  char pid[32];
  snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(STDOUT_FILENO, pid, strlen(pid)) < 0)
    return 3;
  pause();
  return 0;
}

/* P creates an auto segment and forks G, which keeps the inherited view;
 * P is killed: P must be seen dead although G lives (G has a file
 * description of its own, not P's). */
static int parent_then_killed(void *arg) {
  struct fork_ctx *c = arg;
  ash_view *v = NULL;
  int64_t n = 4;
  if (ash_create(c->a, ASH_FLOAT64, 1, &n, 0, 0600, &v) != ASH_OK)
    return 2;
  c->inherited = v;
  pid_t g = fork();
  if (g == 0)
    _exit(child_keeps_inherited(c));
  pause();
  return 0;
}

TEST(reliability, a_forked_child_does_not_keep_a_dead_parent_alive) {
  TNAME(a);
  struct fork_ctx c = {a, NULL, NULL};
  int out[2];
  cr_assert_eq(pipe(out), 0);
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    dup2(out[1], STDOUT_FILENO);
    _exit(parent_then_killed(&c));
  }
  close(out[1]);
  char buf[32] = {0};
  cr_assert_gt(read(out[0], buf, sizeof buf - 1), 0);
  close(out[0]);
  pid_t g = (pid_t)atoi(buf);
  kill(p, SIGKILL);
  t_wait(p);
  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_open(a, ASH_NOATTACH, &s));
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
  cr_expect_eq(alive, 0, "the killed creator still looks alive");
  cr_expect_eq(dead, 1);
  ash_segment_close(s);
  kill(g, SIGKILL);
  t_wait(g);
  int reaped = 0;
  ash_list *l = NULL;
  ASSERT_OK(ash_gc_match(a, 0, &l));
  reaped = ash_list_count(l);
  ash_list_free(l);
  cr_assert_eq(reaped, 1);
}

static int child_reads_after_unlink(void *arg) {
  struct fork_ctx *c = arg;
  /* wait until the parent closed (and so unlinked) the segment */
  for (int i = 0; i < 500 && t_shm_exists(c->a); i++)
    usleep(10000);
  if (t_shm_exists(c->a))
    return 2; /* the child counted as an attacher */
  double x = 0;
  int64_t i0 = 1;
  if (ash_view_get_f64(c->inherited, 1, &i0, &x) != ASH_OK || x != 7.0)
    return 3; /* the inherited view keeps working */
  return 0;
}

TEST(reliability, inherited_views_work_but_do_not_count) {
  TNAME(a);
  ash_view *v = make_f64(a, 4, 0);
  int64_t i1 = 1;
  ASSERT_OK(ash_view_set_f64(v, 1, &i1, 7.0));
  struct fork_ctx c = {a, NULL, v};
  pid_t p = t_spawn(child_reads_after_unlink, &c);
  ash_view_release(v); /* last attacher: unlinks although the child maps it */
  cr_assert_eq(t_wait(p), 0);
  cr_assert(!t_shm_exists(a));
}

/* ---- the lifetime protocol ---------------------------------------------- */

/* State words are not trusted: a peer (or a 0.1 library killed half-way)
 * writing "doomed" neither blocks attachers nor lets gc remove a segment
 * with a live attacher, nor a persist segment. */
TEST(reliability, a_doomed_state_word_blocks_nothing) {
  TNAME(a);
  TNAME(b);
  ash_view *v = make_f64(a, 4, 0);
  ash_view *w = make_f64(b, 4, ASH_PERSIST);
  ash_view_release(w);
  char p[300];
  uint32_t doomed = 3;
  for (int k = 0; k < 2; k++) {
    int fd = open(t_shm_path(p, sizeof p, k ? b : a), O_RDWR);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, &doomed, 4, 20), 4);
    close(fd);
  }
  ash_cache_clear();
  ash_view *x = NULL;
  ASSERT_OK(ash_attach(b, 0, &x));
  ash_view_release(x);
  ash_list *l = NULL;
  ASSERT_OK(ash_gc_match(a, 0, &l));
  cr_assert_eq(ash_list_count(l), 0);
  ash_list_free(l);
  ASSERT_OK(ash_gc_match(b, 0, &l));
  cr_assert_eq(ash_list_count(l), 0);
  ash_list_free(l);
  cr_assert(t_shm_exists(a) && t_shm_exists(b));
  ASSERT_OK(ash_attach(a, 0, &x));
  ash_view_release(x);
  ash_view_release(v); /* the last attacher unlinks a */
  cr_assert(!t_shm_exists(a));
  ASSERT_OK(ash_unlink(b, 0));
}

static int attach_as_nobody(void *arg) {
  const char *name = arg;
  if (setgid(65534) != 0 || setuid(65534) != 0)
    return 9;
  ash_view *v = NULL;
  if (ash_attach(name, 0, &v) != ASH_OK)
    return 2;
  ash_view_release(v); /* the last attacher, but not the owner: EPERM */
  return 0;
}

/* A 0666 auto segment whose last attacher may not unlink it (the sticky
 * /dev/shm) stays usable: no BUSY, no EXIST stuck; its owner's next detach
 * removes it. */
TEST(reliability, a_non_owner_last_detach_leaves_it_usable) {
  if (geteuid() != 0) {
    cr_log_warn("needs root for a second uid; skipped");
    return;
  }
  TNAME(a);
  int64_t n = 4;
  ash_view *v = NULL;
  ASSERT_OK(ash_create(a, ASH_FLOAT64, 1, &n, 0, 0666, &v));
  ash_segment *s = NULL;
  ASSERT_OK(ash_view_segment(v, &s));
  ash_view_release(v);
  pid_t p = t_spawn(attach_as_nobody, a);
  /* the child attaches while we hold s, then we leave first */
  usleep(200000);
  ash_segment_close(s);
  ASSERT_OK(ash_cache_clear());
  cr_assert_eq(t_wait(p), 0);
  if (t_shm_exists(a)) { /* the child was last: left for its owner */
    ash_view *w = NULL;
    ASSERT_OK(ash_attach(a, 0, &w));
    ash_view_release(w); /* now the owner is last: removed */
  }
  cr_assert(!t_shm_exists(a));
}

/* An opener that finds a remover deciding retries for 0.6 s, then BUSY. */
TEST(reliability, busy_after_six_tenths_of_a_second) {
  TNAME(a);
  ash_view *v = make_f64(a, 4, ASH_PERSIST);
  ash_view_release(v);
  ash_cache_clear();
  char p[300];
  int fd = open(t_shm_path(p, sizeof p, a), O_RDWR);
  cr_assert_geq(fd, 0);
  struct flock fl = {
      .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 257, .l_len = 1};
  cr_assert_eq(fcntl(fd, F_OFD_SETLK, &fl), 0); /* the doom byte */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ash_view *w = NULL;
  ASSERT_ERR(ash_attach(a, 0, &w), ASH_E_BUSY);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  cr_assert(s >= 0.55 && s < 3.0, "gave up after %.3f s", s);
  close(fd); /* the remover "died": the lock is gone */
  ASSERT_OK(ash_attach(a, 0, &w));
  ash_view_release(w);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- names squatted or damaged ------------------------------------------- */

TEST(reliability, an_empty_file_is_not_a_segment) {
  TNAME(a);
  char p[300];
  int fd = open(t_shm_path(p, sizeof p, a), O_RDWR | O_CREAT | O_EXCL, 0600);
  cr_assert_geq(fd, 0);
  close(fd);
  ash_segment *s = NULL;
  ASSERT_ERR(ash_segment_open(a, 0, &s), ASH_E_CORRUPT);
  cr_assert(strstr(ash_last_error(), "0 bytes"), "%s", ash_last_error());
  ASSERT_OK(ash_unlink(a, 0)); /* empty: may go */
  cr_assert(!t_shm_exists(a));
}

TEST(reliability, a_symlink_squatting_a_name_is_refused_and_removable) {
  TNAME(a);
  TNAME(target);
  char p[300], tp[300];
  t_tmpfile(tp, sizeof tp, target);
  int fd = open(tp, O_RDWR | O_CREAT, 0600);
  cr_assert_geq(fd, 0);
  close(fd);
  cr_assert_eq(symlink(tp, t_shm_path(p, sizeof p, a)), 0);
  ash_segment *s = NULL;
  ASSERT_ERR(ash_segment_open(a, 0, &s), ASH_E_CORRUPT);
  cr_assert(strstr(ash_last_error(), "symbolic link"), "%s", ash_last_error());
  ash_view *v = NULL;
  int64_t n = 4;
  ASSERT_ERR(ash_create(a, ASH_FLOAT64, 1, &n, 0, 0600, &v), ASH_E_EXIST);
  ASSERT_OK(ash_unlink(a, 0));
  cr_assert(!t_shm_exists(a));
  cr_assert(t_path_exists(tp), "the link's target must be left alone");
  unlink(tp);
}

TEST(reliability, duplicate_array_names_are_a_corrupted_directory) {
  TNAME(a);
  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_create(a, 8192, 4, ASH_PERSIST, 0600, &s));
  int64_t n = 2;
  ASSERT_OK(ash_segment_add_array(s, "x", ASH_INT32, 1, &n, NULL));
  ASSERT_OK(ash_segment_add_array(s, "y", ASH_INT32, 1, &n, NULL));
  ash_segment_close(s);
  ash_cache_clear();
  /* rename "y" to "x" behind the library's back: entry 1 and its hash */
  ASSERT_OK(ash_segment_open(a, ASH_NOATTACH, &s));
  ash_segment_close(s);
  char p[300];
  int fd = open(t_shm_path(p, sizeof p, a), O_RDWR);
  cr_assert_geq(fd, 0);
  uint64_t dir = 0;
  uint32_t index = 0, hx = 0;
  cr_assert_eq(pread(fd, &dir, 8, 112), 8);
  cr_assert_eq(pread(fd, &index, 4, 132), 4);
  cr_assert_eq(pread(fd, &hx, 4, index), 4);
  cr_assert_eq(pwrite(fd, "x", 1, (off_t)(dir + 512)), 1);
  cr_assert_eq(pwrite(fd, &hx, 4, index + 4), 4);
  close(fd);
  ash_view *v = NULL;
  ASSERT_OK(ash_attach(a, 0, &v)); /* the first array alone is fine */
  ash_view_release(v);
  char d[300];
  snprintf(d, sizeof d, "%s/x", a);
  ASSERT_ERR(ash_attach(d, 0, &v), ASH_E_CORRUPT);
  cr_assert(strstr(ash_last_error(), "two arrays"), "%s", ash_last_error());
  ASSERT_OK(ash_segment_open(a, 0, &s));
  cr_assert_eq(ash_segment_array_count(s), 0, "listing a damaged directory");
  ash_segment_close(s);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- publication and the attach table ------------------------------------- */

static int child_attach_status(void *arg) {
  ash_view *v = NULL;
  int r = ash_attach(arg, 0, &v);
  ash_view_release(v);
  return r == ASH_OK ? 0 : r == ASH_E_FULL ? 3 : 2;
}

TEST(reliability, create_ex_capacity_is_enforced) {
  TNAME(a);
  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_create_ex(a, 4096, 1, 1, ASH_PERSIST, 0600, &s));
  int64_t n = 1;
  ASSERT_OK(ash_segment_add_array(s, "x", ASH_UINT8, 1, &n, NULL));
  cr_assert_eq(t_run_child(child_attach_status, a), 3, "expected FULL");
  ash_segment_close(s);
  ash_cache_clear(); /* detached now: the one slot is free */
  cr_assert_eq(t_run_child(child_attach_status, a), 0);
  ASSERT_OK(ash_unlink(a, 0));
}

/* Many processes attached at once, each counted once. */
TEST_OPT(reliability, two_hundred_concurrent_attachers, .timeout = 60) {
  TNAME(a);
  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_create_ex(a, 4096, 1, 256, ASH_PERSIST, 0600, &s));
  int64_t n = 1;
  ASSERT_OK(ash_segment_add_array(s, "x", ASH_UINT8, 1, &n, NULL));
  enum { N = 200 };
  pid_t kids[N];
  t_pipe ready, go;
  t_pipe_init(&ready);
  t_pipe_init(&go);
  fflush(NULL);
  for (int i = 0; i < N; i++) {
    kids[i] = fork();
    cr_assert_neq(kids[i], -1);
    if (kids[i] == 0) {
      close(go.fd[1]); /* EOF on go once the parent closes its end */
      ash_view *v = NULL;
      char c = ash_attach(a, 0, &v) == ASH_OK ? 'y' : 'n';
      t_pipe_send(&ready, c);
      t_pipe_recv(&go); /* EOF when the parent closes it */
      ash_view_release(v);
      _exit(c == 'y' ? 0 : 2);
    }
  }
  close(go.fd[0]);
  int ok = 0;
  for (int i = 0; i < N; i++)
    ok += t_pipe_recv(&ready) == 'y';
  int alive = 0, dead = 0;
  ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
  close(go.fd[1]);
  for (int i = 0; i < N; i++)
    t_wait(kids[i]);
  close(ready.fd[0]);
  close(ready.fd[1]);
  cr_assert_eq(ok, N);
  cr_assert_eq(alive, N + 1);
  ash_segment_close(s);
  ASSERT_OK(ash_unlink(a, 0));
}

static int child_unpublished_fallback(void *arg) {
  /* the creation path for file systems without O_TMPFILE */
  setenv("ASH_TEST_NO_TMPFILE", "1", 1);
  const char *name = arg;
  ash_segment *s = NULL;
  if (ash_segment_create(name, 4096, 2, ASH_UNPUBLISHED | ASH_PERSIST, 0600,
                         &s) != ASH_OK)
    return 2;
  if (t_shm_exists(name))
    return 3; /* visible before publication */
  if (ash_segment_publish(s) != ASH_OK || !t_shm_exists(name))
    return 4;
  ash_segment_close(s);
  ash_segment *u = NULL;
  char other[80];
  snprintf(other, sizeof other, "%s_u", name);
  if (ash_segment_create(other, 4096, 2, ASH_UNPUBLISHED, 0600, &u) != ASH_OK)
    return 5;
  /* killed while building: the temporary file stays, held by nobody */
  raise(SIGKILL);
  return 6;
}

static int count_tmp_files(void) {
  DIR *d = opendir("/dev/shm");
  int n = 0;
  struct dirent *e;
  char pre[64];
  snprintf(pre, sizeof pre, ASH_SHM_PREFIX ".tmp-");
  while (d && (e = readdir(d)) != NULL)
    n += strncmp(e->d_name, pre, strlen(pre)) == 0;
  if (d)
    closedir(d);
  return n;
}

TEST(reliability, creation_without_o_tmpfile_and_gc_of_its_leftovers) {
  TNAME(a);
  int before = count_tmp_files();
  cr_assert_eq(t_run_child(child_unpublished_fallback, a), 1000 + SIGKILL);
  cr_assert(t_shm_exists(a));
  cr_assert_geq(count_tmp_files(), before + 1, "a killed builder's file");
  int reaped = 0;
  ASSERT_OK(ash_gc(&reaped));
  cr_assert_leq(count_tmp_files(), before);
  ASSERT_OK(ash_unlink(a, 0));
}

/* A creator killed between giving its segment the name and removing the
 * temporary one (creation without O_TMPFILE) leaves a file with two names.
 * Once a remover takes the segment's name away, the link count is still 1
 * (the temporary name): an attacher must still see the segment as gone.
 * Found by torture-tmpname (a held segment lost its name). */
static int child_second_name_left(void *arg) {
  setenv("ASH_TEST_NO_TMPFILE", "1", 1);
  const char *name = arg;
  ash_view *v = NULL;
  if (ash_create(name, ASH_FLOAT64, 1, (const int64_t[]){4}, ASH_PERSIST, 0600,
                 &v) != ASH_OK)
    return 2;
  const char *d = ash_view_descriptor_ex(v, ASH_DESC_GEN);
  char desc[512];
  if (d == NULL || strlen(d) >= sizeof desc)
    return 3;
  strcpy(desc, d);
  ash_view_release(v); /* the mapping stays in the cache, detached */
  char path[256], extra[300];
  t_shm_path(path, sizeof path, name);
  snprintf(extra, sizeof extra, "%s.leftover", path);
  if (link(path, extra) != 0) /* the temporary name a killed creator left */
    return 4;
  if (unlink(path) != 0) /* a remover takes the name away */
    return 5;
  int r = ash_attach(desc, 0, &v); /* through the kept mapping */
  unlink(extra);
  if (r == ASH_OK) {
    ash_view_release(v);
    return 6; /* attached a segment that has lost its name */
  }
  return r == ASH_E_NOENT ? 0 : 7;
}

TEST(reliability, a_segment_left_with_only_its_temporary_name_is_gone) {
  TNAME(a);
  cr_assert_eq(t_run_child(child_second_name_left, a), 0);
  cr_assert(!t_shm_exists(a));
}

/* ---- released mappings ------------------------------------------------------ */

TEST(reliability, a_released_mapping_is_reused_then_dropped_when_stale) {
  TNAME(a);
  ash_view *v = make_f64(a, 1024, ASH_PERSIST);
  void *data = ash_view_data(v);
  ash_view_release(v);
  ASSERT_OK(ash_attach(a, 0, &v)); /* from the cache: same mapping */
  cr_assert_eq(ash_view_data(v), data);
  ash_segment *s = NULL;
  ASSERT_OK(ash_view_segment(v, &s));
  int alive = 0;
  ASSERT_OK(ash_segment_attachers(s, &alive, NULL));
  cr_assert_eq(alive, 1, "attached again");
  ash_segment_close(s);
  ash_view_release(v);
  char p[300];
  cr_assert_eq(truncate(t_shm_path(p, sizeof p, a), 4096), 0);
  ASSERT_ERR(ash_attach(a, 0, &v), ASH_E_TRUNC);
  ASSERT_OK(ash_unlink(a, 0));
  /* re-created under the same name: the new one, not the cached one */
  v = make_f64(a, 8, ASH_PERSIST);
  int64_t i = 0;
  ASSERT_OK(ash_view_set_f64(v, 1, &i, 3.0));
  ash_view_release(v);
  ASSERT_OK(ash_attach(a, 0, &v));
  cr_assert_eq(ash_view_size(v), 8);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(reliability, the_cache_keeps_at_most_eight_and_no_removed_segment) {
  char names[20][64];
  for (int k = 0; k < 20; k++) {
    t_name(names[k]);
    ash_view_release(make_f64(names[k], 16, ASH_PERSIST));
  }
  int mapped = 0;
  for (int k = 0; k < 20; k++)
    mapped += maps_count(names[k]) > 0;
  cr_assert_leq(mapped, 8, "%d released segments still mapped", mapped);
  ash_view *keep = NULL;
  ASSERT_OK(ash_attach(names[19], 0, &keep)); /* the most recent: cached */
  cr_assert_eq(maps_count(names[19]), 1);
  ash_view_release(keep);
  char path[2048];
  struct stat st;
  cr_assert_eq(stat(t_shm_path(path, sizeof path, names[19]), &st), 0);
  for (int k = 0; k < 20; k++)
    ASSERT_OK(ash_unlink(names[k], 0));
  cr_assert_eq(maps_count_ino(st.st_ino), 0, "unlinked by us: dropped at once");
}

/* ---- the SIGBUS guard --------------------------------------------------------- */

TEST(reliability, copies_into_a_truncated_segment_return_trunc) {
  TNAME(a);
  TNAME(b);
  int64_t n = 1 << 16; /* 512 KiB */
  ash_view *v = make_f64(a, n, ASH_PERSIST);
  ash_view *w = make_f64(b, n, ASH_PERSIST);
  char p[300];
  cr_assert_eq(truncate(t_shm_path(p, sizeof p, a), 8192), 0);
  size_t bytes = (size_t)n * 8;
  double *buf = calloc(1, bytes);
  ASSERT_ERR(ash_view_read(v, buf, bytes), ASH_E_TRUNC);
  cr_assert(strstr(ash_last_error(), "truncated"), "%s", ash_last_error());
  ASSERT_ERR(ash_view_write(v, buf, bytes), ASH_E_TRUNC);
  ASSERT_ERR(ash_view_fill_f64(v, 1.5), ASH_E_TRUNC);
  ASSERT_ERR(ash_view_fill_f64(v, 0.0), ASH_E_TRUNC);
  ASSERT_ERR(ash_view_copy(w, v), ASH_E_TRUNC);
  ASSERT_ERR(ash_view_copy(v, w), ASH_E_TRUNC);
  ash_view *s2 = NULL;
  ASSERT_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, 2, 0, &s2));
  ASSERT_ERR(ash_view_fill_i64(s2, 3), ASH_E_TRUNC);
  ash_view_release(s2);
  /* the other segment is untouched and still works */
  ASSERT_OK(ash_view_fill_f64(w, 2.0));
  ASSERT_OK(ash_view_read(w, buf, bytes));
  cr_assert_eq(buf[n - 1], 2.0);
  free(buf);
  ash_view_release(v);
  ash_view_release(w);
  ASSERT_OK(ash_unlink(a, 0));
  ASSERT_OK(ash_unlink(b, 0));
}

static int child_raw_access(void *arg) {
  ash_view *v = arg;
  volatile double *d = ash_view_data(v);
  return (int)d[(1 << 16) - 1]; /* unguarded: SIGBUS, as documented */
}

TEST(reliability, a_raw_pointer_is_not_guarded) {
  TNAME(a);
  int64_t n = 1 << 16;
  ash_view *v = make_f64(a, n, ASH_PERSIST);
  char p[300];
  cr_assert_eq(truncate(t_shm_path(p, sizeof p, a), 8192), 0);
  int rc = t_run_child(child_raw_access, v);
  /* SIGBUS, or SIGABRT when a sanitizer's handler reports it first */
  cr_assert(rc == 1000 + SIGBUS || rc == 1000 + SIGABRT, "child ended with %d",
            rc);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- the read-only model ------------------------------------------------------ */

TEST(reliability, read_only_then_writable_one_mapping_one_slot) {
  TNAME(a);
  ash_view *v = make_f64(a, 1024, ASH_PERSIST);
  ash_view_release(v);
  ash_cache_clear();
  ash_view *ro = NULL, *rw = NULL;
  ASSERT_OK(ash_attach(a, ASH_RDONLY, &ro));
  char perms[8];
  maps_perms(ash_view_data(ro), perms);
  cr_assert_str_eq(perms, "r--s");
  ASSERT_OK(ash_attach(a, 0, &rw));
  cr_assert_eq(ash_view_data(rw), ash_view_data(ro), "one mapping");
  maps_perms(ash_view_data(rw), perms);
  cr_assert_str_eq(perms, "rw-s");
  cr_assert_eq(maps_count(a), 1);
  ash_segment *s = NULL;
  ASSERT_OK(ash_view_segment(ro, &s));
  int alive = 0, dead = 0;
  ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
  cr_assert_eq(alive, 1, "one slot per process");
  int64_t i = 0;
  ASSERT_ERR(ash_view_set_f64(ro, 1, &i, 1.0), ASH_E_RDONLY);
  ash_view_release(rw); /* the last writer: read-only again */
  maps_perms(ash_view_data(ro), perms);
  cr_assert_str_eq(perms, "r--s");
  ash_segment_close(s);
  ash_view_release(ro);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(reliability, writable_then_read_only_one_mapping_one_slot) {
  TNAME(a);
  ash_view *rw = make_f64(a, 1024, ASH_PERSIST);
  ash_view *ro = NULL;
  ASSERT_OK(ash_attach(a, ASH_RDONLY, &ro));
  cr_assert_eq(ash_view_data(rw), ash_view_data(ro));
  cr_assert_eq(maps_count(a), 1);
  ash_segment *s = NULL;
  ASSERT_OK(ash_segment_open(a, ASH_RDONLY, &s));
  int alive = 0;
  ASSERT_OK(ash_segment_attachers(s, &alive, NULL));
  cr_assert_eq(alive, 1);
  ash_view_release(rw);
  char perms[8];
  maps_perms(ash_view_data(ro), perms);
  cr_assert_str_eq(perms, "r--s", "no writer left: the address is read-only");
  ash_segment_close(s);
  ash_view_release(ro);
  ASSERT_OK(ash_unlink(a, 0));
}
