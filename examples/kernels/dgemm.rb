# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Attaches a, b and c by name and runs cblas_dgemm (c = a b) on them through
# the kernel API. With --compare, also the same done element by element
# into c2, and the two times.
# usage: ruby dgemm.rb LIBRARY SYMBOL A B C C2 [--compare]
require "arrayshare"

lib, sym, an, bn, cn, c2n, flag = ARGV
compare = flag == "--compare"
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }
ArrayShare.attach(an) do |a|
  ArrayShare.attach(bn) do |b|
    ArrayShare.attach(cn) do |c|
      proto = "void #{sym}(int order, int transa, int transb, int m, int n, int k, double alpha, " \
              "const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc)"
      bind = "order=101, transa=111, transb=111, m=len(a)=len(c), n=dim(b,1)=dim(c,1), " \
             "k=dim(a,1)=len(b), alpha=alpha, a=a, lda=ld(a), b=b, ldb=ld(b), beta=beta, c=c, ldc=ld(c)"
      ArrayShare.kernel(lib, proto, bind: bind) do |dgemm|
        dgemm.(a, b, c, alpha: 0.0, beta: 1.0) # maps the pages, changes nothing
        t0 = clock.()
        dgemm.(a, b, c, alpha: 1.0, beta: 0.0)
        t_kernel = clock.() - t0
        m, k = a.shape
        n = b.shape[1]
        line = format("ruby %d: %s (%dx%d)(%dx%d): %.2f ms", Process.pid, sym, m, k, k, n, t_kernel * 1e3)
        if compare
          ArrayShare.attach(c2n) do |c2|
            t0 = clock.()
            m.times do |i|
              n.times do |j|
                s = 0.0
                k.times { |l| s += a[i, l] * b[l, j] }
                c2[i, j] = s
              end
            end
            t_loop = clock.() - t0
            line += format("; element by element in Ruby: %.1f ms (%.0fx slower)", t_loop * 1e3, t_loop / t_kernel)
          end
        end
        puts line
      end
    end
  end
end
