/* SPDX-License-Identifier: MIT */
/* dtypes: names, item sizes, PEP 3118 formats, typestrs, and parsing of
 * every spelling the header lists. */
#include "common.h"

TestSuite(dtype, .fini = t_fini);

struct dt {
  int dtype;
  const char *name;
  size_t itemsize;
  const char *format;  /* PEP 3118 */
  const char *format2; /* an equivalent accepted spelling, or NULL */
  const char *typestr;
};

static const struct dt all[] = {
    {ASH_BOOL, "bool", 1, "?", NULL, "|b1"},
    {ASH_INT8, "int8", 1, "b", NULL, "|i1"},
    {ASH_INT16, "int16", 2, "h", NULL, "<i2"},
    {ASH_INT32, "int32", 4, "i", NULL, "<i4"},
    /* NumPy exports int64 as "l" on LP64 Linux; "q" is the same size */
    {ASH_INT64, "int64", 8, "q", "l", "<i8"},
    {ASH_UINT8, "uint8", 1, "B", NULL, "|u1"},
    {ASH_UINT16, "uint16", 2, "H", NULL, "<u2"},
    {ASH_UINT32, "uint32", 4, "I", NULL, "<u4"},
    {ASH_UINT64, "uint64", 8, "Q", "L", "<u8"},
    {ASH_FLOAT16, "float16", 2, "e", NULL, "<f2"},
    {ASH_FLOAT32, "float32", 4, "f", NULL, "<f4"},
    {ASH_FLOAT64, "float64", 8, "d", NULL, "<f8"},
    {ASH_COMPLEX64, "complex64", 8, "Zf", NULL, "<c8"},
    {ASH_COMPLEX128, "complex128", 16, "Zd", NULL, "<c16"},
};
#define NALL ((int)(sizeof all / sizeof all[0]))

TEST(dtype, enum_values_are_stable) {
  /* stored in segments as these numbers */
  cr_assert_eq(ASH_DTYPE_INVALID, 0);
  cr_assert_eq(ASH_BOOL, 1);
  cr_assert_eq(ASH_UINT8, 6);
  cr_assert_eq(ASH_FLOAT64, 12);
  cr_assert_eq(ASH_COMPLEX128, 14);
  cr_assert_eq(ASH_DTYPE_COUNT_, 15);
  cr_assert_eq(NALL, ASH_DTYPE_COUNT_ - 1);
}

TEST(dtype, names_sizes_formats) {
  for (int i = 0; i < NALL; i++) {
    const struct dt *d = &all[i];
    const char *name = ash_dtype_name(d->dtype);
    cr_assert_not_null(name, "name(%d)", d->dtype);
    cr_assert_str_eq(name, d->name);
    cr_assert_eq(ash_dtype_itemsize(d->dtype), d->itemsize, "itemsize(%s)",
                 d->name);
    const char *f = ash_dtype_format(d->dtype);
    cr_assert_not_null(f, "format(%s)", d->name);
    cr_assert(strcmp(f, d->format) == 0 ||
                  (d->format2 && strcmp(f, d->format2) == 0),
              "format(%s) = \"%s\", expected \"%s\"", d->name, f, d->format);
    const char *s = ash_dtype_str(d->dtype);
    cr_assert_not_null(s, "str(%s)", d->name);
    cr_assert_str_eq(s, d->typestr, "str(%s)", d->name);
  }
}

TEST(dtype, invalid_values) {
  const int bad[] = {ASH_DTYPE_INVALID, ASH_DTYPE_COUNT_, -1, 16, 100,
                     0x7fffffff,        -0x7fffffff - 1};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_null(ash_dtype_name(bad[i]), "name(%d)", bad[i]);
    cr_assert_eq(ash_dtype_itemsize(bad[i]), 0, "itemsize(%d)", bad[i]);
    cr_assert_null(ash_dtype_format(bad[i]), "format(%d)", bad[i]);
    cr_assert_null(ash_dtype_str(bad[i]), "str(%d)", bad[i]);
  }
}

struct sp {
  const char *spelling;
  int dtype;
};

static const struct sp good[] = {
    /* names */
    {"bool", ASH_BOOL},
    {"int8", ASH_INT8},
    {"int16", ASH_INT16},
    {"int32", ASH_INT32},
    {"int64", ASH_INT64},
    {"uint8", ASH_UINT8},
    {"uint16", ASH_UINT16},
    {"uint32", ASH_UINT32},
    {"uint64", ASH_UINT64},
    {"float16", ASH_FLOAT16},
    {"float32", ASH_FLOAT32},
    {"float64", ASH_FLOAT64},
    {"complex64", ASH_COMPLEX64},
    {"complex128", ASH_COMPLEX128},
    /* aliases (NumPy's meanings on 64-bit Linux) */
    {"double", ASH_FLOAT64},
    {"float", ASH_FLOAT64},
    {"int", ASH_INT64},
    {"half", ASH_FLOAT16},
    {"single", ASH_FLOAT32},
    {"cfloat", ASH_COMPLEX128},
    {"cdouble", ASH_COMPLEX128},
    /* codes */
    {"b1", ASH_BOOL},
    {"?", ASH_BOOL},
    {"i1", ASH_INT8},
    {"i2", ASH_INT16},
    {"i4", ASH_INT32},
    {"i8", ASH_INT64},
    {"u1", ASH_UINT8},
    {"u2", ASH_UINT16},
    {"u4", ASH_UINT32},
    {"u8", ASH_UINT64},
    {"f2", ASH_FLOAT16},
    {"f4", ASH_FLOAT32},
    {"f8", ASH_FLOAT64},
    {"c8", ASH_COMPLEX64},
    {"c16", ASH_COMPLEX128},
    /* byte-order prefixes */
    {"<f8", ASH_FLOAT64},
    {"=f8", ASH_FLOAT64},
    {"|f8", ASH_FLOAT64},
    {"<i4", ASH_INT32},
    {"=u2", ASH_UINT16},
    {"|u1", ASH_UINT8},
    {"|b1", ASH_BOOL},
    {"<c16", ASH_COMPLEX128},
    {"<f2", ASH_FLOAT16},
    {"<c8", ASH_COMPLEX64},
    /* single characters */
    {"d", ASH_FLOAT64},
    {"f", ASH_FLOAT32},
    {"e", ASH_FLOAT16},
    {"b", ASH_INT8},
    {"B", ASH_UINT8},
    {"h", ASH_INT16},
    {"H", ASH_UINT16},
    {"i", ASH_INT32},
    {"I", ASH_UINT32},
    {"l", ASH_INT64},
    {"L", ASH_UINT64},
    {"q", ASH_INT64},
    {"Q", ASH_UINT64},
    {"F", ASH_COMPLEX64},
    {"D", ASH_COMPLEX128},
};

TEST(dtype, parse_every_spelling) {
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int out = -77;
    int rc = ash_dtype_parse(good[i].spelling, &out);
    cr_assert_eq(rc, ASH_OK, "parse(\"%s\") gave %s: %s", good[i].spelling,
                 ash_err_name(rc), ash_last_error());
    cr_assert_eq(out, good[i].dtype, "parse(\"%s\") = %d (%s), expected %s",
                 good[i].spelling, out,
                 ash_dtype_name(out) ? ash_dtype_name(out) : "?",
                 ash_dtype_name(good[i].dtype));
  }
}

TEST(dtype, parse_round_trips_name_and_typestr) {
  for (int i = 0; i < NALL; i++) {
    int out = -1;
    ASSERT_OK(ash_dtype_parse(ash_dtype_name(all[i].dtype), &out));
    cr_assert_eq(out, all[i].dtype);
    out = -1;
    ASSERT_OK(ash_dtype_parse(ash_dtype_str(all[i].dtype), &out));
    cr_assert_eq(out, all[i].dtype, "typestr %s", all[i].typestr);
  }
}

TEST(dtype, parse_rejects) {
  const char *bad[] = {
      "float128",   ">f8",    "!f8",  ">i4",   "",        "f9",     "f16",
      "f1",         "i3",     "u16",  "c32",   "c4",      "int128", "uint128",
      "longdouble", "g",      "G",    "O",     "S10",     "U4",     "M8",
      "<",          "=",      "<<f8", "f8 ",   " f8",     "f 8",    "xyz",
      "float64x",   "float6", "b2",   "int8 ", "FLOAT64?"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int out = -77;
    int rc = ash_dtype_parse(bad[i], &out);
    cr_assert_eq(rc, ASH_E_DTYPE, "parse(\"%s\") gave %s (%d)", bad[i],
                 ash_err_name(rc), out);
    cr_assert_eq(out, -77, "out must be untouched on failure (\"%s\")", bad[i]);
  }
}

TEST(dtype, parse_detail_quotes_string) {
  int out = 0;
  ASSERT_ERR(ash_dtype_parse("f9", &out), ASH_E_DTYPE);
  cr_assert(strstr(ash_last_error(), "f9") != NULL, "detail: \"%s\"",
            ash_last_error());
  ASSERT_ERR(ash_dtype_parse(">f8", &out), ASH_E_DTYPE);
  cr_assert(strstr(ash_last_error(), ">f8") != NULL, "detail: \"%s\"",
            ash_last_error());
}

TEST(dtype, parse_null) {
  int out = -5;
  ASSERT_ERR(ash_dtype_parse(NULL, &out), ASH_E_INVAL);
  cr_assert_eq(out, -5);
  ASSERT_ERR(ash_dtype_parse("f8", NULL), ASH_E_INVAL);
}

TEST(dtype, views_report_dtype) {
  /* every dtype can back an array; the view reports it and its itemsize */
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64 * NALL, NALL, 0, 0600, &seg));
  for (int i = 0; i < NALL; i++) {
    int64_t shape[1] = {3};
    ash_view *v = NULL;
    ASSERT_OK(
        ash_segment_add_array(seg, all[i].name, all[i].dtype, 1, shape, &v));
    cr_assert_eq(ash_view_dtype(v), all[i].dtype);
    cr_assert_eq(ash_view_itemsize(v), all[i].itemsize);
    cr_assert_eq(ash_view_nbytes(v), 3 * all[i].itemsize);
    cr_assert_eq(ash_view_stride(v, 0), (int64_t)all[i].itemsize);
    ash_view_release(v);
  }
  cr_assert_eq(ash_segment_array_count(seg), NALL);
  ash_segment_close(seg);
}

TEST(dtype, kinds) {
  static const struct {
    int dtype, kind;
  } want[] = {
      {ASH_BOOL, ASH_KIND_BOOL},         {ASH_INT8, ASH_KIND_INT},
      {ASH_INT16, ASH_KIND_INT},         {ASH_INT32, ASH_KIND_INT},
      {ASH_INT64, ASH_KIND_INT},         {ASH_UINT8, ASH_KIND_UINT},
      {ASH_UINT16, ASH_KIND_UINT},       {ASH_UINT32, ASH_KIND_UINT},
      {ASH_UINT64, ASH_KIND_UINT},       {ASH_FLOAT16, ASH_KIND_FLOAT},
      {ASH_FLOAT32, ASH_KIND_FLOAT},     {ASH_FLOAT64, ASH_KIND_FLOAT},
      {ASH_COMPLEX64, ASH_KIND_COMPLEX}, {ASH_COMPLEX128, ASH_KIND_COMPLEX},
  };
  cr_assert_eq(sizeof want / sizeof want[0], ASH_DTYPE_COUNT_ - 1);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert_eq(ash_dtype_kind(want[i].dtype), want[i].kind, "%s",
                 ash_dtype_name(want[i].dtype));
  /* the enum values are part of the ABI */
  cr_assert_eq(ASH_KIND_INVALID, 0);
  cr_assert_eq(ASH_KIND_BOOL, 1);
  cr_assert_eq(ASH_KIND_COMPLEX, 5);
  const int bad[] = {0, -1, ASH_DTYPE_COUNT_, 99, INT32_MIN, INT32_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(ash_dtype_kind(bad[i]), ASH_KIND_INVALID, "%d", bad[i]);
}
