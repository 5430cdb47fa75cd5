/* SPDX-License-Identifier: MIT */
/* dtypes: names, sizes, formats and the spellings NumPy users write. */
#include <string.h>

#include "internal.h"

struct ash__dtype_info {
  const char *name; /* canonical NumPy name */
  int kind;         /* ash_kind */
  size_t itemsize;
  const char *format;  /* PEP 3118 */
  const char *typestr; /* __array_interface__ */
};

static const struct ash__dtype_info ash__dtypes[ASH_DTYPE_COUNT_] = {
    [ASH_BOOL] = {"bool", ASH_KIND_BOOL, 1, "?", "|b1"},
    [ASH_INT8] = {"int8", ASH_KIND_INT, 1, "b", "|i1"},
    [ASH_INT16] = {"int16", ASH_KIND_INT, 2, "h", "<i2"},
    [ASH_INT32] = {"int32", ASH_KIND_INT, 4, "i", "<i4"},
    [ASH_INT64] = {"int64", ASH_KIND_INT, 8, "q", "<i8"},
    [ASH_UINT8] = {"uint8", ASH_KIND_UINT, 1, "B", "|u1"},
    [ASH_UINT16] = {"uint16", ASH_KIND_UINT, 2, "H", "<u2"},
    [ASH_UINT32] = {"uint32", ASH_KIND_UINT, 4, "I", "<u4"},
    [ASH_UINT64] = {"uint64", ASH_KIND_UINT, 8, "Q", "<u8"},
    [ASH_FLOAT16] = {"float16", ASH_KIND_FLOAT, 2, "e", "<f2"},
    [ASH_FLOAT32] = {"float32", ASH_KIND_FLOAT, 4, "f", "<f4"},
    [ASH_FLOAT64] = {"float64", ASH_KIND_FLOAT, 8, "d", "<f8"},
    [ASH_COMPLEX64] = {"complex64", ASH_KIND_COMPLEX, 8, "Zf", "<c8"},
    [ASH_COMPLEX128] = {"complex128", ASH_KIND_COMPLEX, 16, "Zd", "<c16"},
};

/* Every accepted spelling, after an optional '<', '=' or '|' prefix. */
static const struct {
  const char *s;
  int dtype;
} ash__aliases[] = {
    {"bool", ASH_BOOL},
    {"bool_", ASH_BOOL},
    {"b1", ASH_BOOL},
    {"?", ASH_BOOL},
    {"int8", ASH_INT8},
    {"i1", ASH_INT8},
    {"b", ASH_INT8},
    {"byte", ASH_INT8},
    {"int16", ASH_INT16},
    {"i2", ASH_INT16},
    {"h", ASH_INT16},
    {"short", ASH_INT16},
    {"int32", ASH_INT32},
    {"i4", ASH_INT32},
    {"i", ASH_INT32},
    {"intc", ASH_INT32},
    {"int64", ASH_INT64},
    {"i8", ASH_INT64},
    {"q", ASH_INT64},
    {"l", ASH_INT64},
    {"int", ASH_INT64},
    {"int_", ASH_INT64},
    {"long", ASH_INT64},
    {"longlong", ASH_INT64},
    {"intp", ASH_INT64},
    {"p", ASH_INT64},
    {"uint8", ASH_UINT8},
    {"u1", ASH_UINT8},
    {"B", ASH_UINT8},
    {"ubyte", ASH_UINT8},
    {"uint16", ASH_UINT16},
    {"u2", ASH_UINT16},
    {"H", ASH_UINT16},
    {"ushort", ASH_UINT16},
    {"uint32", ASH_UINT32},
    {"u4", ASH_UINT32},
    {"I", ASH_UINT32},
    {"uintc", ASH_UINT32},
    {"uint64", ASH_UINT64},
    {"u8", ASH_UINT64},
    {"Q", ASH_UINT64},
    {"L", ASH_UINT64},
    {"uint", ASH_UINT64},
    {"ulonglong", ASH_UINT64},
    {"uintp", ASH_UINT64},
    {"P", ASH_UINT64},
    {"float16", ASH_FLOAT16},
    {"f2", ASH_FLOAT16},
    {"e", ASH_FLOAT16},
    {"half", ASH_FLOAT16},
    {"float32", ASH_FLOAT32},
    {"f4", ASH_FLOAT32},
    {"f", ASH_FLOAT32},
    {"single", ASH_FLOAT32},
    {"float64", ASH_FLOAT64},
    {"f8", ASH_FLOAT64},
    {"d", ASH_FLOAT64},
    {"double", ASH_FLOAT64},
    {"float", ASH_FLOAT64},
    {"float_", ASH_FLOAT64},
    {"complex64", ASH_COMPLEX64},
    {"c8", ASH_COMPLEX64},
    {"F", ASH_COMPLEX64},
    {"csingle", ASH_COMPLEX64},
    {"singlecomplex", ASH_COMPLEX64},
    {"complex128", ASH_COMPLEX128},
    {"c16", ASH_COMPLEX128},
    {"D", ASH_COMPLEX128},
    {"cdouble", ASH_COMPLEX128},
    {"complex", ASH_COMPLEX128},
    {"complex_", ASH_COMPLEX128},
    {"cfloat", ASH_COMPLEX128},
};

bool ash__dtype_valid(int dtype) {
  return dtype > ASH_DTYPE_INVALID && dtype < ASH_DTYPE_COUNT_;
}

ash_status ash_dtype_parse(const char *spelling, int *out) {
  if (spelling == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "dtype spelling or output is NULL");
  const char *s = spelling;
  if (s[0] == '>' || s[0] == '!')
    return ash__err(ASH_E_DTYPE,
                    "dtype \"%s\": big-endian is not supported (segments are "
                    "native little-endian)",
                    spelling);
  if (s[0] == '<' || s[0] == '=' || s[0] == '|')
    s++;
  for (size_t i = 0; i < sizeof ash__aliases / sizeof ash__aliases[0]; i++) {
    if (strcmp(s, ash__aliases[i].s) == 0) {
      *out = ash__aliases[i].dtype;
      return ASH_OK;
    }
  }
  return ash__err(
      ASH_E_DTYPE,
      "dtype \"%.64s\" is not understood (expected bool, int8..int64, "
      "uint8..uint64, float16, float32, float64, complex64, "
      "complex128 or a code such as \"<f8\", \"u1\", \"d\")",
      spelling);
}

const char *ash_dtype_name(int dtype) {
  return ash__dtype_valid(dtype) ? ash__dtypes[dtype].name : NULL;
}

size_t ash_dtype_itemsize(int dtype) {
  return ash__dtype_valid(dtype) ? ash__dtypes[dtype].itemsize : 0;
}

const char *ash_dtype_format(int dtype) {
  return ash__dtype_valid(dtype) ? ash__dtypes[dtype].format : NULL;
}

int ash_dtype_kind(int dtype) {
  return ash__dtype_valid(dtype) ? ash__dtypes[dtype].kind : ASH_KIND_INVALID;
}

const char *ash_dtype_str(int dtype) {
  return ash__dtype_valid(dtype) ? ash__dtypes[dtype].typestr : NULL;
}
