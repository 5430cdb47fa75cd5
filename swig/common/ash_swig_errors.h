/* SPDX-License-Identifier: MIT */
/* ash_swig_errors.h - the one error table of every binding.
 *
 * One row per code of ASH_ERRNO_MAP (arrayshare.h): the class each binding
 * raises for it. Adding a code to the header without a row here (or a row
 * without a code, or a row twice) does not compile: see the checks below.
 *
 * Columns: suffix (ASH_E_<suffix>); Python class, its built-in bases after
 * arrayshare.Error (ASH_PY_* below) and a note for its docstring; Ruby class
 * and superclass (ASH_RB_*); Lua class (ash.<class> in arrayshare.lua).
 */
#ifndef ASH_SWIG_ERRORS_H
#define ASH_SWIG_ERRORS_H

#include "arrayshare.h"

/* Python bases (besides arrayshare.Error) and Ruby superclasses. */
enum {
  ASH_PY_NONE,
  ASH_PY_VALUE,
  ASH_PY_VALUE_TYPE,
  ASH_PY_EXISTS,
  ASH_PY_NOTFOUND,
  ASH_PY_PERM,
  ASH_PY_OS,
  ASH_PY_MEMORY,
  ASH_PY_OVERFLOW,
  ASH_PY_INDEX,
  ASH_PY_INDEX_VALUE,
  ASH_PY_TIMEOUT,
  ASH_PY_RUNTIME
};
enum {
  ASH_RB_STD,
  ASH_RB_ARG,
  ASH_RB_TYPE,
  ASH_RB_INDEX,
  ASH_RB_RANGE,
  ASH_RB_FROZEN,
  ASH_RB_THREAD
};

/* clang-format off */
#define ASH_SWIG_ERRORS(X)                                                   \
  X(INVAL,    "InvalidArgumentError",  ASH_PY_VALUE,        NULL,            \
    "InvalidArgument",  ASH_RB_ARG,    "InvalidArgument")                    \
  X(NAME,     "InvalidNameError",      ASH_PY_VALUE,        NULL,            \
    "InvalidName",      ASH_RB_ARG,    "BadName")                            \
  X(EXIST,    "ExistsError",           ASH_PY_EXISTS,       NULL,            \
    "Exists",           ASH_RB_STD,    "Exists")                             \
  X(NOENT,    "NotFoundError",         ASH_PY_NOTFOUND,     NULL,            \
    "NotFound",         ASH_RB_STD,    "NotFound")                           \
  X(PERM,     "PermissionDeniedError", ASH_PY_PERM,         NULL,            \
    "PermissionDenied", ASH_RB_STD,    "PermissionDenied")                   \
  X(NOSPC,    "NoSpaceError",          ASH_PY_OS,           "/dev/shm or the disk is full", \
    "NoSpace",          ASH_RB_STD,    "NoSpace")                            \
  X(NOMEM,    "OutOfMemoryError",      ASH_PY_MEMORY,       NULL,            \
    "OutOfMemory",      ASH_RB_STD,    "OutOfMemory")                        \
  X(DTYPE,    "DtypeError",            ASH_PY_VALUE_TYPE,   "also a TypeError, as NumPy raises for dtypes it does not understand", \
    "DtypeError",       ASH_RB_TYPE,   "DtypeError")                         \
  X(SHAPE,    "ShapeError",            ASH_PY_VALUE,        NULL,            \
    "ShapeError",       ASH_RB_ARG,    "ShapeError")                         \
  X(OVERFLOW, "SizeOverflowError",     ASH_PY_OVERFLOW,     NULL,            \
    "OverflowError",    ASH_RB_RANGE,  "OverflowError")                      \
  X(INDEX,    "IndexOutOfRangeError",  ASH_PY_INDEX,        NULL,            \
    "IndexError",       ASH_RB_INDEX,  "IndexError")                         \
  X(RDONLY,   "ReadOnlyError",         ASH_PY_VALUE,        "a ValueError, as NumPy raises for read-only arrays", \
    "ReadOnlyError",    ASH_RB_FROZEN, "ReadOnly")                           \
  X(CORRUPT,  "CorruptError",          ASH_PY_NONE,         NULL,            \
    "CorruptError",     ASH_RB_STD,    "Corrupt")                            \
  X(VERSION,  "VersionError",          ASH_PY_NONE,         NULL,            \
    "VersionError",     ASH_RB_STD,    "VersionError")                       \
  X(TRUNC,    "TruncatedError",        ASH_PY_NONE,         NULL,            \
    "TruncatedError",   ASH_RB_STD,    "Truncated")                          \
  X(VALUE,    "ConversionError",       ASH_PY_VALUE,        "300 into uint8, 2.5 into an integer, ...", \
    "ValueError",       ASH_RB_RANGE,  "ValueError")                         \
  X(FULL,     "FullError",             ASH_PY_NONE,         NULL,            \
    "FullError",        ASH_RB_STD,    "Full")                               \
  X(DESC,     "DescriptorError",       ASH_PY_VALUE,        NULL,            \
    "DescriptorError",  ASH_RB_ARG,    "DescriptorError")                    \
  X(CONTIG,   "ContiguityError",       ASH_PY_VALUE,        NULL,            \
    "NotContiguous",    ASH_RB_STD,    "NotContiguous")                      \
  X(BUSY,     "BusyError",             ASH_PY_NONE,         NULL,            \
    "BusyError",        ASH_RB_STD,    "Busy")                               \
  X(SYS,      "SysError",              ASH_PY_OS,           NULL,            \
    "SystemError",      ASH_RB_STD,    "SystemError")                        \
  X(AXIS,     "AxisError",             ASH_PY_INDEX_VALUE,  "an IndexError and a ValueError, like numpy.AxisError", \
    "AxisError",        ASH_RB_INDEX,  "AxisError")                          \
  X(SIGNATURE, "SignatureError",       ASH_PY_VALUE,        NULL,            \
    "SignatureError",   ASH_RB_ARG,    "SignatureError")                     \
  X(LIBRARY,  "LibraryError",          ASH_PY_OS,           NULL,            \
    "LibraryError",     ASH_RB_STD,    "LibraryError")                       \
  X(OVERLAP,  "OverlapError",          ASH_PY_VALUE,        NULL,            \
    "OverlapError",     ASH_RB_ARG,    "OverlapError")                       \
  X(TIMEOUT,  "TimeoutError",          ASH_PY_TIMEOUT,      "also the built-in TimeoutError", \
    "TimeoutError",     ASH_RB_STD,    "Timeout")                            \
  X(OWNERDEAD, "OwnerDeadError",       ASH_PY_NONE,         "the caller holds the lock now: repair, consistent(), unlock", \
    "OwnerDead",        ASH_RB_STD,    "OwnerDead")                          \
  X(NOTRECOVERABLE, "NotRecoverableError", ASH_PY_NONE,     NULL,            \
    "NotRecoverable",   ASH_RB_STD,    "NotRecoverable")                     \
  X(TORN,     "TornError",             ASH_PY_NONE,         NULL,            \
    "Torn",             ASH_RB_STD,    "Torn")                               \
  X(DEADLOCK, "DeadlockError",         ASH_PY_RUNTIME,      "a RuntimeError, as threading raises for lock misuse", \
    "Deadlock",         ASH_RB_THREAD, "Deadlock")                           \
  X(NOTOWNER, "NotOwnerError",         ASH_PY_RUNTIME,      "a RuntimeError, as releasing an unlocked threading.Lock", \
    "NotOwner",         ASH_RB_THREAD, "NotOwner")                           \
  X(OVERRUN,  "OverrunError",          ASH_PY_NONE,         NULL,            \
    "Overrun",          ASH_RB_STD,    "Overrun")
/* clang-format on */

struct ash_swig_error {
  int code;
  const char *name; /* ash_err_name(code) */
  const char *py_class;
  int py_bases;
  const char *py_note; /* for the docstring, or NULL */
  const char *rb_class;
  int rb_super;
  const char *lua_class;
};

#define ASH_SWIG_ERROR_ROW_(s, py, pyb, note, rb, rbs, lua)                    \
  {ASH_E_##s, #s, py, pyb, note, rb, rbs, lua},
static const struct ash_swig_error ash_swig_errors[] = {
    ASH_SWIG_ERRORS(ASH_SWIG_ERROR_ROW_)};
#undef ASH_SWIG_ERROR_ROW_

#define ASH_SWIG_NERRORS                                                       \
  ((int)(sizeof ash_swig_errors / sizeof ash_swig_errors[0]))

/* Compile-time checks: a row per code and a code per row. A suffix twice
 * redeclares its ASH_SWIG_HAS_ constant; a code without a row names an
 * undeclared one; the counts must agree. */
#define ASH_SWIG_HAS_(s, py, pyb, note, rb, rbs, lua) ASH_SWIG_HAS_##s,
enum { ASH_SWIG_ERRORS(ASH_SWIG_HAS_) ASH_SWIG_NROWS_ };
#undef ASH_SWIG_HAS_
#define ASH_SWIG_NEED_(s, value, msg) ASH_SWIG_NEED_##s = ASH_SWIG_HAS_##s,
enum { ASH_ERRNO_MAP(ASH_SWIG_NEED_) ASH_SWIG_NCODES_ = 0 };
#undef ASH_SWIG_NEED_
#define ASH_SWIG_ONE_(s, value, msg) +1
_Static_assert(ASH_SWIG_NROWS_ == 0 ASH_ERRNO_MAP(ASH_SWIG_ONE_),
               "swig/common/ash_swig_errors.h: one row per ASH_ERRNO_MAP code");
#undef ASH_SWIG_ONE_

/* The row of @code, or NULL (0, or a code this build does not know). */
static inline const struct ash_swig_error *ash_swig_error_of(int code) {
  for (int i = 0; i < ASH_SWIG_NERRORS; i++)
    if (ash_swig_errors[i].code == code)
      return &ash_swig_errors[i];
  return NULL;
}

#endif
