/* SPDX-License-Identifier: MIT */
/* arrayshare_lang.i (Lua) - how the shared interface maps to Lua 5.4.
 *
 * Included by swig/arrayshare.i before the header; it defines the named
 * typemaps that file applies, the type-wide ones, and corrects SWIG's
 * library typemaps where they are wrong for Lua 5.4. The C behind them is
 * in swig/lua/lash_*.c (see lash.h). The generated module arrayshare_core
 * has every public function of arrayshare.h under its C name, close to C
 * (0-based indices like C), with:
 *  - out-parameters returned as values (handles, numbers, (alive, dead),
 *    (re, im), (pid, alive)); an ash_status that is not ASH_OK raises an
 *    error object {code, name, message, class};
 *  - (ndim, shape), (nidx, idx), (naxes, axes) taken as one Lua table of
 *    integers (a single integer is accepted as a one-entry table);
 *  - ash_view_shape / ash_view_strides returning a table of ndim integers;
 *  - (void *dst, nbytes) / (const void *src, nbytes) as Lua strings;
 *  - handles as userdata owning their C object: views (arrayshare.view),
 *    segments (arrayshare.segment), lists (arrayshare.list). After an
 *    explicit release any use raises.
 *  - integers as Lua integers; uint64_t by two's complement (Lua's own
 *    unsigned convention: 2^64 - 1 is -1, see math.ult / string.pack "J");
 *    ASH_NONE is math.mininteger (nil is accepted for slice start/stop).
 * The view userdata also carries the idiomatic 1-based metamethods and
 * methods used by bindings/lua/arrayshare.lua (see docs/lua.md).
 */

%{
#include "lash.h"
%}

/* Status: raise on failure, return nothing on success. */
%typemap(out) ash_status {
  if ($1 != ASH_OK)
    lash_raise_status(L, $1);
}

/* Numbers: Lua integers, strictly checked. */
%typemap(in) int, signed int, int32_t
  "$1 = ($1_ltype)lash_check_range(L, $input, INT_MIN, INT_MAX);"
%typemap(in) unsigned, unsigned int, uint32_t
  "$1 = ($1_ltype)lash_check_range(L, $input, 0, UINT_MAX);"
%typemap(in) int64_t, long long, long "$1 = ($1_ltype)luaL_checkinteger(L, $input);"
%typemap(in) uint64_t, unsigned long long, unsigned long, size_t
  "$1 = ($1_ltype)lash_check_u64(L, $input);"
%typemap(in) double, float "$1 = ($1_ltype)luaL_checknumber(L, $input);"

%typemap(out) int, signed int, unsigned, unsigned int, int32_t, uint32_t,
              int64_t, long long, long, size_t
  "lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++;"
%typemap(out) uint64_t, unsigned long long, unsigned long
  "lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++;"
%typemap(out) double "lua_pushnumber(L, (lua_Number)$1); SWIG_arg++;"

/* ash_view_set_u64's value: like every uint64_t (two's complement for
 * integers), but a number that is no uint64 at all (2.5, 2^64, NaN) is
 * the VALUE error rather than an argument error. */
%typemap(in) uint64_t value "$1 = lash_check_u64_value(L, $input);"

/* ASH_OPTIONAL: nil means ASH_NONE, like Python's None. */
%typemap(in) int64_t ASH_OPTIONAL
  "$1 = lua_isnoneornil(L, $input) ? ASH_NONE : (int64_t)luaL_checkinteger(L, $input);"

/* Strings: see lash_check_cstr (a type error for non-strings: SWIG's own
 * check would read a foreign userdata as a SWIG object; INVAL for an
 * embedded NUL). */
%typemap(in) const char * "$1 = (char *)lash_check_cstr(L, $input, \"$1_name\");"

/* Handles in. */
%typemap(in) ash_view *, const ash_view * "$1 = lash_check_view(L, $input);"
%typemap(in) ash_segment *, const ash_segment * "$1 = lash_check_segment(L, $input);"
%typemap(in) ash_list *, const ash_list * "$1 = lash_check_list(L, $input);"

/* ASH_NEW: the userdata is made just before the call (check typemap: after
 * the argument count and conversions), so nothing can leak; the C function
 * stores its reference into it. */
%define LASH_NEW(T, UD, NEW, FIELD, CACHE)
%typemap(in, numinputs=0) T **ASH_NEW (UD *ud_ = NULL, int slot_ = 0) "$1 = NULL;"
%typemap(check) T **ASH_NEW {
  ud_$argnum = NEW(L);
  slot_$argnum = lua_gettop(L);
  $1 = &ud_$argnum->FIELD;
}
%typemap(argout) T **ASH_NEW {
  CACHE;
  lua_pushvalue(L, slot_$argnum);
  SWIG_arg++;
}
%enddef
LASH_NEW(ash_view, lash_view, lash_new_view_ud, v, lash_view_cache(ud_$argnum))
LASH_NEW(ash_segment, lash_segment, lash_new_segment_ud, s, (void)0)
LASH_NEW(ash_list, lash_list, lash_new_list_ud, l, (void)0)

/* SWIG's OUTPUT and INOUT push integers as lua_Number: floats in Lua 5.4.
 * Integers stay integers; uint64_t by two's complement. */
%typemap(argout) int *OUTPUT, long *OUTPUT, unsigned long *OUTPUT,
                 unsigned long *INOUT
  "lua_pushinteger(L, (lua_Integer)*$1); SWIG_arg++;"
%typemap(in) unsigned long *INOUT (unsigned long tmp_)
  "tmp_ = lash_check_u64(L, $input); $1 = &tmp_;"

/* ASH_COUNT/ASH_LIST: one Lua table of integers. */
%typemap(in) (int ASH_COUNT, const int64_t *ASH_LIST) (int64_t buf_[ASH_MAX_NDIM])
  "$2 = lash_check_i64_list(L, $input, buf_, &$1, \"$2_name\");"

/* ASH_NDIM_LIST: a table of the view's ndim integers; ASH_ADDRESS: an
 * integer. */
%typemap(out) const int64_t *ASH_NDIM_LIST
  "lash_push_i64_table(L, $1, ash_view_ndim(arg1)); SWIG_arg++;"
%typemap(out) void *ASH_ADDRESS
  "lua_pushinteger(L, (lua_Integer)(uintptr_t)$1); SWIG_arg++;"

/* ASH_WRITE_*: a string. (ash_view_read is hand-written: nbytes optional.) */
%typemap(in) (const void *ASH_WRITE_BUF, uint64_t ASH_WRITE_LEN) {
  size_t n_ = 0;
  $1 = (void *)luaL_checklstring(L, $input, &n_);
  $2 = (uint64_t)n_;
}

/* ASH_TEXT: a malloc'ed string returned as a Lua string (and freed). */
%typemap(in, numinputs=0) char **ASH_TEXT (char *text_ = NULL) "$1 = &text_;"
%typemap(argout) char **ASH_TEXT
  "lua_pushstring(L, text_$argnum); free(text_$argnum); text_$argnum = NULL; SWIG_arg++;"
%typemap(freearg) char **ASH_TEXT "free(text_$argnum);"

/* Functions replaced by hand-written ones (ownership, optional nbytes). */
%ignore ash_view_retain(ash_view *);
%ignore ash_view_release(ash_view *);
%ignore ash_segment_close(ash_segment *);
%ignore ash_list_free(ash_list *);
%ignore ash_view_read(const ash_view *, void *, uint64_t);
%native(ash_view_retain) int lash_core_view_retain(lua_State *L);
%native(ash_view_release) int lash_core_view_release(lua_State *L);
%native(ash_segment_close) int lash_core_segment_close(lua_State *L);
%native(ash_list_free) int lash_core_list_free(lua_State *L);
%native(ash_view_read) int lash_core_view_read(lua_State *L);

%init %{
  lash_init(L);
  /* SWIG also stored the module and two helpers as globals; a Lua 5.4
   * module should only be returned by require. Remove them if they are
   * still ours. */
  {
    int mod_ = lua_gettop(L);
    lua_pushglobaltable(L);
    if (lua_getfield(L, -1, "arrayshare_core") == LUA_TTABLE &&
        lua_rawequal(L, -1, mod_)) {
      lua_pushnil(L);
      lua_setfield(L, -3, "arrayshare_core");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "swig_type") == LUA_TFUNCTION &&
        lua_tocfunction(L, -1) == SWIG_Lua_type) {
      lua_pushnil(L);
      lua_setfield(L, -3, "swig_type");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "swig_equals") == LUA_TFUNCTION &&
        lua_tocfunction(L, -1) == SWIG_Lua_class_equal) {
      lua_pushnil(L);
      lua_setfield(L, -3, "swig_equals");
    }
    lua_settop(L, mod_);
  }
%}
