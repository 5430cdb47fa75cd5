/* SPDX-License-Identifier: MIT */
/* rbash_memview.c - ArrayShare::View as a Ruby MemoryView exporter
 * (Ruby 3.x: Fiddle::MemoryView, Numo, ...). The exported view holds its
 * own reference on the C view: the memory outlives View#close. */
#include "rbash.h"

#include <ruby/memory_view.h>

typedef struct rbash_mv {
  ash_view *v; /* a reference of its own: the memory outlives View#close */
  ssize_t shape[ASH_MAX_NDIM];
  ssize_t strides[ASH_MAX_NDIM];
} rbash_mv;

/* Ruby pack-template formats; float16 has none (see docs/ruby.md). */
static const char *rbash_mv_format(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
  case ASH_UINT8:
    return "C";
  case ASH_INT8:
    return "c";
  case ASH_INT16:
    return "s";
  case ASH_UINT16:
    return "S";
  case ASH_INT32:
    return "l";
  case ASH_UINT32:
    return "L";
  case ASH_INT64:
    return "q";
  case ASH_UINT64:
    return "Q";
  case ASH_FLOAT32:
    return "f";
  case ASH_FLOAT64:
    return "d";
  case ASH_COMPLEX64:
    return "ff";
  case ASH_COMPLEX128:
    return "dd";
  default:
    return NULL;
  }
}

static bool rbash_mv_get(VALUE obj, rb_memory_view_t *mv, int flags) {
  rbash_view *w = rbash_view_get(obj);
  const char *fmt = rbash_mv_format(w->dtype);
  if (fmt == NULL)
    rbash_raisef(ASH_E_DTYPE,
                 "%s has no MemoryView format; use "
                 "view_as(\"uint16\") for its raw bits",
                 ash_dtype_name(w->dtype));
  if ((flags & RUBY_MEMORY_VIEW_WRITABLE) && w->readonly)
    rbash_raisef(ASH_E_RDONLY, "a writable MemoryView of a read-only view "
                               "was requested");
  unsigned vf = ash_view_flags(w->v);
  bool c = (vf & ASH_VIEW_C_CONTIGUOUS) != 0;
  bool f = (vf & ASH_VIEW_F_CONTIGUOUS) != 0;
  int order = flags & RUBY_MEMORY_VIEW_ANY_CONTIGUOUS;
  if (order == RUBY_MEMORY_VIEW_ANY_CONTIGUOUS && !c && !f)
    return false;
  if (order == RUBY_MEMORY_VIEW_ROW_MAJOR && !c)
    return false;
  if (order == RUBY_MEMORY_VIEW_COLUMN_MAJOR && !f)
    return false;
  rbash_mv *priv = ALLOC(rbash_mv);
  priv->v = ash_view_retain(w->v);
  const int64_t *shape = ash_view_shape(priv->v);
  const int64_t *strides = ash_view_strides(priv->v);
  for (int i = 0; i < w->ndim; i++) {
    priv->shape[i] = (ssize_t)shape[i];
    priv->strides[i] = (ssize_t)strides[i];
  }
  mv->obj = obj;
  mv->data = ash_view_data(priv->v);
  mv->byte_size = (ssize_t)ash_view_nbytes(priv->v);
  mv->readonly = w->readonly;
  mv->format = fmt;
  mv->item_size = (ssize_t)ash_view_itemsize(priv->v);
  mv->item_desc.components = NULL;
  mv->item_desc.length = 0;
  mv->ndim = w->ndim;
  mv->shape = priv->shape;
  mv->strides = priv->strides;
  mv->sub_offsets = NULL;
  mv->private_data = priv;
  return true;
}

static bool rbash_mv_release(VALUE obj, rb_memory_view_t *mv) {
  (void)obj;
  rbash_mv *priv = mv->private_data;
  if (priv) {
    ash_view_release(priv->v);
    xfree(priv);
    mv->private_data = NULL;
  }
  return true;
}

static bool rbash_mv_available_p(VALUE obj) {
  (void)obj;
  return true; /* a closed view raises ClosedError from get */
}

static const rb_memory_view_entry_t rbash_mv_entry = {
    rbash_mv_get, rbash_mv_release, rbash_mv_available_p};

void rbash_memview_register(VALUE cView) {
  rb_memory_view_register(cView, &rbash_mv_entry);
}
