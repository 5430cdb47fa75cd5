/* SPDX-License-Identifier: MIT */
/* xfer.c - views as MPI derived datatypes; broadcast and all-reduce of a
 * view; the library's reduction operators for strided views and float16. */
#include <complex.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- layouts ----------------------------------------------------------- */

void amp_layout_of(const ash_view *v, amp_layout *l) {
  int nd = ash_view_ndim(v);
  const int64_t *shape = ash_view_shape(v), *strides = ash_view_strides(v);
  l->data = ash_view_data(v);
  l->dtype = ash_view_dtype(v);
  l->itemsize = (int)ash_view_itemsize(v);
  l->size = ash_view_size(v);
  l->ndim = 0;
  for (int i = 0; i < nd; i++) {
    if (shape[i] == 1)
      continue; /* an axis of one element does not move anything */
    int n = l->ndim;
    /* Merge into the previous axis when it steps over this one exactly. */
    if (n > 0 && l->strides[n - 1] == shape[i] * strides[i]) {
      l->shape[n - 1] *= shape[i];
      l->strides[n - 1] = strides[i];
      continue;
    }
    l->shape[n] = shape[i];
    l->strides[n] = strides[i];
    l->ndim++;
  }
}

int amp_layout_contiguous(const amp_layout *l) {
  return l->ndim == 0 || (l->ndim == 1 && l->strides[0] == l->itemsize);
}

void amp_layout_span(const amp_layout *l, int64_t *lo, int64_t *hi) {
  int64_t a = 0, b = 0;
  for (int i = 0; i < l->ndim; i++) {
    int64_t ext = (l->shape[i] - 1) * l->strides[i];
    if (ext < 0)
      a += ext;
    else
      b += ext;
  }
  *lo = a;
  *hi = b + l->itemsize;
}

/* 1 when no two elements share a byte: sorted by |stride|, each axis steps
 * past everything the inner ones span. Conservative: a few exotic
 * interleavings that do not overlap are refused too. */
static int amp_layout_disjoint(const amp_layout *l) {
  int64_t st[ASH_MAX_NDIM], n[ASH_MAX_NDIM];
  int nd = l->ndim;
  for (int i = 0; i < nd; i++) {
    st[i] = l->strides[i] < 0 ? -l->strides[i] : l->strides[i];
    n[i] = l->shape[i];
  }
  for (int i = 1; i < nd; i++) /* insertion sort by stride */
    for (int j = i; j > 0 && st[j] < st[j - 1]; j--) {
      int64_t t = st[j];
      st[j] = st[j - 1];
      st[j - 1] = t;
      t = n[j];
      n[j] = n[j - 1];
      n[j - 1] = t;
    }
  int64_t span = l->itemsize;
  for (int i = 0; i < nd; i++) {
    if (st[i] < span)
      return 0;
    span = st[i] * (n[i] - 1) + span;
  }
  return 1;
}

ash_status amp_check_disjoint(const ash_view *v, const char *what,
                              const char *role) {
  if (ash_view_size(v) == 0)
    return ASH_OK;
  amp_layout l;
  amp_layout_of(v, &l);
  for (int i = 0; i < l.ndim; i++)
    if (l.strides[i] == 0)
      return amp_err(ASH_E_INVAL,
                     "%s: the %s view (%s) has a 0 stride: its elements "
                     "overlap and cannot receive data",
                     what, role, ash_view_descriptor(v));
  if (!amp_layout_disjoint(&l))
    return amp_err(ASH_E_INVAL,
                   "%s: the %s view (%s) has strides whose elements overlap; "
                   "it cannot receive data",
                   what, role, ash_view_descriptor(v));
  return ASH_OK;
}

ash_status amp_check_receiver(const ash_view *v, const char *what,
                              const char *role) {
  if (ash_view_flags(v) & ASH_VIEW_READONLY)
    return amp_err(ASH_E_RDONLY, "%s: the %s view (%s) is read-only", what,
                   role, ash_view_descriptor(v));
  return amp_check_disjoint(v, what, role);
}

/* ---- element types and operators --------------------------------------- */

static MPI_Datatype amp_elem(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
    return MPI_C_BOOL;
  case ASH_INT8:
    return MPI_INT8_T;
  case ASH_INT16:
    return MPI_INT16_T;
  case ASH_INT32:
    return MPI_INT32_T;
  case ASH_INT64:
    return MPI_INT64_T;
  case ASH_UINT8:
    return MPI_UINT8_T;
  case ASH_UINT16:
    return MPI_UINT16_T;
  case ASH_UINT32:
    return MPI_UINT32_T;
  case ASH_UINT64:
    return MPI_UINT64_T;
  case ASH_FLOAT16:
    return MPI_UINT16_T; /* bits; reduced by our operators */
  case ASH_FLOAT32:
    return MPI_FLOAT;
  case ASH_FLOAT64:
    return MPI_DOUBLE;
  case ASH_COMPLEX64:
    return MPI_C_FLOAT_COMPLEX;
  case ASH_COMPLEX128:
    return MPI_C_DOUBLE_COMPLEX;
  default:
    return MPI_DATATYPE_NULL;
  }
}

enum { K_BOOL, K_INT, K_FLOAT, K_COMPLEX, K_NONE };

static int amp_kind(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
    return K_BOOL;
  case ASH_INT8:
  case ASH_INT16:
  case ASH_INT32:
  case ASH_INT64:
  case ASH_UINT8:
  case ASH_UINT16:
  case ASH_UINT32:
  case ASH_UINT64:
    return K_INT;
  case ASH_FLOAT16:
  case ASH_FLOAT32:
  case ASH_FLOAT64:
    return K_FLOAT;
  case ASH_COMPLEX64:
  case ASH_COMPLEX128:
    return K_COMPLEX;
  default:
    return K_NONE;
  }
}

static const char *const amp_op_names[] = {"?",    "SUM",  "PROD", "MIN",
                                           "MAX",  "LAND", "LOR",  "LXOR",
                                           "BAND", "BOR",  "BXOR"};

ash_status amp_check_op(int op, int dtype, const char *what) {
  if (op < ASH_MPI_SUM || op > ASH_MPI_BXOR)
    return amp_err(ASH_E_INVAL,
                   "%s: operator %d is not an ash_mpi_op (ASH_MPI_SUM = 1 .. "
                   "ASH_MPI_BXOR = 10)",
                   what, op);
  int k = amp_kind(dtype), ok;
  switch (op) {
  case ASH_MPI_SUM:
  case ASH_MPI_PROD:
    ok = k == K_INT || k == K_FLOAT || k == K_COMPLEX;
    break;
  case ASH_MPI_MIN:
  case ASH_MPI_MAX:
    ok = k == K_INT || k == K_FLOAT;
    break;
  case ASH_MPI_LAND:
  case ASH_MPI_LOR:
  case ASH_MPI_LXOR:
    ok = k == K_INT || k == K_BOOL;
    break;
  default:
    ok = k == K_INT;
  }
#ifndef __FLT16_MANT_DIG__
  if (dtype == ASH_FLOAT16)
    ok = 0; /* no _Float16 arithmetic on this compiler */
#endif
  if (!ok)
    return amp_err(ASH_E_DTYPE, "%s: operator %s is not defined for dtype %s",
                   what, amp_op_names[op],
                   ash_dtype_name(dtype) ? ash_dtype_name(dtype) : "?");
  return ASH_OK;
}

static MPI_Op amp_predefined_op(int op) {
  switch (op) {
  case ASH_MPI_SUM:
    return MPI_SUM;
  case ASH_MPI_PROD:
    return MPI_PROD;
  case ASH_MPI_MIN:
    return MPI_MIN;
  case ASH_MPI_MAX:
    return MPI_MAX;
  case ASH_MPI_LAND:
    return MPI_LAND;
  case ASH_MPI_LOR:
    return MPI_LOR;
  case ASH_MPI_LXOR:
    return MPI_LXOR;
  case ASH_MPI_BAND:
    return MPI_BAND;
  case ASH_MPI_BOR:
    return MPI_BOR;
  default:
    return MPI_BXOR;
  }
}

/* ---- the library's operators ------------------------------------------
 * MPI hands a user operator buffers laid out as the datatype of the call.
 * Our derived datatypes carry their layout as an attribute, so the operator
 * walks exactly the elements the view has, in place, with no packing. */

static int amp_keyval = MPI_KEYVAL_INVALID;
static MPI_Op amp_ops[ASH_MPI_BXOR + 1];
static pthread_once_t amp_ops_once = PTHREAD_ONCE_INIT;
static int amp_ops_rc = MPI_SUCCESS;

static int amp_attr_delete(MPI_Datatype t, int key, void *val, void *extra) {
  (void)t;
  (void)key;
  (void)extra;
  free(val);
  return MPI_SUCCESS;
}

/* b[i] = b[i] OP a[i] for n elements of type T at byte strides. */
#define AMP_LOOP(T, EXPR)                                                      \
  for (int64_t i_ = 0; i_ < n; i_++) {                                         \
    T x, y;                                                                    \
    memcpy(&x, a + i_ * sa, sizeof x);                                         \
    memcpy(&y, b + i_ * sb, sizeof y);                                         \
    y = (T)(EXPR);                                                             \
    memcpy(b + i_ * sb, &y, sizeof y);                                         \
  }

#define AMP_ARITH(T)                                                           \
  switch (op) {                                                                \
  case ASH_MPI_SUM:                                                            \
    AMP_LOOP(T, y + x) break;                                                  \
  case ASH_MPI_PROD:                                                           \
    AMP_LOOP(T, y *x) break;                                                   \
  case ASH_MPI_MIN:                                                            \
    AMP_LOOP(T, x < y ? x : y) break;                                          \
  case ASH_MPI_MAX:                                                            \
    AMP_LOOP(T, x > y ? x : y) break;                                          \
  default:                                                                     \
    break;                                                                     \
  }

#define AMP_INTEGER(T)                                                         \
  switch (op) {                                                                \
  case ASH_MPI_LAND:                                                           \
    AMP_LOOP(T, (x != 0) && (y != 0)) break;                                   \
  case ASH_MPI_LOR:                                                            \
    AMP_LOOP(T, (x != 0) || (y != 0)) break;                                   \
  case ASH_MPI_LXOR:                                                           \
    AMP_LOOP(T, (x != 0) != (y != 0)) break;                                   \
  case ASH_MPI_BAND:                                                           \
    AMP_LOOP(T, y &x) break;                                                   \
  case ASH_MPI_BOR:                                                            \
    AMP_LOOP(T, y | x) break;                                                  \
  case ASH_MPI_BXOR:                                                           \
    AMP_LOOP(T, y ^ x) break;                                                  \
  default:                                                                     \
    AMP_ARITH(T)                                                               \
  }

#define AMP_COMPLEX(T)                                                         \
  switch (op) {                                                                \
  case ASH_MPI_SUM:                                                            \
    AMP_LOOP(T, y + x) break;                                                  \
  case ASH_MPI_PROD:                                                           \
    AMP_LOOP(T, y *x) break;                                                   \
  default:                                                                     \
    break;                                                                     \
  }

static void amp_loop(int op, int dtype, int64_t n, const char *a, int64_t sa,
                     char *b, int64_t sb) {
  switch (dtype) {
  case ASH_BOOL:
    switch (op) {
    case ASH_MPI_LAND:
      AMP_LOOP(uint8_t, (x != 0) && (y != 0)) break;
    case ASH_MPI_LOR:
      AMP_LOOP(uint8_t, (x != 0) || (y != 0)) break;
    case ASH_MPI_LXOR:
      AMP_LOOP(uint8_t, (x != 0) != (y != 0)) break;
    default:
      break;
    }
    break;
  case ASH_INT8:
    AMP_INTEGER(int8_t) break;
  case ASH_INT16:
    AMP_INTEGER(int16_t) break;
  case ASH_INT32:
    AMP_INTEGER(int32_t) break;
  case ASH_INT64:
    AMP_INTEGER(int64_t) break;
  case ASH_UINT8:
    AMP_INTEGER(uint8_t) break;
  case ASH_UINT16:
    AMP_INTEGER(uint16_t) break;
  case ASH_UINT32:
    AMP_INTEGER(uint32_t) break;
  case ASH_UINT64:
    AMP_INTEGER(uint64_t) break;
#ifdef __FLT16_MANT_DIG__
  case ASH_FLOAT16:
    AMP_ARITH(_Float16) break;
#endif
  case ASH_FLOAT32:
    AMP_ARITH(float) break;
  case ASH_FLOAT64:
    AMP_ARITH(double) break;
  case ASH_COMPLEX64:
    AMP_COMPLEX(float complex) break;
  case ASH_COMPLEX128:
    AMP_COMPLEX(double complex) break;
  default:
    break;
  }
}

/* Applies @op to one datatype item: every element of layout @l. */
static void amp_apply_item(int op, const amp_layout *l, const char *in,
                           char *io) {
  if (l->ndim == 0) {
    amp_loop(op, l->dtype, 1, in, 0, io, 0);
    return;
  }
  int last = l->ndim - 1;
  int64_t idx[ASH_MAX_NDIM] = {0};
  for (;;) {
    int64_t off = 0;
    for (int i = 0; i < last; i++)
      off += idx[i] * l->strides[i];
    amp_loop(op, l->dtype, l->shape[last], in + off, l->strides[last], io + off,
             l->strides[last]);
    int i = last - 1;
    while (i >= 0 && ++idx[i] == l->shape[i])
      idx[i--] = 0;
    if (i < 0)
      return;
  }
}

static void amp_user_op(int op, void *in, void *io, int *len,
                        MPI_Datatype *dt) {
  amp_layout *l = NULL;
  int found = 0;
  if (MPI_Type_get_attr(*dt, amp_keyval, &l, &found) != MPI_SUCCESS || !found)
    return; /* not one of ours: cannot happen, the op is private */
  MPI_Aint lb, extent;
  MPI_Type_get_extent(*dt, &lb, &extent);
  for (int k = 0; k < *len; k++)
    amp_apply_item(op, l, (const char *)in + k * extent,
                   (char *)io + k * extent);
}

#define AMP_OPFN(NAME, OP)                                                     \
  static void amp_op_##NAME(void *in, void *io, int *len, MPI_Datatype *dt) {  \
    amp_user_op(OP, in, io, len, dt);                                          \
  }
AMP_OPFN(sum, ASH_MPI_SUM)
AMP_OPFN(prod, ASH_MPI_PROD)
AMP_OPFN(min, ASH_MPI_MIN)
AMP_OPFN(max, ASH_MPI_MAX)
AMP_OPFN(land, ASH_MPI_LAND)
AMP_OPFN(lor, ASH_MPI_LOR)
AMP_OPFN(lxor, ASH_MPI_LXOR)
AMP_OPFN(band, ASH_MPI_BAND)
AMP_OPFN(bor, ASH_MPI_BOR)
AMP_OPFN(bxor, ASH_MPI_BXOR)

static void amp_ops_init(void) {
  static MPI_User_function *const fns[] = {
      NULL,       amp_op_sum,  amp_op_prod, amp_op_min, amp_op_max, amp_op_land,
      amp_op_lor, amp_op_lxor, amp_op_band, amp_op_bor, amp_op_bxor};
  amp_ops_rc = MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, amp_attr_delete,
                                      &amp_keyval, NULL);
  for (int op = ASH_MPI_SUM; amp_ops_rc == MPI_SUCCESS && op <= ASH_MPI_BXOR;
       op++)
    amp_ops_rc = MPI_Op_create(fns[op], 1, &amp_ops[op]);
}

/* ---- datatypes ------------------------------------------------------------ */

ash_status amp_type_of(const amp_layout *l, MPI_Datatype elem, int reduce,
                       const char *what, MPI_Datatype *out) {
  MPI_Datatype t = elem, nt;
  int rc;
  if (reduce) {
    pthread_once(&amp_ops_once, amp_ops_init);
    if (amp_ops_rc != MPI_SUCCESS)
      return amp_mpi_err(amp_ops_rc, what, "MPI_Op_create");
  }
  if (l->ndim == 0) {
    if ((rc = MPI_Type_contiguous(1, elem, &t)) != MPI_SUCCESS)
      return amp_mpi_err(rc, what, "MPI_Type_contiguous");
  }
  for (int i = l->ndim - 1; i >= 0; i--) {
    if (l->shape[i] > INT_MAX) {
      if (t != elem)
        MPI_Type_free(&t);
      return amp_err(ASH_E_OVERFLOW,
                     "%s: a dimension of %lld elements exceeds MPI's int "
                     "counts",
                     what, (long long)l->shape[i]);
    }
    rc = MPI_Type_create_hvector((int)l->shape[i], 1, (MPI_Aint)l->strides[i],
                                 t, &nt);
    if (t != elem)
      MPI_Type_free(&t);
    if (rc != MPI_SUCCESS)
      return amp_mpi_err(rc, what, "MPI_Type_create_hvector");
    t = nt;
  }
  if ((rc = MPI_Type_commit(&t)) != MPI_SUCCESS) {
    MPI_Type_free(&t);
    return amp_mpi_err(rc, what, "MPI_Type_commit");
  }
  if (reduce) {
    amp_layout *copy = malloc(sizeof *copy);
    if (!copy) {
      MPI_Type_free(&t);
      return amp_err(ASH_E_NOMEM, "%s: out of memory", what);
    }
    *copy = *l;
    if ((rc = MPI_Type_set_attr(t, amp_keyval, copy)) != MPI_SUCCESS) {
      free(copy);
      MPI_Type_free(&t);
      return amp_mpi_err(rc, what, "MPI_Type_set_attr");
    }
  }
  *out = t;
  return ASH_OK;
}

/* ---- broadcast and all-reduce ------------------------------------------- */

/* Rows of axis 0 per MPI call, so that one call moves at most INT_MAX
 * elements whatever the strides (every rank cuts the same way: the cut
 * depends on the shape only). */
static ash_status amp_rows_per_call(const ash_view *v, const char *what,
                                    int64_t *rows) {
  int nd = ash_view_ndim(v);
  if (nd == 0) {
    *rows = 1;
    return ASH_OK;
  }
  int64_t inner = 1;
  const int64_t *shape = ash_view_shape(v);
  for (int i = 1; i < nd; i++)
    inner *= shape[i];
  if (inner > INT_MAX)
    return amp_err(ASH_E_OVERFLOW,
                   "%s: one row of %lld elements exceeds MPI's int counts",
                   what, (long long)inner);
  *rows = INT_MAX / (inner ? inner : 1);
  return ASH_OK;
}

typedef ash_status (*amp_piece_fn)(const ash_view *piece, void *arg);

/* Calls fn on consecutive row ranges of @v of at most amp_rows_per_call. */
static ash_status amp_each_piece(const ash_view *v, const char *what,
                                 amp_piece_fn fn, void *arg) {
  if (ash_view_size(v) == 0)
    return ASH_OK;
  int64_t rows = 1;
  ash_status r = amp_rows_per_call(v, what, &rows);
  if (r)
    return r;
  if (ash_view_ndim(v) == 0 || ash_view_dim(v, 0) <= rows)
    return fn(v, arg);
  int64_t n = ash_view_dim(v, 0);
  for (int64_t lo = 0; lo < n && r == ASH_OK; lo += rows) {
    ash_view *piece = NULL;
    int64_t hi = lo + rows < n ? lo + rows : n;
    if ((r = ash_view_slice(v, 0, lo, hi, 1, 0, &piece)) != ASH_OK)
      return amp_core_err(r, what);
    r = fn(piece, arg);
    ash_view_release(piece);
  }
  return r;
}

static ash_status amp_xfer_piece(const ash_view *piece, void *arg) {
  const amp_xfer *x = arg;
  amp_layout l;
  amp_layout_of(piece, &l);
  MPI_Datatype elem = amp_elem(l.dtype), t = elem;
  int reduce = x->kind == AMP_ALLREDUCE, count = (int)l.size;
  /* Contiguous: MPI's predefined types (and operators, when every rank's
   * view is contiguous: operators must be the same everywhere). Otherwise
   * one item of a derived datatype; reductions then use our operators. */
  int predefined = reduce ? x->all_contig && l.dtype != ASH_FLOAT16
                          : amp_layout_contiguous(&l);
  if (!predefined) {
    ash_status r = amp_type_of(&l, elem, reduce, x->what, &t);
    if (r)
      return r;
    count = 1;
  }
  int rc = reduce ? MPI_Allreduce(MPI_IN_PLACE, l.data, count, t,
                                  predefined ? amp_predefined_op(x->op)
                                             : amp_ops[x->op],
                                  x->comm)
                  : MPI_Bcast(l.data, count, t, x->root, x->comm);
  if (!predefined)
    MPI_Type_free(&t);
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, x->what, reduce ? "MPI_Allreduce" : "MPI_Bcast");
  return ASH_OK;
}

ash_status amp_xfer_view(const ash_view *v, const amp_xfer *x) {
  return amp_each_piece(v, x->what, amp_xfer_piece, (void *)x);
}
