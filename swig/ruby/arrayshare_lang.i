/* SPDX-License-Identifier: MIT */
/* arrayshare_lang.i (Ruby) - how the shared interface maps to Ruby.
 *
 * Included by swig/arrayshare.i before the header; it defines the named
 * typemaps that file applies, the type-wide ones, and corrects SWIG's
 * library typemaps where they are wrong for Ruby. The C behind them is in
 * swig/ruby/rbash_*.c (see rbash.h): handles are TypedData classes
 * (ArrayShare::View, ::Segment, Arrayshare_core::List); a nonzero status
 * raises the class of its code (ArrayShare::NotFound for ASH_E_NOENT, ...;
 * every class includes ArrayShare::Error) with #code, #name and the message
 * ash_last_error().
 *
 * Ruby calling convention: out-parameters become return values (several
 * as an Array); (ndim, shape), (nidx, idx), (naxes, axes) take an Array of
 * Integers; shape/strides return Arrays; (dst, nbytes) / (src, nbytes) are
 * binary Strings; nil is ASH_NONE for slice bounds and NULL for strings.
 */

%{
#include "rbash.h"
%}

/* Released by the handle objects (and by hand-written module functions of
 * the same names, defined in rbash_init). */
%ignore ash_view_retain;
%ignore ash_view_release;
%ignore ash_segment_close;
%ignore ash_list_free;

/* Status: raise on failure, nil (or the out-parameters) on success. */
%typemap(out) ash_status {
  if ($1 != ASH_OK)
    rbash_raise($1);
  $result = Qnil;
}

/* Strings in: nil is NULL (the library reports it), Symbols are accepted,
 * an embedded NUL raises InvalidArgument naming the argument. */
%typemap(in) const char * "$1 = (char *)rbash_cstr(&$input, \"$1_name\");"
%typemap(freearg) const char * ""
%typemap(out) const char * "$result = $1 ? rb_utf8_str_new_cstr($1) : Qnil;"

/* Unsigned integers: never wrapped around (SWIG's conversion turns -1 into
 * 2**64 - 1). An element value out of range is ArrayShare::ValueError like
 * every value the dtype cannot hold. */
%typemap(in) uint64_t "$1 = rbash_u64($input, \"$1_name\");"
%typemap(in) uint64_t value "$1 = rbash_u64_code($input, \"value\", ASH_E_VALUE);"
%typemap(in) unsigned, unsigned int, uint32_t "$1 = rbash_uint($input, \"$1_name\");"

/* Handles in. */
%typemap(in) const ash_view *, ash_view * "$1 = rbash_view_get($input)->v;"
%typemap(in) const ash_segment *, ash_segment * "$1 = rbash_segment_get($input);"
%typemap(in) const ash_list *, ash_list * "$1 = rbash_list_get($input);"

/* ASH_NEW: owning objects. */
%typemap(in, numinputs=0) ash_view **ASH_NEW (ash_view *tmp = NULL),
                          ash_segment **ASH_NEW (ash_segment *tmp = NULL),
                          ash_list **ASH_NEW (ash_list *tmp = NULL) "$1 = &tmp;"
%typemap(argout) ash_view **ASH_NEW
  "$result = SWIG_Ruby_AppendOutput($result, rbash_view_wrap(*$1));"
%typemap(argout) ash_segment **ASH_NEW
  "$result = SWIG_Ruby_AppendOutput($result, rbash_handle_wrap(rbash_cSegment, &rbash_segment_type, *$1));"
%typemap(argout) ash_list **ASH_NEW
  "$result = SWIG_Ruby_AppendOutput($result, rbash_handle_wrap(rbash_cList, &rbash_list_type, *$1));"

/* ash_arena_bytes_for(dtype, shape, total = 0) -> new total: SWIG's INOUT
 * has no default and wraps negative totals around. */
%typemap(default) unsigned long *INOUT (unsigned long tmp = 0) "$1 = &tmp;"
%typemap(in) unsigned long *INOUT "*$1 = rbash_u64($input, \"$1_name\");"
%typemap(argout) unsigned long *INOUT "$result = SWIG_Ruby_AppendOutput($result, ULL2NUM(*$1));"

/* ASH_COUNT/ASH_LIST: an Array of Integers. */
%typemap(in) (int ASH_COUNT, const int64_t *ASH_LIST)
    (int64_t buf[ASH_MAX_NDIM], volatile VALUE keep = Qnil)
  "$2 = rbash_i64_list($input, &$1, buf, ASH_MAX_NDIM, &keep, \"$2_name\");"

/* ASH_OPTIONAL: nil means ASH_NONE. */
%typemap(in) int64_t ASH_OPTIONAL
  "$1 = NIL_P($input) ? ASH_NONE : rbash_i64($input, \"$1_name\");"

/* ASH_NDIM_LIST: an Array of ndim Integers; ASH_ADDRESS: an Integer (for
 * Fiddle::Pointer.new). */
%typemap(out) const int64_t *ASH_NDIM_LIST
  "$result = rbash_i64_array($1, ash_view_ndim(arg1));"
%typemap(out) void *ASH_ADDRESS
  "$result = ULL2NUM((unsigned long long)(uintptr_t)$1);"

/* ASH_READ_*: ash_view_read(view, nbytes) -> binary String. A size that is
 * not the view's goes to the library with a 1-byte buffer: it refuses it
 * unread. */
%typemap(in) (void *ASH_READ_BUF, uint64_t ASH_READ_LEN) (volatile VALUE str = Qnil, char dummy = 0) {
  uint64_t n = rbash_u64($input, "nbytes");
  if (n == ash_view_nbytes(arg1) && n <= (uint64_t)LONG_MAX) {
    str = rb_str_new(NULL, (long)n);
    $1 = RSTRING_PTR(str);
  } else {
    $1 = &dummy;
  }
  $2 = n;
}
%typemap(argout) (void *ASH_READ_BUF, uint64_t ASH_READ_LEN)
  "$result = SWIG_Ruby_AppendOutput($result, str$argnum);"

/* ASH_WRITE_*: the String's bytes. */
%typemap(in) (const void *ASH_WRITE_BUF, uint64_t ASH_WRITE_LEN) {
  StringValue($input);
  $1 = (void *)RSTRING_PTR($input);
  $2 = (uint64_t)RSTRING_LEN($input);
}

/* ASH_TEXT: a malloc'ed string returned as a String (and freed). */
%typemap(in, numinputs=0) char **ASH_TEXT (char *text = NULL) "$1 = &text;"
%typemap(argout) char **ASH_TEXT
  "$result = SWIG_Ruby_AppendOutput($result, rb_utf8_str_new_cstr(text$argnum));"
%typemap(freearg) char **ASH_TEXT "free(text$argnum);"

%init %{
  rbash_init(mArrayshare_core);
%}
