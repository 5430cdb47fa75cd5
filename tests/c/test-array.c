/* SPDX-License-Identifier: MIT */
/* Arrays in a segment: the directory, the arena, alignment, zero fill,
 * ash_arena_bytes_for, and every ash_segment_add_array error. */
#include "common.h"

TestSuite(array, .fini = t_fini);

static uint64_t arena_for(int dtype, int ndim, const int64_t *shape) {
  uint64_t total = 0;
  ASSERT_OK(ash_arena_bytes_for(dtype, ndim, shape, &total));
  return total;
}

TEST(array, arena_bytes_for_values) {
  /* "each array takes its size rounded up to 64 bytes (4096 for arrays of
   * 64 KiB or more)" */
  cr_assert_eq(arena_for(ASH_FLOAT64, 1, (int64_t[]){10}), 128u);
  cr_assert_eq(arena_for(ASH_UINT8, 1, (int64_t[]){64}), 64u);
  cr_assert_eq(arena_for(ASH_UINT8, 1, (int64_t[]){65}), 128u);
  cr_assert_eq(arena_for(ASH_UINT8, 1, (int64_t[]){1}), 64u);
  cr_assert_eq(arena_for(ASH_INT32, 2, (int64_t[]){3, 4}), 64u);
  cr_assert_eq(arena_for(ASH_FLOAT64, 0, NULL), 64u);
  cr_assert_eq(arena_for(ASH_COMPLEX128, 0, NULL), 64u);
  cr_assert_eq(arena_for(ASH_UINT8, 1, (int64_t[]){65535}), 65536u);
  /* 64 KiB and more: page rounding, plus (reading "alignment padding
   * included") at most one page of padding to reach a page boundary */
  const int64_t large[] = {65536, 65537, 100000, 1 << 20};
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    uint64_t want = ((uint64_t)large[i] + 4095) / 4096 * 4096;
    uint64_t got = arena_for(ASH_UINT8, 1, &large[i]);
    cr_assert(got >= want && got <= want + 4096,
              "%" PRId64 " bytes take %" PRIu64 " arena bytes", large[i], got);
  }
  uint64_t sq = arena_for(ASH_FLOAT32, 2, (int64_t[]){128, 128});
  cr_assert(sq >= 65536u && sq <= 65536u + 4096u);
  uint64_t z = arena_for(ASH_FLOAT64, 2, (int64_t[]){3, 0});
  cr_assert(z == 0 || z == 64, "zero-length array takes %" PRIu64, z);

  /* it adds to *total */
  uint64_t total = 1000;
  ASSERT_OK(ash_arena_bytes_for(ASH_FLOAT64, 1, (int64_t[]){10}, &total));
  cr_assert_eq(total, 1128u);
}

TEST(array, arena_bytes_for_errors) {
  uint64_t total = 77;
  ASSERT_ERR(ash_arena_bytes_for(ASH_DTYPE_INVALID, 1, (int64_t[]){1}, &total),
             ASH_E_DTYPE);
  ASSERT_ERR(ash_arena_bytes_for(99, 1, (int64_t[]){1}, &total), ASH_E_DTYPE);
  int64_t shape33[33];
  for (int i = 0; i < 33; i++)
    shape33[i] = 1;
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 33, shape33, &total), ASH_E_SHAPE);
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, -1, shape33, &total), ASH_E_SHAPE);
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 1, (int64_t[]){-1}, &total),
             ASH_E_SHAPE);
  ASSERT_ERR(ash_arena_bytes_for(ASH_FLOAT64, 2, (int64_t[]){INT64_MAX / 2, 4},
                                 &total),
             ASH_E_OVERFLOW);
  ASSERT_ERR(ash_arena_bytes_for(
                 ASH_UINT8, 2, (int64_t[]){INT64_C(1) << 40, INT64_C(1) << 40},
                 &total),
             ASH_E_OVERFLOW);
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 1, (int64_t[]){INT64_MAX}, &total),
             ASH_E_OVERFLOW);
  cr_assert_eq(total, 77u, "failed calls must not change *total");
  /* the sum itself overflowing */
  total = UINT64_MAX - 10;
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 1, (int64_t[]){100}, &total),
             ASH_E_OVERFLOW);
  cr_assert_eq(total, UINT64_MAX - 10);
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 1, (int64_t[]){1}, NULL),
             ASH_E_INVAL);
  ASSERT_ERR(ash_arena_bytes_for(ASH_UINT8, 2, NULL, &total), ASH_E_INVAL);
}

TEST(array, multi_array_segment) {
  int64_t s1[1] = {10}, s2[2] = {3, 4}, s3[1] = {100000}, s4[3] = {2, 2, 2};
  uint64_t arena = 0;
  ASSERT_OK(ash_arena_bytes_for(ASH_FLOAT64, 1, s1, &arena));
  ASSERT_OK(ash_arena_bytes_for(ASH_INT32, 2, s2, &arena));
  ASSERT_OK(ash_arena_bytes_for(ASH_UINT8, 1, s3, &arena));
  ASSERT_OK(ash_arena_bytes_for(ASH_COMPLEX64, 3, s4, &arena));
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, arena, 8, 0, 0600, &seg));
  ash_view *v[4] = {NULL};
  /* small, small, large, small: the sum is enough in any order */
  ASSERT_OK(ash_segment_add_array(seg, "f", ASH_FLOAT64, 1, s1, &v[0]));
  ASSERT_OK(ash_segment_add_array(seg, "m", ASH_INT32, 2, s2, &v[1]));
  ASSERT_OK(ash_segment_add_array(seg, "big", ASH_UINT8, 1, s3, &v[2]));
  ASSERT_OK(ash_segment_add_array(seg, "c", ASH_COMPLEX64, 3, s4, &v[3]));
  cr_assert_eq(ash_segment_array_count(seg), 4);
  const char *names[4] = {"f", "m", "big", "c"};
  for (int i = 0; i < 4; i++) {
    cr_assert_str_eq(ash_segment_array_name(seg, i), names[i]);
    cr_assert_str_eq(ash_view_array_name(v[i]), names[i]);
    cr_assert_str_eq(ash_view_segment_name(v[i]), name);
  }
  cr_assert_null(ash_segment_array_name(seg, 4));

  /* arrays do not overlap */
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      if (i == j)
        continue;
      uint8_t *a = ash_view_data(v[i]), *b = ash_view_data(v[j]);
      cr_assert(a + ash_view_nbytes(v[i]) <= b ||
                    b + ash_view_nbytes(v[j]) <= a,
                "arrays %s and %s overlap", names[i], names[j]);
    }

  /* views by name match */
  ash_view *w = NULL;
  ASSERT_OK(ash_segment_view(seg, "m", &w));
  cr_assert_eq(ash_view_dtype(w), ASH_INT32);
  cr_assert_eq(ash_view_ndim(w), 2);
  cr_assert_eq(ash_view_dim(w, 0), 3);
  cr_assert_eq(ash_view_dim(w, 1), 4);
  cr_assert_eq(ash_view_data(w), ash_view_data(v[1]));
  ash_view_release(w);
  ASSERT_OK(ash_segment_view(seg, NULL, &w));
  cr_assert_str_eq(ash_view_array_name(w), "f");
  ash_view_release(w);
  ASSERT_OK(ash_segment_view(seg, "", &w));
  cr_assert_str_eq(ash_view_array_name(w), "f");
  ash_view_release(w);
  w = (ash_view *)&w;
  ASSERT_ERR(ash_segment_view(seg, "nope", &w), ASH_E_NOENT);
  ASSERT_ERR(ash_segment_view(seg, "m", NULL), ASH_E_INVAL);

  /* writes through one view land in the right array only */
  ASSERT_OK(ash_view_fill_i64(v[2], 255));
  ASSERT_OK(ash_view_set_i64(v[1], 2, (int64_t[]){2, 3}, -7));
  cr_assert_eq(t_get_i64_flat(v[1], 11), -7);
  cr_assert_eq(t_get_i64_flat(v[1], 10), 0);
  cr_assert_eq(t_get_i64_flat(v[0], 9), 0);

  ash_segment_close(seg);
  for (int i = 0; i < 4; i++)
    ash_view_release(v[i]);
  cr_assert(!t_shm_exists(name));
}

TEST(array, no_arrays_is_noent) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  ash_view *w = (ash_view *)&w;
  ASSERT_ERR(ash_segment_view(seg, NULL, &w), ASH_E_NOENT);
  ASSERT_ERR(ash_segment_view(seg, "a", &w), ASH_E_NOENT);
  ash_view *v = NULL;
  ASSERT_ERR(ash_attach(name, 0, &v), ASH_E_NOENT);
  ash_segment_close(seg);
}

TEST(array, alignment) {
  int64_t small[1] = {3}, large[1] = {70000}, exact[1] = {8192};
  uint64_t arena = 0;
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ash_arena_bytes_for(ASH_UINT8, 1, small, &arena));
    ASSERT_OK(ash_arena_bytes_for(ASH_UINT8, 1, large, &arena));
    ASSERT_OK(ash_arena_bytes_for(ASH_FLOAT64, 1, exact, &arena));
  }
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, arena, 16, 0, 0600, &seg));
  long page = sysconf(_SC_PAGESIZE);
  for (int i = 0; i < 3; i++) {
    char n[16];
    ash_view *v = NULL;
    snprintf(n, sizeof n, "s%d", i);
    ASSERT_OK(ash_segment_add_array(seg, n, ASH_UINT8, 1, small, &v));
    cr_assert_eq((uintptr_t)ash_view_data(v) % 64, 0, "%s at %p", n,
                 ash_view_data(v));
    ash_view_release(v);
    snprintf(n, sizeof n, "l%d", i);
    ASSERT_OK(ash_segment_add_array(seg, n, ASH_UINT8, 1, large, &v));
    cr_assert_eq((uintptr_t)ash_view_data(v) % (uintptr_t)page, 0,
                 "a 70000-byte array must be page aligned (%p)",
                 ash_view_data(v));
    ash_view_release(v);
    snprintf(n, sizeof n, "e%d", i);
    ASSERT_OK(ash_segment_add_array(seg, n, ASH_FLOAT64, 1, exact, &v));
    cr_assert_eq((uintptr_t)ash_view_data(v) % (uintptr_t)page, 0,
                 "a 64 KiB array must be page aligned (%p)", ash_view_data(v));
    ash_view_release(v);
  }
  ash_segment_close(seg);
}

TEST(array, zero_filled) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1 << 20, 4, 0, 0600, &seg));
  ash_view *a = NULL, *b = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "a", ASH_FLOAT64, 2,
                                  (int64_t[]){100, 10}, &a));
  ASSERT_OK(
      ash_segment_add_array(seg, "b", ASH_UINT8, 1, (int64_t[]){200000}, &b));
  const uint8_t *p = ash_view_data(a);
  for (uint64_t i = 0; i < ash_view_nbytes(a); i++)
    cr_assert_eq(p[i], 0, "byte %" PRIu64 " of a is %u", i, p[i]);
  p = ash_view_data(b);
  for (uint64_t i = 0; i < ash_view_nbytes(b); i++)
    cr_assert_eq(p[i], 0, "byte %" PRIu64 " of b is %u", i, p[i]);
  double x = -1;
  ASSERT_OK(ash_view_get_f64(a, 2, (int64_t[]){99, 9}, &x));
  cr_assert_eq(x, 0.0);
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(array, accessors_of_whole_array) {
  TNAME(name);
  ash_segment *seg = NULL;
  ash_view *v = t_make_array(name, ASH_INT16, 3, (int64_t[]){2, 3, 5}, 0, &seg);
  cr_assert_eq(ash_view_dtype(v), ASH_INT16);
  cr_assert_eq(ash_view_ndim(v), 3);
  const int64_t *sh = ash_view_shape(v), *st = ash_view_strides(v);
  cr_assert_eq(sh[0], 2);
  cr_assert_eq(sh[1], 3);
  cr_assert_eq(sh[2], 5);
  cr_assert_eq(st[0], 30);
  cr_assert_eq(st[1], 10);
  cr_assert_eq(st[2], 2);
  cr_assert_eq(ash_view_dim(v, -1), 5);
  cr_assert_eq(ash_view_stride(v, -3), 30);
  cr_assert_eq(ash_view_dim(v, 3), 0);
  cr_assert_eq(ash_view_dim(v, -4), 0);
  cr_assert_eq(ash_view_stride(v, 3), 0);
  cr_assert_eq(ash_view_size(v), 30);
  cr_assert_eq(ash_view_itemsize(v), 2u);
  cr_assert_eq(ash_view_nbytes(v), 60u);
  cr_assert_eq(ash_view_offset(v), 0);
  cr_assert_eq(ash_view_flags(v), (unsigned)ASH_VIEW_C_CONTIGUOUS);
  cr_assert_str_eq(ash_view_array_name(v), "a");
  cr_assert_str_eq(ash_view_segment_name(v), name);
  ash_view_release(v);
  ash_segment_close(seg);
}

TEST(array, add_array_exist) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "x", ASH_UINT8, 1, (int64_t[]){8}, NULL));
  uint64_t free0 = ash_segment_arena_free(seg);
  ash_view *v = NULL;
  ASSERT_ERR(
      ash_segment_add_array(seg, "x", ASH_FLOAT64, 1, (int64_t[]){8}, &v),
      ASH_E_EXIST);
  cr_assert_eq(ash_segment_array_count(seg), 1);
  cr_assert_eq(ash_segment_arena_free(seg), free0, "a failed add took space");
  ASSERT_OK(ash_segment_view(seg, "x", &v));
  cr_assert_eq(ash_view_dtype(v), ASH_UINT8, "the original entry changed");
  ash_view_release(v);
  ash_segment_close(seg);
}

TEST(array, add_array_full_arena) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1024, 8, 0, 0600, &seg));
  uint64_t free0 = ash_segment_arena_free(seg);
  int64_t too_big[1] = {(int64_t)free0 + 1};
  ASSERT_ERR(ash_segment_add_array(seg, "big", ASH_UINT8, 1, too_big, NULL),
             ASH_E_FULL);
  cr_assert_eq(ash_segment_array_count(seg), 0);
  cr_assert_eq(ash_segment_arena_free(seg), free0);
  /* huge but not overflowing: FULL, not a crash */
  ASSERT_ERR(ash_segment_add_array(seg, "huge", ASH_FLOAT64, 1,
                                   (int64_t[]){INT64_C(1) << 40}, NULL),
             ASH_E_FULL);
  /* fill it exactly */
  ASSERT_OK(ash_segment_add_array(seg, "fits", ASH_UINT8, 1,
                                  (int64_t[]){(int64_t)free0}, NULL));
  cr_assert_eq(ash_segment_arena_free(seg), 0u);
  ASSERT_ERR(
      ash_segment_add_array(seg, "one", ASH_UINT8, 1, (int64_t[]){1}, NULL),
      ASH_E_FULL);
  /* zero-length arrays take at most nothing more... or FULL */
  int rc =
      ash_segment_add_array(seg, "zero", ASH_UINT8, 1, (int64_t[]){0}, NULL);
  cr_assert(rc == ASH_OK || rc == ASH_E_FULL, "%s", ash_err_name(rc));
  ash_segment_close(seg);
}

TEST(array, arena_free_decreases_by_rounded_size) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 8, 0, 0600, &seg));
  uint64_t f0 = ash_segment_arena_free(seg);
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_FLOAT64, 1, (int64_t[]){10}, NULL));
  cr_assert_eq(f0 - ash_segment_arena_free(seg), 128u);
  uint64_t f1 = ash_segment_arena_free(seg);
  ASSERT_OK(
      ash_segment_add_array(seg, "b", ASH_UINT8, 1, (int64_t[]){1}, NULL));
  cr_assert_eq(f1 - ash_segment_arena_free(seg), 64u);
  ash_segment_close(seg);
}

TEST(array, add_array_full_directory) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 2, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "a", ASH_UINT8, 1, (int64_t[]){1}, NULL));
  ASSERT_OK(
      ash_segment_add_array(seg, "b", ASH_UINT8, 1, (int64_t[]){1}, NULL));
  uint64_t free0 = ash_segment_arena_free(seg);
  ASSERT_ERR(
      ash_segment_add_array(seg, "c", ASH_UINT8, 1, (int64_t[]){1}, NULL),
      ASH_E_FULL);
  cr_assert_eq(ash_segment_array_count(seg), 2);
  cr_assert_eq(ash_segment_arena_free(seg), free0);
  ash_segment_close(seg);
}

TEST(array, add_array_shape_errors) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 8, 0, 0600, &seg));
  int64_t ones[33];
  for (int i = 0; i < 33; i++)
    ones[i] = 1;
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_UINT8, 33, ones, NULL),
             ASH_E_SHAPE);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_UINT8, -1, ones, NULL),
             ASH_E_SHAPE);
  ASSERT_ERR(
      ash_segment_add_array(seg, "a", ASH_UINT8, 2, (int64_t[]){3, -1}, NULL),
      ASH_E_SHAPE);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_UINT8, 1,
                                   (int64_t[]){INT64_MIN}, NULL),
             ASH_E_SHAPE);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_FLOAT64, 2,
                                   (int64_t[]){INT64_MAX / 2, 4}, NULL),
             ASH_E_OVERFLOW);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_UINT8, 3,
                                   (int64_t[]){1 << 30, 1 << 30, 1 << 30},
                                   NULL),
             ASH_E_OVERFLOW);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_DTYPE_INVALID, 1, ones, NULL),
             ASH_E_DTYPE);
  ASSERT_ERR(ash_segment_add_array(seg, "a", 15, 1, ones, NULL), ASH_E_DTYPE);
  ASSERT_ERR(ash_segment_add_array(seg, "a", ASH_UINT8, 2, NULL, NULL),
             ASH_E_INVAL);
  ASSERT_ERR(ash_segment_add_array(NULL, "a", ASH_UINT8, 1, ones, NULL),
             ASH_E_INVAL);
  cr_assert_eq(ash_segment_array_count(seg), 0, "failed adds published");
  /* 32 dimensions are fine */
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "d32", ASH_UINT8, 32, ones, &v));
  cr_assert_eq(ash_view_ndim(v), 32);
  cr_assert_eq(ash_view_size(v), 1);
  ash_view_release(v);
  ash_segment_close(seg);
}

TEST(array, zero_d_array) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "s", ASH_FLOAT64, 0, NULL, &v));
  cr_assert_eq(ash_view_ndim(v), 0);
  cr_assert_eq(ash_view_size(v), 1);
  cr_assert_eq(ash_view_nbytes(v), 8u);
  cr_assert_eq(ash_view_dim(v, 0), 0);
  unsigned fl = ash_view_flags(v);
  cr_assert(fl & ASH_VIEW_C_CONTIGUOUS);
  cr_assert(fl & ASH_VIEW_F_CONTIGUOUS);
  ASSERT_OK(ash_view_set_f64(v, 0, NULL, 2.25));
  double x = 0;
  ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){0}, &x));
  cr_assert_eq(x, 2.25);
  cr_assert_eq(*(double *)ash_view_data(v), 2.25);
  ASSERT_ERR(ash_view_get_f64(v, 1, (int64_t[]){1}, &x), ASH_E_INDEX);
  ash_view_release(v);
  ASSERT_OK(ash_segment_view(seg, "s", &v));
  cr_assert_eq(ash_view_ndim(v), 0);
  ASSERT_OK(ash_view_get_f64(v, 0, NULL, &x));
  cr_assert_eq(x, 2.25);
  ash_view_release(v);
  ash_segment_close(seg);
}

TEST(array, zero_length_arrays) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *a = NULL, *b = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "a", ASH_INT64, 1, (int64_t[]){0}, &a));
  ASSERT_OK(
      ash_segment_add_array(seg, "b", ASH_INT64, 2, (int64_t[]){3, 0}, &b));
  cr_assert_eq(ash_view_size(a), 0);
  cr_assert_eq(ash_view_nbytes(a), 0u);
  cr_assert_eq(ash_view_size(b), 0);
  cr_assert_eq(ash_view_dim(b, 0), 3);
  cr_assert_eq(ash_view_dim(b, 1), 0);
  int64_t x;
  ASSERT_ERR(ash_view_get_i64(a, 1, (int64_t[]){0}, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_i64(b, 2, (int64_t[]){0, 0}, &x), ASH_E_INDEX);
  char buf[1];
  ASSERT_OK(ash_view_read(a, buf, 0));
  ASSERT_OK(ash_view_write(b, buf, 0));
  ASSERT_OK(ash_view_fill_f64(b, 1.0));
  ash_view_release(a);
  ash_view_release(b);
  ash_segment_close(seg);
}

static const char *g_name;

static int child_add_array(void *arg) {
  (void)arg;
  ash_segment *seg = NULL;
  if (ash_segment_open(g_name, 0, &seg) != ASH_OK)
    return 2;
  ash_view *v = NULL;
  if (ash_segment_add_array(seg, "from_child", ASH_INT32, 1, (int64_t[]){4},
                            &v) != ASH_OK)
    return 3;
  if (ash_view_set_i64(v, 1, (int64_t[]){3}, 31337) != ASH_OK)
    return 4;
  ash_view_release(v);
  ash_segment_close(seg);
  return 0;
}

TEST(array, arrays_added_by_another_process_appear) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ASSERT_OK(
      ash_segment_add_array(seg, "mine", ASH_UINT8, 1, (int64_t[]){3}, NULL));
  cr_assert_eq(ash_segment_array_count(seg), 1);
  g_name = name;
  cr_assert_eq(t_run_child(child_add_array, NULL), 0);
  cr_assert_eq(ash_segment_array_count(seg), 2, "count is re-read");
  cr_assert_str_eq(ash_segment_array_name(seg, 1), "from_child");
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_view(seg, "from_child", &v));
  cr_assert_eq(t_get_i64_flat(v, 3), 31337);
  ash_view_release(v);
  /* the name is taken for us too */
  ASSERT_ERR(ash_segment_add_array(seg, "from_child", ASH_UINT8, 1,
                                   (int64_t[]){1}, NULL),
             ASH_E_EXIST);
  ash_segment_close(seg);
}
