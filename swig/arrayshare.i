/* SPDX-License-Identifier: MIT */
/* arrayshare.i - the one SWIG interface, shared by every language.
 *
 * It reads core/include/arrayshare.h once, and decides here, once for every
 * language, what each parameter is: an out-parameter returned as a value, a
 * list, an optional integer, a buffer, a new handle. The per-language file
 * swig/<lang>/arrayshare_lang.i (found by include path, -I swig/<lang>, as in
 * Xapian's lua/lua.i) only says how its language does each of these: it
 * defines the named typemaps applied below (ASH_NEW, ASH_COUNT/ASH_LIST,
 * ASH_OPTIONAL, ASH_READ_*, ASH_WRITE_*, ASH_TEXT, ASH_NDIM_LIST,
 * ASH_ADDRESS), the type-wide ones (ash_status, strings, handles in), and
 * corrects SWIG's library typemaps where they are wrong for it. The C the
 * bindings share is swig/common/ash_swig.h; each language's own C is in
 * real .c files beside its .i file.
 *
 * The generated module is named arrayshare_core in every language; the
 * idiomatic layer under bindings/<lang>/ is what users import as arrayshare.
 */
%module arrayshare_core

%{
#include "arrayshare.h"
#include "ash_swig.h"
%}

%include <stdint.i>
%include <typemaps.i>

/* Opaque handles: SWIG sees incomplete structs and wraps pointers. Their
 * lifetime is owned by the language objects; releasing is explicit in the
 * per-language file (destructors calling ash_view_release etc.). */
%nodefaultctor ash_segment;
%nodefaultctor ash_view;
%nodefaultctor ash_list;

/* Internal or not useful outside C. */
%ignore ASH_E_FIRST_;
%ignore ASH_DTYPE_COUNT_;

/* Per-language typemaps, error mapping and fast paths. */
%include "arrayshare_lang.i"

/* ---------------------------------------------------------------------- */
/* What each parameter is (the decisions, made once)                       */
/* ---------------------------------------------------------------------- */

/* Out-parameters are returned after the status, in order: SWIG's OUTPUT
 * (typemaps.i). int64_t is long on LP64, which the bindings require. */
%apply int *OUTPUT { int *out, int *reaped, int *alive, int *dead };
%apply double *OUTPUT { double *out, double *re, double *im };
%apply long *OUTPUT { int64_t *out, int64_t *pid };
%apply unsigned long *OUTPUT { uint64_t *out };
/* ash_arena_bytes_for's running total: passed in, returned. */
%apply unsigned long *INOUT { uint64_t *total };

/* New handles: returned as owning objects of the language. */
%apply ash_view **ASH_NEW { ash_view **out };
%apply ash_segment **ASH_NEW { ash_segment **out };
%apply ash_list **ASH_NEW { ash_list **out };

/* (count, int64 array) pairs: one list of integers. */
%apply (int ASH_COUNT, const int64_t *ASH_LIST) {
  (int ndim, const int64_t *shape),
  (int nidx, const int64_t *idx),
  (int naxes, const int64_t *axes)
};

/* Slice bounds: the language's "none" (None, nil) is ASH_NONE. */
%apply int64_t ASH_OPTIONAL { int64_t start, int64_t stop };

/* Bulk bytes: ash_view_read(v, nbytes) returns them, ash_view_write(v,
 * bytes) takes them. */
%apply (void *ASH_READ_BUF, uint64_t ASH_READ_LEN) { (void *dst, uint64_t nbytes) };
%apply (const void *ASH_WRITE_BUF, uint64_t ASH_WRITE_LEN) { (const void *src, uint64_t nbytes) };

/* Results: the view's ndim integers; an address as an integer. */
%apply const int64_t *ASH_NDIM_LIST {
  const int64_t *ash_view_shape, const int64_t *ash_view_strides
};
%apply void *ASH_ADDRESS { void *ash_view_data };

/* ash_view_format(v, flags, threshold, edgeitems, linewidth, indent)
 * returns the text: its (buf, cap, needed) triple is filled by
 * ash_swig_view_format (swig/common/ash_swig.h), which retries with a
 * buffer of the needed size. */
%ignore ash_view_format;
%rename(ash_view_format) ash_swig_view_format;
ash_status ash_swig_view_format(const ash_view *v, unsigned flags,
                                int64_t threshold, int edgeitems,
                                int linewidth, int indent, char **ASH_TEXT);

/* ASH_NONE is INT64_MIN, which SWIG's preprocessor cannot evaluate. */
%ignore ASH_NONE;
%rename(ASH_NONE) ash_swig_none_;
%constant int64_t ash_swig_none_ = INT64_MIN;

/* The handles made by SWIG's own proxy classes (kernels, rings). */
%include "handles.i"

/* Kernels (libffi): typemaps and wrappers shared by every language. After
 * every other typemap decision (it reuses them: ash_view *, double *out,
 * int *out, ash_status), just before the header. */
%include "kernel.i"

/* Coordination (locks, versions, waits, atomics, rings): wrappers of the
 * blocking and copying calls, the ring object. After kernel.i (it reuses
 * its (nviews, views) typemaps). */
%include "sync.i"

%include "arrayshare_version.h"
%include "arrayshare.h"
