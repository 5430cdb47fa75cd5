/* SPDX-License-Identifier: MIT */
/* lash_values.c - error objects, and Lua values to and from what the C
 * library takes: checked integers, uint64 values, strings (no embedded NUL),
 * integer lists, 1-based indices. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "lash.h"

/* ---------------------------------------------------------------------- */
/* Error objects                                                           */
/* ---------------------------------------------------------------------- */

/* Pushes an error object {code, name, message, class} with the error
 * metatable. @msg is copied first: it may be ash_last_error(), which the
 * next library call may overwrite. */
void lash_push_error(lua_State *L, int code, const char *msg) {
  const char *name;
  const struct ash_swig_error *row = ash_swig_error_of(code);
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
  lua_pushstring(L, row ? row->lua_class : "Error");
  lua_setfield(L, -2, "class");
  lua_rotate(L, -2, 1); /* message on top */
  lua_setfield(L, -2, "message");
  luaL_setmetatable(L, LASH_ERR_MT);
}

int lash_raise(lua_State *L, int code, const char *msg) {
  lash_push_error(L, code, msg);
  return lua_error(L);
}

/* Formats with lua_pushvfstring (%s %d %I %f %p %%: pass lua_Integer for %I
 * and lua_Number for %f). */
int lash_raisef(lua_State *L, int code, const char *fmt, ...) {
  va_list ap;
  const char *msg;
  va_start(ap, fmt);
  msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return lash_raise(L, code, msg);
}

/* A failed library call: code and ash_last_error(). */
int lash_raise_status(lua_State *L, int status) {
  return lash_raise(L, status, ash_last_error());
}

int lash_err_tostring(lua_State *L) {
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
int lash_new_error(lua_State *L) {
  int code = (int)luaL_checkinteger(L, 1);
  lash_push_error(L, code, luaL_optstring(L, 2, NULL));
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Numbers                                                                 */
/* ---------------------------------------------------------------------- */

/* {NOENT = "NotFound", ...}: the Lua column of the one error table, as
 * arrayshare_core.error_classes (the idiomatic layer makes ash.<class>). */
void lash_push_error_classes(lua_State *L) {
  lua_createtable(L, 0, ASH_SWIG_NERRORS);
  for (int i = 0; i < ASH_SWIG_NERRORS; i++) {
    lua_pushstring(L, ash_swig_errors[i].lua_class);
    lua_setfield(L, -2, ash_swig_errors[i].name);
  }
}

/* Idiomatic layer: uint64 values up to math.maxinteger are Lua integers;
 * larger ones are floats (the nearest double), documented in docs/lua.md. */
void lash_push_u64(lua_State *L, uint64_t x) {
  if (x <= (uint64_t)LUA_MAXINTEGER)
    lua_pushinteger(L, (lua_Integer)x);
  else
    lua_pushnumber(L, (lua_Number)x);
}

/* An integer argument in [lo, hi] (integral floats accepted, like every
 * Lua library function); a Lua argument error otherwise. */
lua_Integer lash_check_range(lua_State *L, int arg, lua_Integer lo,
                             lua_Integer hi) {
  lua_Integer x = luaL_checkinteger(L, arg);
  if (x < lo || x > hi)
    luaL_argerror(L, arg, "out of range");
  return x;
}

/* A uint64_t argument of arrayshare_core: a Lua integer reinterpreted by
 * two's complement (so -1 is 2^64 - 1, as in C), or an integral float in
 * [2^63, 2^64); anything else is a Lua argument error. */
uint64_t lash_check_u64(lua_State *L, int arg) {
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
uint64_t lash_check_u64_value(lua_State *L, int arg) {
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
int64_t *lash_check_i64_list(lua_State *L, int arg, int64_t *buf, int *count,
                             const char *what) {
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
                                    what, (lua_Integer)i,
                                    luaL_typename(L, -1)));
    lua_pop(L, 1);
    out[i - 1] = (int64_t)x;
  }
  *count = (int)n;
  return out;
}

/* A string argument of arrayshare_core (the `const char *` typemap): nil is
 * NULL (the library reports it), numbers convert as everywhere in Lua, any
 * other value is a Lua type error. SWIG's own check would name a foreign
 * userdata by reading it as a SWIG object (a crash for our views). A string
 * with an embedded NUL would be cut short by C: INVAL naming the argument. */
const char *lash_check_cstr(lua_State *L, int arg, const char *what) {
  size_t len;
  const char *s;
  if (lua_isnoneornil(L, arg))
    return NULL;
  if (!lua_isstring(L, arg))
    luaL_typeerror(L, arg, "string");
  s = lua_tolstring(L, arg, &len);
  if (strlen(s) != len) {
    char msg[160];
    lash_raise(L, ASH_E_INVAL,
               ash_swig_nul_message(msg, sizeof msg, what, strlen(s)));
  }
  return s;
}

void lash_push_i64_table(lua_State *L, const int64_t *a, int n) {
  int i;
  lua_createtable(L, n > 0 ? n : 0, 0);
  for (i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)a[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* Lua index @i (1-based; negative from the end) on an axis of length @n ->
 * 0-based position, or an INDEX error naming the Lua values. */
int64_t lash_pos(lua_State *L, lua_Integer i, int64_t n, int axis1) {
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

/* An integer index (integral floats and numeric strings accepted, as by
 * luaL_checkinteger), or raises INDEX (non-integral number) or a Lua type
 * error. */
lua_Integer lash_check_index(lua_State *L, int idx) {
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
