/* SPDX-License-Identifier: MIT */
/* lash_runtime.i - hand-written C for the Lua binding (included by
 * arrayshare_lang.i). Everything here is plain C copied into the generated
 * wrapper: error objects, the handle userdata (views, segments, lists), the
 * view metamethods with their fast paths, and the view methods written in C.
 *
 * Conventions: functions named lash_* are ours. Functions that raise never
 * return (lua_error longjmps); they are declared to return int so that
 * callers can write `return lash_raise(...)`.
 *
 * Index convention: the C ABI is 0-based; everything in this file that takes
 * an index *from a Lua caller through a metamethod or a view method* is
 * 1-based (negative counts from the end, -1 is the last). The raw ash_*
 * functions of arrayshare_core stay 0-based like C.
 */
%{
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LASH_VIEW_MT "arrayshare.view"
#define LASH_SEG_MT "arrayshare.segment"
#define LASH_LIST_MT "arrayshare.list"
#define LASH_ERR_MT "arrayshare.Error"
#define LASH_VIEW_TAG 0x41534856u /* "ASHV" */

/* A view userdata. The cached fields make v[i] a few loads: they are copies
 * of immutable view properties (views never change once made), cleared when
 * the view is released so that no path can reach freed memory. */
typedef struct lash_view {
  unsigned tag;   /* LASH_VIEW_TAG, first so a cheap check can read it  */
  char *data;     /* ash_view_data(v); NULL once closed                 */
  int64_t len;    /* shape[0]; 0 for 0-d views and once closed          */
  int64_t stride; /* strides[0] in bytes                                */
  int ndim;       /* -1 once closed                                     */
  int dtype;
  int ro;         /* 1 when read-only (or closed)                       */
  ash_view *v;    /* the owned reference; NULL once released            */
} lash_view;

typedef struct lash_segment {
  ash_segment *s; /* NULL once closed */
} lash_segment;

typedef struct lash_list {
  ash_list *l; /* NULL once freed */
} lash_list;

/* ---------------------------------------------------------------------- */
/* Error objects                                                           */
/* ---------------------------------------------------------------------- */

/* Code name -> class name of the idiomatic layer (documented in
 * docs/lua.md). */
static const char *const lash_classes[][2] = {
    {"INVAL", "InvalidArgument"}, {"NAME", "BadName"},
    {"EXIST", "Exists"},          {"NOENT", "NotFound"},
    {"PERM", "PermissionDenied"}, {"NOSPC", "NoSpace"},
    {"NOMEM", "OutOfMemory"},     {"DTYPE", "DtypeError"},
    {"SHAPE", "ShapeError"},      {"OVERFLOW", "OverflowError"},
    {"INDEX", "IndexError"},      {"RDONLY", "ReadOnly"},
    {"CORRUPT", "Corrupt"},       {"VERSION", "VersionError"},
    {"TRUNC", "Truncated"},       {"VALUE", "ValueError"},
    {"FULL", "Full"},             {"DESC", "DescriptorError"},
    {"CONTIG", "NotContiguous"},  {"BUSY", "Busy"},
    {"SYS", "SystemError"},       {"AXIS", "AxisError"},
};

static const char *lash_class_of(const char *name) {
  size_t i;
  for (i = 0; i < sizeof lash_classes / sizeof lash_classes[0]; i++)
    if (strcmp(lash_classes[i][0], name) == 0)
      return lash_classes[i][1];
  return "Error";
}

/* Pushes an error object {code, name, message, class} with the error
 * metatable. @msg is copied first: it may be ash_last_error(), which the
 * next library call may overwrite. */
static void lash_push_error(lua_State *L, int code, const char *msg) {
  const char *name;
  lua_pushstring(L, msg ? msg : "");
  if (lua_rawlen(L, -1) == 0) {
    lua_pop(L, 1);
    lua_pushstring(L, ash_strerror(code));
  }
  name = ash_err_name(code);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, lash_class_of(name));
  lua_setfield(L, -2, "class");
  lua_rotate(L, -2, 1); /* message on top */
  lua_setfield(L, -2, "message");
  luaL_setmetatable(L, LASH_ERR_MT);
}

static int lash_raise(lua_State *L, int code, const char *msg) {
  lash_push_error(L, code, msg);
  return lua_error(L);
}

/* Formats with lua_pushvfstring (%s %d %I %f %p %%: pass lua_Integer for %I
 * and lua_Number for %f). */
static int lash_raisef(lua_State *L, int code, const char *fmt, ...) {
  va_list ap;
  const char *msg;
  va_start(ap, fmt);
  msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return lash_raise(L, code, msg);
}

/* A failed library call: code and ash_last_error(). */
static int lash_raise_status(lua_State *L, int status) {
  return lash_raise(L, status, ash_last_error());
}

static int lash_err_tostring(lua_State *L) {
  const char *name, *msg;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "name");
  lua_getfield(L, 1, "message");
  name = lua_tostring(L, -2);
  msg = lua_tostring(L, -1);
  lua_pushfstring(L, "arrayshare: %s: %s", name ? name : "UNKNOWN",
                  msg ? msg : "");
  return 1;
}

/* arrayshare_core.new_error(code [, message]) -> error object (not raised);
 * the idiomatic layer raises binding-level errors with it. */
static int lash_new_error(lua_State *L) {
  int code = (int)luaL_checkinteger(L, 1);
  lash_push_error(L, code, luaL_optstring(L, 2, NULL));
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Numbers                                                                 */
/* ---------------------------------------------------------------------- */

/* Idiomatic layer: uint64 values up to math.maxinteger are Lua integers;
 * larger ones are floats (the nearest double), documented in docs/lua.md. */
static void lash_push_u64(lua_State *L, uint64_t x) {
  if (x <= (uint64_t)LUA_MAXINTEGER)
    lua_pushinteger(L, (lua_Integer)x);
  else
    lua_pushnumber(L, (lua_Number)x);
}

/* arrayshare_core: uint64_t <-> Lua integer by two's complement, Lua's own
 * convention for unsigned values (math.ult, string.pack "J"): exact both
 * ways, values from 2^63 on read as negative integers. */
static void lash_push_u64_bits(lua_State *L, uint64_t x) {
  lua_pushinteger(L, (lua_Integer)x);
}

/* An integer argument in [lo, hi] (integral floats accepted, like every
 * Lua library function); a Lua argument error otherwise. */
static lua_Integer lash_check_range(lua_State *L, int arg, lua_Integer lo,
                                    lua_Integer hi) {
  lua_Integer x = luaL_checkinteger(L, arg);
  if (x < lo || x > hi)
    luaL_argerror(L, arg, "out of range");
  return x;
}

/* A uint64_t argument of arrayshare_core: a Lua integer reinterpreted by
 * two's complement (so -1 is 2^64 - 1, as in C), or an integral float in
 * [2^63, 2^64); anything else is a Lua argument error. */
static uint64_t lash_check_u64(lua_State *L, int arg) {
  if (lua_type(L, arg) == LUA_TNUMBER && !lua_isinteger(L, arg)) {
    lua_Number d = lua_tonumber(L, arg);
    if (d >= 9223372036854775808.0 && d < 18446744073709551616.0 &&
        floor(d) == d)
      return (uint64_t)d;
  }
  return (uint64_t)luaL_checkinteger(L, arg);
}

/* The value of ash_view_set_u64: as lash_check_u64, but a number that is
 * no uint64 at all (non-integral, NaN, infinite, 2^64 or more) is the
 * VALUE error, like every element value that does not fit. */
static uint64_t lash_check_u64_value(lua_State *L, int arg) {
  int isint = 0;
  lua_Integer x = lua_tointegerx(L, arg, &isint);
  if (isint)
    return (uint64_t)x;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Number d = lua_tonumber(L, arg);
    if (d >= 0 && d < 18446744073709551616.0 && floor(d) == d)
      return (uint64_t)d;
    lash_raisef(L, ASH_E_VALUE, "value %s is not representable as uint64",
                luaL_tolstring(L, arg, NULL));
  }
  luaL_checknumber(L, arg); /* the usual type error */
  return 0;
}

/* Reads a table of integers (or a single integer) into an int64 array.
 * Up to ASH_MAX_NDIM entries go into @buf; more into a userdata left on the
 * stack until the wrapper returns, so the C function judges the count. */
static int64_t *lash_check_i64_list(lua_State *L, int arg, int64_t *buf,
                                    int *count, const char *what) {
  lua_Integer n, i;
  int64_t *out = buf;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    buf[0] = (int64_t)luaL_checkinteger(L, arg);
    *count = 1;
    return buf;
  }
  if (lua_type(L, arg) != LUA_TTABLE)
    luaL_typeerror(L, arg, "table of integers");
  n = (lua_Integer)lua_rawlen(L, arg);
  if (n > 4096)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s has too many entries", what));
  if (n > ASH_MAX_NDIM)
    out = (int64_t *)lua_newuserdatauv(L, (size_t)n * sizeof *out, 0);
  for (i = 1; i <= n; i++) {
    int isint = 0;
    lua_Integer x;
    lua_rawgeti(L, arg, i);
    x = lua_tointegerx(L, -1, &isint);
    if (!isint || lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, arg,
                    lua_pushfstring(L, "%s[%I] must be an integer, got %s",
                                    what, (lua_Integer)i, luaL_typename(L, -1)));
    lua_pop(L, 1);
    out[i - 1] = (int64_t)x;
  }
  *count = (int)n;
  return out;
}

static void lash_push_i64_table(lua_State *L, const int64_t *a, int n) {
  int i;
  lua_createtable(L, n > 0 ? n : 0, 0);
  for (i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)a[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */
/* ---------------------------------------------------------------------- */

static void lash_view_clear(lash_view *u) {
  u->data = NULL;
  u->len = 0;
  u->stride = 0;
  u->ndim = -1;
  u->dtype = 0;
  u->ro = 1;
  u->v = NULL;
}

/* Pushes a closed view userdata; the caller stores a reference in ->v
 * (e.g. passes &u->v as the out-parameter), then calls lash_view_cache().
 * Allocating first means a failed allocation can never leak a reference. */
static lash_view *lash_new_view_ud(lua_State *L) {
  lash_view *u = (lash_view *)lua_newuserdatauv(L, sizeof *u, 0);
  u->tag = LASH_VIEW_TAG;
  lash_view_clear(u);
  luaL_setmetatable(L, LASH_VIEW_MT);
  return u;
}

static void lash_view_cache(lash_view *u) {
  ash_view *v = u->v;
  if (v == NULL) {
    lash_view_clear(u);
    return;
  }
  u->ndim = ash_view_ndim(v);
  u->dtype = ash_view_dtype(v);
  u->ro = (ash_view_flags(v) & ASH_VIEW_READONLY) != 0;
  u->data = (char *)ash_view_data(v);
  u->len = u->ndim > 0 ? ash_view_dim(v, 0) : 0;
  u->stride = u->ndim > 0 ? ash_view_stride(v, 0) : 0;
}

static void lash_view_release_ud(lash_view *u) {
  ash_view *v = u->v;
  lash_view_clear(u);
  ash_view_release(v);
}

static lash_view *lash_view_ud(lua_State *L, int idx) {
  return (lash_view *)luaL_checkudata(L, idx, LASH_VIEW_MT);
}

static int lash_closed(lua_State *L, const char *what) {
  return lash_raisef(L, ASH_E_INVAL, "%s is closed", what);
}

/* An open view at @idx, or an error (type error / closed). */
static lash_view *lash_open_view_ud(lua_State *L, int idx) {
  lash_view *u = lash_view_ud(L, idx);
  if (u->v == NULL)
    lash_closed(L, "view");
  return u;
}

static ash_view *lash_check_view(lua_State *L, int idx) {
  return lash_open_view_ud(L, idx)->v;
}

static lash_segment *lash_new_segment_ud(lua_State *L) {
  lash_segment *s = (lash_segment *)lua_newuserdatauv(L, sizeof *s, 0);
  s->s = NULL;
  luaL_setmetatable(L, LASH_SEG_MT);
  return s;
}

static ash_segment *lash_check_segment(lua_State *L, int idx) {
  lash_segment *s = (lash_segment *)luaL_checkudata(L, idx, LASH_SEG_MT);
  if (s->s == NULL)
    lash_closed(L, "segment");
  return s->s;
}

static lash_list *lash_new_list_ud(lua_State *L) {
  lash_list *l = (lash_list *)lua_newuserdatauv(L, sizeof *l, 0);
  l->l = NULL;
  luaL_setmetatable(L, LASH_LIST_MT);
  return l;
}

static ash_list *lash_check_list(lua_State *L, int idx) {
  lash_list *l = (lash_list *)luaL_checkudata(L, idx, LASH_LIST_MT);
  if (l->l == NULL)
    lash_raisef(L, ASH_E_INVAL, "list is freed");
  return l->l;
}

/* --- replacements for the handle functions that change ownership ------- */

/* ash_view_release(v): releases and marks the userdata closed; nil and an
 * already closed view are accepted (like C's NULL). */
static int lash_core_view_release(lua_State *L) {
  if (!lua_isnoneornil(L, 1))
    lash_view_release_ud(lash_view_ud(L, 1));
  return 0;
}

/* ash_view_retain(v) -> a new view object owning one more reference. */
static int lash_core_view_retain(lua_State *L) {
  ash_view *v = lash_check_view(L, 1);
  lash_view *u = lash_new_view_ud(L);
  u->v = ash_view_retain(v);
  lash_view_cache(u);
  return 1;
}

static int lash_core_segment_close(lua_State *L) {
  if (!lua_isnoneornil(L, 1)) {
    lash_segment *s = (lash_segment *)luaL_checkudata(L, 1, LASH_SEG_MT);
    ash_segment *seg = s->s;
    s->s = NULL;
    ash_segment_close(seg);
  }
  return 0;
}

static int lash_core_list_free(lua_State *L) {
  if (!lua_isnoneornil(L, 1)) {
    lash_list *l = (lash_list *)luaL_checkudata(L, 1, LASH_LIST_MT);
    ash_list *lst = l->l;
    l->l = NULL;
    ash_list_free(lst);
  }
  return 0;
}

/* ash_view_read(v [, nbytes]) -> string. nbytes defaults to the view's
 * nbytes; a different value is the C function's ASH_E_INVAL. */
static int lash_core_view_read(lua_State *L) {
  ash_view *v = lash_check_view(L, 1);
  uint64_t want = ash_view_nbytes(v);
  uint64_t nb = lua_isnoneornil(L, 2) ? want : lash_check_u64(L, 2);
  luaL_Buffer b;
  char *dst;
  int st;
  if (nb != want) { /* let C report the mismatch; it writes nothing */
    char dummy[1];
    st = ash_view_read(v, dummy, nb);
    if (st != ASH_OK)
      return lash_raise_status(L, st);
    return lash_raisef(L, ASH_E_INVAL, "read: size mismatch");
  }
  if (nb > (uint64_t)(SIZE_MAX / 2))
    return lash_raisef(L, ASH_E_NOMEM, "read: %I bytes do not fit in a string",
                       (lua_Integer)nb);
  dst = luaL_buffinitsize(L, &b, (size_t)nb);
  st = ash_view_read(v, dst, nb);
  if (st != ASH_OK)
    return lash_raise_status(L, st);
  luaL_pushresultsize(&b, (size_t)nb);
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Elements                                                                */
/* ---------------------------------------------------------------------- */

static double lash_f16_to_f64(uint16_t h) {
  int e = (h >> 10) & 0x1f, man = h & 0x3ff;
  double v;
  if (e == 0)
    v = ldexp(man, -24);
  else if (e == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexp(man + 1024, e - 25);
  return (h & 0x8000) ? -v : v;
}

static void lash_push_complex(lua_State *L, double re, double im) {
  lua_createtable(L, 2, 0);
  lua_pushnumber(L, re);
  lua_rawseti(L, -2, 1);
  lua_pushnumber(L, im);
  lua_rawseti(L, -2, 2);
}

/* Pushes the element at @p: integers for integer dtypes, floats for float
 * dtypes, booleans for bool, {re, im} tables for complex. */
static void lash_push_raw(lua_State *L, int dtype, const char *p) {
  switch (dtype) {
  case ASH_BOOL:
    lua_pushboolean(L, *(const uint8_t *)p != 0);
    return;
#define LASH_PUSH_INT(DT, T)                                                 \
  case DT: {                                                                 \
    T x_;                                                                    \
    memcpy(&x_, p, sizeof x_);                                               \
    lua_pushinteger(L, (lua_Integer)x_);                                     \
    return;                                                                  \
  }
    LASH_PUSH_INT(ASH_INT8, int8_t)
    LASH_PUSH_INT(ASH_INT16, int16_t)
    LASH_PUSH_INT(ASH_INT32, int32_t)
    LASH_PUSH_INT(ASH_INT64, int64_t)
    LASH_PUSH_INT(ASH_UINT8, uint8_t)
    LASH_PUSH_INT(ASH_UINT16, uint16_t)
    LASH_PUSH_INT(ASH_UINT32, uint32_t)
#undef LASH_PUSH_INT
  case ASH_UINT64: {
    uint64_t x;
    memcpy(&x, p, sizeof x);
    lash_push_u64(L, x);
    return;
  }
  case ASH_FLOAT16: {
    uint16_t x;
    memcpy(&x, p, sizeof x);
    lua_pushnumber(L, lash_f16_to_f64(x));
    return;
  }
  case ASH_FLOAT32: {
    float x;
    memcpy(&x, p, sizeof x);
    lua_pushnumber(L, (lua_Number)x);
    return;
  }
  case ASH_FLOAT64: {
    double x;
    memcpy(&x, p, sizeof x);
    lua_pushnumber(L, x);
    return;
  }
  case ASH_COMPLEX64: {
    float x[2];
    memcpy(x, p, sizeof x);
    lash_push_complex(L, x[0], x[1]);
    return;
  }
  case ASH_COMPLEX128: {
    double x[2];
    memcpy(x, p, sizeof x);
    lash_push_complex(L, x[0], x[1]);
    return;
  }
  default:
    lua_pushnil(L);
    return;
  }
}

/* Reads a complex value from a table {re, im} or {re = , im = }. */
static void lash_check_complex(lua_State *L, int vi, double *re, double *im) {
  int ok1 = 0, ok2 = 0;
  vi = lua_absindex(L, vi);
  if (lua_rawgeti(L, vi, 1) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_getfield(L, vi, "re");
  }
  if (lua_rawgeti(L, vi, 2) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_getfield(L, vi, "im");
  }
  *re = lua_tonumberx(L, -2, &ok1);
  *im = lua_tonumberx(L, -1, &ok2);
  if (!ok1 || !ok2 || lua_type(L, -2) != LUA_TNUMBER ||
      lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "arrayshare: a complex value is a table {re, im} of two "
                  "numbers");
  lua_pop(L, 2);
}

static int lash_bad_value(lua_State *L, int vi, int dtype) {
  return luaL_error(L, "arrayshare: cannot store a %s in a %s view",
                    luaL_typename(L, vi), ash_dtype_name(dtype));
}

/* A numeric string stands for its number (as with luaL_checknumber and
 * Lua arithmetic): pushes the number and returns its index; other values
 * are returned as they are. */
static int lash_numeric_value(lua_State *L, int vi) {
  if (lua_type(L, vi) == LUA_TSTRING &&
      lua_stringtonumber(L, lua_tostring(L, vi)) != 0)
    return lua_gettop(L);
  return vi;
}

/* Stores the Lua value at @vi through the C setters (which apply the
 * documented conversion rules and the read-only check). Integers go
 * through set_i64 (set_u64 for non-negative values into uint64), floats
 * through set_f64, booleans (bool views only) as 0/1, {re, im} tables
 * through set_c128; numeric strings count as numbers. Other types are a Lua
 * type error. */
static void lash_store(lua_State *L, ash_view *v, int dtype, int nidx,
                       const int64_t *idx, int vi) {
  int st;
  vi = lash_numeric_value(L, vi);
  switch (lua_type(L, vi)) {
  case LUA_TNUMBER:
    if (lua_isinteger(L, vi)) {
      lua_Integer x = lua_tointeger(L, vi);
      if (dtype == ASH_UINT64 && x >= 0)
        st = ash_view_set_u64(v, nidx, idx, (uint64_t)x);
      else
        st = ash_view_set_i64(v, nidx, idx, (int64_t)x);
    } else {
      st = ash_view_set_f64(v, nidx, idx, lua_tonumber(L, vi));
    }
    break;
  case LUA_TBOOLEAN:
    if (dtype != ASH_BOOL) {
      lash_bad_value(L, vi, dtype);
      return;
    }
    st = ash_view_set_i64(v, nidx, idx, lua_toboolean(L, vi) ? 1 : 0);
    break;
  case LUA_TTABLE: {
    double re, im;
    lash_check_complex(L, vi, &re, &im);
    st = ash_view_set_c128(v, nidx, idx, re, im);
    break;
  }
  default:
    lash_bad_value(L, vi, dtype);
    return;
  }
  if (st != ASH_OK)
    lash_raise_status(L, st);
}

/* Lua index @i (1-based; negative from the end) on an axis of length @n ->
 * 0-based position, or an INDEX error naming the Lua values. */
static int64_t lash_pos(lua_State *L, lua_Integer i, int64_t n, int axis1) {
  if (i >= 1 && i <= n)
    return (int64_t)i - 1;
  if (i < 0 && i >= -n)
    return n + (int64_t)i;
  lash_raisef(L, ASH_E_INDEX,
              "index %I out of range for axis %d of length %I (Lua indices "
              "are 1-based: 1..%I or -%I..-1)",
              (lua_Integer)i, axis1, (lua_Integer)n, (lua_Integer)n,
              (lua_Integer)n);
  return 0;
}

/* An integer key/argument (integral floats accepted), or raises INDEX. */
/* An integer index (integral floats and numeric strings accepted, as by
 * luaL_checkinteger), or raises INDEX (non-integral number) or a Lua type
 * error. */
static lua_Integer lash_check_index(lua_State *L, int idx) {
  int isint = 0;
  lua_Integer i = lua_tointegerx(L, idx, &isint);
  if (!isint) {
    int isnum = 0;
    lua_Number d = lua_tonumberx(L, idx, &isnum);
    if (isnum)
      lash_raisef(L, ASH_E_INDEX, "index %f is not an integer", d);
    luaL_error(L, "arrayshare: an index must be an integer, got %s",
               luaL_typename(L, idx));
  }
  return i;
}

/* Locates the element named by the @n Lua indices at stack slots
 * @first..@first+n-1: either ndim indices, or one flat index in C order
 * (0-d views: no index, or the flat index 1). Fills @pos with the ndim
 * 0-based positions and returns the element's address. */
static char *lash_locate(lua_State *L, lash_view *u, int first, int n,
                         int64_t *pos) {
  const int64_t *shape = ash_view_shape(u->v);
  const int64_t *strides = ash_view_strides(u->v);
  int nd = u->ndim, k;
  char *p = u->data;
  if (n == nd) {
    for (k = 0; k < nd; k++)
      pos[k] = lash_pos(L, lash_check_index(L, first + k), shape[k], k + 1);
  } else if (n == 1) {
    int64_t flat =
        lash_pos(L, lash_check_index(L, first), ash_view_size(u->v), 0);
    for (k = nd - 1; k >= 0; k--) {
      pos[k] = flat % shape[k];
      flat /= shape[k];
    }
  } else {
    lash_raisef(L, ASH_E_INDEX,
                "%d indices given for a %d-d view (give %d, or 1 flat index)",
                n, nd, nd);
  }
  for (k = 0; k < nd; k++)
    p += pos[k] * strides[k];
  return p;
}

/* ---------------------------------------------------------------------- */
/* View metamethods                                                        */
/* ---------------------------------------------------------------------- */

/* Sub-view of position @pos of axis 1 (v[i] on an n-d view). */
static void lash_push_subview(lua_State *L, ash_view *v, int64_t pos) {
  lash_view *r = lash_new_view_ud(L);
  int st = ash_view_index(v, 0, pos, &r->v);
  if (st != ASH_OK)
    lash_raise_status(L, st);
  lash_view_cache(r);
}

/* v[i] where the view has ndim >= 1 (open): element or sub-view. */
static void lash_push_item(lua_State *L, lash_view *u, lua_Integer i) {
  int64_t pos = lash_pos(L, i, u->len, 1);
  if (u->ndim == 1)
    lash_push_raw(L, u->dtype, u->data + pos * u->stride);
  else
    lash_push_subview(L, u->v, pos);
}

/* v:slice(...) helper used by v[{start, stop, step}] keys: calls the method
 * table's "slice" (defined by the idiomatic layer) on axis 1. */
static int lash_index_table_key(lua_State *L) {
  lua_pushstring(L, "slice");
  lua_rawget(L, lua_upvalueindex(1));
  if (lua_type(L, -1) != LUA_TFUNCTION)
    return luaL_error(L, "arrayshare: slice keys need the arrayshare module");
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 1);
  lua_rawgeti(L, 2, 1);
  lua_rawgeti(L, 2, 2);
  lua_rawgeti(L, 2, 3);
  lua_call(L, 5, 1);
  return 1;
}

static int lash_v_index_slow(lua_State *L) {
  lash_view *u;
  int kt = lua_type(L, 2);
  if (kt == LUA_TSTRING) { /* methods; unknown names are nil */
    int isint = 0;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
      return 1;
    (void)lua_tointegerx(L, 2, &isint); /* a numeric string: an index */
    if (!isint)
      return 1;
    lua_pop(L, 1);
  }
  u = lash_open_view_ud(L, 1);
  if (kt == LUA_TTABLE)
    return lash_index_table_key(L);
  {
    lua_Integer i = lash_check_index(L, 2);
    if (u->ndim == 0)
      return lash_raisef(L, ASH_E_INDEX,
                         "a 0-d view has no axis to index; use v:get()");
    lash_push_item(L, u, i);
  }
  return 1;
}

/* __index. Fast path: an integer key (lua_tointegerx: integers, integral
 * floats, numeric strings) on an open 1-d view; the self tag, the key and
 * the bounds are always checked. Three Lua API calls, like an unchecked
 * metamethod. Everything else goes to lash_v_index_slow. */
static int lash_v_index(lua_State *L) {
  lash_view *u = (lash_view *)lua_touserdata(L, 1);
  int isint = 0;
  lua_Integer i = lua_tointegerx(L, 2, &isint);
  if (isint && u != NULL && u->tag == LASH_VIEW_TAG && u->ndim == 1) {
    int64_t n = u->len, pos;
    if (i >= 1 && i <= n)
      pos = i - 1;
    else if (i < 0 && i >= -n)
      pos = n + i;
    else
      return lash_v_index_slow(L);
    {
      const char *p = u->data + pos * u->stride;
      switch (u->dtype) {
      case ASH_FLOAT64: {
        double x;
        memcpy(&x, p, sizeof x);
        lua_pushnumber(L, x);
        return 1;
      }
      case ASH_FLOAT32: {
        float x;
        memcpy(&x, p, sizeof x);
        lua_pushnumber(L, (lua_Number)x);
        return 1;
      }
      case ASH_INT32: {
        int32_t x;
        memcpy(&x, p, sizeof x);
        lua_pushinteger(L, x);
        return 1;
      }
      case ASH_INT64: {
        int64_t x;
        memcpy(&x, p, sizeof x);
        lua_pushinteger(L, (lua_Integer)x);
        return 1;
      }
      default:
        lash_push_raw(L, u->dtype, p);
        return 1;
      }
    }
  }
  return lash_v_index_slow(L);
}

/* v[i] = x where the fast path did not apply. */
static int lash_v_newindex_slow(lua_State *L) {
  lash_view *u;
  lua_Integer i;
  int64_t pos;
  if (lua_type(L, 2) == LUA_TSTRING) {
    int isint = 0;
    (void)lua_tointegerx(L, 2, &isint);
    if (!isint)
      return luaL_error(L, "arrayshare: cannot set field '%s' of a view",
                        lua_tostring(L, 2));
  }
  u = lash_open_view_ud(L, 1);
  i = lash_check_index(L, 2);
  if (u->ndim == 0)
    return lash_raisef(L, ASH_E_INDEX,
                       "a 0-d view has no axis to index; use v:set(x)");
  pos = lash_pos(L, i, u->len, 1);
  if (u->ndim == 1) {
    lash_store(L, u->v, u->dtype, 1, &pos, 3);
  } else { /* v[i] = x on an n-d view fills the sub-view with x */
    lua_getfield(L, 1, "fill");
    lash_push_subview(L, u->v, pos);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 0);
  }
  return 0;
}

/* __newindex. Fast path: integer key, open writable 1-d view, and a value
 * the dtype holds with no check needed (|x| < 2^53 into float64, |x| <=
 * 2^24 into float32, integers in range into integer dtypes), which is
 * exactly what the C setters would store; anything else (bool, float16,
 * complex, large or non-integral values, errors) goes through the C
 * setters via lash_store, so the conversion rules are the C ones. */
static int lash_v_newindex(lua_State *L) {
  lash_view *u = (lash_view *)lua_touserdata(L, 1);
  int isint = 0;
  lua_Integer i = lua_tointegerx(L, 2, &isint);
  if (isint && u != NULL && u->tag == LASH_VIEW_TAG && u->ndim == 1 &&
      !u->ro) {
    int64_t n = u->len, pos;
    char *p;
    if (i >= 1 && i <= n)
      pos = i - 1;
    else if (i < 0 && i >= -n)
      pos = n + i;
    else
      return lash_v_newindex_slow(L);
    p = u->data + pos * u->stride;
    switch (u->dtype) {
    case ASH_FLOAT64: { /* below 2^53 every number converts exactly */
      int ok = 0;
      double d = (double)lua_tonumberx(L, 3, &ok);
      if (ok && d > -9007199254740992.0 && d < 9007199254740992.0) {
        memcpy(p, &d, sizeof d);
        return 0;
      }
      break;
    }
    case ASH_FLOAT32: { /* rounds to nearest; no overflow below 2^24 */
      int ok = 0;
      double d = (double)lua_tonumberx(L, 3, &ok);
      if (ok && d >= -16777216.0 && d <= 16777216.0) {
        float f = (float)d;
        memcpy(p, &f, sizeof f);
        return 0;
      }
      break;
    }
#define LASH_STORE_INT(DT, T, LO, HI)                                        \
    case DT: {                                                               \
      int ok = 0;                                                            \
      lua_Integer x = lua_tointegerx(L, 3, &ok);                             \
      if (ok && x >= (LO) && x <= (HI)) {                                    \
        T y_ = (T)x;                                                         \
        memcpy(p, &y_, sizeof y_);                                           \
        return 0;                                                            \
      }                                                                      \
      break;                                                                 \
    }
    LASH_STORE_INT(ASH_INT8, int8_t, INT8_MIN, INT8_MAX)
    LASH_STORE_INT(ASH_INT16, int16_t, INT16_MIN, INT16_MAX)
    LASH_STORE_INT(ASH_INT32, int32_t, INT32_MIN, INT32_MAX)
    LASH_STORE_INT(ASH_INT64, int64_t, LUA_MININTEGER, LUA_MAXINTEGER)
    LASH_STORE_INT(ASH_UINT8, uint8_t, 0, UINT8_MAX)
    LASH_STORE_INT(ASH_UINT16, uint16_t, 0, UINT16_MAX)
    LASH_STORE_INT(ASH_UINT32, uint32_t, 0, UINT32_MAX)
    LASH_STORE_INT(ASH_UINT64, uint64_t, 0, LUA_MAXINTEGER)
#undef LASH_STORE_INT
    default:
      break;
    }
    lash_store(L, u->v, u->dtype, 1, &pos, 3);
    return 0;
  }
  return lash_v_newindex_slow(L);
}

static int lash_v_len(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lua_pushinteger(L, (lua_Integer)u->len);
  return 1;
}

static int lash_v_gc(lua_State *L) {
  lash_view *u = (lash_view *)luaL_checkudata(L, 1, LASH_VIEW_MT);
  lash_view_release_ud(u);
  return 0;
}

/* pairs(v): i, v[i] over the first axis. */
static int lash_v_next(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2) + 1;
  if (u->ndim < 1 || i > u->len) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, i);
  lash_push_item(L, u, i);
  return 2;
}

static int lash_v_pairs(lua_State *L) {
  lash_open_view_ud(L, 1);
  lua_pushcfunction(L, lash_v_next);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

/* --- __tostring: NumPy-like ------------------------------------------- */

typedef struct lash_fmt {
  luaL_Buffer *b;
  int dtype, ndim, summarize, indent;
  const int64_t *shape, *strides;
} lash_fmt;

/* Like Lua's tostring for numbers: "%.14g", ".0" added to integral values. */
static void lash_fmt_double(char *out, size_t n, double d) {
  if (isnan(d)) {
    snprintf(out, n, "nan");
  } else if (isinf(d)) {
    snprintf(out, n, d > 0 ? "inf" : "-inf");
  } else {
    snprintf(out, n, "%.14g", d);
    if (out[strspn(out, "-0123456789")] == '\0')
      strncat(out, ".0", n - strlen(out) - 1);
  }
}

static void lash_fmt_elem(lash_fmt *f, const char *p) {
  char tmp[128], re[48], im[48];
  switch (f->dtype) {
  case ASH_BOOL:
    luaL_addstring(f->b, *(const uint8_t *)p ? "true" : "false");
    return;
  case ASH_UINT64: {
    uint64_t x;
    memcpy(&x, p, sizeof x);
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)x);
    break;
  }
  case ASH_INT8:
  case ASH_INT16:
  case ASH_INT32:
  case ASH_INT64:
  case ASH_UINT8:
  case ASH_UINT16:
  case ASH_UINT32: {
    int64_t x = 0;
    switch (f->dtype) {
    case ASH_INT8: { int8_t y; memcpy(&y, p, 1); x = y; break; }
    case ASH_INT16: { int16_t y; memcpy(&y, p, 2); x = y; break; }
    case ASH_INT32: { int32_t y; memcpy(&y, p, 4); x = y; break; }
    case ASH_INT64: { memcpy(&x, p, 8); break; }
    case ASH_UINT8: { uint8_t y; memcpy(&y, p, 1); x = y; break; }
    case ASH_UINT16: { uint16_t y; memcpy(&y, p, 2); x = y; break; }
    default: { uint32_t y; memcpy(&y, p, 4); x = y; break; }
    }
    snprintf(tmp, sizeof tmp, "%lld", (long long)x);
    break;
  }
  case ASH_FLOAT16: {
    uint16_t h;
    memcpy(&h, p, 2);
    lash_fmt_double(tmp, sizeof tmp, lash_f16_to_f64(h));
    break;
  }
  case ASH_FLOAT32: {
    float x;
    memcpy(&x, p, 4);
    lash_fmt_double(tmp, sizeof tmp, x);
    break;
  }
  case ASH_FLOAT64: {
    double x;
    memcpy(&x, p, 8);
    lash_fmt_double(tmp, sizeof tmp, x);
    break;
  }
  default: { /* complex: re+imi */
    double x[2];
    if (f->dtype == ASH_COMPLEX64) {
      float y[2];
      memcpy(y, p, sizeof y);
      x[0] = y[0];
      x[1] = y[1];
    } else {
      memcpy(x, p, sizeof x);
    }
    lash_fmt_double(re, sizeof re, x[0]);
    lash_fmt_double(im, sizeof im, x[1]);
    snprintf(tmp, sizeof tmp, "%s%s%si", re,
             (im[0] == '-' || im[0] == 'n') ? "" : "+", im);
    break;
  }
  }
  luaL_addstring(f->b, tmp);
}

static void lash_fmt_rec(lash_fmt *f, const char *p, int axis) {
  int64_t n, i;
  int k;
  if (axis == f->ndim) {
    lash_fmt_elem(f, p);
    return;
  }
  n = f->shape[axis];
  luaL_addchar(f->b, '[');
  for (i = 0; i < n; i++) {
    if (i > 0) {
      luaL_addchar(f->b, ',');
      if (axis == f->ndim - 1) {
        luaL_addchar(f->b, ' ');
      } else {
        for (k = axis; k < f->ndim - 1; k++)
          luaL_addchar(f->b, '\n');
        for (k = 0; k < f->indent + axis + 1; k++)
          luaL_addchar(f->b, ' ');
      }
    }
    if (f->summarize && n > 6 && i == 3) {
      luaL_addstring(f->b, "...");
      i = n - 4; /* the loop's i++ makes it n - 3 */
      continue;
    }
    lash_fmt_rec(f, p + i * f->strides[axis], axis + 1);
  }
  luaL_addchar(f->b, ']');
}

static int lash_v_tostring(lua_State *L) {
  lash_view *u = lash_view_ud(L, 1);
  luaL_Buffer b;
  lash_fmt f;
  if (u->v == NULL) {
    lua_pushstring(L, "arrayshare.view(closed)");
    return 1;
  }
  luaL_buffinit(L, &b);
  f.b = &b;
  f.dtype = u->dtype;
  f.ndim = u->ndim;
  f.shape = ash_view_shape(u->v);
  f.strides = ash_view_strides(u->v);
  f.summarize = ash_view_size(u->v) > 1000;
  f.indent = 5; /* strlen("view(") */
  luaL_addstring(&b, "view(");
  lash_fmt_rec(&f, u->data, 0);
  luaL_addstring(&b, ", dtype=");
  luaL_addstring(&b, ash_dtype_name(u->dtype));
  if (u->ro)
    luaL_addstring(&b, ", readonly");
  luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

/* ---------------------------------------------------------------------- */
/* View methods written in C (the idiomatic layer adds the rest)           */
/* ---------------------------------------------------------------------- */

/* v:get(i, j, ...) -> element (1-based; see lash_locate). */
static int lash_m_get(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int64_t pos[ASH_MAX_NDIM];
  char *p = lash_locate(L, u, 2, lua_gettop(L) - 1, pos);
  lash_push_raw(L, u->dtype, p);
  return 1;
}

/* v:set(i, j, ..., x) (1-based; the last argument is the value). */
static int lash_m_set(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int top = lua_gettop(L);
  int64_t pos[ASH_MAX_NDIM];
  if (top < 2)
    return luaL_error(L, "arrayshare: set needs a value");
  (void)lash_locate(L, u, 2, top - 2, pos);
  lash_store(L, u->v, u->dtype, u->ndim, pos, top);
  return 0;
}

static void lash_totable_rec(lua_State *L, int dtype, const char *p, int nd,
                             const int64_t *shape, const int64_t *strides) {
  int64_t i;
  if (nd == 0) {
    lash_push_raw(L, dtype, p);
    return;
  }
  luaL_checkstack(L, 4, "arrayshare: totable");
  lua_createtable(L, shape[0] > INT_MAX ? INT_MAX : (int)shape[0], 0);
  for (i = 0; i < shape[0]; i++) {
    lash_totable_rec(L, dtype, p + i * strides[0], nd - 1, shape + 1,
                     strides + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* v:totable() -> nested tables (a 0-d view gives its element). */
static int lash_m_totable(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lash_totable_rec(L, u->dtype, u->data, u->ndim, ash_view_shape(u->v),
                   ash_view_strides(u->v));
  return 1;
}

/* v:fill(x): integer -> fill_i64, float -> fill_f64, boolean (bool views)
 * -> 0/1, {re, im} -> every element through set_c128. */
static int lash_m_fill(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int st = ASH_OK, vi;
  luaL_checkany(L, 2);
  vi = lash_numeric_value(L, 2);
  switch (lua_type(L, vi)) {
  case LUA_TNUMBER:
    if (lua_isinteger(L, vi)) {
      lua_Integer x = lua_tointeger(L, vi);
      st = ash_view_fill_i64(u->v, (int64_t)x);
    } else {
      st = ash_view_fill_f64(u->v, lua_tonumber(L, vi));
    }
    break;
  case LUA_TBOOLEAN:
    if (u->dtype != ASH_BOOL)
      return lash_bad_value(L, 2, u->dtype);
    st = ash_view_fill_i64(u->v, lua_toboolean(L, 2) ? 1 : 0);
    break;
  case LUA_TTABLE: {
    double re, im;
    int64_t i, n = ash_view_size(u->v);
    lash_check_complex(L, 2, &re, &im);
    if (im == 0) {
      st = ash_view_fill_f64(u->v, re);
      break;
    }
    if (u->ro)
      return lash_raisef(L, ASH_E_RDONLY, "fill: the view is read-only");
    if (u->dtype != ASH_COMPLEX64 && u->dtype != ASH_COMPLEX128)
      return lash_raisef(L, ASH_E_VALUE,
                         "fill: a complex value with imaginary part %f does "
                         "not fit a %s view",
                         (lua_Number)im, ash_dtype_name(u->dtype));
    for (i = 0; i < n && st == ASH_OK; i++)
      st = ash_view_set_c128(u->v, 1, &i, re, im);
    break;
  }
  default:
    return lash_bad_value(L, 2, u->dtype);
  }
  if (st != ASH_OK)
    return lash_raise_status(L, st);
  lua_settop(L, 1);
  return 1;
}

/* v:close(): releases the view now (idempotent). */
static int lash_m_close(lua_State *L) {
  lash_view_release_ud(lash_view_ud(L, 1));
  return 0;
}

/* v:closed() -> true once released. */
static int lash_m_closed(lua_State *L) {
  lua_pushboolean(L, lash_view_ud(L, 1)->v == NULL);
  return 1;
}

/* v:ptr() -> address of element (1, ..., 1) as an integer. */
static int lash_m_ptr(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lua_pushinteger(L, (lua_Integer)(uintptr_t)u->data);
  return 1;
}

static int lash_m_read(lua_State *L) {
  lua_settop(L, 1);
  return lash_core_view_read(L);
}

/* v:write(str) -> v */
static int lash_m_write(lua_State *L) {
  ash_view *v = lash_check_view(L, 1);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  int st = ash_view_write(v, s, (uint64_t)n);
  if (st != ASH_OK)
    return lash_raise_status(L, st);
  lua_settop(L, 1);
  return 1;
}

static int lash_m_shape(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lash_push_i64_table(L, ash_view_shape(u->v), u->ndim);
  return 1;
}

static int lash_m_strides(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lash_push_i64_table(L, ash_view_strides(u->v), u->ndim);
  return 1;
}

static int lash_m_ndim(lua_State *L) {
  lua_pushinteger(L, lash_open_view_ud(L, 1)->ndim);
  return 1;
}

static int lash_m_size(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ash_view_size(lash_check_view(L, 1)));
  return 1;
}

static int lash_m_nbytes(lua_State *L) {
  lash_push_u64(L, ash_view_nbytes(lash_check_view(L, 1)));
  return 1;
}

static int lash_m_itemsize(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ash_view_itemsize(lash_check_view(L, 1)));
  return 1;
}

static int lash_m_dtype(lua_State *L) {
  lua_pushstring(L, ash_dtype_name(lash_open_view_ud(L, 1)->dtype));
  return 1;
}

static int lash_m_readonly(lua_State *L) {
  lua_pushboolean(L, lash_open_view_ud(L, 1)->ro);
  return 1;
}

static const luaL_Reg lash_view_cmethods[] = {
    {"get", lash_m_get},         {"set", lash_m_set},
    {"totable", lash_m_totable}, {"fill", lash_m_fill},
    {"close", lash_m_close},     {"closed", lash_m_closed},
    {"ptr", lash_m_ptr},         {"read", lash_m_read},
    {"write", lash_m_write},     {"shape", lash_m_shape},
    {"strides", lash_m_strides}, {"ndim", lash_m_ndim},
    {"size", lash_m_size},       {"nbytes", lash_m_nbytes},
    {"itemsize", lash_m_itemsize}, {"dtype", lash_m_dtype},
    {"readonly", lash_m_readonly}, {NULL, NULL}};

/* ---------------------------------------------------------------------- */
/* Segment and list metamethods                                            */
/* ---------------------------------------------------------------------- */

static int lash_s_gc(lua_State *L) {
  lash_segment *s = (lash_segment *)luaL_checkudata(L, 1, LASH_SEG_MT);
  ash_segment *seg = s->s;
  s->s = NULL;
  ash_segment_close(seg);
  return 0;
}

static int lash_s_tostring(lua_State *L) {
  lash_segment *s = (lash_segment *)luaL_checkudata(L, 1, LASH_SEG_MT);
  if (s->s == NULL)
    lua_pushstring(L, "arrayshare.segment(closed)");
  else
    lua_pushfstring(L, "arrayshare.segment(\"%s\", arrays=%d, %s)",
                    ash_segment_name(s->s), ash_segment_array_count(s->s),
                    ash_segment_policy(s->s) == ASH_POLICY_PERSIST ? "persist"
                                                                   : "auto");
  return 1;
}

static int lash_l_gc(lua_State *L) {
  return lash_core_list_free(L);
}

static int lash_l_tostring(lua_State *L) {
  lash_list *l = (lash_list *)luaL_checkudata(L, 1, LASH_LIST_MT);
  if (l->l == NULL)
    lua_pushstring(L, "arrayshare.list(freed)");
  else
    lua_pushfstring(L, "arrayshare.list(%d names)", ash_list_count(l->l));
  return 1;
}

static int lash_is_view(lua_State *L) {
  lua_pushboolean(L, luaL_testudata(L, 1, LASH_VIEW_MT) != NULL);
  return 1;
}

static int lash_is_segment(lua_State *L) {
  lua_pushboolean(L, luaL_testudata(L, 1, LASH_SEG_MT) != NULL);
  return 1;
}

/* Called from %init with the module table on top: metatables, method
 * tables, ASH_NONE and the helpers. */
static void lash_init(lua_State *L) {
  int mod = lua_gettop(L);

  /* error objects */
  luaL_newmetatable(L, LASH_ERR_MT);
  lua_pushcfunction(L, lash_err_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);

  /* views: methods table is the upvalue of __index */
  lua_newtable(L); /* methods */
  luaL_setfuncs(L, lash_view_cmethods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "view_methods");
  luaL_newmetatable(L, LASH_VIEW_MT);
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, lash_v_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lash_v_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, lash_v_len);
  lua_setfield(L, -2, "__len");
  lua_pushcfunction(L, lash_v_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lash_v_gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, lash_v_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, lash_v_pairs);
  lua_setfield(L, -2, "__pairs");
  /* getmetatable(v) gives this name, not the table: Lua code cannot call
   * the metamethods on foreign values (defence in depth; the fast paths
   * also check a tag). */
  lua_pushliteral(L, LASH_VIEW_MT);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  /* segments: __index is a plain methods table, filled by arrayshare.lua */
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "segment_methods");
  luaL_newmetatable(L, LASH_SEG_MT);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lash_s_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lash_s_gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, lash_s_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 2);

  luaL_newmetatable(L, LASH_LIST_MT);
  lua_pushcfunction(L, lash_l_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lash_l_gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, lash_l_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);

  lua_pushinteger(L, (lua_Integer)ASH_NONE);
  lua_setfield(L, mod, "ASH_NONE");
  lua_pushcfunction(L, lash_new_error);
  lua_setfield(L, mod, "new_error");
  lua_pushcfunction(L, lash_is_view);
  lua_setfield(L, mod, "is_view");
  lua_pushcfunction(L, lash_is_segment);
  lua_setfield(L, mod, "is_segment");
  {
    size_t i;
    lua_createtable(L, 0, (int)(sizeof lash_classes / sizeof lash_classes[0]));
    for (i = 0; i < sizeof lash_classes / sizeof lash_classes[0]; i++) {
      lua_pushstring(L, lash_classes[i][1]);
      lua_setfield(L, -2, lash_classes[i][0]);
    }
    lua_setfield(L, mod, "error_classes");
  }
  lua_settop(L, mod);
}
%}
