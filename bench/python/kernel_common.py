# SPDX-License-Identifier: MIT
"""The kernels the language benchmarks share (read by the Python bench and
printed for bench/kernels_langs.sh, which passes them to Ruby and Lua)."""
OPENBLAS = "libopenblas.so.0"
DAXPY = ("void cblas_daxpy(int n, double a, const double *x, int incx,"
         " double *y, int incy)")
DAXPY_BIND = "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y)"
DGEMM = ("void cblas_dgemm(int order, int transa, int transb, int m, int n,"
         " int k, double alpha, const double *a, int lda, const double *b,"
         " int ldb, double beta, double *c, int ldc)")
DGEMM_BIND = ("order=101, transa=111, transb=111, m=len(a)=len(c),"
              " n=dim(b,1)=dim(c,1), k=dim(a,1)=len(b), alpha=alpha, a=a,"
              " lda=ld(a), b=b, ldb=ld(b), beta=beta, c=c, ldc=ld(c)")

if __name__ == "__main__":
    for k in ("OPENBLAS", "DAXPY", "DAXPY_BIND", "DGEMM", "DGEMM_BIND"):
        print(f"ASH_BK_{k}={globals()[k]!r}")
