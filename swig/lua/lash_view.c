/* SPDX-License-Identifier: MIT */
/* lash_view.c - elements and the view metamethods: __index / __newindex
 * with their fast paths (an integer key on an open 1-d view: a few loads,
 * the element decoded by the shared ash_elem_load, and stores that need no
 * check through ash_elem_store_exact), __len, __pairs, __gc / __close and
 * __tostring (ash_view_format). Values the fast paths do not take go
 * through the C setters, whose conversion rules decide. */
#include <string.h>

#include "lash.h"

/* ---------------------------------------------------------------------- */
/* Elements                                                                */
/* ---------------------------------------------------------------------- */

/* A decoded element as a Lua value: integers for integer dtypes (uint64
 * beyond math.maxinteger as the nearest float), floats for float dtypes,
 * booleans for bool, {re, im} tables for complex. */
static void lash_push_elem(lua_State *L, const ash_elem *e) {
  switch (e->kind) {
  case ASH_KIND_BOOL:
    lua_pushboolean(L, e->i != 0);
    return;
  case ASH_KIND_INT:
    lua_pushinteger(L, (lua_Integer)e->i);
    return;
  case ASH_KIND_UINT:
    lash_push_u64(L, e->u);
    return;
  case ASH_KIND_FLOAT:
    lua_pushnumber(L, e->re);
    return;
  default:
    lua_createtable(L, 2, 0);
    lua_pushnumber(L, e->re);
    lua_rawseti(L, -2, 1);
    lua_pushnumber(L, e->im);
    lua_rawseti(L, -2, 2);
    return;
  }
}

void lash_push_raw(lua_State *L, int dtype, const char *p) {
  ash_elem e;
  if (dtype == ASH_FLOAT64) { /* the commonest: no decode */
    double d;
    memcpy(&d, p, sizeof d);
    lua_pushnumber(L, d);
    return;
  }
  ash_elem_load(dtype, p, &e);
  lash_push_elem(L, &e);
}

static int lash_bad_value(lua_State *L, int vi, int dtype) {
  return luaL_error(L, "arrayshare: cannot store a %s in a %s view",
                    luaL_typename(L, vi), ash_dtype_name(dtype));
}

/* Reads a complex value from a table {re, im} or {re = , im = }. */
static void lash_check_complex(lua_State *L, int vi, ash_elem *e) {
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
  e->kind = ASH_KIND_COMPLEX;
  e->re = lua_tonumberx(L, -2, &ok1);
  e->im = lua_tonumberx(L, -1, &ok2);
  if (!ok1 || !ok2 || lua_type(L, -2) != LUA_TNUMBER ||
      lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "arrayshare: a complex value is a table {re, im} of two "
                  "numbers");
  lua_pop(L, 2);
}

/* The Lua value at @vi as an element for the setters: integers through
 * set_i64, floats through set_f64 (a numeric string stands for its number,
 * as with luaL_checknumber and Lua arithmetic), booleans (bool views only)
 * as 0/1, {re, im} tables through set_c128. Other types are a Lua type
 * error. */
void lash_elem_of(lua_State *L, int vi, int dtype, ash_elem *e) {
  *e = (ash_elem){0, 0, 0, 0, 0};
  if (lua_type(L, vi) == LUA_TSTRING &&
      lua_stringtonumber(L, lua_tostring(L, vi)) != 0)
    vi = lua_gettop(L);
  switch (lua_type(L, vi)) {
  case LUA_TNUMBER:
    if (lua_isinteger(L, vi)) {
      e->kind = ASH_KIND_INT;
      e->i = (int64_t)lua_tointeger(L, vi);
    } else {
      e->kind = ASH_KIND_FLOAT;
      e->re = lua_tonumber(L, vi);
    }
    return;
  case LUA_TBOOLEAN:
    if (dtype != ASH_BOOL)
      lash_bad_value(L, vi, dtype);
    e->kind = ASH_KIND_BOOL;
    e->i = lua_toboolean(L, vi);
    return;
  case LUA_TTABLE:
    lash_check_complex(L, vi, e);
    return;
  default:
    lash_bad_value(L, vi, dtype);
  }
}

/* Stores the Lua value at @vi through the C setters (the documented
 * conversion rules and the read-only check). */
void lash_store(lua_State *L, ash_view *v, int dtype, int nidx,
                const int64_t *idx, int vi) {
  ash_elem e;
  lash_elem_of(L, vi, dtype, &e);
  int st = ash_elem_set(v, nidx, idx, &e);
  if (st != ASH_OK)
    lash_raise_status(L, st);
}

/* Locates the element named by the @n Lua indices at stack slots
 * @first..@first+n-1: either ndim indices, or one flat index in C order
 * (0-d views: no index, or the flat index 1). Fills @pos with the ndim
 * 0-based positions and returns the element's address. */
char *lash_locate(lua_State *L, lash_view *u, int first, int n, int64_t *pos) {
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

#define LASH_ROWCACHE_MT "arrayshare.rowcache"
#define LASH_IPAIRS_ITER "arrayshare.ipairs_iter"

/* Row @pos (0-based) of axis 1 of the open n-d view @u at stack index @vi
 * (v[i], n >= 2): the cached row if it is alive and open, else a new lazy
 * row (see lash_view in lash.h), cached. */
static void lash_push_row(lua_State *L, int vi, lash_view *u, int64_t pos) {
  vi = lua_absindex(L, vi);
  if (lua_getiuservalue(L, vi, 1) == LUA_TTABLE) {
    if (lua_rawgeti(L, -1, (lua_Integer)pos + 1) == LUA_TUSERDATA) {
      lash_view *r = (lash_view *)lua_touserdata(L, -1);
      if (r->v != NULL || r->base != NULL) {
        lua_remove(L, -2);
        return;
      }
    }
    lua_pop(L, 1);
  } else {
    lua_pop(L, 1);
    lua_createtable(L, 0, 0);
    luaL_setmetatable(L, LASH_ROWCACHE_MT);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, vi, 1);
  }
  ash_view *v = lash_open_view_ud(L, vi)->v; /* a lazy parent: made now */
  lash_view *r = lash_new_view_ud(L);
  r->base = ash_view_retain(v);
  r->bpos = pos;
  r->ndim = u->ndim - 1;
  r->dtype = u->dtype;
  r->ro = u->ro;
  r->data = u->data + pos * u->stride;
  r->len = u->len1;
  r->stride = u->stride1;
  if (r->ndim > 1) {
    r->len1 = ash_view_shape(v)[2];
    r->stride1 = ash_view_strides(v)[2];
  }
  lua_pushvalue(L, -1);
  lua_rawseti(L, -3, (lua_Integer)pos + 1);
  lua_remove(L, -2);
}

/* v[i] at stack index @vi where the view has ndim >= 1 (open): element or
 * row. */
void lash_push_item(lua_State *L, int vi, lash_view *u, lua_Integer i) {
  int64_t pos = lash_pos(L, i, u->len, 1);
  if (u->ndim == 1)
    lash_push_raw(L, u->dtype, u->data + pos * u->stride);
  else
    lash_push_row(L, vi, u, pos);
}

/* Whether the metamethod running was called by ipairs' iterator: its
 * probe one past the end gets nil (the loop stops), where any other read
 * out of range raises INDEX. */
static int lash_ipairs_probe(lua_State *L) {
  lua_Debug ar;
  int is = 0;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "f", &ar)) {
    lua_getfield(L, LUA_REGISTRYINDEX, LASH_IPAIRS_ITER);
    is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  return is;
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
  if (kt == LUA_TTABLE) { /* v[{start, stop, step}]: v:slice(1, ...) */
    lua_settop(L, 2);
    lua_pushinteger(L, 1);
    for (int k = 1; k <= 3; k++)
      lua_rawgeti(L, 2, k);
    lua_remove(L, 2);
    return lash_m_slice(L);
  }
  {
    lua_Integer i = lash_check_index(L, 2);
    if (u->ndim == 0)
      return lash_raisef(L, ASH_E_INDEX,
                         "a 0-d view has no axis to index; use v:get()");
    if ((i > u->len || i < -u->len || i == 0) && lash_ipairs_probe(L)) {
      lua_pushnil(L);
      return 1;
    }
    lash_push_item(L, 1, u, i);
  }
  return 1;
}

/* The fast path's element of __newindex: the address of element v[i] for
 * key 2 on the view at 1, when the key is an integer in range of an open
 * 1-d view (and, for @writable, not a read-only one): the self tag, the
 * key and the bounds are always checked. NULL otherwise: the slow path
 * decides, and words the error. */
static inline char *lash_fast_elem(lua_State *L, int writable, int *dtype) {
  lash_view *u = (lash_view *)lua_touserdata(L, 1);
  int64_t i;
  if (u == NULL || u->tag != LASH_VIEW_TAG || u->ndim != 1 ||
      (writable && u->ro) || !lash_fast_pos(L, 2, u->len, &i))
    return NULL;
  *dtype = u->dtype;
  return u->data + i * u->stride;
}

/* __index. Method names first (a string key: the methods table, one raw
 * lookup); then an integer key on an open 1-d view (the element, decoded
 * by the shared ash_elem_load) or on an open n-d one (its cached row);
 * anything else in lash_v_index_slow, which also words the errors. */
static int lash_v_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
      return 1;
    lua_pop(L, 1);
    return lash_v_index_slow(L);
  }
  lash_view *u = (lash_view *)lua_touserdata(L, 1);
  int64_t i;
  if (u == NULL || u->tag != LASH_VIEW_TAG || u->ndim < 1 ||
      !lash_fast_pos(L, 2, u->len, &i))
    return lash_v_index_slow(L);
  if (u->ndim == 1) {
    lash_push_raw(L, u->dtype, u->data + i * u->stride);
    return 1;
  }
  /* the cached row: the cache stays below it on the stack */
  if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE &&
      lua_rawgeti(L, -1, i + 1) == LUA_TUSERDATA) {
    lash_view *r = (lash_view *)lua_touserdata(L, -1);
    if (r->v != NULL || r->base != NULL)
      return 1;
  }
  lua_settop(L, 2);
  lash_push_row(L, 1, u, i);
  return 1;
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
    lash_push_row(L, 1, u, pos);
    lua_replace(L, 1);
    lua_settop(L, 3);
    lua_remove(L, 2);
    lash_m_fill(L);
  }
  return 0;
}

/* __newindex: the fast path (one Lua API call for the value), else the
 * slow path, so the conversion rules are the C ones. */
static int lash_v_newindex(lua_State *L) {
  int dtype;
  char *p = lash_fast_elem(L, 1, &dtype);
  if (p != NULL && lash_store_fast(L, 3, dtype, p))
    return 0;
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
  lash_push_item(L, 1, u, i);
  return 2;
}

static int lash_v_pairs(lua_State *L) {
  lash_open_view_ud(L, 1);
  lua_pushcfunction(L, lash_v_next);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

/* __tostring: "view([1.0, 2.5], dtype=float64)" (ash_view_format with
 * Lua's number spelling and the rows lined up under "view("). */
static int lash_v_tostring(lua_State *L) {
  lash_view *u = lash_view_ud(L, 1);
  char stack[2048], *text;
  if (u->v == NULL && u->base == NULL) {
    lua_pushstring(L, "arrayshare.view(closed)");
    return 1;
  }
  u = lash_open_view_ud(L, 1); /* a lazy row: its view now */
  int st = ash_swig_format_into(u->v, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA, -1,
                                0, 0, 5, stack, sizeof stack, &text);
  if (st != ASH_OK)
    return lash_raise_status(L, st);
  lua_pushfstring(L, "view(%s, dtype=%s%s)", text, ash_dtype_name(u->dtype),
                  u->ro ? ", readonly" : "");
  if (text != stack)
    free(text);
  return 1;
}

/* The view metatable: __index is a closure over the methods table at
 * @methods (C methods, and those arrayshare.lua adds). */
void lash_view_metatable(lua_State *L, int methods) {
  static const luaL_Reg meta[] = {{"__newindex", lash_v_newindex},
                                  {"__len", lash_v_len},
                                  {"__gc", lash_v_gc},
                                  {"__close", lash_v_gc},
                                  {"__tostring", lash_v_tostring},
                                  {"__pairs", lash_v_pairs},
                                  {NULL, NULL}};
  luaL_newmetatable(L, LASH_VIEW_MT);
  lua_pushvalue(L, methods);
  lua_pushcclosure(L, lash_v_index, 1);
  lua_setfield(L, -2, "__index");
  luaL_setfuncs(L, meta, 0);
  /* getmetatable(v) gives this name, not the table: Lua code cannot call
   * the metamethods on foreign values (defence in depth; the fast paths
   * also check a tag). */
  lua_pushliteral(L, LASH_VIEW_MT);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  /* the row caches hold their rows weakly */
  luaL_newmetatable(L, LASH_ROWCACHE_MT);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_pop(L, 1);
  /* the iterator ipairs returns, to let its end-of-sequence probe through */
  if (lua_getglobal(L, "ipairs") == LUA_TFUNCTION) {
    lua_newtable(L);
    lua_call(L, 1, 1);
  } else {
    lua_pop(L, 1);
    lua_pushboolean(L, 0);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, LASH_IPAIRS_ITER);
}
