/* SPDX-License-Identifier: MIT */
/* Kernels: the public functions. Opening parses the signature and binder,
 * loads the function and prepares the call once; a call checks the views,
 * then runs on the calling thread or split across the pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

struct ash_kernel {
  atomic_long refs;
  int kind;
  void *dl; /* dlopen handle, NULL for an address */
  void (*fn)(void);
  char *canon;
  struct ash__sig sig;
  struct ash__operands ops;
  struct ash__plain plain; /* ASH_KERNEL_PLAIN */
  ash__cif *cif;           /* PLAIN, and MAP through libffi */
  struct ash__ew ew;       /* ASH_KERNEL_MAP */
  void *loop_data;         /* ASH_KERNEL_LOOP */
};

static void ash__kernel_free(ash_kernel *k) {
  ash__cif_put(k->cif);
  ash__dl_close(k->dl);
  free(k->canon);
  free(k);
}

/* Operands of loop and map kernels: the signature's, outputs written. */
static void ash__loop_operands(ash_kernel *k) {
  const struct ash__sig *s = &k->sig;
  k->ops.nviews = s->nin + s->nout;
  for (int i = 0; i < k->ops.nviews; i++) {
    struct ash__kview *v = &k->ops.view[i];
    snprintf(v->name, sizeof v->name, "%s", s->op[i].name);
    v->pointee = -1;
    v->writes = i >= s->nin;
  }
}

/* Everything but finding the function: signature, binder, libffi. */
static int ash__kernel_prepare(ash_kernel *k, const char *signature,
                               const char *bind) {
  struct ash__sig *s = &k->sig;
  int rc = ash__sig_parse(signature, s);
  if (rc != ASH_OK)
    return rc;
  k->kind = s->kind;
  bool no_bind = bind == NULL || bind[strspn(bind, " \t\n")] == '\0';
  struct ash__ctype types[ASH__K_MAXPARAM];
  for (int i = 0; i < s->nparam; i++)
    types[i] = s->param[i].t;
  switch (s->kind) {
  case ASH_KERNEL_PLAIN:
    if ((rc = ash__bind_parse(s, bind, &k->plain, &k->ops)) != ASH_OK ||
        (rc = ash__cif_get(s->ret, s->nparam, types, &k->cif)) != ASH_OK)
      return rc;
    break;
  case ASH_KERNEL_MAP:
    if (!no_bind)
      return ash__err(ASH_E_SIGNATURE,
                      "binder \"%.100s\": map kernels take "
                      "no binder (their operands are the parameters and "
                      "out)",
                      bind);
    ash__loop_operands(k);
    k->ew.nin = s->nparam;
    for (int i = 0; i < s->nparam; i++)
      k->ew.in[i] = s->param[i].t.kind;
    k->ew.ret = s->ret.kind;
    if ((rc = ash__cif_get(s->ret, s->nparam, types, &k->cif)) != ASH_OK)
      return rc;
    k->ew.cif = k->cif;
    ash__ew_select(&k->ew);
    break;
  default: /* ASH_KERNEL_LOOP */
    if ((rc = ash__bind_parse_loop(bind, &k->loop_data)) != ASH_OK)
      return rc;
    ash__loop_operands(k);
  }
  if ((k->canon = ash__sig_format(s)) == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  return ASH_OK;
}

static int ash__kernel_new(const char *library, uint64_t address,
                           const char *signature, const char *bind,
                           ash_kernel **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "out is NULL");
  *out = NULL;
  if (signature == NULL)
    return ash__err(ASH_E_INVAL, "signature is NULL");
  ash_kernel *k = calloc(1, sizeof *k);
  if (k == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  atomic_init(&k->refs, 1);
  int rc = ash__kernel_prepare(k, signature, bind);
  if (rc == ASH_OK && address == 0)
    rc = ash__dl_open(library, k->sig.name, &k->dl, &k->fn);
  else if (rc == ASH_OK)
    k->fn = (void (*)(void))(uintptr_t)address;
  if (rc != ASH_OK) {
    ash__kernel_free(k);
    return rc;
  }
  k->ew.fn = k->fn;
  *out = k;
  return ASH_OK;
}

ash_status ash_kernel_open(const char *library, const char *signature,
                           const char *bind, ash_kernel **out) {
  return ash__kernel_new(library, 0, signature, bind, out);
}

ash_status ash_kernel_from_address(uint64_t address, const char *signature,
                                   const char *bind, ash_kernel **out) {
  if (address == 0) {
    if (out)
      *out = NULL;
    return ash__err(ASH_E_INVAL, "address is 0");
  }
  return ash__kernel_new(NULL, address, signature, bind, out);
}

ash_kernel *ash_kernel_retain(ash_kernel *k) {
  if (k)
    atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
  return k;
}

void ash_kernel_close(ash_kernel *k) {
  if (k && atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) == 1)
    ash__kernel_free(k);
}

/* ---- accessors ------------------------------------------------------------------ */

/* NULL (a handle a binding closed) reads as a kernel without operands. */
int ash_kernel_kind(const ash_kernel *k) { return k ? k->kind : 0; }
const char *ash_kernel_signature(const ash_kernel *k) {
  return k ? k->canon : NULL;
}
int ash_kernel_nviews(const ash_kernel *k) { return k ? k->ops.nviews : 0; }
int ash_kernel_nscalars(const ash_kernel *k) { return k ? k->ops.nscalars : 0; }

const char *ash_kernel_view_name(const ash_kernel *k, int index) {
  return index >= 0 && index < ash_kernel_nviews(k) ? k->ops.view[index].name
                                                    : NULL;
}

const char *ash_kernel_scalar_name(const ash_kernel *k, int index) {
  return index >= 0 && index < ash_kernel_nscalars(k) ? k->ops.scalar[index]
                                                      : NULL;
}

int ash_kernel_result_dtype(const ash_kernel *k) {
  return k && k->kind == ASH_KERNEL_PLAIN ? ash__ckind_dtype(k->sig.ret.kind)
                                          : ASH_DTYPE_INVALID;
}

int ash_kernel_view_writes(const ash_kernel *k, int index) {
  return index >= 0 && index < ash_kernel_nviews(k) ? k->ops.view[index].writes
                                                    : -1;
}

/* ---- calls ---------------------------------------------------------------------- */

/* Operands whose data the kernel gets, for ash__check_overlap. */
static int ash__overlap(const ash_kernel *k, ash_view *const *views) {
  ash_view *data[ASH__K_MAXOP];
  bool writes[ASH__K_MAXOP];
  const char *names[ASH__K_MAXOP];
  int n = 0;
  for (int i = 0; i < k->ops.nviews; i++) {
    if (k->kind == ASH_KERNEL_PLAIN && k->ops.view[i].pointee < 0)
      continue; /* only its shape is used */
    data[n] = views[i];
    writes[n] = k->ops.view[i].writes;
    names[n] = k->ops.view[i].name;
    n++;
  }
  return ash__check_overlap(n, data, writes, names);
}

struct ash__plain_job {
  const ash_kernel *k;
  const struct ash__pcall *pc;
  int64_t nchunks;
};

static void ash__plain_chunk(void *ctx, int64_t c) {
  const struct ash__plain_job *j = ctx;
  int64_t n = j->pc->split_n;
  int64_t lo = n * c / j->nchunks, hi = n * (c + 1) / j->nchunks;
  union ash__arg args[ASH__K_MAXPARAM];
  void *av[ASH__K_MAXPARAM];
  ffi_arg ret;
  ash__bind_range(j->pc, lo, hi, args);
  for (int i = 0; i < j->k->sig.nparam; i++)
    av[i] = &args[i];
  ffi_call(ash__cif_ffi(j->k->cif), j->k->fn, &ret, av);
}

static int ash__call_plain(const ash_kernel *k, ash_view **views,
                           const double *scalars, int threads, double *out) {
  struct ash__pcall pc = {.s = &k->sig, .plan = &k->plain, .ops = &k->ops};
  int rc = ash__bind_prepare(&pc, views, scalars);
  if (rc != ASH_OK)
    return rc;
  int64_t nchunks = pc.split_n < threads ? pc.split_n : threads;
  if (k->plain.split >= 0 && nchunks > 1) {
    if ((rc = ash__overlap(k, views)) != ASH_OK)
      return rc;
    struct ash__plain_job j = {k, &pc, nchunks};
    ash__pool_run(threads, nchunks, ash__plain_chunk, &j);
    return ASH_OK;
  }
  void *av[ASH__K_MAXPARAM];
  union {
    ffi_arg w;
    ffi_sarg s;
    double d;
    float f;
  } r = {0};
  for (int i = 0; i < k->sig.nparam; i++)
    av[i] = &pc.args[i];
  ffi_call(ash__cif_ffi(k->cif), k->fn, &r, av);
  if (out) {
    int rk = k->sig.ret.kind;
    if (rk == ASH__C_VOID)
      *out = 0;
    else if (ash__ckind_int(rk) && ash__ckind_size(rk) < sizeof(ffi_arg))
      *out = ash__ckind_signed(rk) ? (double)r.s : (double)r.w;
    else
      *out = ash__arg_to_double(rk, &r);
  }
  return ASH_OK;
}

struct ash__iter_job {
  const struct ash__iter *it;
  int64_t nchunks;
};

static void ash__iter_chunk(void *ctx, int64_t c) {
  const struct ash__iter_job *j = ctx;
  int64_t n = j->it->total;
  ash__iter_run(j->it, n * c / j->nchunks, n * (c + 1) / j->nchunks);
}

static int ash__call_loop(const ash_kernel *k, ash_view **views, int threads) {
  struct ash__iter *it = malloc(sizeof *it);
  if (it == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  int rc = ash__iter_init(it, &k->sig, views);
  if (rc == ASH_OK) {
    if (k->kind == ASH_KERNEL_MAP) {
      it->fn = k->ew.loop;
      it->data = (void *)&k->ew;
    } else {
      it->fn = (ash_loop_fn *)(void (*)(void))k->fn;
      it->data = k->loop_data;
    }
    int64_t nchunks = it->total < threads ? it->total : threads;
    if (nchunks > 1 && (rc = ash__overlap(k, views)) == ASH_OK) {
      struct ash__iter_job j = {it, nchunks};
      ash__pool_run(threads, nchunks, ash__iter_chunk, &j);
    } else if (nchunks == 1) {
      ash__iter_run(it, 0, it->total);
    }
  }
  free(it);
  return rc;
}

static int ash__call_args(const ash_kernel *k, int nviews,
                          ash_view *const *views, int nscalars,
                          const double *scalars) {
  if (k == NULL)
    return ash__err(ASH_E_INVAL, "kernel is NULL (closed?)");
  if (nviews != k->ops.nviews || (nviews > 0 && views == NULL)) {
    char names[256] = "";
    for (int i = 0; i < k->ops.nviews; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
               i ? ", " : "", k->ops.view[i].name);
    return ash__err(ASH_E_INVAL, "%s takes %d view%s (%s), got %d%s",
                    k->sig.name, k->ops.nviews, k->ops.nviews == 1 ? "" : "s",
                    names, nviews, views || !nviews ? "" : " (NULL)");
  }
  if (nscalars != k->ops.nscalars || (nscalars > 0 && scalars == NULL)) {
    char names[256] = "";
    for (int i = 0; i < k->ops.nscalars; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
               i ? ", " : "", k->ops.scalar[i]);
    return ash__err(ASH_E_INVAL, "%s takes %d scalar%s (%s), got %d%s",
                    k->sig.name, k->ops.nscalars,
                    k->ops.nscalars == 1 ? "" : "s", names, nscalars,
                    scalars || !nscalars ? "" : " (NULL)");
  }
  return ASH_OK;
}

ash_status ash_kernel_call(ash_kernel *k, int nviews, ash_view *const *views,
                           int nscalars, const double *scalars, int nthreads,
                           double *out) {
  int threads = 1, rc;
  if (out)
    *out = 0;
  if ((rc = ash__call_args(k, nviews, views, nscalars, scalars)) != ASH_OK ||
      (nthreads != 1 && (rc = ash__pool_threads(nthreads, &threads))))
    return rc;
  /* Our own references: the caller may release its views meanwhile. */
  ash_view *held[ASH__K_MAXOP];
  for (int i = 0; i < nviews; i++)
    held[i] = ash_view_retain(views[i]);
  ash_kernel_retain(k);
  if (k->kind == ASH_KERNEL_PLAIN)
    rc = ash__call_plain(k, held, scalars, threads, out);
  else
    rc = ash__call_loop(k, held, threads);
  for (int i = 0; i < nviews; i++)
    ash_view_release(held[i]);
  ash_kernel_close(k);
  return rc;
}
