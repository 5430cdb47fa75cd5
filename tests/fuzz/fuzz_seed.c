/* SPDX-License-Identifier: MIT */
/* Seed corpora of the fuzz harnesses, made at run time by the library itself
 * (so they always have the current on-memory format; nothing binary is
 * committed):
 *
 *   ash-fuzz-seed OUTDIR
 *
 * writes OUTDIR/segment/ (the bytes of real segment files: one array,
 * several arrays of every kind, none, auto and persist, with data),
 * OUTDIR/descriptor/ (descriptors of real views, in fuzz_descriptor.c's
 * input format) and OUTDIR/names/ (names and dtype spellings, good and
 * bad). Leaves nothing else behind. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

static const char *g_out;
static int g_count;
static char g_tmp[64];

static void die(const char *what) {
  fprintf(stderr, "ash-fuzz-seed: %s: %s\n", what, ash_last_error());
  exit(1);
}

#define OK(call)                                                               \
  do {                                                                         \
    if ((call) != ASH_OK)                                                      \
      die(#call);                                                              \
  } while (0)

static void write_seed(const char *kind, const void *data, size_t n) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s/seed-%03d", g_out, kind, g_count++);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "ash-fuzz-seed: write %s: %s\n", path, strerror(errno));
    exit(1);
  }
}

/* The current bytes of the segment file at @path, as a seed. */
static void seed_file(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    fprintf(stderr, "ash-fuzz-seed: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL || read(fd, buf, (size_t)st.st_size) != st.st_size) {
    fprintf(stderr, "ash-fuzz-seed: read %s\n", path);
    exit(1);
  }
  close(fd);
  write_seed("segment", buf, (size_t)st.st_size);
  free(buf);
}

static void fill(const ash_view *v) {
  int64_t n = ash_view_size(v);
  for (int64_t k = 0; k < n; k++)
    (void)ash_view_set_i64(v, 1, &k, (k * 7) % 100);
}

static void add(ash_segment *seg, const char *name, int dtype, int ndim,
                const int64_t *shape) {
  ash_view *v = NULL;
  OK(ash_segment_add_array(seg, name, dtype, ndim, shape, &v));
  fill(v);
  ash_view_release(v);
}

static void segments(void) {
  char path[128];
  ash_segment *seg = NULL;
  ash_view *v = NULL;
  /* one array, the one-call form, persist */
  snprintf(path, sizeof path, "%s/one", g_tmp);
  OK(ash_create(path, ASH_FLOAT64, 2, (const int64_t[]){3, 4},
                ASH_FILE | ASH_PERSIST, 0600, &v));
  fill(v);
  seed_file(path);
  ash_view_release(v);
  unlink(path);
  /* every dtype, 0-d, empty, empty beside a huge dimension, 32-d; auto */
  snprintf(path, sizeof path, "%s/many", g_tmp);
  OK(ash_segment_create(path, 4096, 24, ASH_FILE, 0600, &seg));
  static const char *names[] = {"b1", "i1", "i2", "i4", "i8", "u1", "u2",
                                "u4", "u8", "f2", "f4", "f8", "c8", "c16"};
  for (int dt = ASH_BOOL; dt < ASH_DTYPE_COUNT_; dt++)
    add(seg, names[dt - 1], dt, 1, (const int64_t[]){3});
  add(seg, "scalar", ASH_INT32, 0, NULL);
  add(seg, "empty", ASH_FLOAT32, 2, (const int64_t[]){0, 5});
  add(seg, "huge.empty", ASH_UINT16, 3,
      (const int64_t[]){INT64_C(1) << 62, 0, INT64_C(1) << 62});
  int64_t ones[ASH_MAX_NDIM];
  for (int i = 0; i < ASH_MAX_NDIM; i++)
    ones[i] = 1 + (i == ASH_MAX_NDIM - 1);
  add(seg, "d32", ASH_INT8, ASH_MAX_NDIM, ones);
  seed_file(path); /* before the close: the last detacher removes it */
  ash_segment_close(seg);
  unlink(path);
  /* no arrays yet, a directory of one */
  snprintf(path, sizeof path, "%s/none", g_tmp);
  OK(ash_segment_create(path, 100, 1, ASH_FILE | ASH_PERSIST, 0600, &seg));
  seed_file(path);
  add(seg, "only", ASH_UINT8, 2, (const int64_t[]){5, 7});
  seed_file(path);
  ash_segment_close(seg);
  unlink(path);
}

/* A descriptor seed: form, flags, then the text after the form's start. */
static void seed_desc(int form, int flags, const char *rest) {
  size_t n = strlen(rest);
  char *buf = malloc(n + 2);
  buf[0] = (char)form;
  buf[1] = (char)flags;
  memcpy(buf + 2, rest, n);
  write_seed("descriptor", buf, n + 2);
  free(buf);
}

/* @d without its first @skip bytes (the part a form supplies). */
static const char *after(const char *d, size_t skip) {
  return strlen(d) >= skip ? d + skip : "";
}

static void descriptors(void) {
  char seg_name[64], path[128], head[200];
  snprintf(seg_name, sizeof seg_name, "fzseed-%d", (int)getpid());
  snprintf(path, sizeof path, "%s/desc", g_tmp);
  for (int file = 0; file < 2; file++) {
    ash_segment *seg = NULL;
    const char *name = file ? path : seg_name;
    OK(ash_segment_create(name, 1 << 14, 8, (file ? ASH_FILE : 0u), 0600,
                          &seg));
    ash_view *arr[FZ_DESC_NARRAYS];
    for (size_t i = 0; i < FZ_DESC_NARRAYS; i++)
      OK(ash_segment_add_array(seg, fz_desc_arrays[i].name,
                               fz_desc_arrays[i].dtype, fz_desc_arrays[i].ndim,
                               fz_desc_arrays[i].shape, &arr[i]));
    ash_view *views[16];
    int n = 0;
    for (size_t i = 0; i < FZ_DESC_NARRAYS; i++)
      views[n++] = ash_view_retain(arr[i]);
    ash_view *a = arr[0], *b = arr[1], *d = arr[3];
    OK(ash_view_slice(a, 1, ASH_NONE, ASH_NONE, -2, 0, &views[n++]));
    OK(ash_view_slice(b, 0, 1, 2, 1, 0, &views[n++]));
    OK(ash_view_transpose(b, &views[n++]));
    OK(ash_view_index(a, 0, 3, &views[n++]));
    OK(ash_view_reinterpret(a, ASH_UINT8, &views[n++]));
    OK(ash_view_readonly(a, &views[n++]));
    OK(ash_view_slice(d, 1, 7, ASH_NONE, 3, 0, &views[n++]));
    OK(ash_view_reshape(b, 2, (const int64_t[]){4, 6}, &views[n++]));
    for (int i = 0; i < n; i++) {
      const char *desc = ash_view_descriptor(views[i]);
      if (file) {
        snprintf(head, sizeof head, "ash+file://%s", path);
        seed_desc(FZ_FORM_FILE, i % 4, after(desc, strlen(head)));
        snprintf(head, sizeof head, "ash+file://%s?array=", path);
        seed_desc(FZ_FORM_FILEARRAY, 0, after(desc, strlen(head)));
      } else {
        snprintf(head, sizeof head, "ash://%s", seg_name);
        seed_desc(FZ_FORM_SCHEME, i % 4, after(desc, strlen(head)));
        snprintf(head, sizeof head, "ash://%s/a?", seg_name);
        if (strncmp(desc, head, strlen(head)) == 0)
          seed_desc(FZ_FORM_QUERY, 0, after(desc, strlen(head)));
      }
      ash_view_release(views[i]);
    }
    for (size_t i = 0; i < FZ_DESC_NARRAYS; i++)
      ash_view_release(arr[i]);
    if (!file) {
      char gen[64];
      snprintf(gen, sizeof gen, "%lld", (long long)ash_segment_ctime(seg));
      seed_desc(FZ_FORM_GEN, 0, gen);
    }
    OK(ash_segment_unlink(seg));
    ash_segment_close(seg);
  }
  static const char *shorts[] = {"",     "/a",         "/b[1, ::-1, 2]",
                                 "[0]",  "/d[:, 5:]",  "/e[::-3]",
                                 "/c[]", "/a[1:3, -1]"};
  for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
    seed_desc(FZ_FORM_SHORT, (int)i % 4, shorts[i]);
  static const char *index[] = {"1:3, ::-1, 0]", "0]", "::2, 1:, -1]", "]",
                                "-2, 2, 3]"};
  for (size_t i = 0; i < sizeof index / sizeof index[0]; i++)
    seed_desc(FZ_FORM_INDEX, 0, index[i]);
  seed_desc(FZ_FORM_PINNED, 0, "ro=1");
  seed_desc(FZ_FORM_PINNED, 1, "dtype=<c16&shape=&strides=&offset=0");
}

static void names(void) {
  static const char *words[] = {
      "frames",     "a",   "A_b.c-d", ".hidden", "-dash", "a/b",
      "with space", "ünï", "data",    "x",       ""};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    write_seed("names", words[i], strlen(words[i]));
  char longname[ASH_NAME_MAX + 2];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  write_seed("names", longname, ASH_NAME_MAX);
  write_seed("names", longname, ASH_NAME_MAX + 1);
  write_seed("names", longname, ASH_ARRAY_NAME_MAX + 1);
  for (int dt = ASH_BOOL; dt < ASH_DTYPE_COUNT_; dt++) {
    const char *s[] = {ash_dtype_name(dt), ash_dtype_str(dt),
                       ash_dtype_format(dt)};
    for (int k = 0; k < 3; k++)
      write_seed("names", s[k], strlen(s[k]));
  }
  static const char *spell[] = {">f8", "=i4", "|u1",  "double", "cfloat",
                                "?",   "!f4", "<f16", "int",    "uintp"};
  for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++)
    write_seed("names", spell[i], strlen(spell[i]));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: ash-fuzz-seed OUTDIR\n");
    return 2;
  }
  g_out = argv[1];
  const char *kinds[] = {"", "/segment", "/descriptor", "/names"};
  for (int i = 0; i < 4; i++) {
    char d[4200];
    snprintf(d, sizeof d, "%s%s", g_out, kinds[i]);
    if (mkdir(d, 0700) != 0 && errno != EEXIST) {
      fprintf(stderr, "ash-fuzz-seed: mkdir %s: %s\n", d, strerror(errno));
      return 1;
    }
  }
  snprintf(g_tmp, sizeof g_tmp, "/tmp/ash-fuzz-seed-XXXXXX");
  if (mkdtemp(g_tmp) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  segments();
  descriptors();
  names();
  rmdir(g_tmp);
  printf("ash-fuzz-seed: %d seeds in %s\n", g_count, g_out);
  return 0;
}
