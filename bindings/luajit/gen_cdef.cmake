# SPDX-License-Identifier: MIT
# Generates the LuaJIT module from arrayshare.h at build time (never a
# hand-copied cdef):
#   cmake -DCC=<compiler> -DHEADER=<arrayshare.h> -DVERSION_HEADER=<arrayshare_version.h>
#         -DTEMPLATE=<arrayshare.lua.in> -DOUT=<arrayshare.lua>
#         -DLIBS=<candidate library paths, ;-list> -P gen_cdef.cmake
# The header, without its #include lines, goes through the C preprocessor
# (ASH_EXTERN empty, no experimental API): what remains is typedefs, enums
# (ASH_ERRNO_MAP expanded) and prototypes, which LuaJIT's ffi.cdef reads. The
# integer #defines of both headers (ASH_MAX_NDIM, ASH_VERSION_MAJOR, ...)
# become a Lua table. LIBS are the paths the module tries to load the
# library from, in order; a relative one is taken from the module's own
# directory.
foreach(v CC HEADER VERSION_HEADER TEMPLATE OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "gen_cdef.cmake: -D${v}=... is required")
  endif()
endforeach()
file(READ ${HEADER} _h)
string(REGEX REPLACE "\n#[ \t]*include[^\n]*" "\n" _h "${_h}")
get_filename_component(_outdir ${OUT} DIRECTORY)
set(_tmp ${_outdir}/arrayshare_cdef_input.h)
file(WRITE ${_tmp} "${_h}")
execute_process(COMMAND ${CC} -E -P -DASH_EXTERN= -x c ${_tmp}
  OUTPUT_VARIABLE _cdef RESULT_VARIABLE _rc ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ${HEADER} failed: ${_err}")
endif()
string(REGEX REPLACE "\n[ \t]*\n" "\n" _cdef "${_cdef}")
string(REGEX REPLACE "\n[ \t]*\n" "\n" _cdef "${_cdef}")
if(_cdef MATCHES "]==]")
  message(FATAL_ERROR "the cdef contains ]==]")
endif()

set(_consts "")
foreach(_f ${HEADER} ${VERSION_HEADER})
  file(STRINGS ${_f} _defs REGEX "^#define ASH_[A-Z0-9_]+ +\\(?-?(0x[0-9A-Fa-f]+|[0-9]+)u?\\)?( |$)")
  foreach(_d IN LISTS _defs)
    string(REGEX REPLACE "^#define (ASH_[A-Z0-9_]+) +\\(?(-?(0x[0-9A-Fa-f]+|[0-9]+))u?\\)?.*$" "\\1 = \\2," _line "${_d}")
    string(APPEND _consts "  ${_line}\n")
  endforeach()
endforeach()

set(_libs "")
foreach(_l IN LISTS LIBS)
  string(APPEND _libs "  \"${_l}\",\n")
endforeach()

set(ASH_LUAJIT_CDEF "${_cdef}")
set(ASH_LUAJIT_CONSTANTS "${_consts}")
set(ASH_LUAJIT_LIBS "${_libs}")
configure_file(${TEMPLATE} ${OUT} @ONLY)
file(REMOVE ${_tmp})
