/* SPDX-License-Identifier: MIT */
/* Views: typed strided windows on arrays. Immutable once made. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- making and freeing ------------------------------------------------ */

void ash__view_update_flags(ash_view *v) {
  unsigned f = v->flags & ASH_VIEW_READONLY;
  if (v->size == 0) { /* no element: both layouts, whatever the strides */
    v->flags = f | ASH_VIEW_C_CONTIGUOUS | ASH_VIEW_F_CONTIGUOUS;
    return;
  }
  /* Non-empty: the products below stay within the array's bytes. */
  int64_t expect = (int64_t)v->itemsize;
  bool c = true, fo = true;
  for (int i = v->ndim - 1; i >= 0; i--) {
    if (v->shape[i] != 1 && v->strides[i] != expect)
      c = false;
    expect *= v->shape[i];
  }
  expect = (int64_t)v->itemsize;
  for (int i = 0; i < v->ndim; i++) {
    if (v->shape[i] != 1 && v->strides[i] != expect)
      fo = false;
    expect *= v->shape[i];
  }
  if (c)
    f |= ASH_VIEW_C_CONTIGUOUS;
  if (fo)
    f |= ASH_VIEW_F_CONTIGUOUS;
  v->flags = f;
  v->f64_get = v->dtype == ASH_FLOAT64 ? v->ndim : -1;
  v->f64_set = (f & ASH_VIEW_READONLY) ? -1 : v->f64_get;
}

static void ash__view_resize(ash_view *v) {
  v->size = ash__shape_count(v->ndim, v->shape);
}

int ash__view_new(ash__map *m, const struct ash__array *a, bool readonly,
                  bool counted, ash_view **out) {
  ash_view *v = calloc(1, sizeof *v);
  if (v == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  atomic_init(&v->refs, 1);
  bool ro = readonly || !m->arena_rw;
  ash__map_retain(m, !ro, counted);
  v->map = m;
  v->counted = counted;
  v->pid = ash__getpid();
  v->arr = a;
  v->dtype = a->dtype;
  v->ndim = a->ndim;
  v->itemsize = ash_dtype_itemsize(a->dtype);
  v->offset = 0;
  v->data = m->base + (a->offset - m->hdr.arena_offset);
  memcpy(v->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  v->size = ash__c_strides(a->ndim, a->shape, (int64_t)v->itemsize, v->strides);
  v->flags = ro ? ASH_VIEW_READONLY : 0;
  ash__view_update_flags(v);
  for (int i = 0; i < 4; i++)
    atomic_init(&v->desc[i], NULL);
  *out = v;
  return ASH_OK;
}

/* Field by field: other threads may be retaining, releasing or describing
 * @v meanwhile, so its atomic reference count and descriptor cache are
 * never read as plain memory (a memcpy of them is a data race). */
ash_view *ash__view_clone(const ash_view *v) {
  ash_view *c = malloc(sizeof *c);
  if (c == NULL)
    return NULL;
  atomic_init(&c->refs, 1);
  c->map = v->map;
  c->arr = v->arr;
  c->dtype = v->dtype;
  c->ndim = v->ndim;
  c->flags = v->flags;
  c->f64_get = v->f64_get;
  c->f64_set = v->f64_set;
  c->itemsize = v->itemsize;
  c->offset = v->offset;
  c->size = v->size;
  c->data = v->data;
  memcpy(c->shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
  memcpy(c->strides, v->strides, sizeof(int64_t) * (size_t)v->ndim);
  for (int i = 0; i < 4; i++)
    atomic_init(&c->desc[i], NULL);
  c->counted = ASH__COUNTED(v);
  c->pid = ash__getpid();
  ash__map_retain(c->map, !(c->flags & ASH_VIEW_READONLY), c->counted);
  return c;
}

/* Makes a view read-only; it must not be shared yet. */
void ash__view_drop_write(ash_view *v) {
  if (v->flags & ASH_VIEW_READONLY)
    return;
  v->flags |= ASH_VIEW_READONLY;
  v->f64_set = -1;
  ash__map_drop_writer(v->map);
}

ash_view *ash_view_retain(ash_view *v) {
  if (v)
    atomic_fetch_add(&v->refs, 1);
  return v;
}

void ash_view_release(ash_view *v) {
  if (v == NULL || atomic_fetch_sub(&v->refs, 1) != 1)
    return;
  for (int i = 0; i < 4; i++)
    free(atomic_load(&v->desc[i]));
  ash__map_release(v->map, !(v->flags & ASH_VIEW_READONLY), ASH__COUNTED(v));
  free(v);
}

/* Every element of @v must lie inside its array; a view without elements
 * must start inside it or just past its end. Integers only: the data
 * pointer is formed once this holds. */
int ash__view_check_bounds(const ash_view *v) {
  if (v->size == 0) {
    if (v->offset < 0 || (uint64_t)v->offset > v->arr->nbytes)
      return ash__err(ASH_E_INDEX,
                      "empty view at byte offset %lld lies outside array "
                      "\"%s\" of %llu bytes",
                      (long long)v->offset, v->arr->name,
                      (unsigned long long)v->arr->nbytes);
    return ASH_OK;
  }
  __int128 lo = v->offset, hi = v->offset;
  for (int i = 0; i < v->ndim; i++) {
    __int128 span = (__int128)v->strides[i] * (v->shape[i] - 1);
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  hi += (__int128)v->itemsize;
  if (lo < 0 || hi > (__int128)v->arr->nbytes)
    return ash__err(ASH_E_INDEX,
                    "view reaches bytes [%lld, %lld) outside array \"%s\" of "
                    "%llu bytes",
                    (long long)lo, (long long)hi, v->arr->name,
                    (unsigned long long)v->arr->nbytes);
  return ASH_OK;
}

/* ---- accessors ----------------------------------------------------------- */

int ash_view_dtype(const ash_view *v) { return v->dtype; }
int ash_view_ndim(const ash_view *v) { return v->ndim; }
const int64_t *ash_view_shape(const ash_view *v) { return v->shape; }
const int64_t *ash_view_strides(const ash_view *v) { return v->strides; }
int64_t ash_view_dim(const ash_view *v, int axis) {
  if (axis < 0)
    axis += v->ndim;
  return axis >= 0 && axis < v->ndim ? v->shape[axis] : 0;
}
int64_t ash_view_stride(const ash_view *v, int axis) {
  if (axis < 0)
    axis += v->ndim;
  return axis >= 0 && axis < v->ndim ? v->strides[axis] : 0;
}
int64_t ash_view_size(const ash_view *v) { return v->size; }
size_t ash_view_itemsize(const ash_view *v) { return v->itemsize; }
uint64_t ash_view_nbytes(const ash_view *v) {
  return (uint64_t)v->size * v->itemsize;
}
void *ash_view_data(const ash_view *v) { return v->data; }
int64_t ash_view_offset(const ash_view *v) { return v->offset; }
unsigned ash_view_flags(const ash_view *v) { return v->flags; }
const char *ash_view_array_name(const ash_view *v) { return v->arr->name; }
const char *ash_view_segment_name(const ash_view *v) { return v->map->name; }

/* ---- shape operations ---------------------------------------------------- */

static int ash__axis(const ash_view *v, int axis, int *out) {
  int a = axis < 0 ? axis + v->ndim : axis;
  if (a < 0 || a >= v->ndim)
    return ash__err(ASH_E_AXIS, "axis %d is out of range for a %d-d view", axis,
                    v->ndim);
  *out = a;
  return ASH_OK;
}

#define ASH__NEED(v, out)                                                      \
  do {                                                                         \
    if ((out) == NULL)                                                         \
      return ash__err(ASH_E_INVAL, "output view pointer is NULL");             \
    *(out) = NULL;                                                             \
    if ((v) == NULL)                                                           \
      return ash__err(ASH_E_INVAL, "view is NULL");                            \
  } while (0)

static int ash__finish(ash_view *c, ash_view **out) {
  ash__view_resize(c);
  ash__view_update_flags(c);
  *out = c;
  return ASH_OK;
}

static int ash__clone_or_fail(const ash_view *v, ash_view **c) {
  *c = ash__view_clone(v);
  return *c ? ASH_OK : ash__err(ASH_E_NOMEM, "out of memory");
}

ash_status ash_view_slice(const ash_view *v, int axis, int64_t start,
                          int64_t stop, int64_t step, unsigned flags,
                          ash_view **out) {
  ASH__NEED(v, out);
  int ax = 0, r = ash__axis(v, axis, &ax);
  if (r)
    return r;
  if (step == 0)
    return ash__err(ASH_E_INVAL, "slice step cannot be zero");
  if (step == INT64_MIN)
    return ash__err(ASH_E_INVAL, "slice step %lld is out of range",
                    (long long)step);
  int64_t n = v->shape[ax];
  if (flags & ASH_SLICE_STRICT) {
    if (start != ASH_NONE && (start < -n || start > n))
      return ash__err(ASH_E_INDEX,
                      "slice start %lld is out of range for axis %d of size "
                      "%lld",
                      (long long)start, ax, (long long)n);
    if (stop != ASH_NONE && (stop < -n || stop > n))
      return ash__err(
          ASH_E_INDEX,
          "slice stop %lld is out of range for axis %d of size %lld",
          (long long)stop, ax, (long long)n);
  }
  /* Python's PySlice_AdjustIndices. */
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? n - 1 : n;
  if (start == ASH_NONE)
    start = step < 0 ? hi : lo;
  else if (start < 0) {
    start += n;
    if (start < lo)
      start = lo;
  } else if (start > hi)
    start = hi;
  if (stop == ASH_NONE)
    stop = step < 0 ? lo : hi;
  else if (stop < 0) {
    stop += n;
    if (stop < lo)
      stop = lo;
  } else if (stop > hi)
    stop = hi;
  int64_t len = 0;
  if (step > 0 && start < stop)
    len = (stop - start - 1) / step + 1;
  else if (step < 0 && stop < start)
    len = (start - stop - 1) / (-step) + 1;
  ash_view *c;
  if ((r = ash__clone_or_fail(v, &c)))
    return r;
  /* With elements, every product below stays inside the array. A view
   * without elements (another axis is 0) has nothing to address: its
   * offset stays, and a stride that would leave the range of strides
   * (which descriptors accept) stays as it was. */
  if (len > 0 && v->size > 0) {
    c->offset += start * v->strides[ax];
    c->data += start * v->strides[ax];
  }
  c->shape[ax] = len;
  int64_t st;
  if (len > 1 && !__builtin_mul_overflow(v->strides[ax], step, &st) &&
      st <= ASH__MAX_STRIDE && st >= -ASH__MAX_STRIDE)
    c->strides[ax] = st;
  return ash__finish(c, out);
}

ash_status ash_view_index(const ash_view *v, int axis, int64_t index,
                          ash_view **out) {
  ASH__NEED(v, out);
  int ax = 0, r = ash__axis(v, axis, &ax);
  if (r)
    return r;
  int64_t n = v->shape[ax];
  if (index < -n || index >= n)
    return ash__err(ASH_E_INDEX,
                    "index %lld is out of range for axis %d of size %lld",
                    (long long)index, ax, (long long)n);
  if (index < 0)
    index += n;
  ash_view *c;
  if ((r = ash__clone_or_fail(v, &c)))
    return r;
  if (v->size > 0) { /* an empty view (another axis is 0) does not move */
    c->offset += index * v->strides[ax];
    c->data += index * v->strides[ax];
  }
  for (int i = ax; i + 1 < v->ndim; i++) {
    c->shape[i] = v->shape[i + 1];
    c->strides[i] = v->strides[i + 1];
  }
  c->ndim--;
  return ash__finish(c, out);
}

ash_status ash_view_permute(const ash_view *v, int naxes, const int64_t *axes,
                            ash_view **out) {
  ASH__NEED(v, out);
  if (naxes != v->ndim)
    return ash__err(ASH_E_AXIS, "permute: %d axes given for a %d-d view", naxes,
                    v->ndim);
  if (naxes > 0 && axes == NULL)
    return ash__err(ASH_E_INVAL, "permute: axes is NULL");
  bool seen[ASH_MAX_NDIM] = {false};
  int map[ASH_MAX_NDIM];
  for (int i = 0; i < naxes; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + naxes : axes[i];
    if (a < 0 || a >= naxes || seen[a])
      return ash__err(ASH_E_AXIS,
                      "permute: axes are not a permutation of 0..%d (axis %lld "
                      "at position %d)",
                      naxes - 1, (long long)axes[i], i);
    seen[a] = true;
    map[i] = (int)a;
  }
  ash_view *c;
  int r;
  if ((r = ash__clone_or_fail(v, &c)))
    return r;
  for (int i = 0; i < naxes; i++) {
    c->shape[i] = v->shape[map[i]];
    c->strides[i] = v->strides[map[i]];
  }
  return ash__finish(c, out);
}

ash_status ash_view_transpose(const ash_view *v, ash_view **out) {
  ASH__NEED(v, out);
  int64_t axes[ASH_MAX_NDIM];
  for (int i = 0; i < v->ndim; i++)
    axes[i] = v->ndim - 1 - i;
  return ash_view_permute(v, v->ndim, axes, out);
}

ash_status ash_view_reshape(const ash_view *v, int ndim, const int64_t *shape,
                            ash_view **out) {
  ASH__NEED(v, out);
  if (ndim < 0 || ndim > ASH_MAX_NDIM)
    return ash__err(ASH_E_SHAPE, "reshape: ndim %d must be 0 to %d", ndim,
                    ASH_MAX_NDIM);
  if (ndim > 0 && shape == NULL)
    return ash__err(ASH_E_INVAL, "reshape: shape is NULL");
  if (!(v->flags & ASH_VIEW_C_CONTIGUOUS))
    return ash__err(ASH_E_CONTIG,
                    "reshape needs a C-contiguous view; copy it first");
  int64_t dims[ASH_MAX_NDIM];
  int infer = -1;
  uint64_t known = 1;
  bool zero = false; /* a 0 dimension: 0 elements, however large the rest */
  for (int i = 0; i < ndim; i++)
    zero = zero || shape[i] == 0;
  for (int i = 0; i < ndim; i++) {
    dims[i] = shape[i];
    if (shape[i] == -1) {
      if (infer >= 0)
        return ash__err(ASH_E_SHAPE, "reshape: only one dimension can be -1");
      infer = i;
      continue;
    }
    if (shape[i] < 0)
      return ash__err(ASH_E_SHAPE, "reshape: dimension %d is %lld", i,
                      (long long)shape[i]);
    if (!zero && !ash__mul_u64(known, (uint64_t)shape[i], &known))
      return ash__err(ASH_E_OVERFLOW, "reshape: element count overflows");
  }
  if (zero)
    known = 0;
  if (infer >= 0) {
    if (known == 0 || (uint64_t)v->size % known != 0)
      return ash__err(ASH_E_SHAPE, "reshape: cannot infer -1 for %lld elements",
                      (long long)v->size);
    dims[infer] = (int64_t)((uint64_t)v->size / known);
    known = (uint64_t)v->size;
  }
  if (known != (uint64_t)v->size)
    return ash__err(ASH_E_SHAPE,
                    "reshape: %llu elements cannot become %lld elements",
                    (unsigned long long)known, (long long)v->size);
  ash_view *c;
  int r;
  if ((r = ash__clone_or_fail(v, &c)))
    return r;
  c->ndim = ndim;
  memcpy(c->shape, dims, sizeof(int64_t) * (size_t)ndim);
  ash__c_strides(ndim, dims, (int64_t)v->itemsize, c->strides);
  return ash__finish(c, out);
}

ash_status ash_view_reinterpret(const ash_view *v, int dtype, ash_view **out) {
  ASH__NEED(v, out);
  if (!ash__dtype_valid(dtype))
    return ash__err(ASH_E_DTYPE, "reinterpret: dtype %d is not valid", dtype);
  size_t newsize = ash_dtype_itemsize(dtype);
  ash_view *c;
  int r;
  if (newsize != v->itemsize) {
    if (v->ndim == 0)
      return ash__err(ASH_E_SHAPE,
                      "reinterpret a 0-d %s view as %s: itemsizes differ",
                      ash_dtype_name(v->dtype), ash_dtype_name(dtype));
    int last = v->ndim - 1;
    /* An empty view is contiguous whatever its strides (as in NumPy). */
    if (v->size > 0 && v->shape[last] != 1 &&
        v->strides[last] != (int64_t)v->itemsize)
      return ash__err(ASH_E_CONTIG,
                      "reinterpret as %s: the last axis must be contiguous",
                      ash_dtype_name(dtype));
    uint64_t bytes;
    if (!ash__mul_u64((uint64_t)v->shape[last], v->itemsize, &bytes) ||
        bytes / newsize > (uint64_t)INT64_MAX)
      return ash__err(ASH_E_OVERFLOW,
                      "reinterpret as %s: last axis of %lld %s elements "
                      "overflows",
                      ash_dtype_name(dtype), (long long)v->shape[last],
                      ash_dtype_name(v->dtype));
    if (bytes % newsize != 0)
      return ash__err(ASH_E_SHAPE,
                      "reinterpret as %s: last axis of %llu bytes is not a "
                      "multiple of %zu",
                      ash_dtype_name(dtype), (unsigned long long)bytes,
                      newsize);
    if ((r = ash__clone_or_fail(v, &c)))
      return r;
    c->shape[last] = (int64_t)(bytes / newsize);
    c->strides[last] = (int64_t)newsize;
  } else if ((r = ash__clone_or_fail(v, &c))) {
    return r;
  }
  c->dtype = dtype;
  c->itemsize = newsize;
  return ash__finish(c, out);
}

ash_status ash_view_readonly(const ash_view *v, ash_view **out) {
  ASH__NEED(v, out);
  ash_view *c;
  int r;
  if ((r = ash__clone_or_fail(v, &c)))
    return r;
  ash__view_drop_write(c);
  *out = c;
  return ASH_OK;
}

/* ---- element access -------------------------------------------------- */

int ash__view_locate(const ash_view *v, int nidx, const int64_t *idx,
                     uint8_t **p) {
  if (v == NULL)
    return ash__err(ASH_E_INVAL, "view is NULL");
  if (nidx > 0 && idx == NULL)
    return ash__err(ASH_E_INVAL, "index array is NULL");
  if (nidx == v->ndim) {
    /* Every index checked before any address is computed: in range on
     * every axis, the products stay inside the array. */
    for (int i = 0; i < nidx; i++) {
      int64_t k = idx[i], n = v->shape[i];
      if (k < -n || k >= n)
        return ash__err(ASH_E_INDEX,
                        "index %lld is out of range for axis %d of size %lld",
                        (long long)k, i, (long long)n);
    }
    uint8_t *q = v->data;
    for (int i = 0; i < nidx; i++)
      q += (idx[i] < 0 ? idx[i] + v->shape[i] : idx[i]) * v->strides[i];
    *p = q;
    return ASH_OK;
  }
  if (nidx == 1) {
    int64_t k = idx[0], n = v->size;
    if (k < -n || k >= n)
      return ash__err(ASH_E_INDEX,
                      "flat index %lld is out of range for %lld elements",
                      (long long)k, (long long)n);
    if (k < 0)
      k += n;
    uint8_t *q = v->data;
    for (int i = v->ndim - 1; i >= 0; i--) {
      q += (k % v->shape[i]) * v->strides[i];
      k /= v->shape[i];
    }
    *p = q;
    return ASH_OK;
  }
  return ash__err(ASH_E_INDEX,
                  "%d indices for a %d-d view (give %d, or 1 flat index)", nidx,
                  v->ndim, v->ndim);
}

int ash__view_writable(const ash_view *v) {
  if (v->flags & ASH_VIEW_READONLY)
    return ash__err(ASH_E_RDONLY, "view of \"%s/%s\" is read-only",
                    v->map->name, v->arr->name);
  return ASH_OK;
}

#define ASH__GET(fn, type, loader)                                             \
  ash_status fn(const ash_view *v, int nidx, const int64_t *idx, type *out) {  \
    uint8_t *p = NULL;                                                         \
    int r = ash__view_locate(v, nidx, idx, &p);                                \
    if (r)                                                                     \
      return r;                                                                \
    if (out == NULL)                                                           \
      return ash__err(ASH_E_INVAL, "output pointer is NULL");                  \
    return loader(v->dtype, p, out);                                           \
  }

#define ASH__SET(fn, type, packer)                                             \
  ash_status fn(const ash_view *v, int nidx, const int64_t *idx, type value) { \
    uint8_t *p = NULL;                                                         \
    int r = ash__view_locate(v, nidx, idx, &p);                                \
    if (r)                                                                     \
      return r;                                                                \
    if ((r = ash__view_writable(v)))                                           \
      return r;                                                                \
    uint8_t item[16];                                                          \
    if ((r = packer(v->dtype, value, item)))                                   \
      return r;                                                                \
    memcpy(p, item, v->itemsize);                                              \
    return ASH_OK;                                                             \
  }

__attribute__((noinline)) static ASH__GET(ash__get_f64_slow, double,
                                          ash__load_f64)
__attribute__((noinline)) static ASH__SET(ash__set_f64_slow, double,
                                          ash__pack_f64)

#define ASH__LIKELY(x) __builtin_expect(!!(x), 1)

/* The address of element @idx (@idx not NULL, @nidx the view's ndim) in
 * *@out when its indices are non-negative and in range, the common case;
 * false for anything else, which ash__view_locate then handles (negative
 * indices) or words as an error. */
static inline bool ash__fast_at(const ash_view *v, int nidx, const int64_t *idx,
                                uint8_t **out) {
  uint8_t *q = v->data;
  for (int i = 0; i < nidx; i++) {
    if ((uint64_t)idx[i] >= (uint64_t)v->shape[i])
      return false;
    q += idx[i] * v->strides[i];
  }
  *out = q;
  return true;
}

/* ash__fast_at for 2-d: both indices checked, then the address computed
 * (ash__fast_at with nidx 2, unrolled by GCC, interleaves the checks and
 * products and keeps the data pointer in a register: 2 more instructions
 * per get+set). */
static inline bool ash__fast_at_2d(const ash_view *v, const int64_t *idx,
                                   uint8_t **out) {
  if ((uint64_t)idx[0] >= (uint64_t)v->shape[0] ||
      (uint64_t)idx[1] >= (uint64_t)v->shape[1])
    return false;
  *out = v->data + idx[0] * v->strides[0] + idx[1] * v->strides[1];
  return true;
}

/* The fast paths of a float64 view of any ndim but 2 (@v and @idx not
 * NULL, @nidx == the view's f64_get or f64_set), out of line: inlined
 * beside the 2-d path, the loop made GCC copy get's arguments to other
 * registers on entry (for the 2-d path too) and join both paths before
 * the access, adding the address up in a register (4 more instructions
 * per 2-d get+set, callgrind); out of line they cost the other ndims
 * nothing (the tail call replaces those copies). */
__attribute__((noinline)) static ash_status
ash__get_f64_nd(const ash_view *v, int nidx, const int64_t *idx, double *out) {
  uint8_t *p = NULL;
  if (ash__fast_at(v, nidx, idx, &p) && out != NULL) {
    memcpy(out, p, sizeof *out);
    return ASH_OK;
  }
  return ash__get_f64_slow(v, nidx, idx, out);
}

__attribute__((noinline)) static ash_status
ash__set_f64_nd(const ash_view *v, int nidx, const int64_t *idx, double value) {
  uint8_t *p = NULL;
  if (ash__fast_at(v, nidx, idx, &p)) {
    memcpy(p, &value, sizeof value);
    return ASH_OK;
  }
  return ash__set_f64_slow(v, nidx, idx, value);
}

/* float64 elements of a view, the commonest access, without a conversion
 * or a second look at the index; 2-d inline, other ndims out of line,
 * everything else (other dtypes, negative or bad indices, NULLs,
 * read-only) the general path. */
ash_status ash_view_get_f64(const ash_view *v, int nidx, const int64_t *idx,
                            double *out) {
  if (ASH__LIKELY(v != NULL) && ASH__LIKELY(idx != NULL) &&
      ASH__LIKELY(nidx == v->f64_get)) {
    if (ASH__LIKELY(nidx == 2)) {
      uint8_t *p = NULL;
      /* @out is tested once the element is read: tested beside @idx,
       * GCC and-s the two tests with setne and moves every argument
       * register around them (2 more instructions per get+set); tested
       * before the read, it adds the address up in a register instead of
       * loading from base + index (1 more). The element read is in range,
       * so reading it for nothing when @out is NULL (the general path
       * then words the error) changes nothing. */
      if (ASH__LIKELY(ash__fast_at_2d(v, idx, &p))) {
        double x;
        memcpy(&x, p, sizeof x);
        if (ASH__LIKELY(out != NULL)) {
          *out = x;
          return ASH_OK;
        }
      }
    } else {
      return ash__get_f64_nd(v, nidx, idx, out);
    }
  }
  return ash__get_f64_slow(v, nidx, idx, out);
}

ash_status ash_view_set_f64(const ash_view *v, int nidx, const int64_t *idx,
                            double value) {
  if (ASH__LIKELY(v != NULL) && ASH__LIKELY(idx != NULL) &&
      ASH__LIKELY(nidx == v->f64_set)) {
    if (ASH__LIKELY(nidx == 2)) {
      uint8_t *p = NULL;
      if (ASH__LIKELY(ash__fast_at_2d(v, idx, &p))) {
        memcpy(p, &value, sizeof value);
        return ASH_OK;
      }
    } else {
      return ash__set_f64_nd(v, nidx, idx, value);
    }
  }
  return ash__set_f64_slow(v, nidx, idx, value);
}

ASH__GET(ash_view_get_i64, int64_t, ash__load_i64)
ASH__GET(ash_view_get_u64, uint64_t, ash__load_u64)
ASH__SET(ash_view_set_i64, int64_t, ash__pack_i64)
ASH__SET(ash_view_set_u64, uint64_t, ash__pack_u64)

ash_status ash_view_get_c128(const ash_view *v, int nidx, const int64_t *idx,
                             double *re, double *im) {
  uint8_t *p = NULL;
  int r = ash__view_locate(v, nidx, idx, &p);
  if (r)
    return r;
  if (re == NULL || im == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  return ash__load_c128(v->dtype, p, re, im);
}

ash_status ash_view_set_c128(const ash_view *v, int nidx, const int64_t *idx,
                             double re, double im) {
  uint8_t *p = NULL;
  int r = ash__view_locate(v, nidx, idx, &p);
  if (r)
    return r;
  if ((r = ash__view_writable(v)))
    return r;
  uint8_t item[16];
  if ((r = ash__pack_c128(v->dtype, re, im, item)))
    return r;
  memcpy(p, item, v->itemsize);
  return ASH_OK;
}

/* ---- bulk ---------------------------------------------------------------- */

/* A view's layout with axes of extent 1 dropped and adjacent axes merged
 * where memory allows; the last axis is the innermost. */
struct ash__iter {
  int ndim;
  int64_t shape[ASH_MAX_NDIM];
  int64_t strides[ASH_MAX_NDIM];
};

static void ash__iter_make(const ash_view *v, struct ash__iter *it) {
  it->ndim = 0;
  for (int i = 0; i < v->ndim; i++) {
    if (v->shape[i] == 1)
      continue;
    int k = it->ndim;
    if (k > 0 && it->strides[k - 1] == v->strides[i] * v->shape[i]) {
      it->shape[k - 1] *= v->shape[i];
      it->strides[k - 1] = v->strides[i];
      continue;
    }
    it->shape[k] = v->shape[i];
    it->strides[k] = v->strides[i];
    it->ndim++;
  }
}

/* Calls run(base_of_row, row_len, row_stride) for every innermost row. */
typedef void (*ash__row_fn)(uint8_t *row, int64_t n, int64_t stride,
                            size_t itemsize, void *ctx);

static void ash__for_rows(const ash_view *v, ash__row_fn fn, void *ctx) {
  if (v->size == 0)
    return;
  struct ash__iter it;
  ash__iter_make(v, &it);
  if (it.ndim == 0) {
    fn(v->data, 1, (int64_t)v->itemsize, v->itemsize, ctx);
    return;
  }
  int outer = it.ndim - 1;
  int64_t n = it.shape[outer], stride = it.strides[outer];
  int64_t pos[ASH_MAX_NDIM] = {0};
  uint8_t *p = v->data;
  for (;;) {
    fn(p, n, stride, v->itemsize, ctx);
    int k = outer - 1;
    while (k >= 0) {
      pos[k]++;
      p += it.strides[k];
      if (pos[k] < it.shape[k])
        break;
      p -= it.strides[k] * it.shape[k];
      pos[k] = 0;
      k--;
    }
    if (k < 0)
      return;
  }
}

struct ash__cursor {
  uint8_t *buf;
};

static void ash__row_read(uint8_t *row, int64_t n, int64_t stride,
                          size_t itemsize, void *ctx) {
  struct ash__cursor *c = ctx;
  if (stride == (int64_t)itemsize) {
    memcpy(c->buf, row, (size_t)n * itemsize);
    c->buf += (size_t)n * itemsize;
    return;
  }
  for (int64_t i = 0; i < n; i++, row += stride, c->buf += itemsize)
    memcpy(c->buf, row, itemsize);
}

static void ash__row_write(uint8_t *row, int64_t n, int64_t stride,
                           size_t itemsize, void *ctx) {
  struct ash__cursor *c = ctx;
  if (stride == (int64_t)itemsize) {
    memcpy(row, c->buf, (size_t)n * itemsize);
    c->buf += (size_t)n * itemsize;
    return;
  }
  for (int64_t i = 0; i < n; i++, row += stride, c->buf += itemsize)
    memcpy(row, c->buf, itemsize);
}

static int ash__check_nbytes(const ash_view *v, const void *buf,
                             uint64_t nbytes, const char *what) {
  if (v == NULL || (buf == NULL && nbytes > 0))
    return ash__err(ASH_E_INVAL, "%s: view or buffer is NULL", what);
  if (nbytes != ash_view_nbytes(v))
    return ash__err(ASH_E_INVAL,
                    "%s: buffer has %llu bytes, the view needs exactly %llu "
                    "(%lld elements of %zu bytes)",
                    what, (unsigned long long)nbytes,
                    (unsigned long long)ash_view_nbytes(v), (long long)v->size,
                    v->itemsize);
  return ASH_OK;
}

/* Walks @v's rows with @fn inside the SIGBUS guard: ASH_E_TRUNC when a
 * peer truncated the segment under the walk. */
static int ash__rows_guarded(const ash_view *v, ash__row_fn fn, void *ctx) {
  struct ash__guard g;
  if (ASH__GUARD(g, v->map, NULL))
    return ash__guard_fault(v->map);
  ash__for_rows(v, fn, ctx);
  ash__guard_pop(&g);
  return ASH_OK;
}

ash_status ash_view_read(const ash_view *v, void *dst, uint64_t nbytes) {
  int r = ash__check_nbytes(v, dst, nbytes, "read");
  if (r)
    return r;
  struct ash__cursor c = {dst};
  return ash__rows_guarded(v, ash__row_read, &c);
}

ash_status ash_view_write(const ash_view *v, const void *src, uint64_t nbytes) {
  int r = ash__check_nbytes(v, src, nbytes, "write");
  if (r)
    return r;
  if ((r = ash__view_writable(v)))
    return r;
  struct ash__cursor c = {(uint8_t *)(uintptr_t)src};
  return ash__rows_guarded(v, ash__row_write, &c);
}

static void ash__span(const ash_view *v, uintptr_t *lo, uintptr_t *hi) {
  intptr_t l = 0, h = 0;
  for (int i = 0; i < v->ndim; i++) {
    intptr_t s = (intptr_t)(v->strides[i] * (v->shape[i] - 1));
    if (s < 0)
      l += s;
    else
      h += s;
  }
  *lo = (uintptr_t)v->data + (uintptr_t)l;
  *hi = (uintptr_t)v->data + (uintptr_t)h + v->itemsize;
}

/* Copies @src into @dst (same dtype and shape, no overlap), walking both
 * layouts together: the innermost axis by runs, the others by counters. */
static void ash__copy_strided(const ash_view *dst, const ash_view *src) {
  int nd = src->ndim;
  size_t is = src->itemsize;
  if (nd == 0) {
    memcpy(dst->data, src->data, is);
    return;
  }
  int64_t n = src->shape[nd - 1], ss = src->strides[nd - 1],
          ds = dst->strides[nd - 1];
  int64_t pos[ASH_MAX_NDIM] = {0};
  const uint8_t *s = src->data;
  uint8_t *d = dst->data;
  for (;;) {
    if (ss == (int64_t)is && ds == (int64_t)is) {
      memcpy(d, s, (size_t)n * is);
    } else {
      const uint8_t *sp = s;
      uint8_t *dp = d;
      for (int64_t i = 0; i < n; i++, sp += ss, dp += ds)
        memcpy(dp, sp, is);
    }
    int k = nd - 2;
    for (; k >= 0; k--) {
      s += src->strides[k];
      d += dst->strides[k];
      if (++pos[k] < src->shape[k])
        break;
      s -= src->strides[k] * src->shape[k];
      d -= dst->strides[k] * dst->shape[k];
      pos[k] = 0;
    }
    if (k < 0)
      return;
  }
}

ash_status ash_view_copy(const ash_view *dst, const ash_view *src) {
  if (dst == NULL || src == NULL)
    return ash__err(ASH_E_INVAL, "copy: view is NULL");
  if (dst->dtype != src->dtype)
    return ash__err(ASH_E_DTYPE, "copy: dtypes differ (%s into %s)",
                    ash_dtype_name(src->dtype), ash_dtype_name(dst->dtype));
  if (dst->ndim != src->ndim ||
      memcmp(dst->shape, src->shape, sizeof(int64_t) * (size_t)dst->ndim) != 0)
    return ash__err(ASH_E_SHAPE, "copy: shapes differ");
  int r = ash__view_writable(dst);
  if (r)
    return r;
  uint64_t n = ash_view_nbytes(src);
  if (n == 0)
    return ASH_OK;
  uintptr_t dlo, dhi, slo, shi;
  ash__span(dst, &dlo, &dhi);
  ash__span(src, &slo, &shi);
  bool contiguous = dst->flags & src->flags & ASH_VIEW_C_CONTIGUOUS;
  bool disjoint = dhi <= slo || shi <= dlo;
  /* overlapping strided views: as if through a buffer */
  void *tmp = contiguous || disjoint ? NULL : malloc(n);
  if (!contiguous && !disjoint && tmp == NULL)
    return ash__err(ASH_E_NOMEM, "copy: out of memory for %llu bytes",
                    (unsigned long long)n);
  struct ash__guard g;
  if (ASH__GUARD(g, dst->map, src->map)) {
    free(tmp);
    return ash__guard_fault(dst->map);
  }
  if (contiguous) {
    memmove(dst->data, src->data, n);
  } else if (disjoint) {
    ash__copy_strided(dst, src);
  } else {
    struct ash__cursor rc = {tmp};
    ash__for_rows(src, ash__row_read, &rc);
    struct ash__cursor wc = {tmp};
    ash__for_rows(dst, ash__row_write, &wc);
  }
  ash__guard_pop(&g);
  free(tmp);
  return ASH_OK;
}

/* A fill pattern: 16 bytes repeating the item (itemsize 1, 2, 4, 8 or 16). */
struct ash__fill {
  uint8_t item[16];
  uint64_t p0, p1;
  bool bytewise; /* every byte of the item is the same */
};

/* Writes the pattern over @nbytes contiguous bytes. A pattern of one byte
 * is memset's; one of 8 bytes or less (p0 == p1) goes, on x86-64 and from
 * 256 bytes on, through "rep stosq", the string store memset itself uses
 * for such sizes (it skips reading the lines it overwrites: a plain store
 * loop reaches 0.85-0.9 of memset's bandwidth here); otherwise 32 bytes per
 * iteration (a one-store loop runs at half of memset's speed). */
static void ash__fill_run(uint8_t *p, size_t nbytes,
                          const struct ash__fill *f) {
  uint64_t p0 = f->p0, p1 = f->p1;
  size_t i = 0;
  if (f->bytewise) {
    memset(p, f->item[0], nbytes);
    return;
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if (p0 == p1 && nbytes >= 256) {
    void *dst = p;
    size_t count = nbytes / 8;
    __asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(p0) : "memory");
    i = nbytes & ~(size_t)7;
  }
#endif
  for (; i + 32 <= nbytes; i += 32) {
    memcpy(p + i, &p0, 8);
    memcpy(p + i + 8, &p1, 8);
    memcpy(p + i + 16, &p0, 8);
    memcpy(p + i + 24, &p1, 8);
  }
  for (; i + 16 <= nbytes; i += 16) {
    memcpy(p + i, &p0, 8);
    memcpy(p + i + 8, &p1, 8);
  }
  for (; i < nbytes; i++)
    p[i] = f->item[i % 16];
}

static void ash__row_fill(uint8_t *row, int64_t n, int64_t stride,
                          size_t itemsize, void *ctx) {
  const struct ash__fill *f = ctx;
  if (stride == (int64_t)itemsize) {
    ash__fill_run(row, (size_t)n * itemsize, f);
    return;
  }
  for (int64_t i = 0; i < n; i++, row += stride)
    memcpy(row, f->item, itemsize);
}

/* Fills @v with the element packed in @f->item (@packed: the status of
 * packing it; nothing is written unless it is ASH_OK). */
static int ash__fill_item(const ash_view *v, struct ash__fill *f, int packed) {
  if (packed)
    return packed;
  bool zero = true;
  f->bytewise = true;
  for (size_t i = 0; i < v->itemsize; i++) {
    zero = zero && f->item[i] == 0;
    f->bytewise = f->bytewise && f->item[i] == f->item[0];
  }
  for (size_t i = v->itemsize; i < 16; i++) /* repeat the item to 16 bytes */
    f->item[i] = f->item[i % v->itemsize];
  memcpy(&f->p0, f->item, 8);
  memcpy(&f->p1, f->item + 8, 8);
  if (zero && (v->flags & ASH_VIEW_C_CONTIGUOUS)) {
    struct ash__guard g;
    if (ASH__GUARD(g, v->map, NULL))
      return ash__guard_fault(v->map);
    memset(v->data, 0, ash_view_nbytes(v));
    ash__guard_pop(&g);
    return ASH_OK;
  }
  return ash__rows_guarded(v, ash__row_fill, f);
}

static int ash__fill_check(const ash_view *v) {
  return v == NULL ? ash__err(ASH_E_INVAL, "view is NULL")
                   : ash__view_writable(v);
}

ash_status ash_view_fill_f64(const ash_view *v, double value) {
  struct ash__fill f = {{0}, 0, 0, false};
  int r = ash__fill_check(v);
  return r ? r : ash__fill_item(v, &f, ash__pack_f64(v->dtype, value, f.item));
}

ash_status ash_view_fill_i64(const ash_view *v, int64_t value) {
  struct ash__fill f = {{0}, 0, 0, false};
  int r = ash__fill_check(v);
  return r ? r : ash__fill_item(v, &f, ash__pack_i64(v->dtype, value, f.item));
}

ash_status ash_view_fill_u64(const ash_view *v, uint64_t value) {
  struct ash__fill f = {{0}, 0, 0, false};
  int r = ash__fill_check(v);
  return r ? r : ash__fill_item(v, &f, ash__pack_u64(v->dtype, value, f.item));
}

ash_status ash_view_fill_c128(const ash_view *v, double re, double im) {
  struct ash__fill f = {{0}, 0, 0, false};
  int r = ash__fill_check(v);
  return r ? r
           : ash__fill_item(v, &f, ash__pack_c128(v->dtype, re, im, f.item));
}
