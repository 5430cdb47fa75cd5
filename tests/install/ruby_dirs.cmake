# SPDX-License-Identifier: MIT
# cmake -DRUBY=ruby -DPREFIX=/usr -P ruby_dirs.cmake: prints "ARCHDIR|LIBDIR",
# where the build would install the Ruby binding under PREFIX.
include(${CMAKE_CURRENT_LIST_DIR}/../../packaging/cmake/AshInstall.cmake)
ash_ruby_install_dirs(${RUBY} ${PREFIX} _arch _lib)
execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${_arch}|${_lib}")
