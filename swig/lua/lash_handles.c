/* SPDX-License-Identifier: MIT */
/* lash_handles.c - the userdata that own the library's handles: views
 * (arrayshare.view), segments (arrayshare.segment) and lists
 * (arrayshare.list); the raw module's functions that change ownership;
 * the segment and list metamethods. After an explicit release any use
 * raises; __gc and __close release what is left. */
#include <string.h>

#include "lash.h"

/* ---------------------------------------------------------------------- */

static void lash_view_clear(lash_view *u) {
  u->data = NULL;
  u->len = u->len1 = 0;
  u->stride = u->stride1 = 0;
  u->ndim = -1;
  u->dtype = 0;
  u->ro = 1;
  u->v = NULL;
  u->base = NULL;
  u->bpos = 0;
}

/* Pushes a closed view userdata; the caller stores a reference in ->v
 * (e.g. passes &u->v as the out-parameter), then calls lash_view_cache().
 * Allocating first means a failed allocation can never leak a reference. */
lash_view *lash_new_view_ud(lua_State *L) {
  lash_view *u = (lash_view *)lua_newuserdatauv(L, sizeof *u, 1);
  u->tag = LASH_VIEW_TAG;
  lash_view_clear(u);
  luaL_setmetatable(L, LASH_VIEW_MT);
  return u;
}

void lash_view_cache(lash_view *u) {
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
  u->len1 = u->ndim > 1 ? ash_view_dim(v, 1) : 0;
  u->stride1 = u->ndim > 1 ? ash_view_stride(v, 1) : 0;
}

void lash_view_release_ud(lash_view *u) {
  ash_view *v = u->v, *base = u->base;
  lash_view_clear(u);
  ash_view_release(v);
  ash_view_release(base);
}

lash_view *lash_view_ud(lua_State *L, int idx) {
  return (lash_view *)luaL_checkudata(L, idx, LASH_VIEW_MT);
}

/* An open view at @idx, or an error (type error / closed). A lazy row
 * gets its C view here, on first need. */
lash_view *lash_open_view_ud(lua_State *L, int idx) {
  lash_view *u = lash_view_ud(L, idx);
  if (u->v == NULL) {
    if (u->base == NULL)
      lash_raisef(L, ASH_E_INVAL, "view is closed");
    int st = ash_view_index(u->base, 0, u->bpos, &u->v);
    if (st != ASH_OK)
      lash_raise_status(L, st);
    ash_view_release(u->base);
    u->base = NULL;
  }
  return u;
}

ash_view *lash_check_view(lua_State *L, int idx) {
  return lash_open_view_ud(L, idx)->v;
}

/* Segments and lists: userdata holding one owned pointer. For each, the
 * constructor (the pointer stored by the library call that follows), the
 * check of an argument (type error, or closed) and the release function
 * (ash_segment_close / ash_list_free of arrayshare_core, __gc, __close:
 * nil and a released handle are accepted, like C's NULL). */
#define LASH_PTR_HANDLE(NEW, CHECK, RELEASE, UD, T, FIELD, MT, CLOSED, FREE)   \
  UD *NEW(lua_State *L) {                                                      \
    UD *u = (UD *)lua_newuserdatauv(L, sizeof *u, 0);                          \
    u->FIELD = NULL;                                                           \
    luaL_setmetatable(L, MT);                                                  \
    return u;                                                                  \
  }                                                                            \
  T *CHECK(lua_State *L, int idx) {                                            \
    UD *u = (UD *)luaL_checkudata(L, idx, MT);                                 \
    if (u->FIELD == NULL)                                                      \
      lash_raisef(L, ASH_E_INVAL, CLOSED);                                     \
    return u->FIELD;                                                           \
  }                                                                            \
  int RELEASE(lua_State *L) {                                                  \
    if (!lua_isnoneornil(L, 1)) {                                              \
      UD *u = (UD *)luaL_checkudata(L, 1, MT);                                 \
      T *p = u->FIELD;                                                         \
      u->FIELD = NULL;                                                         \
      FREE(p);                                                                 \
    }                                                                          \
    return 0;                                                                  \
  }

LASH_PTR_HANDLE(lash_new_segment_ud, lash_check_segment,
                lash_core_segment_close, lash_segment, ash_segment, s,
                LASH_SEG_MT, "segment is closed", ash_segment_close)
LASH_PTR_HANDLE(lash_new_list_ud, lash_check_list, lash_core_list_free,
                lash_list, ash_list, l, LASH_LIST_MT, "list is freed",
                ash_list_free)

/* --- replacements for the handle functions that change ownership ------- */

/* ash_view_release(v): releases and marks the userdata closed; nil and an
 * already closed view are accepted (like C's NULL). */
int lash_core_view_release(lua_State *L) {
  if (!lua_isnoneornil(L, 1))
    lash_view_release_ud(lash_view_ud(L, 1));
  return 0;
}

/* ash_view_retain(v) -> a new view object owning one more reference. */
int lash_core_view_retain(lua_State *L) {
  ash_view *v = lash_check_view(L, 1);
  lash_view *u = lash_new_view_ud(L);
  u->v = ash_view_retain(v);
  lash_view_cache(u);
  return 1;
}

/* ash_view_read(v [, nbytes]) -> string. nbytes defaults to the view's
 * nbytes; a different value is the C function's ASH_E_INVAL. */
int lash_core_view_read(lua_State *L) {
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

/* A view userdata for the result of a library call that stored its new
 * reference in the userdata on top of the stack (made by
 * lash_new_view_ud before the call), or the call's error. */
void lash_push_result_view(lua_State *L, int status) {
  lash_view *u = (lash_view *)lua_touserdata(L, -1);
  if (status != ASH_OK)
    lash_raise_status(L, status);
  lash_view_cache(u);
}

/* Sets the functions of @fns on the table on top, and __close as __gc. */
static void lash_set_meta(lua_State *L, const luaL_Reg *fns) {
  luaL_setfuncs(L, fns, 0);
  lua_getfield(L, -1, "__gc");
  lua_setfield(L, -2, "__close");
}

/* Segment metatable (its __index, segment_methods, is filled by
 * arrayshare.lua) and list metatable; is_view and is_segment. Called by
 * lash_init with the module table at @mod. */
void lash_handles_init(lua_State *L, int mod) {
  static const luaL_Reg seg_meta[] = {{"__gc", lash_core_segment_close},
                                      {"__tostring", lash_s_tostring},
                                      {NULL, NULL}};
  static const luaL_Reg list_meta[] = {{"__gc", lash_core_list_free},
                                       {"__tostring", lash_l_tostring},
                                       {NULL, NULL}};
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "segment_methods");
  luaL_newmetatable(L, LASH_SEG_MT);
  lua_rotate(L, -2, 1);
  lua_setfield(L, -2, "__index");
  lash_set_meta(L, seg_meta);
  lua_pop(L, 1);
  luaL_newmetatable(L, LASH_LIST_MT);
  lash_set_meta(L, list_meta);
  lua_pop(L, 1);
  lua_pushcfunction(L, lash_is_view);
  lua_setfield(L, mod, "is_view");
  lua_pushcfunction(L, lash_is_segment);
  lua_setfield(L, mod, "is_segment");
}
