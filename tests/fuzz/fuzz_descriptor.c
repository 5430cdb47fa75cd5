/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: descriptors. A real small segment with several arrays
 * (made once per process, by name in /dev/shm, and once more as a file) is
 * attached through ash_view_from_descriptor() with a fuzzed descriptor.
 *
 * Input: byte 0 picks a form, byte 1 the flags, the rest is glued to the
 * form's fixed start, which names one of this process's own segments
 * (so the fuzzer never reaches anyone else's):
 *   0  "ash://SEG" + rest       the whole grammar after the scheme and name
 *   1  "SEG" + rest             the shorthand
 *   2  "ash://SEG/a?" + rest    the query: dtype, shape, strides, offset, ro
 *   3  "ash://SEG/b[" + rest    the bracket index (rest closes it)
 *   4  "ash://SEG/c?gen=" + rest               pinning by creation time
 *   5  "ash://SEG/c?gen=GEN&" + rest           the pinned, mapped segment
 *   6  "ash+file://PATH" + rest                the file form (no "..", "%")
 *   7  "ash+file://PATH?array=" + rest
 * A view that parses must stay inside its array, be readable, and describe
 * itself with a descriptor that parses back to the same view (abort
 * otherwise: a crash for libFuzzer). */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

static char g_seg[64];  /* segment name in /dev/shm */
static char g_dir[64];  /* temporary directory of the file segment */
static char g_file[96]; /* its path */
static long long g_gen; /* ash_segment_ctime() of g_seg */
static ash_segment *g_handles[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_names(void) {
  char shm[96];
  snprintf(shm, sizeof shm, "/" ASH_SHM_PREFIX "%s", g_seg);
  shm_unlink(shm);
  unlink(g_file);
  rmdir(g_dir);
}

static void cleanup(void) {
  for (int i = 0; i < 2; i++) {
    ash_segment_close(g_handles[i]);
    g_handles[i] = NULL;
  }
  remove_names();
}

/* However this process ends (a crash, libFuzzer's timeout or exit), a
 * forked guard sees its pipe close and removes the two names: nothing is
 * left in /dev/shm. (libFuzzer owns the sanitizers' death callback.) */
static void start_guard(void) {
  int p[2];
  if (pipe(p) != 0) {
    perror("pipe");
    abort();
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    abort();
  }
  if (pid == 0) {
    close(p[1]);
    char c;
    while (read(p[0], &c, 1) != 0 && errno == EINTR)
      ;
    remove_names();
    _exit(0);
  }
  close(p[0]); /* the write end stays open, unused, until we die */
}

/* The arrays of fz_desc_arrays, filled with 0, 1, 0, 1, ... */
static ash_segment *make(const char *name, unsigned flags) {
  ash_segment *seg = NULL;
  if (ash_segment_create(name, 1 << 14, 8, flags | ASH_PERSIST, 0600, &seg)) {
    fprintf(stderr, "fuzz_descriptor: create %s: %s\n", name, ash_last_error());
    abort();
  }
  for (size_t i = 0; i < FZ_DESC_NARRAYS; i++) {
    ash_view *v = NULL;
    if (ash_segment_add_array(seg, fz_desc_arrays[i].name,
                              fz_desc_arrays[i].dtype, fz_desc_arrays[i].ndim,
                              fz_desc_arrays[i].shape, &v)) {
      fprintf(stderr, "fuzz_descriptor: add %s: %s\n", fz_desc_arrays[i].name,
              ash_last_error());
      abort();
    }
    int64_t n = ash_view_size(v);
    for (int64_t k = 0; k < n; k++)
      (void)ash_view_set_i64(v, 1, &k, k % 2);
    ash_view_release(v);
  }
  return seg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(g_seg, sizeof g_seg, "fzdesc-%d-%lx", (int)getpid(),
           (unsigned long)random() ^ (unsigned long)ash_version());
  snprintf(g_dir, sizeof g_dir, "/tmp/ash-fuzz-desc-XXXXXX");
  if (mkdtemp(g_dir) == NULL) {
    perror("mkdtemp");
    abort();
  }
  snprintf(g_file, sizeof g_file, "%s/seg", g_dir);
  start_guard();
  g_handles[0] = make(g_seg, 0);
  g_handles[1] = make(g_file, ASH_FILE);
  g_gen = (long long)ash_segment_ctime(g_handles[0]);
  atexit(cleanup);
  return 0;
}

static int g_noattach; /* the view under test has its own mapping */

/* @v is readable and its own descriptor parses back to the same view. */
static void check_round_trip(const ash_view *v) {
  fz_touch(v);
  const char *d = ash_view_descriptor(v);
  FZ_REQUIRE(d != NULL, "no descriptor");
  ash_view *w = NULL;
  int rc = ash_view_from_descriptor(d, 0, &w);
  FZ_REQUIRE(rc == ASH_OK, "own descriptor \"%s\" refused: %s", d,
             ash_last_error());
  /* The same mapping unless @v has one of its own (ASH_NOATTACH). */
  FZ_REQUIRE(ash_view_dtype(w) == ash_view_dtype(v) &&
                 ash_view_ndim(w) == ash_view_ndim(v) &&
                 ash_view_offset(w) == ash_view_offset(v) &&
                 (g_noattach || ash_view_data(w) == ash_view_data(v)) &&
                 (ash_view_flags(w) & ASH_VIEW_READONLY) ==
                     (ash_view_flags(v) & ASH_VIEW_READONLY),
             "\"%s\" parsed to another view", d);
  for (int i = 0; i < ash_view_ndim(v); i++) {
    FZ_REQUIRE(ash_view_dim(w, i) == ash_view_dim(v, i), "\"%s\": dim %d", d,
               i);
    FZ_REQUIRE(ash_view_dim(v, i) <= 1 || ash_view_size(v) == 0 ||
                   ash_view_stride(w, i) == ash_view_stride(v, i),
               "\"%s\": stride %d", d, i);
  }
  FZ_REQUIRE(strcmp(ash_view_descriptor(w), d) == 0,
             "\"%s\" described again as \"%s\"", d, ash_view_descriptor(w));
  ash_view_release(w);
}

/* The parsed view, and every view derived from it, round-trip. */
static void check_view(const ash_view *v, int noattach) {
  g_noattach = noattach;
  check_round_trip(v);
  fz_derive(v, check_round_trip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 9000)
    return -1;
  int form = data[0] % FZ_NFORMS;
  static const unsigned flag_choice[] = {0, ASH_RDONLY, ASH_NOATTACH,
                                         ASH_RDONLY | ASH_NOATTACH};
  unsigned flags = flag_choice[data[1] % 4];
  const char *rest = (const char *)data + 2;
  size_t nrest = size - 2;
  if (memchr(rest, '\0', nrest) != NULL)
    return -1; /* a C string ends at its first NUL */
  if (form >= FZ_FORM_FILE &&
      (memmem(rest, nrest, "..", 2) || memchr(rest, '%', nrest)))
    return -1; /* stay inside our own directory */
  char head[160];
  switch (form) {
  case FZ_FORM_SCHEME:
    snprintf(head, sizeof head, "ash://%s", g_seg);
    break;
  case FZ_FORM_SHORT:
    snprintf(head, sizeof head, "%s", g_seg);
    break;
  case FZ_FORM_QUERY:
    snprintf(head, sizeof head, "ash://%s/a?", g_seg);
    break;
  case FZ_FORM_INDEX:
    snprintf(head, sizeof head, "ash://%s/b[", g_seg);
    break;
  case FZ_FORM_GEN:
    snprintf(head, sizeof head, "ash://%s/c?gen=", g_seg);
    break;
  case FZ_FORM_PINNED:
    snprintf(head, sizeof head, "ash://%s/c?gen=%lld&", g_seg, g_gen);
    break;
  case FZ_FORM_FILE:
    snprintf(head, sizeof head, "ash+file://%s", g_file);
    break;
  default:
    snprintf(head, sizeof head, "ash+file://%s?array=", g_file);
    break;
  }
  size_t nhead = strlen(head);
  char *desc = malloc(nhead + nrest + 1);
  if (desc == NULL)
    return 0;
  memcpy(desc, head, nhead);
  memcpy(desc + nhead, rest, nrest);
  desc[nhead + nrest] = '\0';
  ash_view *v = (ash_view *)desc; /* must be set to NULL on failure */
  int rc = ash_view_from_descriptor(desc, flags, &v);
  if (rc == ASH_OK) {
    check_view(v, (flags & ASH_NOATTACH) != 0);
    ash_view_release(v);
  } else {
    FZ_REQUIRE(v == NULL, "a failed parse left a view");
    FZ_REQUIRE(ash_last_error()[0] != '\0', "an error without detail");
    FZ_REQUIRE(strcmp(ash_err_name(rc), "UNKNOWN") != 0, "status %d", rc);
  }
  free(desc);
  return 0;
}
