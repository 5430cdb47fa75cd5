/* SPDX-License-Identifier: MIT */
/* Segment and array names: ash_name_check and its use by the API. */
#include "common.h"

TestSuite(name, .fini = t_fini);

static char *repeat(char *buf, char c, int n) {
  memset(buf, c, (size_t)n);
  buf[n] = 0;
  return buf;
}

TEST(name, valid_segment_names) {
  char long_ok[ASH_NAME_MAX + 1];
  const char *ok[] = {
      "a",    "Z",       "0",      "_",
      "_x",   "a.b-c_d", "9lives", "A-B.C_D-9",
      "x..y", "x-",      "x.",     repeat(long_ok, 'n', ASH_NAME_MAX)};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    cr_assert_eq(ash_name_check(ok[i], 0), ASH_OK, "\"%s\": %s", ok[i],
                 ash_last_error());
}

TEST(name, invalid_segment_names) {
  char too_long[ASH_NAME_MAX + 2];
  const char *bad[] = {
      "",        ".",         "..",
      ".hidden", "-x",        "a/b",
      "/a",      "a b",       " a",
      "a\n",     "a\t",       "a*",
      "a?",      "a:b",       "a[1]",
      "é",       "a\xc3\xa9", "a\\b",
      "ash://x", "a%",        repeat(too_long, 'n', ASH_NAME_MAX + 1)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = ash_name_check(bad[i], 0);
    cr_assert_eq(rc, ASH_E_NAME, "\"%s\" gave %s", bad[i], ash_err_name(rc));
    cr_assert_eq(ash_last_error_code(), ASH_E_NAME);
    cr_assert(ash_last_error()[0] != '\0', "detail for \"%s\" is empty",
              bad[i]);
  }
}

TEST(name, array_name_limits) {
  char buf[ASH_NAME_MAX + 2];
  ASSERT_OK(ash_name_check(repeat(buf, 'a', ASH_ARRAY_NAME_MAX), 1));
  ASSERT_ERR(ash_name_check(repeat(buf, 'a', ASH_ARRAY_NAME_MAX + 1), 1),
             ASH_E_NAME);
  /* 64..200 characters are fine for a segment, not for an array */
  ASSERT_OK(ash_name_check(repeat(buf, 'a', 100), 0));
  ASSERT_ERR(ash_name_check(buf, 1), ASH_E_NAME);
  ASSERT_OK(ash_name_check("labels", 1));
  ASSERT_OK(ash_name_check("_0.x-y", 1));
  ASSERT_ERR(ash_name_check("", 1), ASH_E_NAME);
  ASSERT_ERR(ash_name_check(".a", 1), ASH_E_NAME);
  ASSERT_ERR(ash_name_check("a/b", 1), ASH_E_NAME);
  ASSERT_ERR(ash_name_check("a[0]", 1), ASH_E_NAME);
}

TEST(name, null_is_inval) {
  ASSERT_ERR(ash_name_check(NULL, 0), ASH_E_INVAL);
  ASSERT_ERR(ash_name_check(NULL, 1), ASH_E_INVAL);
}

TEST(name, api_refuses_bad_segment_names) {
  char buf[ASH_NAME_MAX + 2];
  const char *bad[] = {"", "a/b", ".x", "x y",
                       repeat(buf, 'q', ASH_NAME_MAX + 1)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ash_segment *seg = (ash_segment *)&seg;
    int rc = ash_segment_create(bad[i], 64, 1, 0, 0600, &seg);
    cr_assert_eq(rc, ASH_E_NAME, "create \"%s\" gave %s", bad[i],
                 ash_err_name(rc));
    cr_assert_null(seg, "out must be NULL on failure");
    seg = (ash_segment *)&seg;
    rc = ash_segment_open(bad[i], 0, &seg);
    cr_assert_eq(rc, ASH_E_NAME, "open \"%s\" gave %s", bad[i],
                 ash_err_name(rc));
    cr_assert_null(seg);
    rc = ash_unlink(bad[i], 0);
    cr_assert_eq(rc, ASH_E_NAME, "unlink \"%s\" gave %s", bad[i],
                 ash_err_name(rc));
  }
  int64_t shape[1] = {4};
  ash_view *v = NULL;
  ASSERT_ERR(ash_create("bad/name", ASH_FLOAT64, 1, shape, 0, 0600, &v),
             ASH_E_NAME);
  cr_assert_null(v);
}

TEST(name, longest_segment_name_works) {
  char name[ASH_NAME_MAX + 1];
  /* "tc<pid>_" then padding up to exactly ASH_NAME_MAX characters */
  int n = snprintf(name, sizeof name, "tc%d_", (int)getpid());
  memset(name + n, 'L', (size_t)(ASH_NAME_MAX - n));
  name[ASH_NAME_MAX] = 0;
  cr_assert_eq(strlen(name), (size_t)ASH_NAME_MAX);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  cr_assert_str_eq(ash_segment_name(seg), name);
  cr_assert(t_shm_exists(name));
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name), "auto segment must go on last close");
}

TEST(name, api_refuses_bad_array_names) {
  TNAME(sname);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(sname, 4096, 4, 0, 0600, &seg));
  int64_t shape[1] = {2};
  char buf[80];
  const char *bad[] = {"", "a/b", "-a", "a b",
                       repeat(buf, 'z', ASH_ARRAY_NAME_MAX + 1)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = ash_segment_add_array(seg, bad[i], ASH_INT32, 1, shape, NULL);
    cr_assert_eq(rc, ASH_E_NAME, "add_array \"%s\" gave %s", bad[i],
                 ash_err_name(rc));
  }
  ASSERT_ERR(ash_segment_add_array(seg, NULL, ASH_INT32, 1, shape, NULL),
             ASH_E_INVAL);
  cr_assert_eq(ash_segment_array_count(seg), 0);
  ASSERT_OK(ash_segment_add_array(seg, repeat(buf, 'z', ASH_ARRAY_NAME_MAX),
                                  ASH_INT32, 1, shape, NULL));
  cr_assert_eq(ash_segment_array_count(seg), 1);
  cr_assert_str_eq(ash_segment_array_name(seg, 0), buf);
  ash_segment_close(seg);
}
