# SPDX-License-Identifier: MIT
# frozen_string_literal: true

module ArrayShare
  # A kernel: compiled code called on views (docs/kernels.md).
  #
  #   daxpy = ArrayShare.kernel(
  #     "libopenblas.so.0",
  #     "void cblas_daxpy(int n, double a, const double *x, int incx, " \
  #     "double *y, int incy)",
  #     bind: "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y)")
  #   daxpy.(x, y, a: 2.0)               # y += 2x, without the GVL
  #
  # Views come first, then scalars, positionally or by name; +threads:+
  # splits the call where the library allows it. Every check is the C
  # library's; this class only maps arguments to the operand names.
  class Kernel
    INT_DTYPES = %i[ASH_INT8 ASH_INT16 ASH_INT32 ASH_INT64 ASH_UINT8
                    ASH_UINT16 ASH_UINT32 ASH_UINT64].map { |c| Core.const_get(c) }.freeze
    KINDS = { Core::ASH_KERNEL_PLAIN => :plain, Core::ASH_KERNEL_MAP => :map,
              Core::ASH_KERNEL_LOOP => :loop }.freeze

    # Operand names: views, then scalars (Arrays of Strings).
    attr_reader :views, :scalars
    # Threads a call uses unless it says otherwise (1).
    attr_accessor :threads

    def initialize(handle, threads = 1)
      @h = handle
      @views = Array.new(Core.ash_kernel_nviews(handle)) { |i| Core.ash_kernel_view_name(handle, i) }.freeze
      @scalars = Array.new(Core.ash_kernel_nscalars(handle)) { |i| Core.ash_kernel_scalar_name(handle, i) }.freeze
      @names = (@views + @scalars).freeze
      @result = Core.ash_kernel_result_dtype(handle)
      @threads = threads
    end

    # Calls the kernel; returns a plain C function's result (nil for void,
    # map and loop kernels).
    def call(*args, threads: nil, **named)
      threads ||= @threads
      nv = @views.size
      out = if named.empty? && args.size == @names.size # the common case, fast
              Core.ash_kernel_call(@h, args[0, nv], args[nv..], threads)
            else
              Core.ash_kernel_call(@h, *arrange(args, named), threads)
            end
      return nil if @result.zero?
      return out != 0 if @result == Core::ASH_BOOL

      INT_DTYPES.include?(@result) ? out.to_i : out
    end
    alias [] call

    private

    # [views, scalars] from positional and named arguments.
    def arrange(args, named)
      if args.size > @names.size
        raise ArgumentError, "#{signature} takes #{@names.size} arguments (#{@names.join(', ')}), got #{args.size}"
      end

      values = @names.zip(args).first(args.size).to_h
      named.each do |key, value|
        key = key.to_s
        raise ArgumentError, "no operand #{key} (operands: #{@names.join(', ')})" unless @names.include?(key)
        raise ArgumentError, "operand #{key} given twice" if values.key?(key)

        values[key] = value
      end
      missing = @names.reject { |n| values.key?(n) }
      raise ArgumentError, "missing #{missing.join(', ')}" unless missing.empty?

      [values.values_at(*@views), values.values_at(*@scalars)]
    end

    public

    # The signature in canonical form (nil once closed).
    def signature = Core.ash_kernel_signature(@h)

    # :plain, :map or :loop (nil once closed).
    def kind = KINDS[Core.ash_kernel_kind(@h)]

    # The names of the views the kernel may write.
    def writes = @views.each_index.select { |i| Core.ash_kernel_view_writes(@h, i) == 1 }.map { |i| @views[i] }

    # The low-level handle (ArrayShare::Core).
    def handle = @h

    # Closes now (a call in progress keeps it until it returns); again: nothing.
    def close
      Core.ash_kernel_close(@h)
      nil
    end

    def closed? = Core.ash_kernel_kind(@h).zero?

    def inspect = closed? ? "#<ArrayShare::Kernel closed>" : "#<ArrayShare::Kernel #{signature}>"
    alias to_s inspect
  end

  module_function

  # Opens a kernel: a function of +library+ (a path or soname; nil: the
  # program and what it loaded), or at an address (an Integer, e.g. from
  # Fiddle). With a block, yields it and closes it afterwards.
  #
  #   ArrayShare.kernel("libm.so.6", "map double sin(double)") { |sin| sin.(x, y) }
  def kernel(library, signature, bind: nil, threads: 1, &block)
    handle = if library.is_a?(Integer)
               Core.ash_kernel_from_address(library, signature, bind)
             else
               Core.ash_kernel_open(library, signature, bind)
             end
    with_closing(Kernel.new(handle, threads), &block)
  end

  # The size of the kernel thread pool (ASH_NUM_THREADS or the CPUs).
  def max_threads = Core.ash_kernel_max_threads
end
