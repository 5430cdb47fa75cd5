# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# ArrayShare.kernel: compiled code on views from Ruby (the C behaviour is
# tested by tests/c/test-kernel.c and the conformance cases; here: the Ruby
# shape of it, the GVL, closing).
require "fiddle"
require "helper"

class TestKernel < Minitest::Test
  include ShmTest

  LIB = ENV.fetch("ASH_TEST_KERNELS", nil)
  AXPY = "void tk_axpy(int n, double a, const double *x, int incx, double *y, int incy)"
  AXPY_BIND = "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y), split(n)"

  def setup
    super
    skip "ASH_TEST_KERNELS is not set" unless LIB
  end

  def vec(values, dtype = :float64)
    v = ArrayShare.create(uniq, shape: [values.size], dtype: dtype)
    values.each_with_index { |x, i| v[i] = x }
    v
  end

  def test_call_by_position_and_name
    x = vec([1, 2, 3, 4])
    y = vec([10, 20, 30, 40])
    k = ArrayShare.kernel(LIB, AXPY, bind: AXPY_BIND)
    assert_equal :plain, k.kind
    assert_equal %w[x y], k.views
    assert_equal %w[a], k.scalars
    assert_equal %w[y], k.writes
    assert_nil k.(x, y, 2.0)
    assert_equal [12.0, 24.0, 36.0, 48.0], y.to_a
    k.call(x, y, a: -1, threads: 2)
    assert_equal [11.0, 22.0, 33.0, 44.0], y.to_a
    k[x[(0..)], y, 1]
    assert_equal [12.0, 24.0, 36.0, 48.0], y.to_a
    assert_raises(ArgumentError) { k.(x, y) }
    assert_raises(ArgumentError) { k.(x, y, 1, a: 2) }
    assert_raises(ArgumentError) { k.(x, y, b: 1) }
    assert_raises(ArrayShare::ShapeError) { k.(x[0..1], y, a: 1) }
    assert_raises(TypeError) { k.(x, "y", a: 1) }
    k.close
    k.close
    assert k.closed?
    assert_equal "#<ArrayShare::Kernel closed>", k.inspect
    assert_raises(ArrayShare::InvalidArgument) { k.(x, y, a: 1) }
  ensure
    x&.close
    y&.close
  end

  def test_results_map_loop_and_block_form
    x = vec([0, 1, 4, 9])
    y = vec([0, 0, 0, 0])
    sum = ArrayShare.kernel(LIB, "double tk_sum(int64_t n, const double *x, int64_t inc)",
                            bind: "n=size(x), x=x, inc=stride(x)")
    assert_equal 14.0, sum.(x)
    assert_equal(-5, ArrayShare.kernel(LIB, "int8_t tk_minus(int8_t x)", bind: "x=v").(v: 5))
    assert_equal 7, ArrayShare.kernel(nil, "long labs(long x)", bind: "x=x").(-7)
    r = ArrayShare.kernel("libm.so.6", "map double sqrt(double)") do |sqrt|
      assert_equal :map, sqrt.kind
      sqrt.(x, y)
    end
    assert_nil r
    assert_equal [0.0, 1.0, 2.0, 3.0], y.to_a
    ArrayShare.kernel(LIB, "loop tk_add(f8 a, f8 b -> f8 out)") { |add| add.(x, y, out: y, threads: 0) }
    assert_equal [0.0, 2.0, 6.0, 12.0], y.to_a
    addr = Fiddle::Handle.new(LIB)["tk_poly"]
    ArrayShare.kernel(addr, "map double p(double)") { |p| p.(x, y) }
    assert_equal [1.0, 6.0, 57.0, 262.0], y.to_a
    assert_raises(ArrayShare::LibraryError) { ArrayShare.kernel("libash-nope.so.1", "map double f(double)") }
    assert_raises(ArrayShare::SignatureError) { ArrayShare.kernel(LIB, "void f(struct s x)") }
    assert_operator ArrayShare.max_threads, :>=, 1
  ensure
    x&.close
    y&.close
  end

  # Two Ruby threads in a kernel at once: each waits (up to 5 s) for the
  # other to enter, which a held GVL would prevent.
  def test_the_gvl_is_released_during_a_call
    t = vec([0, 0], :int64)
    reset = Fiddle::Function.new(Fiddle::Handle.new(LIB)["tk_record_reset"], [Fiddle::TYPE_INT], Fiddle::TYPE_VOID)
    rec = ArrayShare.kernel(LIB, "void tk_record(int64_t n, int64_t *tid)", bind: "n=size(tid), tid=tid")
    reset.call(2)
    start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    other = Thread.new { rec.(t[1..]) }
    rec.(t[0..0])
    other.join
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - start, :<, 4
    refute_equal t[0], t[1]
  ensure
    t&.close
  end
end
