/* SPDX-License-Identifier: MIT */
/* arrayshare_lang.i (Lua) - how arrayshare.h maps to Lua 5.4.
 *
 * Included by swig/arrayshare.i before the header. The generated module is
 * arrayshare_core: every public function of arrayshare.h under its C name,
 * close to C (0-based indices like C), with:
 *  - out-parameters returned as values (handles, numbers, (alive, dead),
 *    (re, im), (pid, alive)); an ash_status that is not ASH_OK raises an
 *    error object {code, name, message, class} (see lash_runtime.i);
 *  - (ndim, shape), (nidx, idx), (naxes, axes) taken as one Lua table of
 *    integers (a single integer is accepted as a one-entry table);
 *  - ash_view_shape / ash_view_strides returning a table of ndim integers;
 *  - (void *dst, nbytes) / (const void *src, nbytes) as Lua strings;
 *  - handles as userdata owning their C object: views (arrayshare.view,
 *    released by __gc / __close / ash_view_release), segments
 *    (arrayshare.segment, ash_segment_close), lists (arrayshare.list,
 *    ash_list_free). After an explicit release any use raises.
 *  - integers as Lua integers; uint64_t by two's complement (Lua's own
 *    unsigned convention: 2^64 - 1 is -1, see math.ult / string.pack "J");
 *    ASH_NONE is math.mininteger (nil is accepted for slice start/stop).
 * The view userdata also carries the idiomatic 1-based metamethods used by
 * bindings/lua/arrayshare.lua (see docs/lua.md).
 */

%include "lash_runtime.i"

/* ---------------------------------------------------------------------- */
/* Status: raise on failure, return nothing on success                     */
/* ---------------------------------------------------------------------- */

%typemap(out) ash_status {
  if ($1 != ASH_OK)
    lash_raise_status(L, $1);
}

/* ---------------------------------------------------------------------- */
/* Numbers: Lua integers, strictly checked                                 */
/* ---------------------------------------------------------------------- */

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
  "lash_push_u64_bits(L, (uint64_t)$1); SWIG_arg++;"
%typemap(out) double "lua_pushnumber(L, (lua_Number)$1); SWIG_arg++;"

/* ash_view_set_u64's value: like every uint64_t (two's complement for
 * integers), but a number that is no uint64 at all (2.5, 2^64, NaN) is
 * the VALUE error rather than an argument error. */
%typemap(in) uint64_t value "$1 = lash_check_u64_value(L, $input);"

/* Slice bounds: nil means "none" (ASH_NONE), like Python's None. */
%typemap(in) int64_t start, int64_t stop
  "$1 = lua_isnoneornil(L, $input) ? ASH_NONE : (int64_t)luaL_checkinteger(L, $input);"

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */
/* ---------------------------------------------------------------------- */

%typemap(in) ash_view *, const ash_view * "$1 = lash_check_view(L, $input);"
%typemap(in) ash_segment *, const ash_segment * "$1 = lash_check_segment(L, $input);"
%typemap(in) ash_list *, const ash_list * "$1 = lash_check_list(L, $input);"

/* Out handles: the userdata is made just before the call (check typemap:
 * after the argument count and conversions), so nothing can leak; the C
 * function stores its reference into it. */
%typemap(in, numinputs=0) ash_view **out (lash_view *ud_ = NULL, int slot_ = 0) "$1 = NULL;"
%typemap(check) ash_view **out {
  ud_$argnum = lash_new_view_ud(L);
  slot_$argnum = lua_gettop(L);
  $1 = &ud_$argnum->v;
}
%typemap(argout) ash_view **out {
  lash_view_cache(ud_$argnum);
  lua_pushvalue(L, slot_$argnum);
  SWIG_arg++;
}
%typemap(in, numinputs=0) ash_segment **out (lash_segment *ud_ = NULL, int slot_ = 0) "$1 = NULL;"
%typemap(check) ash_segment **out {
  ud_$argnum = lash_new_segment_ud(L);
  slot_$argnum = lua_gettop(L);
  $1 = &ud_$argnum->s;
}
%typemap(argout) ash_segment **out {
  lua_pushvalue(L, slot_$argnum);
  SWIG_arg++;
}
%typemap(in, numinputs=0) ash_list **out (lash_list *ud_ = NULL, int slot_ = 0) "$1 = NULL;"
%typemap(check) ash_list **out {
  ud_$argnum = lash_new_list_ud(L);
  slot_$argnum = lua_gettop(L);
  $1 = &ud_$argnum->l;
}
%typemap(argout) ash_list **out {
  lua_pushvalue(L, slot_$argnum);
  SWIG_arg++;
}

/* ---------------------------------------------------------------------- */
/* Out-parameters become return values                                     */
/* ---------------------------------------------------------------------- */

%typemap(in, numinputs=0) int *out (int tmp_ = 0), int *alive (int tmp_ = 0),
    int *dead (int tmp_ = 0), int *reaped (int tmp_ = 0) "$1 = &tmp_;"
%typemap(argout) int *out, int *alive, int *dead, int *reaped
  "lua_pushinteger(L, (lua_Integer)*$1); SWIG_arg++;"

%typemap(in, numinputs=0) int64_t *out (int64_t tmp_ = 0),
    int64_t *pid (int64_t tmp_ = 0) "$1 = &tmp_;"
%typemap(argout) int64_t *out, int64_t *pid
  "lua_pushinteger(L, (lua_Integer)*$1); SWIG_arg++;"

%typemap(in, numinputs=0) uint64_t *out (uint64_t tmp_ = 0) "$1 = &tmp_;"
%typemap(argout) uint64_t *out "lash_push_u64_bits(L, *$1); SWIG_arg++;"

%typemap(in, numinputs=0) double *out (double tmp_ = 0),
    double *re (double tmp_ = 0), double *im (double tmp_ = 0) "$1 = &tmp_;"
%typemap(argout) double *out, double *re, double *im
  "lua_pushnumber(L, *$1); SWIG_arg++;"

/* ash_arena_bytes_for(dtype, shape, total) -> total + this array's bytes */
%typemap(in) uint64_t *total (uint64_t tmp_ = 0)
  "tmp_ = lash_check_u64(L, $input); $1 = &tmp_;"
%typemap(argout) uint64_t *total "lash_push_u64_bits(L, *$1); SWIG_arg++;"

/* ---------------------------------------------------------------------- */
/* Index, shape and axes lists: one Lua table of integers                  */
/* ---------------------------------------------------------------------- */

%typemap(in) (int ndim, const int64_t *shape) (int64_t buf_[ASH_MAX_NDIM]),
             (int nidx, const int64_t *idx) (int64_t buf_[ASH_MAX_NDIM]),
             (int naxes, const int64_t *axes) (int64_t buf_[ASH_MAX_NDIM])
  "$2 = lash_check_i64_list(L, $input, buf_, &$1, \"$2_name\");"

/* ash_view_shape / ash_view_strides -> table of ndim integers */
%typemap(out) const int64_t *
  "lash_push_i64_table(L, $1, ash_view_ndim(arg1)); SWIG_arg++;"

/* ash_view_data -> the address as an integer */
%typemap(out) void * "lua_pushinteger(L, (lua_Integer)(uintptr_t)$1); SWIG_arg++;"

/* ash_view_write(v, string) */
%typemap(in) (const void *src, uint64_t nbytes) {
  size_t n_ = 0;
  $1 = (void *)luaL_checklstring(L, $input, &n_);
  $2 = (uint64_t)n_;
}

/* ---------------------------------------------------------------------- */
/* Functions replaced by hand-written ones (ownership, optional nbytes)    */
/* ---------------------------------------------------------------------- */

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
