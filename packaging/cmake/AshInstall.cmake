# SPDX-License-Identifier: MIT
# Install-location rules shared by every installed target: one home.
#
# ash_install_rpath(<target> <destination>)
#   The installed <target> finds libarrayshare.so.1 through a run path
#   relative to its own directory ($ORIGIN/<destination -> libdir>), so an
#   install tree works wherever it is put: `cmake --install build --prefix
#   ANY`, a moved tree, a wheel. Both directories are taken relative to the
#   prefix; an absolute one (given by hand) gives an absolute run path, which
#   is then not relocatable. -DCMAKE_SKIP_INSTALL_RPATH=ON (Debian's build,
#   where the library is in the default search path) drops every run path.
#
# ash_ruby_install_dirs(<ruby> <prefix> <archdir-var> <libdir-var>)
#   Where Ruby of <ruby> looks for extensions and Ruby files under <prefix>,
#   as paths relative to <prefix>, asked from RbConfig (the extension in the
#   arch dir, the Ruby files in the version-independent dir, as Debian's
#   gem2deb does): its vendor dirs when
#   they lie below <prefix> (prefix /usr on Debian: vendor_ruby), else its
#   site dirs (prefix /usr/local: site_ruby), else lib/ruby/site_ruby (any
#   other prefix: add it to RUBYLIB or -I). Usable in script mode too
#   (cmake -P), as tests/install does.

function(ash_install_rpath target destination)
  set(_lib "${CMAKE_INSTALL_LIBDIR}")
  if(IS_ABSOLUTE "${destination}" OR IS_ABSOLUTE "${_lib}")
    set_target_properties(${target} PROPERTIES
      INSTALL_RPATH "${CMAKE_INSTALL_FULL_LIBDIR}")
    return()
  endif()
  file(RELATIVE_PATH _rel "/ash-prefix/${destination}" "/ash-prefix/${_lib}")
  string(REGEX REPLACE "/+$" "" _rel "${_rel}")
  if(_rel STREQUAL "")
    set(_rpath "$ORIGIN")
  else()
    set(_rpath "$ORIGIN/${_rel}")
  endif()
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "${_rpath}")
endfunction()

# _ash_below(<path> <prefix> <var>): <path> relative to <prefix> when it
# lies below it, else "".
function(_ash_below path prefix var)
  string(LENGTH "${prefix}/" _n)
  string(LENGTH "${path}" _len)
  set(_rel "")
  if(_len GREATER _n)
    string(SUBSTRING "${path}" 0 ${_n} _head)
    if(_head STREQUAL "${prefix}/")
      string(SUBSTRING "${path}" ${_n} -1 _rel)
    endif()
  endif()
  set(${var} "${_rel}" PARENT_SCOPE)
endfunction()

function(ash_ruby_install_dirs ruby prefix archvar libvar)
  execute_process(COMMAND ${ruby} -rrbconfig -e
    "c = RbConfig::CONFIG; print %w[vendorarchdir vendordir sitearchdir sitedir].map { |k| c[k].to_s }.join(';')"
    OUTPUT_VARIABLE _dirs RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(_arch "lib/ruby/site_ruby")
  set(_lib "lib/ruby/site_ruby")
  if(_rc EQUAL 0)
    list(GET _dirs 0 _varch)
    list(GET _dirs 1 _vlib)
    list(GET _dirs 2 _sarch)
    list(GET _dirs 3 _slib)
    string(REGEX REPLACE "/+$" "" _p "${prefix}")
    foreach(_kind vendor site)
      if(_kind STREQUAL "vendor")
        _ash_below("${_varch}" "${_p}" _ra)
        _ash_below("${_vlib}" "${_p}" _rl)
      else()
        _ash_below("${_sarch}" "${_p}" _ra)
        _ash_below("${_slib}" "${_p}" _rl)
      endif()
      if(_ra AND _rl)
        set(_arch "${_ra}")
        set(_lib "${_rl}")
        break()
      endif()
    endforeach()
  endif()
  set(${archvar} "${_arch}" PARENT_SCOPE)
  set(${libvar} "${_lib}" PARENT_SCOPE)
endfunction()
