/* SPDX-License-Identifier: MIT */
/* arrayshare.i - the one SWIG interface, shared by every language.
 *
 * It reads core/include/arrayshare.h once. What differs per language lives in
 * swig/<lang>/arrayshare_lang.i, found by include path (-I swig/<lang>), as in
 * Xapian's lua/lua.i: how an ash_status becomes an exception, how out-
 * parameters become return values, how index and shape arrays are passed, and
 * the language's fast paths (buffer protocol, MemoryView, Lua metamethods).
 *
 * The generated module is named arrayshare_core in every language; the
 * idiomatic layer under bindings/<lang>/ is what users import as arrayshare.
 */
%module arrayshare_core

%{
#include "arrayshare.h"
%}

%include <stdint.i>

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

%include "arrayshare_version.h"
%include "arrayshare.h"
