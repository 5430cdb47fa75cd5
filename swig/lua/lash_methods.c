/* SPDX-License-Identifier: MIT */
/* lash_methods.c - the view methods written in C, 1-based like every Lua
 * sequence (arrayshare.lua adds the ones that are one library call), and
 * the module's setup. */
#include <limits.h>
#include <string.h>

#include "lash.h"

/* ---------------------------------------------------------------------- */
/* 1-based axes and slices                                                 */
/* ---------------------------------------------------------------------- */

/* The integer at @arg (integral floats accepted), or a Lua argument error
 * of method @fname: "@what must be an integer". */
static lua_Integer lash_int_arg(lua_State *L, int arg, const char *fname,
                                const char *what, int *present) {
  int isint = 0;
  lua_Integer x = 0;
  *present = !lua_isnoneornil(L, arg);
  if (!*present)
    return 0;
  x = lua_tointegerx(L, arg, &isint);
  if (!isint)
    luaL_error(L, "bad argument #%d to '%s' (%s must be an integer, got %s)",
               arg - 1, fname, what, luaL_tolstring(L, arg, NULL));
  return x;
}

/* Lua axis @a (1..ndim or -ndim..-1) -> the C axis (0-based, or negative
 * from the end); AXIS for 0. */
static int lash_c_axis(lua_State *L, lua_Integer a) {
  if (a == 0)
    lash_raisef(L, ASH_E_AXIS,
                "axis 0 does not exist: Lua axes are 1-based "
                "(1..ndim, or -ndim..-1)");
  return a > 0 ? (int)(a > INT_MAX ? INT_MAX : a - 1)
               : (int)(a < -INT_MAX ? -INT_MAX : a);
}

/* Axis argument 2 of method @fname on view @u -> the C axis, or AXIS
 * naming the Lua axis. */
static int lash_view_axis(lua_State *L, lash_view *u, const char *fname) {
  int present;
  lua_Integer a = lash_int_arg(L, 2, fname, "axis", &present);
  if (!present)
    luaL_error(L,
               "bad argument #1 to '%s' (axis must be an integer, got "
               "nil)",
               fname);
  int ax = lash_c_axis(L, a), nd = u->ndim;
  if (ax >= nd || ax < -nd)
    lash_raisef(L, ASH_E_AXIS,
                "axis %I out of range for a %d-d view (Lua axes are 1-based: "
                "1..%d or -%d..-1)",
                a, nd, nd, nd);
  return ax;
}

/* Pushes the view made by a library call into the userdata pushed before
 * it (lash_new_view_ud), or raises its error. */
#define LASH_NEW_VIEW(L, call_with_out)                                        \
  do {                                                                         \
    lash_view *r_ = lash_new_view_ud(L);                                       \
    ash_view **out = &r_->v;                                                   \
    lash_push_result_view(L, (call_with_out));                                 \
  } while (0)

/* v:slice(axis, start = first, stop = last, step = 1) -> view (no copy):
 * 1-based inclusive bounds, negative counting from the end (-1 = last),
 * clamped like string.sub; with a negative step, start >= stop. */
int lash_m_slice(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int ax = lash_view_axis(L, u, "slice"), has_start, has_stop, has_step;
  lua_Integer start = lash_int_arg(L, 3, "slice", "start", &has_start);
  lua_Integer stop = lash_int_arg(L, 4, "slice", "stop", &has_stop);
  lua_Integer step = lash_int_arg(L, 5, "slice", "step", &has_step);
  int64_t n = ash_view_dim(u->v, ax), s, e, cstart, cstop;
  if (!has_step)
    step = 1;
  if (step == 0) { /* the C function's INVAL */
    LASH_NEW_VIEW(L, ash_view_slice(u->v, ax, ASH_NONE, ASH_NONE, 0, 0, out));
    return 1;
  }
  if (has_start && start < 0)
    start = n + start + 1;
  if (has_stop && stop < 0)
    stop = n + stop + 1;
  if (step > 0) {
    s = has_start ? (start < 1 ? 1 : start) : 1;
    e = has_stop ? (stop > n ? n : stop) : n;
    cstart = s - 1;
    cstop = e;
    if (e < s)
      cstart = cstop = 0;
  } else {
    s = has_start ? (start > n ? n : start) : n;
    e = has_stop ? (stop < 1 ? 1 : stop) : 1;
    cstart = s - 1;
    cstop = e >= 2 ? e - 2 : ASH_NONE;
    if (s < e) {
      cstart = cstop = 0;
      step = 1;
    }
  }
  if (cstart == cstop && cstart == 0)
    step = step > 0 ? step : 1;
  LASH_NEW_VIEW(L, ash_view_slice(u->v, ax, cstart, cstop, step, 0, out));
  return 1;
}

/* v:index(axis, i) -> view with that axis dropped (position i, 1-based). */
static int lash_m_index(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int ax = lash_view_axis(L, u, "index");
  int axis1 = ax >= 0 ? ax + 1 : u->ndim + ax + 1;
  int64_t pos =
      lash_pos(L, lash_check_index(L, 3), ash_view_dim(u->v, ax), axis1);
  LASH_NEW_VIEW(L, ash_view_index(u->v, ax, pos, out));
  return 1;
}

/* v:dim(axis) -> length of a 1-based axis. */
static int lash_m_dim(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  lua_pushinteger(L,
                  (lua_Integer)ash_view_dim(u->v, lash_view_axis(L, u, "dim")));
  return 1;
}

/* v:permute(a1, a2, ...) or v:permute{a1, a2, ...} (1-based axes). */
static int lash_m_permute(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  int64_t buf[ASH_MAX_NDIM], *axes;
  int n;
  if (lua_type(L, 2) == LUA_TTABLE) {
    axes = lash_check_i64_list(L, 2, buf, &n, "axes");
  } else {
    n = lua_gettop(L) - 1;
    axes = n > ASH_MAX_NDIM
               ? (int64_t *)lua_newuserdatauv(L, (size_t)n * sizeof *axes, 0)
               : buf;
    for (int k = 0; k < n; k++)
      axes[k] = lash_check_index(L, k + 2);
  }
  for (int k = 0; k < n; k++)
    axes[k] = lash_c_axis(L, axes[k]);
  LASH_NEW_VIEW(L, ash_view_permute(u->v, n, axes, out));
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Elements and the rest                                                   */
/* ---------------------------------------------------------------------- */

/* The address of element (i) or (i, j) of the view at 1 for the 1-based
 * integer arguments at 2 (and 3), when the view is an open 1-d or 2-d one
 * (@writable: and not read-only) given one index per axis, each in range
 * (negative from the end): the fast path of get and set, reading only the
 * userdata's cached fields. NULL otherwise: the general path decides, and
 * words the error. */
static char *lash_fast_at(lua_State *L, int nargs, int writable,
                          lash_view **out) {
  lash_view *u = (lash_view *)lua_touserdata(L, 1);
  int64_t i, j = 0;
  if (u == NULL || u->tag != LASH_VIEW_TAG || nargs != u->ndim ||
      (nargs != 1 && nargs != 2) || (writable && u->ro) ||
      !lash_fast_pos(L, 2, u->len, &i) ||
      (nargs == 2 && !lash_fast_pos(L, 3, u->len1, &j)))
    return NULL;
  *out = u;
  return u->data + i * u->stride + j * u->stride1;
}

/* v:get(i, j, ...) -> element (1-based; see lash_locate). */
static int lash_m_get(lua_State *L) {
  lash_view *u;
  char *p = lash_fast_at(L, lua_gettop(L) - 1, 0, &u);
  if (p == NULL) {
    int64_t pos[ASH_MAX_NDIM];
    u = lash_open_view_ud(L, 1);
    p = lash_locate(L, u, 2, lua_gettop(L) - 1, pos);
  }
  lash_push_raw(L, u->dtype, p);
  return 1;
}

/* v:set(i, j, ..., x) (1-based; the last argument is the value). The fast
 * path stores what the dtype holds exactly (as __newindex does); the rest
 * goes through the C setters. */
static int lash_m_set(lua_State *L) {
  lash_view *u;
  int top = lua_gettop(L);
  char *p = top >= 2 ? lash_fast_at(L, top - 2, 1, &u) : NULL;
  if (p != NULL && lash_store_fast(L, top, u->dtype, p))
    return 0;
  u = lash_open_view_ud(L, 1);
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

/* v:fill(x): every element set to x (one check before anything is
 * written): numbers, booleans (bool views), {re, im} tables. */
int lash_m_fill(lua_State *L) {
  lash_view *u = lash_open_view_ud(L, 1);
  ash_elem e;
  luaL_checkany(L, 2);
  lash_elem_of(L, 2, u->dtype, &e);
  int st = ash_elem_fill(u->v, &e);
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
  lash_view *u = lash_view_ud(L, 1);
  lua_pushboolean(L, u->v == NULL && u->base == NULL);
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
    {"get", lash_m_get},           {"set", lash_m_set},
    {"totable", lash_m_totable},   {"fill", lash_m_fill},
    {"close", lash_m_close},       {"closed", lash_m_closed},
    {"ptr", lash_m_ptr},           {"read", lash_m_read},
    {"write", lash_m_write},       {"shape", lash_m_shape},
    {"strides", lash_m_strides},   {"ndim", lash_m_ndim},
    {"size", lash_m_size},         {"nbytes", lash_m_nbytes},
    {"itemsize", lash_m_itemsize}, {"dtype", lash_m_dtype},
    {"readonly", lash_m_readonly}, {"slice", lash_m_slice},
    {"index", lash_m_index},       {"dim", lash_m_dim},
    {"permute", lash_m_permute},   {NULL, NULL}};

/* ---------------------------------------------------------------------- */
/* Segment and list metamethods                                            */
/* ---------------------------------------------------------------------- */

/* Called from %init with the module table on top: the error metatable,
 * the view metatable and its methods table, the segment and list
 * metatables, the error classes and the helpers. */
void lash_init(lua_State *L) {
  int mod = lua_gettop(L);
  luaL_newmetatable(L, LASH_ERR_MT);
  lua_pushcfunction(L, lash_err_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lua_newtable(L); /* view methods: the upvalue of __index */
  luaL_setfuncs(L, lash_view_cmethods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "view_methods");
  lash_view_metatable(L, lua_gettop(L));
  lua_pop(L, 1);
  lash_handles_init(L, mod);
  lua_pushcfunction(L, lash_new_error);
  lua_setfield(L, mod, "new_error");
  lash_push_error_classes(L);
  lua_setfield(L, mod, "error_classes");
  lua_settop(L, mod);
}
