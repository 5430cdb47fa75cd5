/* SPDX-License-Identifier: MIT */
/* agree.c - ranks agree on arguments and on success before data moves. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void amp_sig_init(amp_sig *s) { s->h = 1469598103934665603ull; }

void amp_sig_add(amp_sig *s, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    s->h ^= b[i];
    s->h *= 1099511628211ull;
  }
}

void amp_sig_i64(amp_sig *s, int64_t x) { amp_sig_add(s, &x, sizeof x); }

void amp_sig_str(amp_sig *s, const char *str) {
  amp_sig_add(s, str, strlen(str) + 1);
}

void amp_sig_view(amp_sig *s, const ash_view *v) {
  int nd = ash_view_ndim(v);
  amp_sig_i64(s, ash_view_dtype(v));
  amp_sig_i64(s, nd);
  amp_sig_add(s, ash_view_shape(v), sizeof(int64_t) * (size_t)nd);
}

/* What a failing rank broadcasts to the others. */
struct amp_fail {
  int code;
  char detail[900];
};

ash_status amp_agree(MPI_Comm comm, const char *what, ash_status status,
                     const amp_sig *sig, int *flag) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  /* One MIN-reduction decides everything: the lowest failing rank, the
   * lowest signature and (through its complement) the highest, and the
   * conjunction of the flags. */
  uint64_t in[4], out[4];
  in[0] = status != ASH_OK ? (uint64_t)rank : UINT64_MAX;
  in[1] = sig ? sig->h : 0;
  in[2] = ~in[1];
  in[3] = (flag == NULL || *flag) ? 1 : 0;
  int rc = MPI_Allreduce(in, out, 4, MPI_UINT64_T, MPI_MIN, comm);
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, what, "MPI_Allreduce (agreement)");
  if (flag)
    *flag = out[3] == 1;
  if (out[0] != UINT64_MAX) {
    struct amp_fail f;
    memset(&f, 0, sizeof f);
    int root = (int)out[0];
    if (root == rank) {
      f.code = status;
      amp_err_copy(f.detail, sizeof f.detail);
    }
    rc = MPI_Bcast(&f, (int)sizeof f, MPI_BYTE, root, comm);
    if (rc != MPI_SUCCESS)
      return amp_mpi_err(rc, what, "MPI_Bcast (error report)");
    if (root == rank)
      return status; /* keeps its own detail */
    f.detail[sizeof f.detail - 1] = 0;
    /* Every rank returns R's code: "what: rank R failed: <R's detail
     * without its what: prefix>", and its own detail if it failed too. */
    const char *d = f.detail;
    size_t n = strlen(what);
    if (strncmp(d, what, n) == 0 && d[n] == ':' && d[n + 1] == ' ')
      d += n + 2;
    if (status == ASH_OK)
      return amp_err(f.code, "%s: rank %d failed: %s", what, root, d);
    char mine[400];
    amp_err_copy(mine, sizeof mine);
    return amp_err(f.code, "%s: rank %d failed: %s (this rank too: %s)", what,
                   root, d, mine);
  }
  if (out[1] != ~out[2])
    return amp_err(ASH_E_INVAL,
                   "%s: the ranks passed different arguments (dtype, shape, "
                   "root, operator, name, flags must be equal on every rank)",
                   what);
  return ASH_OK;
}
