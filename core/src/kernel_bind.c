/* SPDX-License-Identifier: MIT */
/* The binder of plain kernels: where each parameter of a C prototype comes
 * from (a view's data, shape or stride, a call-time scalar, a literal), the
 * checks made at open and before every call, and scalar conversions. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

/* ---- scalar conversions ------------------------------------------------------ */

static const struct {
  int64_t min;
  uint64_t max;
} ash__int_range[ASH__C_COUNT_] = {
    [ASH__C_BOOL] = {0, 1},
    [ASH__C_CHAR] = {INT8_MIN, INT8_MAX},
    [ASH__C_I8] = {INT8_MIN, INT8_MAX},
    [ASH__C_U8] = {0, UINT8_MAX},
    [ASH__C_I16] = {INT16_MIN, INT16_MAX},
    [ASH__C_U16] = {0, UINT16_MAX},
    [ASH__C_I32] = {INT32_MIN, INT32_MAX},
    [ASH__C_U32] = {0, UINT32_MAX},
    [ASH__C_I64] = {INT64_MIN, INT64_MAX},
    [ASH__C_U64] = {0, UINT64_MAX},
};

static void ash__store_int(int kind, int64_t v, union ash__arg *a) {
  switch (kind) {
  case ASH__C_BOOL:
    a->b = v != 0;
    break;
  case ASH__C_CHAR:
  case ASH__C_I8:
    a->i8 = (int8_t)v;
    break;
  case ASH__C_U8:
    a->u8 = (uint8_t)v;
    break;
  case ASH__C_I16:
    a->i16 = (int16_t)v;
    break;
  case ASH__C_U16:
    a->u16 = (uint16_t)v;
    break;
  case ASH__C_I32:
    a->i32 = (int32_t)v;
    break;
  case ASH__C_U32:
    a->u32 = (uint32_t)v;
    break;
  default: /* I64, U64 */
    a->i64 = v;
  }
}

/* Stores @v as a @kind value: ASH_OK, or ASH_E_OVERFLOW (out of range).
 * No detail: the caller makes it (only on failure) with ash__put_err. */
static int ash__put_int(int kind, int64_t v, union ash__arg *a) {
  if (kind == ASH__C_F32) {
    a->f32 = (float)v;
    return ASH_OK;
  }
  if (kind == ASH__C_F64) {
    a->f64 = (double)v;
    return ASH_OK;
  }
  if (v < ash__int_range[kind].min ||
      (v > 0 && (uint64_t)v > ash__int_range[kind].max))
    return ASH_E_OVERFLOW;
  ash__store_int(kind, v, a);
  return ASH_OK;
}

/* Stores @d as a @kind value: ASH_OK, or ASH_E_VALUE (an integer parameter
 * given a fraction or a value out of its range; a finite value beyond
 * float's range). NaN and infinities pass to float and double as they are. */
static int ash__put_double(int kind, double d, union ash__arg *a) {
  if (kind == ASH__C_F64) {
    a->f64 = d;
    return ASH_OK;
  }
  if (kind == ASH__C_F32) {
    if (isfinite(d) && fabs(d) > FLT_MAX)
      return ASH_E_VALUE;
    a->f32 = (float)d;
    return ASH_OK;
  }
  if (!isfinite(d) || d != trunc(d))
    return ASH_E_VALUE;
  if (kind == ASH__C_U64) {
    if (d < 0 || d >= 18446744073709551616.0)
      return ASH_E_VALUE;
    a->u64 = (uint64_t)d;
    return ASH_OK;
  }
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    return ASH_E_VALUE;
  return ash__put_int(kind, (int64_t)d, a) == ASH_OK ? ASH_OK : ASH_E_VALUE;
}

/* The detail of a failed ash__put_*: parameter @param given @what = value. */
static int ash__put_err(int rc, int kind, bool dbl, int64_t iv, double dv,
                        const char *param, const char *what) {
  char t[64];
  ash__ctype_str((struct ash__ctype){(uint8_t)kind, 0, 0}, t, sizeof t);
  if (!dbl)
    return ash__err(rc, "parameter %s: %s = %" PRId64 " does not fit %s", param,
                    what, iv, t);
  if (kind == ASH__C_F32)
    return ash__err(rc, "parameter %s: %s = %g overflows float", param, what,
                    dv);
  if (!isfinite(dv) || dv != trunc(dv))
    return ash__err(rc, "parameter %s (%s): %s = %g is not an integer", param,
                    t, what, dv);
  return ash__err(rc, "parameter %s: %s = %g does not fit %s", param, what, dv,
                  t);
}

double ash__arg_to_double(int kind, const void *p) {
  union ash__arg a;
  memcpy(&a, p, ash__ckind_size(kind));
  switch (kind) {
  case ASH__C_BOOL:
    return a.b;
  case ASH__C_CHAR:
  case ASH__C_I8:
    return a.i8;
  case ASH__C_U8:
    return a.u8;
  case ASH__C_I16:
    return a.i16;
  case ASH__C_U16:
    return a.u16;
  case ASH__C_I32:
    return a.i32;
  case ASH__C_U32:
    return a.u32;
  case ASH__C_I64:
    return (double)a.i64;
  case ASH__C_U64:
    return (double)a.u64;
  case ASH__C_F32:
    return a.f32;
  case ASH__C_F64:
    return a.f64;
  default:
    return 0;
  }
}

/* ---- parsing ---------------------------------------------------------------- */

static const struct {
  const char *name;
  uint8_t what;
  uint8_t layout;
  bool axis;
} ash__srcfns[] = {
    {"size", ASH__S_SIZE, ASH__L_SHAPE, false},
    {"len", ASH__S_LEN, ASH__L_SHAPE, false},
    {"dim", ASH__S_DIM, ASH__L_SHAPE, true},
    {"stride", ASH__S_STRIDE, ASH__L_STRIDE, false},
    {"inc", ASH__S_INC, ASH__L_INC, false},
    {"ld", ASH__S_LD, ASH__L_LD, false},
};

/* A source as parsed, before names are resolved. */
struct ash__rawsrc {
  uint8_t what;
  char ref[ASH__K_NAME]; /* view or scalar name */
  int axis;
  int64_t i;
  double f;
  int col;
};

struct ash__rawbind {
  int nsrc;
  struct ash__rawsrc src[ASH__K_MAXCHAIN];
  int col; /* of the parameter's name, 0 if unbound */
};

static int ash__parse_source(struct ash__lex *lx, struct ash__rawsrc *r) {
  int rc;
  const struct ash__tok *t = &lx->t;
  memset(r, 0, sizeof *r);
  r->col = t->col;
  if (t->kind == ASH__T_INT || t->kind == ASH__T_FLOAT) {
    r->what = t->kind == ASH__T_INT ? ASH__S_INT : ASH__S_FLOAT;
    r->i = t->ival;
    r->f = t->fval;
    return ash__lex_next(lx);
  }
  if (t->kind != ASH__T_IDENT)
    return ash__lex_err(lx, t->col,
                        "a source is expected (a literal, a name "
                        "or size(), len(), dim(), stride(), inc(), ld())");
  if (ash__tok_is(t, "null") || ash__tok_is(t, "NULL")) {
    r->what = ASH__S_NULL;
    return ash__lex_next(lx);
  }
  char word[ASH__K_NAME];
  memcpy(word, t->s, t->len);
  word[t->len] = '\0';
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (!ash__tok_punct(t, '(')) { /* a view or a scalar: decided later */
    r->what = ASH__S_DATA;
    snprintf(r->ref, sizeof r->ref, "%s", word);
    return ASH_OK;
  }
  size_t f = 0;
  while (f < sizeof ash__srcfns / sizeof ash__srcfns[0] &&
         strcmp(ash__srcfns[f].name, word) != 0)
    f++;
  if (f == sizeof ash__srcfns / sizeof ash__srcfns[0])
    return ash__lex_err(lx, r->col,
                        "unknown function \"%s\" (size, len, dim, "
                        "stride, inc, ld)",
                        word);
  r->what = ash__srcfns[f].what;
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (t->kind != ASH__T_IDENT)
    return ash__lex_err(lx, t->col, "%s() takes a view's name", word);
  memcpy(r->ref, t->s, t->len);
  r->ref[t->len] = '\0';
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (ash__srcfns[f].axis) {
    if (!ash__tok_punct(t, ','))
      return ash__lex_err(lx, t->col, "dim() takes a view and an axis");
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    if (t->kind != ASH__T_INT || t->ival < -ASH_MAX_NDIM ||
        t->ival >= ASH_MAX_NDIM)
      return ash__lex_err(lx, t->col, "an axis (an integer) is expected");
    r->axis = (int)t->ival;
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
  }
  if (!ash__tok_punct(t, ')'))
    return ash__lex_err(lx, t->col, "')' expected");
  return ash__lex_next(lx);
}

static int ash__find_param(const struct ash__sig *s, const struct ash__tok *t) {
  for (int i = 0; i < s->nparam; i++)
    if (ash__tok_is(t, s->param[i].name))
      return i;
  return -1;
}

/* "PARAM=SOURCE[=SOURCE...]" or "split(PARAM)". */
static int ash__parse_item(struct ash__lex *lx, const struct ash__sig *s,
                           struct ash__rawbind *raw, int *split,
                           int *split_col) {
  int rc;
  const struct ash__tok *t = &lx->t;
  if (t->kind != ASH__T_IDENT)
    return ash__lex_err(lx, t->col, "a parameter's name is expected");
  if (ash__tok_is(t, "split") && *lx->p != '=' &&
      lx->p[strspn(lx->p, " \t\n")] == '(') {
    int col = t->col;
    if ((rc = ash__lex_next(lx)) != ASH_OK ||
        (rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    int p = ash__find_param(s, t);
    if (p < 0)
      return ash__lex_err(lx, t->col, "split() names a parameter of %s",
                          s->name);
    if (*split >= 0)
      return ash__lex_err(lx, col, "only one split() is allowed");
    *split = p;
    *split_col = col;
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    if (!ash__tok_punct(t, ')'))
      return ash__lex_err(lx, t->col, "')' expected");
    return ash__lex_next(lx);
  }
  int p = ash__find_param(s, t);
  if (p < 0)
    return ash__lex_err(lx, t->col, "%s has no parameter \"%.*s\"", s->name,
                        (int)t->len, t->s);
  if (raw[p].col)
    return ash__lex_err(lx, t->col,
                        "parameter %s is bound twice (first at "
                        "column %d)",
                        s->param[p].name, raw[p].col);
  raw[p].col = t->col;
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (!ash__tok_punct(t, '='))
    return ash__lex_err(lx, t->col, "'=' expected after %s", s->param[p].name);
  while (ash__tok_punct(t, '=')) {
    if (raw[p].nsrc == ASH__K_MAXCHAIN)
      return ash__lex_err(lx, t->col, "more than %d sources", ASH__K_MAXCHAIN);
    if ((rc = ash__lex_next(lx)) != ASH_OK ||
        (rc = ash__parse_source(lx, &raw[p].src[raw[p].nsrc++])) != ASH_OK)
      return rc;
  }
  return ASH_OK;
}

/* Index of the view (or scalar) named @name, added if new. */
static int ash__operand_ref(char (*names)[ASH__K_NAME], int *n,
                            const char *name) {
  for (int i = 0; i < *n; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  if (*n == ASH__K_MAXOP)
    return -1;
  snprintf(names[*n], ASH__K_NAME, "%s", name);
  return (*n)++;
}

static int ash__view_ref(struct ash__operands *ops, const char *name) {
  for (int i = 0; i < ops->nviews; i++)
    if (strcmp(ops->view[i].name, name) == 0)
      return i;
  if (ops->nviews == ASH__K_MAXOP)
    return -1;
  struct ash__kview *v = &ops->view[ops->nviews];
  snprintf(v->name, sizeof v->name, "%s", name);
  v->pointee = -1;
  v->layout = ASH__L_SHAPE;
  return ops->nviews++;
}

static bool ash__is_scalar(const struct ash__operands *ops, const char *name) {
  for (int i = 0; i < ops->nscalars; i++)
    if (strcmp(ops->scalar[i], name) == 0)
      return true;
  return false;
}

/* Resolves one source of parameter @p into @out. */
static int ash__resolve(struct ash__lex *lx, const struct ash__sig *s, int p,
                        const struct ash__rawsrc *r, struct ash__source *out,
                        struct ash__operands *ops) {
  const struct ash__param *pa = &s->param[p];
  char tbuf[64];
  const char *tn = ash__ctype_str(pa->t, tbuf, sizeof tbuf);
  memset(out, 0, sizeof *out);
  out->what = r->what;
  out->i = r->i;
  out->f = r->f;
  out->axis = r->axis;
  if (pa->t.ptr) {
    if (r->what == ASH__S_NULL)
      return ASH_OK;
    if (r->what != ASH__S_DATA)
      return ash__lex_err(lx, r->col,
                          "pointer parameter %s (%s) takes a view "
                          "or null",
                          pa->name, tn);
  } else if (r->what == ASH__S_NULL) {
    return ash__lex_err(lx, r->col, "parameter %s (%s) is not a pointer",
                        pa->name, tn);
  }
  if (r->what == ASH__S_INT || r->what == ASH__S_FLOAT) {
    union ash__arg a;
    bool dbl = r->what == ASH__S_FLOAT;
    if (dbl && ash__ckind_int(pa->t.kind))
      return ash__lex_err(lx, r->col,
                          "integer parameter %s (%s) given the "
                          "float %g",
                          pa->name, tn, r->f);
    int rc = dbl ? ash__put_double(pa->t.kind, r->f, &a)
                 : ash__put_int(pa->t.kind, r->i, &a);
    return rc ? ash__put_err(rc, pa->t.kind, dbl, r->i, r->f, pa->name,
                             "the literal")
              : ASH_OK;
  }
  if (r->what == ASH__S_DATA && !pa->t.ptr) { /* a call-time scalar */
    for (int i = 0; i < ops->nviews; i++)
      if (strcmp(ops->view[i].name, r->ref) == 0)
        return ash__lex_err(lx, r->col,
                            "\"%s\" is a view; arithmetic "
                            "parameter %s needs a scalar or size(), ...",
                            r->ref, pa->name);
    out->what = ASH__S_SCALAR;
    out->index = ash__operand_ref(ops->scalar, &ops->nscalars, r->ref);
    if (out->index < 0)
      return ash__lex_err(lx, r->col, "more than %d scalars", ASH__K_MAXOP);
    return ASH_OK;
  }
  if (ash__is_scalar(ops, r->ref))
    return ash__lex_err(lx, r->col, "\"%s\" is a scalar, not a view", r->ref);
  out->index = ash__view_ref(ops, r->ref);
  if (out->index < 0)
    return ash__lex_err(lx, r->col, "more than %d views", ASH__K_MAXOP);
  struct ash__kview *v = &ops->view[out->index];
  uint8_t layout = ASH__L_SHAPE;
  for (size_t f = 0; f < sizeof ash__srcfns / sizeof ash__srcfns[0]; f++)
    if (ash__srcfns[f].what == r->what)
      layout = ash__srcfns[f].layout;
  if (r->what == ASH__S_DATA) {
    if (v->pointee >= 0 && v->pointee != pa->t.kind &&
        pa->t.kind != ASH__C_VOID && v->pointee != ASH__C_VOID)
      return ash__lex_err(lx, r->col,
                          "view %s is passed as two different "
                          "types",
                          r->ref);
    if (v->pointee < 0 || v->pointee == ASH__C_VOID)
      v->pointee = pa->t.kind;
    v->writes = v->writes || !pa->t.cnst;
    if (v->layout == ASH__L_SHAPE)
      v->layout = ASH__L_CONTIG;
  } else if (layout != ASH__L_SHAPE) {
    if (v->layout > ASH__L_CONTIG && v->layout != layout)
      return ash__lex_err(lx, r->col,
                          "view %s is given two layouts (use one "
                          "of stride(), inc(), ld())",
                          r->ref);
    v->layout = layout;
  }
  return ASH_OK;
}

static int ash__check_split(struct ash__lex *lx, const struct ash__sig *s,
                            const struct ash__plain *plan,
                            const struct ash__operands *ops, int col) {
  const struct ash__param *pa = &s->param[plan->split];
  if (s->ret.kind != ASH__C_VOID)
    return ash__lex_err(lx, col,
                        "split() needs a function returning void "
                        "(a split call has no single result)");
  if (pa->t.ptr || !ash__ckind_int(pa->t.kind))
    return ash__lex_err(lx, col, "split(%s): not an integer parameter",
                        pa->name);
  const struct ash__binding *b = &plan->bind[plan->split];
  for (int i = 0; i < b->nsrc; i++)
    if (b->src[i].what != ASH__S_SIZE && b->src[i].what != ASH__S_LEN)
      return ash__lex_err(lx, col,
                          "split(%s): %s must be bound to size() or "
                          "len() of views",
                          pa->name, pa->name);
  for (int i = 0; i < ops->nviews; i++)
    if (ops->view[i].layout == ASH__L_LD)
      return ash__lex_err(lx, col,
                          "split(%s): view %s is 2-d (ld()), it "
                          "cannot be cut into ranges",
                          pa->name, ops->view[i].name);
  return ASH_OK;
}

/* Resolves the sources of parameter @p, bound in @raw. */
static int ash__bind_param(struct ash__lex *lx, const struct ash__sig *s,
                           const struct ash__rawbind *raw, int p,
                           struct ash__plain *plan, struct ash__operands *ops) {
  const struct ash__param *pa = &s->param[p];
  int rc;
  if (pa->name[0] == '\0')
    return ash__lex_err(lx, 1,
                        "parameter %d of %s has no name: name it in "
                        "the prototype to bind it",
                        p + 1, s->name);
  if (raw[p].col == 0)
    return ash__lex_err(lx, (int)strlen(lx->text) + 1,
                        "parameter %s of %s "
                        "is not bound",
                        pa->name, s->name);
  if (pa->t.ptr && raw[p].nsrc > 1)
    return ash__lex_err(lx, raw[p].src[1].col,
                        "pointer parameter %s takes "
                        "one source",
                        pa->name);
  plan->bind[p].nsrc = raw[p].nsrc;
  for (int i = 0; i < raw[p].nsrc; i++)
    if ((rc = ash__resolve(lx, s, p, &raw[p].src[i], &plan->bind[p].src[i],
                           ops)) != ASH_OK)
      return rc;
  return ASH_OK;
}

int ash__bind_parse(const struct ash__sig *s, const char *bind,
                    struct ash__plain *plan, struct ash__operands *ops) {
  struct ash__rawbind raw[ASH__K_MAXPARAM];
  struct ash__lex lx;
  int rc, split_col = 0;
  memset(raw, 0, sizeof raw);
  memset(plan, 0, sizeof *plan);
  memset(ops, 0, sizeof *ops);
  plan->split = -1;
  ash__lex_init(&lx, bind ? bind : "", "binder");
  if ((rc = ash__lex_next(&lx)) != ASH_OK)
    return rc;
  while (lx.t.kind != ASH__T_END) {
    if ((rc = ash__parse_item(&lx, s, raw, &plan->split, &split_col)) != ASH_OK)
      return rc;
    if (lx.t.kind == ASH__T_END)
      break;
    if (!ash__tok_punct(&lx.t, ','))
      return ash__lex_err(&lx, lx.t.col, "',' expected, found \"%.*s\"",
                          (int)lx.t.len, lx.t.s);
    if ((rc = ash__lex_next(&lx)) != ASH_OK)
      return rc;
  }
  /* Views are numbered by the pointer parameters they are passed to (so
   * dgemm's are a, b, c whatever its m=len(a)=len(c) says first), then the
   * arithmetic parameters add the views used for their shape only and the
   * call-time scalars, in order. */
  for (int p = 0; p < s->nparam; p++)
    if (s->param[p].t.ptr && (rc = ash__bind_param(&lx, s, raw, p, plan, ops)))
      return rc;
  for (int p = 0; p < s->nparam; p++)
    if (!s->param[p].t.ptr && (rc = ash__bind_param(&lx, s, raw, p, plan, ops)))
      return rc;
  if (plan->split >= 0)
    return ash__check_split(&lx, s, plan, ops, split_col);
  return ASH_OK;
}

int ash__bind_parse_loop(const char *bind, void **data) {
  struct ash__lex lx;
  int rc;
  *data = NULL;
  ash__lex_init(&lx, bind ? bind : "", "binder");
  if ((rc = ash__lex_next(&lx)) != ASH_OK || lx.t.kind == ASH__T_END)
    return rc;
  if (!ash__tok_is(&lx.t, "data"))
    return ash__lex_err(&lx, lx.t.col,
                        "a loop kernel's binder is "
                        "\"data=ADDRESS\"");
  if ((rc = ash__lex_next(&lx)) != ASH_OK ||
      (!ash__tok_punct(&lx.t, '=') &&
       (rc = ash__lex_err(&lx, lx.t.col, "'=' expected"))) ||
      (rc = ash__lex_next(&lx)) != ASH_OK)
    return rc;
  if (lx.t.kind == ASH__T_INT)
    *data = (void *)(uintptr_t)lx.t.ival;
  else if (!ash__tok_is(&lx.t, "null"))
    return ash__lex_err(&lx, lx.t.col,
                        "an address (an integer) or null is "
                        "expected");
  if ((rc = ash__lex_next(&lx)) != ASH_OK)
    return rc;
  if (lx.t.kind != ASH__T_END)
    return ash__lex_err(&lx, lx.t.col, "unexpected text after data=");
  return ASH_OK;
}

/* ---- before a call --------------------------------------------------------------- */

/* Equally spaced elements in C order: their byte stride. */
static bool ash__flat_stride(const ash_view *v, int64_t *bstride) {
  int64_t s = 0, expect = 0;
  bool have = false;
  for (int d = v->ndim - 1; d >= 0; d--) {
    if (v->shape[d] == 1)
      continue;
    if (!have) {
      s = v->strides[d];
      have = true;
    } else if (v->strides[d] != expect) {
      return false;
    }
    expect = v->strides[d] * v->shape[d];
  }
  *bstride = have ? s : (int64_t)v->itemsize;
  return true;
}

static int ash__check_layout(const struct ash__kview *kv, const ash_view *v,
                             struct ash__vstate *vs) {
  int64_t isz = (int64_t)v->itemsize;
  vs->bstride = isz;
  switch (kv->layout) {
  case ASH__L_CONTIG:
    if (!(v->flags & ASH_VIEW_C_CONTIGUOUS))
      return ash__err(ASH_E_CONTIG,
                      "view %s is not C-contiguous and its "
                      "parameter has no stride: bind stride(%s), inc(%s) or "
                      "ld(%s) (nothing is copied)",
                      kv->name, kv->name, kv->name, kv->name);
    break;
  case ASH__L_STRIDE:
  case ASH__L_INC:
    if (!ash__flat_stride(v, &vs->bstride) || vs->bstride % isz != 0)
      return ash__err(ASH_E_CONTIG,
                      "view %s: its elements are not equally "
                      "spaced, %s(%s) cannot describe them",
                      kv->name, kv->layout == ASH__L_INC ? "inc" : "stride",
                      kv->name);
    break;
  case ASH__L_LD:
    if (v->ndim != 2 || (v->shape[1] > 1 && v->strides[1] != isz) ||
        (v->shape[0] > 1 &&
         (v->strides[0] < v->shape[1] * isz || v->strides[0] % isz != 0)))
      return ash__err(ASH_E_CONTIG,
                      "view %s: ld(%s) needs a 2-d view whose "
                      "rows are contiguous and do not overlap",
                      kv->name, kv->name);
    vs->ld = v->shape[0] > 1 ? v->strides[0] / isz
                             : (v->shape[1] > 1 ? v->shape[1] : 1);
    break;
  default:
    break;
  }
  return ASH_OK;
}

static bool ash__aligned(const ash_view *v, size_t align) {
  if (align <= 1)
    return true;
  if ((uintptr_t)v->data % align)
    return false;
  for (int d = 0; d < v->ndim; d++)
    if (v->shape[d] > 1 && v->strides[d] % (int64_t)align)
      return false;
  return true;
}

int ash__check_view(const char *name, const ash_view *v, int dtype_or_kind,
                    bool is_kind, bool writes) {
  if (v == NULL)
    return ash__err(ASH_E_INVAL, "view %s is NULL", name);
  bool ok = is_kind ? ash__ckind_accepts(dtype_or_kind, v->dtype)
                    : v->dtype == dtype_or_kind;
  if (!ok) {
    int want = is_kind ? ash__ckind_dtype(dtype_or_kind) : dtype_or_kind;
    return ash__err(
        ASH_E_DTYPE, "view %s is %s, the kernel needs %s%s", name,
        ash_dtype_name(v->dtype), ash_dtype_name(want),
        is_kind && dtype_or_kind == ASH__C_CHAR ? " (or uint8, bool)" : "");
  }
  if (writes && (v->flags & ASH_VIEW_READONLY))
    return ash__err(ASH_E_RDONLY,
                    "view %s is read-only and the kernel "
                    "writes it",
                    name);
  int dt = is_kind ? ash__ckind_dtype(dtype_or_kind) : dtype_or_kind;
  size_t align = is_kind ? ash__ckind_size(dtype_or_kind) : v->itemsize;
  if (dt == ASH_COMPLEX64 || dt == ASH_COMPLEX128)
    align /= 2; /* complex: the alignment of its parts */
  if (!ash__aligned(v, align))
    return ash__err(ASH_E_INVAL, "view %s is not aligned for %s elements", name,
                    ash_dtype_name(v->dtype));
  return ASH_OK;
}

static void ash__src_str(const struct ash__source *src,
                         const struct ash__operands *ops, char *buf, size_t n) {
  static const char *const fn[] = {
      [ASH__S_SIZE] = "size",     [ASH__S_LEN] = "len", [ASH__S_DIM] = "dim",
      [ASH__S_STRIDE] = "stride", [ASH__S_INC] = "inc", [ASH__S_LD] = "ld"};
  switch (src->what) {
  case ASH__S_SCALAR:
    snprintf(buf, n, "scalar %s", ops->scalar[src->index]);
    break;
  case ASH__S_INT:
  case ASH__S_FLOAT:
    snprintf(buf, n, "the literal");
    break;
  case ASH__S_DIM:
    snprintf(buf, n, "dim(%s, %d)", ops->view[src->index].name, src->axis);
    break;
  default:
    snprintf(buf, n, "%s(%s)", fn[src->what], ops->view[src->index].name);
  }
}

/* The value of an arithmetic source: integer in *iv, or double in *dv. */
static int ash__src_value(const struct ash__source *src,
                          const struct ash__pcall *pc, const double *scalars,
                          int64_t *iv, double *dv, bool *is_double) {
  const struct ash__vstate *vs = &pc->vs[src->index];
  *is_double = false;
  switch (src->what) {
  case ASH__S_INT:
    *iv = src->i;
    return ASH_OK;
  case ASH__S_FLOAT:
    *dv = src->f;
    *is_double = true;
    return ASH_OK;
  case ASH__S_SCALAR:
    *dv = scalars[src->index];
    *is_double = true;
    return ASH_OK;
  case ASH__S_SIZE:
    *iv = vs->v->size;
    return ASH_OK;
  case ASH__S_LEN:
  case ASH__S_DIM: {
    int ax = src->what == ASH__S_LEN ? 0 : src->axis;
    int nd = vs->v->ndim;
    if (ax < -nd || ax >= nd) {
      char w[96];
      ash__src_str(src, pc->ops, w, sizeof w);
      return ash__err(src->what == ASH__S_LEN ? ASH_E_SHAPE : ASH_E_AXIS,
                      "%s: view %s has %d dimension%s", w,
                      pc->ops->view[src->index].name, nd, nd == 1 ? "" : "s");
    }
    *iv = vs->v->shape[ax < 0 ? ax + nd : ax];
    return ASH_OK;
  }
  case ASH__S_STRIDE:
  case ASH__S_INC:
    *iv = vs->bstride / (int64_t)vs->v->itemsize;
    return ASH_OK;
  default: /* ASH__S_LD */
    *iv = vs->ld;
    return ASH_OK;
  }
}

/* The value of parameter @p: all its sources agree, it fits its type.
 * Descriptions of the sources are made only for an error. */
static int ash__param_value(struct ash__pcall *pc, int p,
                            const double *scalars) {
  const struct ash__param *pa = &pc->s->param[p];
  const struct ash__binding *b = &pc->plan->bind[p];
  int64_t iv0 = 0, iv = 0;
  double dv0 = 0, dv = 0;
  bool dbl0 = false, dbl = false;
  char w0[96], w[96];
  int rc;
  for (int i = 0; i < b->nsrc; i++) {
    if ((rc = ash__src_value(&b->src[i], pc, scalars, &iv, &dv, &dbl)))
      return rc;
    if (i == 0) {
      iv0 = iv, dv0 = dv, dbl0 = dbl;
      continue;
    }
    double a = dbl0 ? dv0 : (double)iv0, c = dbl ? dv : (double)iv;
    if ((dbl0 || dbl) ? a != c : iv0 != iv) {
      ash__src_str(&b->src[0], pc->ops, w0, sizeof w0);
      ash__src_str(&b->src[i], pc->ops, w, sizeof w);
      return ash__err(ASH_E_SHAPE, "parameter %s: %s = %.17g but %s = %.17g",
                      pa->name, w0, a, w, c);
    }
  }
  pc->ival[p] = dbl0 ? 0 : iv0;
  rc = dbl0 ? ash__put_double(pa->t.kind, dv0, &pc->args[p])
            : ash__put_int(pa->t.kind, iv0, &pc->args[p]);
  if (rc == ASH_OK)
    return ASH_OK;
  ash__src_str(&b->src[0], pc->ops, w0, sizeof w0);
  return ash__put_err(rc, pa->t.kind, dbl0, iv0, dv0, pa->name, w0);
}

/* The pointer passed for view state @vs over elements [lo, hi). */
static void *ash__range_ptr(const struct ash__kview *kv,
                            const struct ash__vstate *vs, int64_t lo,
                            int64_t hi) {
  if (hi <= lo)
    return vs->v->data;
  if (kv->layout == ASH__L_INC && vs->bstride < 0)
    lo = hi - 1; /* BLAS: the lowest address */
  return vs->v->data + lo * vs->bstride;
}

int ash__bind_prepare(struct ash__pcall *pc, ash_view *const *views,
                      const double *scalars) {
  const struct ash__operands *ops = pc->ops;
  int rc;
  for (int i = 0; i < ops->nviews; i++) {
    const struct ash__kview *kv = &ops->view[i];
    struct ash__vstate *vs = &pc->vs[i];
    vs->v = views[i];
    rc =
        kv->pointee >= 0
            ? ash__check_view(kv->name, views[i], kv->pointee, true, kv->writes)
            : (views[i] ? ASH_OK
                        : ash__err(ASH_E_INVAL, "view %s is NULL", kv->name));
    if (rc || (rc = ash__check_layout(kv, views[i], vs)) != ASH_OK)
      return rc;
  }
  for (int p = 0; p < pc->s->nparam; p++) {
    const struct ash__source *src = &pc->plan->bind[p].src[0];
    if (!pc->s->param[p].t.ptr) {
      if ((rc = ash__param_value(pc, p, scalars)) != ASH_OK)
        return rc;
    } else if (src->what == ASH__S_NULL) {
      pc->args[p].p = NULL;
    } else {
      const struct ash__vstate *vs = &pc->vs[src->index];
      pc->args[p].p =
          ash__range_ptr(&ops->view[src->index], vs, 0, vs->v->size);
    }
  }
  pc->split_n = 0;
  if (pc->plan->split >= 0) {
    pc->split_n = pc->ival[pc->plan->split];
    for (int i = 0; i < ops->nviews; i++)
      if (pc->vs[i].v->size != pc->split_n)
        return ash__err(
            ASH_E_SHAPE,
            "split(%s): view %s has %" PRId64 " elements, %s is %" PRId64,
            pc->s->param[pc->plan->split].name, ops->view[i].name,
            pc->vs[i].v->size, pc->s->param[pc->plan->split].name, pc->split_n);
  }
  return ASH_OK;
}

void ash__bind_range(const struct ash__pcall *pc, int64_t lo, int64_t hi,
                     union ash__arg *args) {
  memcpy(args, pc->args, sizeof pc->args[0] * (size_t)pc->s->nparam);
  int sp = pc->plan->split;
  ash__store_int(pc->s->param[sp].t.kind, hi - lo, &args[sp]);
  for (int p = 0; p < pc->s->nparam; p++) {
    const struct ash__source *src = &pc->plan->bind[p].src[0];
    if (pc->s->param[p].t.ptr && src->what == ASH__S_DATA)
      args[p].p = ash__range_ptr(&pc->ops->view[src->index],
                                 &pc->vs[src->index], lo, hi);
  }
}
