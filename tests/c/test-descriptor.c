/* SPDX-License-Identifier: MIT */
/* Descriptors: ash_view_descriptor round trips, the short forms accepted by
 * ash_view_from_descriptor / ash_attach, syntax and range errors, and a
 * descriptor handed to another process. */
#include "common.h"

TestSuite(descriptor, .fini = t_fini);

/* Asserts a and b are equal views: same dtype, shape, strides, offset,
 * read-only flag, names and (same process: shared mapping) data address. */
static void assert_same_view(const ash_view *a, const ash_view *b,
                             const char *what) {
  cr_assert_eq(ash_view_dtype(a), ash_view_dtype(b), "%s: dtype", what);
  cr_assert_eq(ash_view_ndim(a), ash_view_ndim(b), "%s: ndim", what);
  for (int i = 0; i < ash_view_ndim(a); i++) {
    cr_assert_eq(ash_view_dim(a, i), ash_view_dim(b, i), "%s: dim %d", what, i);
    cr_assert_eq(ash_view_stride(a, i), ash_view_stride(b, i), "%s: stride %d",
                 what, i);
  }
  cr_assert_eq(ash_view_offset(a), ash_view_offset(b), "%s: offset", what);
  cr_assert_eq(ash_view_flags(a), ash_view_flags(b), "%s: flags", what);
  cr_assert_str_eq(ash_view_array_name(a), ash_view_array_name(b));
  cr_assert_eq(ash_view_data(a), ash_view_data(b), "%s: data", what);
  int64_t n = ash_view_size(a);
  for (int64_t k = 0; k < n; k++) {
    double x = 0, y = 1, xi = 0, yi = 1;
    ASSERT_OK(ash_view_get_c128(a, 1, &k, &x, &xi));
    ASSERT_OK(ash_view_get_c128(b, 1, &k, &y, &yi));
    cr_assert(x == y && xi == yi, "%s: element %" PRId64, what, k);
  }
}

static ash_view *round_trip(const ash_view *v, const char *what) {
  const char *d = ash_view_descriptor(v);
  cr_assert_not_null(d, "%s: no descriptor", what);
  ash_view *w = NULL;
  int rc = ash_view_from_descriptor(d, 0, &w);
  cr_assert_eq(rc, ASH_OK, "%s: parsing \"%s\" gave %s: %s", what, d,
               ash_err_name(rc), ash_last_error());
  assert_same_view(v, w, d);
  /* the parsed view describes itself the same way */
  cr_assert_str_eq(ash_view_descriptor(w), d);
  /* and ash_attach takes it too */
  ash_view *x = NULL;
  ASSERT_OK(ash_attach(d, 0, &x));
  assert_same_view(v, x, d);
  ash_view_release(x);
  return w;
}

static ash_segment *make_seg(const char *name, ash_view **a, ash_view **b) {
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1 << 16, 4, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_FLOAT64, 2, (int64_t[]){4, 5}, a));
  ASSERT_OK(
      ash_segment_add_array(seg, "b", ASH_INT16, 3, (int64_t[]){2, 3, 4}, b));
  t_fill_arange(*a);
  t_fill_arange(*b);
  return seg;
}

TEST(descriptor, whole_array_is_short) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  char want[128];
  snprintf(want, sizeof want, "ash://%s/a", name);
  cr_assert_str_eq(ash_view_descriptor(a), want);
  snprintf(want, sizeof want, "ash://%s/b", name);
  cr_assert_str_eq(ash_view_descriptor(b), want);
  ash_view_release(round_trip(a, "whole a"));
  ash_view_release(round_trip(b, "whole b"));
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, views_round_trip) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  ash_view *v[12] = {NULL};
  int n = 0;
  ASSERT_OK(ash_view_slice(a, 0, 1, 3, 1, 0, &v[n++]));
  ASSERT_OK(ash_view_slice(a, 1, ASH_NONE, ASH_NONE, -1, 0, &v[n++]));
  ASSERT_OK(ash_view_slice(v[1], 0, ASH_NONE, ASH_NONE, -2, 0, &v[n++]));
  ASSERT_OK(ash_view_transpose(a, &v[n++]));
  ASSERT_OK(ash_view_permute(b, 3, (int64_t[]){1, 2, 0}, &v[n++]));
  ASSERT_OK(ash_view_index(b, 2, -1, &v[n++]));
  ash_view *row = NULL;
  ASSERT_OK(ash_view_index(a, 0, 2, &row));
  ASSERT_OK(ash_view_index(row, 0, 3, &v[n++])); /* 0-d */
  ash_view_release(row);
  ASSERT_OK(ash_view_reinterpret(a, ASH_UINT8, &v[n++]));
  ASSERT_OK(ash_view_reinterpret(a, ASH_INT64, &v[n++]));
  ASSERT_OK(ash_view_readonly(v[1], &v[n++]));
  ASSERT_OK(ash_view_slice(a, 0, 2, 2, 1, 0, &v[n++])); /* empty */
  ASSERT_OK(ash_view_reshape(b, 2, (int64_t[]){4, 6}, &v[n++]));
  for (int i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof what, "view %d", i);
    const char *d = ash_view_descriptor(v[i]);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "ash://%s/%s?", name,
             ash_view_array_name(v[i]));
    cr_assert(strncmp(d, prefix, strlen(prefix)) == 0,
              "%s: \"%s\" should start with \"%s\"", what, d, prefix);
    cr_assert(strstr(d, "dtype=") && strstr(d, "shape=") &&
                  strstr(d, "strides=") && strstr(d, "offset="),
              "%s: \"%s\"", what, d);
    ash_view_release(round_trip(v[i], what));
  }
  /* spot checks of the documented format */
  cr_assert(strstr(ash_view_descriptor(v[1]), "strides=40,-8") != NULL, "%s",
            ash_view_descriptor(v[1]));
  cr_assert(strstr(ash_view_descriptor(v[1]), "offset=32") != NULL);
  cr_assert(strstr(ash_view_descriptor(v[7]), "dtype=|u1") != NULL ||
                strstr(ash_view_descriptor(v[7]), "dtype=%7Cu1") != NULL,
            "%s", ash_view_descriptor(v[7]));
  cr_assert(strstr(ash_view_descriptor(v[9]), "ro=1") != NULL);
  cr_assert(strstr(ash_view_descriptor(v[1]), "ro=1") == NULL);
  ash_view *w = NULL;
  ASSERT_OK(ash_view_from_descriptor(ash_view_descriptor(v[9]), 0, &w));
  cr_assert(ash_view_flags(w) & ASH_VIEW_READONLY);
  ASSERT_ERR(ash_view_set_f64(w, 1, (int64_t[]){0}, 1.0), ASH_E_RDONLY);
  ash_view_release(w);
  for (int i = 0; i < n; i++)
    ash_view_release(v[i]);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, file_backed) {
  char path[512];
  t_tmpfile(path, sizeof path, "d.ash");
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(path, 4096, 2, ASH_FILE, 0600, &seg));
  ash_view *a = NULL, *s = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "arr", ASH_INT32, 1, (int64_t[]){10}, &a));
  t_fill_arange(a);
  char prefix[600];
  snprintf(prefix, sizeof prefix, "ash+file://%s", path);
  const char *d = ash_view_descriptor(a);
  cr_assert(strncmp(d, prefix, strlen(prefix)) == 0, "\"%s\"", d);
  cr_assert(strstr(d, "array=arr") != NULL, "\"%s\"", d);
  ash_view_release(round_trip(a, "file whole"));
  ASSERT_OK(ash_view_slice(a, 0, 8, 1, -3, 0, &s));
  d = ash_view_descriptor(s);
  cr_assert(strncmp(d, prefix, strlen(prefix)) == 0, "\"%s\"", d);
  ash_view_release(round_trip(s, "file slice"));
  ash_view_release(s);
  ash_view_release(a);
  ash_segment_close(seg);
  cr_assert(!t_path_exists(path));
}

TEST(descriptor, short_forms) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  char d[256];
  ash_view *w = NULL;
  const char *first_forms[] = {"%s", "ash://%s"};
  for (int i = 0; i < 2; i++) {
    t_subst(d, sizeof d, first_forms[i], name);
    ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
    assert_same_view(a, w, d);
    ash_view_release(w);
    ASSERT_OK(ash_attach(d, 0, &w));
    assert_same_view(a, w, d);
    ash_view_release(w);
  }
  const char *b_forms[] = {"%s/b", "ash://%s/b"};
  for (int i = 0; i < 2; i++) {
    t_subst(d, sizeof d, b_forms[i], name);
    ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
    assert_same_view(b, w, d);
    ash_view_release(w);
  }

  /* bracketed indices: a[1:3, ::-1] */
  ash_view *r1 = NULL, *ref = NULL;
  ASSERT_OK(ash_view_slice(a, 0, 1, 3, 1, 0, &r1));
  ASSERT_OK(ash_view_slice(r1, 1, ASH_NONE, ASH_NONE, -1, 0, &ref));
  ash_view_release(r1);
  snprintf(d, sizeof d, "ash://%s/a[1:3, ::-1]", name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  assert_same_view(ref, w, d);
  cr_assert_eq(ash_view_dim(w, 0), 2);
  cr_assert_eq(ash_view_stride(w, 1), -8);
  ash_view_release(w);
  snprintf(d, sizeof d, "%s/a[1:3,::-1]", name);
  ASSERT_OK(ash_attach(d, 0, &w));
  assert_same_view(ref, w, d);
  ash_view_release(w);
  ash_view_release(ref);

  /* integers drop axes: b[1:, ::2, 0] and b[-1] */
  ASSERT_OK(ash_view_slice(b, 0, 1, ASH_NONE, 1, 0, &r1));
  ash_view *r2 = NULL;
  ASSERT_OK(ash_view_slice(r1, 1, ASH_NONE, ASH_NONE, 2, 0, &r2));
  ASSERT_OK(ash_view_index(r2, 2, 0, &ref));
  ash_view_release(r1);
  ash_view_release(r2);
  snprintf(d, sizeof d, "ash://%s/b[1:, ::2, 0]", name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  assert_same_view(ref, w, d);
  cr_assert_eq(ash_view_ndim(w), 2);
  ash_view_release(w);
  ash_view_release(ref);
  ASSERT_OK(ash_view_index(b, 0, -1, &ref));
  snprintf(d, sizeof d, "%s/b[-1]", name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  assert_same_view(ref, w, d);
  ash_view_release(w);
  ash_view_release(ref);

  /* bracket after the segment: its first array */
  ASSERT_OK(ash_view_index(a, 0, 3, &ref));
  snprintf(d, sizeof d, "ash://%s[3]", name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  assert_same_view(ref, w, d);
  ash_view_release(w);
  ash_view_release(ref);

  /* fewer indices than axes: the rest are whole */
  ASSERT_OK(ash_view_slice(a, 0, 0, 4, 2, 0, &ref));
  snprintf(d, sizeof d, "%s/a[::2]", name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  assert_same_view(ref, w, d);
  ash_view_release(w);
  ash_view_release(ref);

  /* flags */
  snprintf(d, sizeof d, "ash://%s/a", name);
  ASSERT_OK(ash_view_from_descriptor(d, ASH_RDONLY, &w));
  cr_assert(ash_view_flags(w) & ASH_VIEW_READONLY);
  ASSERT_ERR(ash_view_set_f64(w, 1, (int64_t[]){0}, 1.0), ASH_E_RDONLY);
  ash_view_release(w);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, syntax_errors_are_desc) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  const char *forms[] = {
      "ash://%s/a[",
      "ash://%s/a[1:2",
      "ash://%s/a[1:2:3:4]",
      "ash://%s/a[q]",
      "ash://%s/a[1]x",
      "ash://%s/a[1,,2]",
      "ash://%s/a[1.5]",
      "ash://%s/a[[1]]",
      "ash://%s/a?shape=2,",
      "ash://%s/a?bogus=1",
      "ash://%s/a?dtype=<f8&shape=2&strides=8&offset=",
      "ash://%s/a?dtype=<f8&shape=x&strides=8&offset=0",
      "ash://%s/a?dtype=<f8&shape=2&strides=8,8&offset=0",
      /* numbers: decimal, an optional sign, 64 bits */
      "ash://%s/a?gen=9223372036854775808",
      "ash://%s/a?gen=-9223372036854775809",
      "ash://%s/a?gen=+",
      "ash://%s/a?gen=-",
      "ash://%s/a?gen=0x10",
      "ash://%s/a?gen=1e3",
      "ash://%s/a?gen=- 1",
      "ash://%s/a?gen=99999999999999999999",
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char d[300];
    t_subst(d, sizeof d, forms[i], name);
    ash_view *w = NULL;
    int rc = ash_view_from_descriptor(d, 0, &w);
    cr_expect_eq(rc, ASH_E_DESC, "\"%s\" gave %s: %s", d, ash_err_name(rc),
                 ash_last_error());
    cr_expect(ash_last_error()[0] != '\0');
    if (rc == ASH_OK)
      ash_view_release(w);
    w = NULL;
    rc = ash_attach(d, 0, &w);
    cr_expect_eq(rc, ASH_E_DESC, "attach \"%s\" gave %s", d, ash_err_name(rc));
    if (rc == ASH_OK)
      ash_view_release(w);
  }
  /* empty, nameless, a wrong scheme, or characters no name may hold: DESC,
   * or NAME when read as an (invalid) name; never a lookup (NOENT) */
  const char *empty[] = {"",          "ash://",           "ash:///a",
                         "ash:/%s/a", "ftp://%s/a",       "ash://%s/a]",
                         "%s/a]",     "ash://%s/a/extra", "ash://%s/a b"};
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
    char d[300];
    t_subst(d, sizeof d, empty[i], name);
    ash_view *w = NULL;
    int rc = ash_view_from_descriptor(d, 0, &w);
    cr_expect(rc == ASH_E_DESC || rc == ASH_E_NAME,
              "\"%s\" gave %s (expected DESC or NAME): %s", d, ash_err_name(rc),
              ash_last_error());
    if (rc == ASH_OK)
      ash_view_release(w);
  }
  ash_view *w = NULL;
  ASSERT_ERR(ash_view_from_descriptor(NULL, 0, &w), ASH_E_INVAL);
  char d[300];
  snprintf(d, sizeof d, "ash://%s/a", name);
  ASSERT_ERR(ash_view_from_descriptor(d, 0, NULL), ASH_E_INVAL);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, outside_the_array_is_index) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b); /* a: float64 (4, 5) = 160 B */
  const char *forms[] = {
      "ash://%s/a[4]",
      "ash://%s/a[-5]",
      "ash://%s/a[0:5]",
      "ash://%s/a[-5:]",
      "ash://%s/a[:, 5]",
      "ash://%s/a[:, :6]",
      "ash://%s/b[0, 0, 4]",
      "ash://%s/a?dtype=<f8&shape=21&strides=8&offset=0",
      "ash://%s/a?dtype=<f8&shape=1&strides=8&offset=160",
      "ash://%s/a?dtype=<f8&shape=2&strides=-8&offset=0",
      "ash://%s/a?dtype=<f8&shape=2&strides=8&offset=-8",
      "ash://%s/a?dtype=<c16&shape=10&strides=16&offset=8",
      "ash://%s/a?dtype=<f8&shape=4,5&strides=40,9&offset=0",
      "ash://%s/a?dtype=<f8&shape=2&strides=1000000000000&offset=0",
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char d[300];
    t_subst(d, sizeof d, forms[i], name);
    ash_view *w = NULL;
    int rc = ash_view_from_descriptor(d, 0, &w);
    cr_expect_eq(rc, ASH_E_INDEX, "\"%s\" gave %s: %s", d, ash_err_name(rc),
                 ash_last_error());
    if (rc == ASH_OK)
      ash_view_release(w);
  }
  /* too many indices (NumPy's IndexError), or sizes that overflow */
  const char *alt[] = {
      "ash://%s/a[1, 2, 3]",
      "ash://%s/a?dtype=<f8&shape=9223372036854775807&strides=8&offset=0",
  };
  for (size_t i = 0; i < sizeof alt / sizeof alt[0]; i++) {
    char d[300];
    t_subst(d, sizeof d, alt[i], name);
    ash_view *w = NULL;
    int rc = ash_view_from_descriptor(d, 0, &w);
    cr_assert(rc == ASH_E_INDEX || rc == (i == 0 ? ASH_E_DESC : ASH_E_OVERFLOW),
              "\"%s\" gave %s", d, ash_err_name(rc));
  }
  /* the largest valid ones work */
  char d[300];
  ash_view *w = NULL;
  snprintf(d, sizeof d, "ash://%s/a?dtype=<f8&shape=20&strides=8&offset=0",
           name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  cr_assert_eq(ash_view_size(w), 20);
  ash_view_release(w);
  snprintf(d, sizeof d, "ash://%s/a?dtype=<f8&shape=2&strides=-8&offset=152",
           name);
  ASSERT_OK(ash_view_from_descriptor(d, 0, &w));
  double x = 0;
  ASSERT_OK(ash_view_get_f64(w, 1, (int64_t[]){1}, &x));
  cr_assert_eq(x, 18.0);
  ash_view_release(w);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, missing_segment_or_array) {
  TNAME(name);
  TNAME(missing);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  char d[300];
  ash_view *w = NULL;
  snprintf(d, sizeof d, "ash://%s/a", missing);
  ASSERT_ERR(ash_view_from_descriptor(d, 0, &w), ASH_E_NOENT);
  snprintf(d, sizeof d, "ash://%s/nope", name);
  ASSERT_ERR(ash_view_from_descriptor(d, 0, &w), ASH_E_NOENT);
  snprintf(d, sizeof d, "%s/nope[0]", name);
  ASSERT_ERR(ash_attach(d, 0, &w), ASH_E_NOENT);
  cr_assert(!t_shm_exists(missing), "parsing must not create anything");
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

/* ---- another process ------------------------------------------------------------ */

struct child_ctx {
  const char *desc;
  t_pipe to_child, to_parent;
};

static int child_parse(void *arg) {
  struct child_ctx *c = arg;
  ash_view *v = NULL;
  if (ash_view_from_descriptor(c->desc, 0, &v) != ASH_OK)
    return 2;
  /* a[1:4, ::-2] of float64 (4, 5) filled with 10 * flat */
  if (ash_view_ndim(v) != 2 || ash_view_dim(v, 0) != 3 ||
      ash_view_dim(v, 1) != 3)
    return 3;
  double x = 0;
  if (ash_view_get_f64(v, 2, (int64_t[]){0, 0}, &x) != ASH_OK || x != 90.0)
    return 4; /* a[1, 4] */
  if (ash_view_get_f64(v, 2, (int64_t[]){2, 2}, &x) != ASH_OK || x != 150.0)
    return 5; /* a[3, 0] */
  t_pipe_send(&c->to_parent, 'r');
  if (t_pipe_recv(&c->to_child) != 'w')
    return 6;
  /* the parent wrote a[2, 2] = -1 after we attached */
  if (ash_view_get_f64(v, 2, (int64_t[]){1, 1}, &x) != ASH_OK || x != -1.0)
    return 7;
  /* write back through our view: a[3, 4] */
  if (ash_view_set_f64(v, 2, (int64_t[]){2, 0}, 1234.5) != ASH_OK)
    return 8;
  ash_view_release(v);
  return 0;
}

TEST(descriptor, parsed_in_forked_child) {
  TNAME(name);
  ash_view *a = t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){4, 5}, 0, NULL);
  for (int64_t k = 0; k < 20; k++)
    ASSERT_OK(ash_view_set_f64(a, 1, &k, 10.0 * (double)k));
  ash_view *r = NULL, *s = NULL;
  ASSERT_OK(ash_view_slice(a, 0, 1, 4, 1, 0, &r));
  ASSERT_OK(ash_view_slice(r, 1, ASH_NONE, ASH_NONE, -2, 0, &s));
  ash_view_release(r);
  struct child_ctx c;
  c.desc = ash_view_descriptor(s);
  cr_assert_not_null(c.desc);
  t_pipe_init(&c.to_child);
  t_pipe_init(&c.to_parent);
  pid_t pid = t_spawn(child_parse, &c);
  int got = t_pipe_recv(&c.to_parent);
  if (got == 'r') {
    ASSERT_OK(ash_view_set_f64(a, 2, (int64_t[]){2, 2}, -1.0));
    t_pipe_send(&c.to_child, 'w');
  }
  int rc = t_wait(pid);
  cr_assert_eq(rc, 0, "child check %d failed (descriptor \"%s\")", rc, c.desc);
  double x = 0;
  ASSERT_OK(ash_view_get_f64(a, 2, (int64_t[]){3, 4}, &x));
  cr_assert_eq(x, 1234.5, "the child's write is visible to the parent");
  t_pipe_close(&c.to_child);
  t_pipe_close(&c.to_parent);
  ash_view_release(s);
  ash_view_release(a);
}

TEST(descriptor, variants_pin_the_generation_or_drop_ro) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b);
  int64_t gen = ash_segment_ctime(seg);
  char want[300];
  /* 0 is ash_view_descriptor itself, same string */
  cr_assert_eq(ash_view_descriptor_ex(a, 0), ash_view_descriptor(a));
  snprintf(want, sizeof want, "ash://%s/a?gen=%" PRId64, name, gen);
  const char *pinned = ash_view_descriptor_ex(a, ASH_DESC_GEN);
  cr_assert_str_eq(pinned, want);
  cr_assert_eq(ash_view_descriptor_ex(a, ASH_DESC_GEN), pinned, "cached");
  /* a sliced read-only view: '&' joins, ro=1 kept or dropped */
  ash_view *s = NULL, *ro = NULL;
  ASSERT_OK(ash_view_slice(a, 1, 1, ASH_NONE, 2, 0, &s));
  ASSERT_OK(ash_view_readonly(s, &ro));
  const char *plain = ash_view_descriptor(ro);
  cr_assert(strstr(plain, "&ro=1") != NULL, "%s", plain);
  const char *no_ro = ash_view_descriptor_ex(ro, ASH_DESC_NO_RO);
  cr_assert(strstr(no_ro, "ro=") == NULL, "%s", no_ro);
  cr_assert_eq(strncmp(no_ro, plain, strlen(no_ro)), 0, "%s vs %s", no_ro,
               plain);
  const char *both = ash_view_descriptor_ex(ro, ASH_DESC_GEN | ASH_DESC_NO_RO);
  snprintf(want, sizeof want, "%s&gen=%" PRId64, no_ro, gen);
  cr_assert_str_eq(both, want);
  const char *ro_gen = ash_view_descriptor_ex(ro, ASH_DESC_GEN);
  snprintf(want, sizeof want, "%s&gen=%" PRId64, plain, gen);
  cr_assert_str_eq(ro_gen, want);
  /* each variant parses back to the same elements; with gen, the same
   * mapping is reused (same address), and the read-only flag is kept */
  ash_view *w = NULL;
  ASSERT_OK(ash_view_from_descriptor(ro_gen, 0, &w));
  assert_same_view(ro, w, ro_gen);
  ash_view_release(w);
  ASSERT_OK(ash_view_from_descriptor(both, 0, &w));
  cr_assert(!(ash_view_flags(w) & ASH_VIEW_READONLY));
  cr_assert_eq(ash_view_data(w), ash_view_data(ro));
  ash_view_release(w);
  /* bad flags and NULL */
  cr_assert_null(ash_view_descriptor_ex(a, 1u << 7));
  cr_assert_eq(ash_last_error_code(), ASH_E_INVAL);
  cr_assert_null(ash_view_descriptor_ex(NULL, 0));
  ash_view_release(ro);
  ash_view_release(s);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

/* ---- zero-size arrays beside huge dimensions (issue 7) ------------------ */

#define BIG (INT64_C(1) << 62)

/* Parses @tmpl (every "%s" the segment name) and returns the view. */
static ash_view *parse_ok(const char *tmpl, const char *name) {
  char d[512];
  t_subst(d, sizeof d, tmpl, name);
  ash_view *v = NULL;
  int rc = ash_view_from_descriptor(d, 0, &v);
  cr_assert_eq(rc, ASH_OK, "\"%s\": %s: %s", d, ash_err_name(rc),
               ash_last_error());
  return v;
}

static void parse_err(const char *tmpl, const char *name, int code) {
  char d[512];
  t_subst(d, sizeof d, tmpl, name);
  ash_view *v = (ash_view *)d; /* set to NULL on failure */
  int rc = ash_view_from_descriptor(d, 0, &v);
  cr_assert_eq(rc, code, "\"%s\": %s, expected %s (%s)", d, ash_err_name(rc),
               ash_err_name(code), ash_last_error());
  cr_assert_null(v);
}

/* The array's own descriptor, and those of every view of it, parse back to
 * equal views; so do hand-written layouts of the same shapes. */
TEST(descriptor, zero_size_views_round_trip) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *a = NULL, *b = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_FLOAT64, 2, (int64_t[]){0, BIG}, &a));
  ASSERT_OK(ash_segment_add_array(seg, "b", ASH_UINT8, 3,
                                  (int64_t[]){0, BIG, BIG}, &b));
  ash_view *v[12] = {NULL};
  int n = 0;
  v[n++] = ash_view_retain(a);
  v[n++] = ash_view_retain(b);
  ASSERT_OK(ash_view_slice(a, 1, ASH_NONE, ASH_NONE, 2, 0, &v[n++]));
  ASSERT_OK(ash_view_slice(b, 1, 5, -3, 3, 0, &v[n++]));
  ASSERT_OK(ash_view_slice(b, 2, ASH_NONE, ASH_NONE, -1, 0, &v[n++]));
  ASSERT_OK(ash_view_transpose(b, &v[n++]));
  ASSERT_OK(ash_view_index(b, 1, BIG - 1, &v[n++]));
  ASSERT_OK(ash_view_reinterpret(b, ASH_FLOAT64, &v[n++]));
  ASSERT_OK(ash_view_readonly(a, &v[n++]));
  ASSERT_OK(ash_view_reshape(a, 3, (int64_t[]){BIG, 0, BIG}, &v[n++]));
  for (int i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof what, "empty view %d", i);
    ash_view_release(round_trip(v[i], what));
    ash_view_release(v[i]);
  }
  /* hand-written: the shape alone (fresh strides), explicit strides */
  ash_view *w = parse_ok("ash://%s/a?shape=0,4611686018427387904", name);
  cr_assert_eq(ash_view_dim(w, 1), BIG);
  cr_assert_eq(ash_view_stride(w, 0), 0);
  cr_assert_eq(ash_view_stride(w, 1), 0);
  ash_view_release(w);
  w = parse_ok("ash://%s/a?shape=4611686018427387904,0,4611686018427387904",
               name);
  cr_assert_eq(ash_view_ndim(w), 3);
  ash_view_release(w);
  /* the largest strides accepted, on an axis of 2^62: indexing and slicing
   * such an empty view must not compute an address (2^62 * (2^62 - 1)) */
  w = parse_ok("ash://%s/a?shape=0,4611686018427387904&strides="
               "4611686018427387904,-4611686018427387904&offset=0",
               name);
  ash_view *x = NULL;
  ASSERT_OK(ash_view_index(w, 1, BIG - 1, &x));
  cr_assert_eq(ash_view_offset(x), 0);
  cr_assert_eq(ash_view_data(x), ash_view_data(a));
  ash_view_release(x);
  ASSERT_OK(ash_view_slice(w, 1, BIG - 1, ASH_NONE, -3, 0, &x));
  cr_assert_eq(ash_view_offset(x), 0);
  cr_assert_eq(ash_view_dim(x, 1), (BIG - 1) / 3 + 1);
  ash_view_release(round_trip(x, "slice with an overflowing stride"));
  ash_view_release(x);
  ash_view_release(w);
  /* 3 * 2^61 fits 64 bits but not the stride range a descriptor accepts:
   * the stride of the (empty) slice stays, and it still round-trips */
  w = parse_ok("ash://%s/a?shape=0,4611686018427387904&strides=0,"
               "2305843009213693952&offset=0",
               name);
  ASSERT_OK(ash_view_slice(w, 1, ASH_NONE, ASH_NONE, 3, 0, &x));
  cr_assert_eq(ash_view_stride(x, 1), INT64_C(1) << 61);
  ash_view_release(round_trip(x, "slice beyond the stride range"));
  ash_view_release(x);
  ash_view_release(w);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(descriptor, syntax_is_checked_before_any_segment_is_opened) {
  /* the descriptor is parsed once, whole, before a name is looked up: a bad
   * query is DESC even when the segment does not exist */
  TNAME(name);
  const char *forms[] = {"ash://%s/a?bogus=1", "ash://%s/a?ro=2",
                         "ash://%s/a?gen=x",   "ash://%s/a?strides=8",
                         "ash://%s/a?array=b", "ash://%s?array=bad/name"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char d[300];
    t_subst(d, sizeof d, forms[i], name);
    ash_view *w = NULL;
    ASSERT_ERR(ash_view_from_descriptor(d, 0, &w), ASH_E_DESC);
    cr_assert_null(w);
  }
  cr_assert(!t_shm_exists(name));
}

/* A descriptor's offset is checked against the array in integers before any
 * pointer is formed from it (a pointer past the mapping is undefined). An
 * empty view must start inside the array or just past its end. A view's
 * elements take at most the array's bytes (found by fuzzing: 10 million
 * elements of stride 0 over a 160-byte array took 18 s to read). */
TEST(descriptor, offsets_checked_before_any_pointer) {
  TNAME(name);
  ash_view *a, *b;
  ash_segment *seg = make_seg(name, &a, &b); /* a: float64 (4, 5), 160 B */
  static const char *bad[] = {
      "ash://%s/a?offset=9223372036854775807",
      "ash://%s/a?offset=-9223372036854775808",
      "ash://%s/a?offset=4611686018427387904",
      "ash://%s/a?shape=1&offset=9223372036854775800",
      "ash://%s/a?shape=1&offset=-9223372036854775807",
      "ash://%s/a?shape=2&strides=-8&offset=-9223372036854775800",
      "ash://%s/a?shape=1&offset=160",
      "ash://%s/a?shape=1&offset=-8",
      "ash://%s/a?shape=0&offset=161",
      "ash://%s/a?shape=0&offset=-1",
      "ash://%s/a?shape=0&offset=9223372036854775807",
      "ash://%s/a?shape=3,0&strides=8,8&offset=-9223372036854775808",
      "ash://%s/a[0:0]?shape=2,0&offset=9223372036854775807",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    parse_err(bad[i], name, ASH_E_INDEX);
  /* zero or overlapping strides: at most the array's bytes of elements */
  parse_err("ash://%s/a?dtype=|u1&shape=1,10258598&strides=0,0&offset=0", name,
            ASH_E_INDEX);
  parse_err("ash://%s/a?shape=4611686018427387904&strides=0", name,
            ASH_E_INDEX);
  parse_err("ash://%s/a?shape=21&strides=0", name, ASH_E_INDEX);
  ash_view *w = parse_ok("ash://%s/a?shape=20&strides=0", name);
  cr_assert_eq(ash_view_size(w), 20);
  ash_view_release(w);
  w = parse_ok("ash://%s/a?shape=0&offset=160", name);
  cr_assert_eq((uint8_t *)ash_view_data(w), (uint8_t *)ash_view_data(a) + 160);
  ash_view_release(w);
  w = parse_ok("ash://%s/a?shape=1&offset=152", name);
  cr_assert_eq((uint8_t *)ash_view_data(w), (uint8_t *)ash_view_data(a) + 152);
  ash_view_release(w);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}
