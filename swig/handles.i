/* SPDX-License-Identifier: MIT */
/* handles.i - the handles made by SWIG's own proxy classes (kernels, rings),
 * decided once for every language: ASH_SWIG_HANDLE(T, CLOSE, WHAT, PARAM).
 *
 *   - struct T becomes a class whose objects own a reference and CLOSE it
 *     when collected;
 *   - T **out returns a new owned object;
 *   - T *closing (the close function's parameter) takes the pointer out of
 *     the object (SWIG_POINTER_CLEAR): the collector later finds NULL, and
 *     closing again passes NULL, as None / nil do: nothing to close;
 *   - T *PARAM in Ruby: a closed object has no data pointer: NULL is passed
 *     and the library reports it (SWIG itself would raise
 *     ObjectPreviouslyDeleted).
 * WHAT names the object in the type error ("expected a WHAT"). The views,
 * segments and lists use their own userdata in Lua (ASH_NEW in
 * arrayshare_lang.i), so they are not made with this. */
%define ASH_SWIG_HANDLE(T, CLOSE, WHAT, PARAM)
%nodefaultctor T;
struct T {};
%extend T {
  ~T() { CLOSE($self); }
}
%newobject T##_retain;

%typemap(in, numinputs=0) T **out (T *tmp = NULL) {
  $1 = &tmp;
}
#if defined(SWIGLUA)
%typemap(argout) T **out {
  SWIG_NewPointerObj(L, tmp$argnum, $descriptor(T *), 1);
  SWIG_arg++;
}
%typemap(in) T *closing (void *argp = 0) {
  if (!lua_isnil(L, $input) &&
      !SWIG_IsOK(SWIG_ConvertPtr(L, $input, &argp, $descriptor(T *),
                                 SWIG_POINTER_CLEAR)))
    SWIG_fail_ptr("$symname", $argnum, $descriptor(T *));
  $1 = (T *)argp;
}
#else
%typemap(argout) T **out {
  %append_output(SWIG_NewPointerObj(tmp$argnum, $descriptor(T *),
                                    SWIG_POINTER_OWN));
}
#endif
#if defined(SWIGRUBY)
%typemap(in) T *closing (void *argp = 0) {
  if (!NIL_P($input) && !(RB_TYPE_P($input, T_DATA) && DATA_PTR($input) == 0)) {
    int res_ = SWIG_ConvertPtr($input, &argp, $descriptor(T *),
                               SWIG_POINTER_CLEAR);
    if (!SWIG_IsOK(res_))
      SWIG_exception_fail(SWIG_ArgError(res_), "expected a " WHAT);
  }
  $1 = (T *)argp;
}
%typemap(in) T *PARAM (void *argp = 0) {
  if (!(RB_TYPE_P($input, T_DATA) && DATA_PTR($input) == 0)) {
    int res_ = SWIG_ConvertPtr($input, &argp, $descriptor(T *), 0);
    if (!SWIG_IsOK(res_))
      SWIG_exception_fail(SWIG_ArgError(res_), "expected a " WHAT);
  }
  $1 = (T *)argp;
}
%typemap(in) const T *PARAM = T *PARAM;
#elif defined(SWIGPYTHON)
%typemap(in) T *closing (void *argp = 0) {
  int res_ = SWIG_ConvertPtr($input, &argp, $descriptor(T *),
                             SWIG_POINTER_CLEAR);
  if (!SWIG_IsOK(res_))
    SWIG_exception_fail(SWIG_ArgError(res_), "expected a " WHAT);
  $1 = (T *)argp;
}
#endif
%enddef
