/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: segment files. The input is a segment's bytes (header,
 * attach table, directory, arena): it is written to a file that is opened
 * by descriptor (ash_segment_open_fd) for inspection (ASH_NOATTACH),
 * attached and attached read-only; every array is listed, viewed, sliced, indexed, transposed,
 * flattened, reinterpreted, read, described and the descriptor parsed again
 * (on the inspection open; the attached opens read, write back and describe
 * each array, and add one), and everything is closed.
 * A segment an attacker wrote must give an error, never a crash, undefined
 * behaviour or a hang.
 *
 * The file is a memfd, opened by descriptor: tmpfs like /dev/shm, nothing
 * left on disk or in /dev/shm if the harness dies (its /proc/self/fd/N path
 * is a symbolic link, which opens by name refuse: links are never
 * followed). The file is rewritten before each open (attaching records a
 * slot, detaching an auto segment marks it removed). At start the harness
 * checks that a segment the library made opens in every mode, so that a
 * harness whose opens all fail (and which would fuzz nothing past the
 * first check) stops at once instead of running idle.
 *
 * Seeds: real segments the library makes (fuzz_seed.c), never committed. */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

static int g_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  g_fd = memfd_create("ash-fuzz-segment", MFD_CLOEXEC);
  if (g_fd < 0) {
    perror("memfd_create");
    abort();
  }
  return 0;
}

static int put(const uint8_t *data, size_t size) {
  if (ftruncate(g_fd, 0) != 0)
    return -1;
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(g_fd, data + done, size - done, (off_t)done);
    if (n <= 0)
      return -1;
    done += (size_t)n;
  }
  return 0;
}

/* The waits for a segment "being created" (magic 0) or "being removed"
 * (state 3) take tens of milliseconds by design (see ash_segment_open): the
 * fuzzer would spend its time sleeping there, so those inputs are left out. */
static int waits(const uint8_t *data, size_t size) {
  uint64_t magic = 0;
  uint32_t state = 0;
  if (size == 0)
    return 1;
  if (size >= 8) {
    memcpy(&magic, data, 8);
    if (magic == 0)
      return 1;
  }
  if (size >= 24) {
    memcpy(&state, data + 20, 4);
    if (state == 3)
      return 1;
  }
  return 0;
}

/* Touches @v and its derived views, describes it and (@reparse) parses
 * the descriptor again: that opens the file once more, so it is done for
 * the first arrays only. */
static void exercise_view(const ash_view *v, int reparse) {
  fz_touch(v);
  fz_derive(v, fz_touch);
  const char *d = ash_view_descriptor(v);
  FZ_REQUIRE(d != NULL, "no descriptor");
  ash_view *w = NULL;
  /* The file may name duplicate arrays or change under us: parsing may
   * fail or give another array's view, but never crash. */
  if (reparse && ash_view_from_descriptor(d, ASH_NOATTACH, &w) == ASH_OK) {
    fz_touch(w);
    ash_view_release(w);
  }
}

/* Everything on the inspection open; on the attached ones (the same
 * arrays through another mapping) the arrays are touched, not derived. */
static void exercise(ash_segment *seg, unsigned mode) {
  int full = (mode & ASH_NOATTACH) != 0;
  int alive = 0, dead = 0;
  (void)ash_segment_name(seg);
  (void)ash_segment_size(seg);
  (void)ash_segment_arena_free(seg);
  (void)ash_segment_policy(seg);
  (void)ash_segment_readonly(seg);
  (void)ash_segment_creator_pid(seg);
  (void)ash_segment_ctime(seg);
  (void)ash_segment_format_minor(seg);
  if (ash_segment_attachers(seg, &alive, &dead) == ASH_OK)
    for (int i = 0; i < alive + dead && i < 8; i++) {
      int64_t pid;
      int live;
      (void)ash_segment_attacher(seg, i, &pid, &live);
    }
  int n = ash_segment_array_count(seg);
  FZ_REQUIRE(n >= 0 && n <= 4096, "array count %d", n);
  for (int i = 0; i < n && i < 32; i++) {
    const char *name = ash_segment_array_name(seg, i);
    FZ_REQUIRE(name != NULL, "array %d of %d has no name", i, n);
    FZ_REQUIRE(ash_name_check(name, 1) == ASH_OK, "array name \"%s\"", name);
    ash_view *v = NULL;
    if (ash_segment_view(seg, name, &v) == ASH_OK) {
      if (full)
        exercise_view(v, i < 4);
      else
        fz_touch(v), (void)ash_view_descriptor(v);
      ash_view_release(v);
    }
  }
  ash_view *first = NULL;
  if (ash_segment_view(seg, NULL, &first) == ASH_OK)
    ash_view_release(first);
  if (mode == 0) { /* writable: the directory and arena grow */
    ash_view *v = NULL;
    if (ash_segment_add_array(seg, "fz", ASH_INT16, 2, (const int64_t[]){2, 3},
                              &v) == ASH_OK) {
      FZ_REQUIRE(ash_view_fill_i64(v, 7) == ASH_OK, "fill: %s",
                 ash_last_error());
      exercise_view(v, 1);
      ash_view_release(v);
    }
  }
}

static const unsigned modes[] = {ASH_NOATTACH, 0, ASH_RDONLY};

/* A segment the library makes (anonymous: nothing named), copied into the
 * harness's file, must open in every mode. */
static void self_check(void) {
  ash_segment *made = NULL;
  ash_view *v = NULL;
  FZ_REQUIRE(ash_segment_create("fzcheck", 1 << 16, 4, ASH_ANON, 0600, &made) ==
                 ASH_OK,
             "create: %s", ash_last_error());
  FZ_REQUIRE(ash_segment_add_array(made, "a", ASH_FLOAT64, 1,
                                   (const int64_t[]){8}, &v) == ASH_OK,
             "add: %s", ash_last_error());
  ash_view_release(v);
  static uint8_t buf[1 << 17];
  ssize_t n = pread(ash_segment_fd(made), buf, sizeof buf, 0);
  FZ_REQUIRE(n > 0, "read the made segment");
  ash_segment_close(made);
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    ash_segment *seg = NULL;
    FZ_REQUIRE(put(buf, (size_t)n) == 0, "write");
    FZ_REQUIRE(ash_segment_open_fd(g_fd, modes[m], &seg) == ASH_OK,
               "a valid segment does not open (mode %u): %s", modes[m],
               ash_last_error());
    ash_segment_close(seg);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int checked;
  if (!checked) {
    self_check();
    checked = 1;
  }
  if (waits(data, size))
    return -1; /* not worth keeping in the corpus */
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    if (put(data, size) != 0)
      abort();
    ash_segment *seg = NULL;
    if (ash_segment_open_fd(g_fd, modes[m], &seg) == ASH_OK) {
      exercise(seg, modes[m]);
      ash_segment_close(seg);
      /* The file is rewritten in place (same inode): a kept mapping of the
       * previous input must not be reused, so each input runs alone and a
       * crash reproduces from its file. */
      ash_cache_clear();
    } else {
      FZ_REQUIRE(seg == NULL, "a failed open left a handle");
      FZ_REQUIRE(ash_last_error()[0] != '\0', "an error without detail");
    }
  }
  return 0;
}
