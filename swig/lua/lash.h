/* SPDX-License-Identifier: MIT */
/* lash.h - the Lua binding's hand-written C, shared by its files and by the
 * typemaps of arrayshare_lang.i (which the generated wrapper includes).
 *
 * By role:
 *  lash_values.c   error objects (classes from the one table) and Lua values
 *                  to and from numbers, strings, integer lists, indices;
 *  lash_handles.c  the handle userdata (views, segments, lists), the
 *                  functions that change ownership, segment and list
 *                  metamethods;
 *  lash_view.c     elements (through the shared ash_elem) and the view
 *                  metamethods with their fast paths;
 *  lash_methods.c  the view methods written in C (1-based: get, set, slice,
 *                  index, permute, dim, fill, ...) and the module's setup.
 *
 * Conventions: functions named lash_* are ours. Functions that raise never
 * return (lua_error longjmps); they are declared to return int so that
 * callers can write `return lash_raise(...)`. The C ABI is 0-based; every
 * index or axis a Lua caller gives to a metamethod or a view method is
 * 1-based (negative counts from the end, -1 is the last). The raw ash_*
 * functions of arrayshare_core stay 0-based like C.
 */
#ifndef LASH_H
#define LASH_H

#include <lauxlib.h>
#include <lua.h>

#include "ash_swig.h"

#define LASH_VIEW_MT "arrayshare.view"
#define LASH_SEG_MT "arrayshare.segment"
#define LASH_LIST_MT "arrayshare.list"
#define LASH_ERR_MT "arrayshare.Error"
#define LASH_VIEW_TAG 0x41534856u /* "ASHV" */

/* A view userdata. The cached fields make v[i] a few loads: they are copies
 * of immutable view properties (views never change once made), cleared when
 * the view is released so that no path can reach freed memory.
 *
 * A row (v[i] of an n-d view, n >= 2) starts lazy: it holds a reference on
 * its parent's C view (@base, position @bpos of its first axis) and the
 * cached fields, enough for element access; its own C view is made by
 * ash_view_index the first time something needs it (lash_open_view_ud).
 * Rows are cached by their parent (a weak table, user value 1), so v[i]
 * returns the same object while it is alive: no view, C or Lua, is made per
 * element access. */
typedef struct lash_view {
  unsigned tag;    /* LASH_VIEW_TAG, first so a cheap check can read it  */
  char *data;      /* ash_view_data(v); NULL once closed                 */
  int64_t len;     /* shape[0]; 0 for 0-d views and once closed          */
  int64_t stride;  /* strides[0] in bytes                                */
  int64_t len1;    /* shape[1] of a view of 2 or more axes, else 0       */
  int64_t stride1; /* strides[1] of such a view                         */
  int ndim;        /* -1 once closed                                     */
  int dtype;
  int ro;         /* 1 when read-only (or closed)                       */
  ash_view *v;    /* the owned reference; NULL once released, or lazy   */
  ash_view *base; /* a lazy row: its parent's view (a reference), else NULL */
  int64_t bpos;   /* a lazy row: its position on the parent's first axis */
} lash_view;

typedef struct lash_segment {
  ash_segment *s; /* NULL once closed */
} lash_segment;

typedef struct lash_list {
  ash_list *l; /* NULL once freed */
} lash_list;

/* ---- errors and values (lash_values.c) ---------------------------------- */

/* Error objects {code, name, message, class} with the LASH_ERR_MT
 * metatable; @msg is copied first (it may be ash_last_error()). */
void lash_push_error(lua_State *L, int code, const char *msg);
int lash_raise(lua_State *L, int code, const char *msg);
/* lua_pushvfstring formats (%s %d %I %f %p %%). */
int lash_raisef(lua_State *L, int code, const char *fmt, ...);
int lash_raise_status(lua_State *L, int status);
int lash_err_tostring(lua_State *L);
int lash_new_error(lua_State *L);
/* Pushes the error classes table {NOENT = "NotFound", ...}. */
void lash_push_error_classes(lua_State *L);

/* uint64: as a Lua integer up to math.maxinteger, else the nearest float
 * (idiomatic layer); or by two's complement (arrayshare_core). */
void lash_push_u64(lua_State *L, uint64_t x);
lua_Integer lash_check_range(lua_State *L, int arg, lua_Integer lo,
                             lua_Integer hi);
uint64_t lash_check_u64(lua_State *L, int arg);
uint64_t lash_check_u64_value(lua_State *L, int arg);
const char *lash_check_cstr(lua_State *L, int arg, const char *what);
int64_t *lash_check_i64_list(lua_State *L, int arg, int64_t *buf, int *count,
                             const char *what);
void lash_push_i64_table(lua_State *L, const int64_t *a, int n);
/* An integer index or axis (integral floats and numeric strings accepted),
 * else INDEX (non-integral number) or a Lua type error. */
lua_Integer lash_check_index(lua_State *L, int idx);
/* Lua index @i (1-based; negative from the end) on an axis of length @n ->
 * 0-based position, or an INDEX error naming the Lua values. */
int64_t lash_pos(lua_State *L, lua_Integer i, int64_t n, int axis1);

/* The fast paths' index: the value at @arg as a 0-based position in *@pos
 * when it is an integer (lua_tointegerx: integers, integral floats, numeric
 * strings) naming a position of an axis of length @n (1-based; negative
 * from the end); 0 otherwise (the general paths decide, and word the
 * error). */
static inline int lash_fast_pos(lua_State *L, int arg, int64_t n,
                                int64_t *pos) {
  int ok = 0;
  lua_Integer i = lua_tointegerx(L, arg, &ok);
  if (ok && i >= 1 && i <= n)
    *pos = i - 1;
  else if (ok && i < 0 && i >= -n)
    *pos = i + n;
  else
    return 0;
  return 1;
}

/* ---- handles (lash_handles.c) ------------------------------------------- */

lash_view *lash_new_view_ud(lua_State *L);
void lash_view_cache(lash_view *u);
void lash_view_release_ud(lash_view *u);
lash_view *lash_view_ud(lua_State *L, int idx);
lash_view *lash_open_view_ud(lua_State *L, int idx);
ash_view *lash_check_view(lua_State *L, int idx);
lash_segment *lash_new_segment_ud(lua_State *L);
ash_segment *lash_check_segment(lua_State *L, int idx);
lash_list *lash_new_list_ud(lua_State *L);
ash_list *lash_check_list(lua_State *L, int idx);
/* Pushes a view userdata made from the result of a library call that
 * stored its new reference in *@slot (see lash_new_view_ud), or raises. */
void lash_push_result_view(lua_State *L, int status);

int lash_core_view_release(lua_State *L);
int lash_core_view_retain(lua_State *L);
int lash_core_segment_close(lua_State *L);
int lash_core_list_free(lua_State *L);
int lash_core_view_read(lua_State *L);
/* Segment and list metatables. */
void lash_handles_init(lua_State *L, int mod);

/* ---- views (lash_view.c) ------------------------------------------------ */

/* The element of @dtype at @p as a Lua value. */
void lash_push_raw(lua_State *L, int dtype, const char *p);
/* Reads the Lua value at @vi into *@e (numeric strings count as numbers,
 * booleans only for bool views, {re, im} tables for complex); a Lua error
 * for other types. */
void lash_elem_of(lua_State *L, int vi, int dtype, ash_elem *e);
void lash_store(lua_State *L, ash_view *v, int dtype, int nidx,
                const int64_t *idx, int vi);
/* The fast paths' store of the Lua number at @vi into the element of
 * @dtype at @p: 1 when the dtype holds it with no check needed
 * (ash_elem_store_number / ash_elem_store_exact: exactly what the C setters
 * would store), else 0 and nothing is written (bool, float16, complex,
 * large or non-integral values, other types: the C setters decide). */
static inline int lash_store_fast(lua_State *L, int vi, int dtype, char *p) {
  int ok = 0;
  if (dtype == ASH_FLOAT64 || dtype == ASH_FLOAT32) {
    double d = (double)lua_tonumberx(L, vi, &ok);
    return ok && ash_elem_store_number(dtype, p, d);
  }
  ash_elem e = {ASH_KIND_INT, 0, 0, 0, 0};
  e.i = (int64_t)lua_tointegerx(L, vi, &ok);
  return ok && ash_elem_store_exact(dtype, p, &e);
}
char *lash_locate(lua_State *L, lash_view *u, int first, int n, int64_t *pos);
/* Pushes element / sub-view i (1-based) of axis 1 of the open view at
 * stack index @vi (@u). */
void lash_push_item(lua_State *L, int vi, lash_view *u, lua_Integer i);
/* The view metatable, with the C methods table @methods as __index. */
void lash_view_metatable(lua_State *L, int methods);

/* ---- methods (lash_methods.c) ------------------------------------------- */

/* v:slice(axis, start, stop, step) on the view at index 1 (1-based). */
int lash_m_slice(lua_State *L);
int lash_m_fill(lua_State *L);
void lash_init(lua_State *L);

#endif
