# SPDX-License-Identifier: MIT
# frozen_string_literal: true

module ArrayShare
  # Exceptions. The classes are defined by the C extension (so that the
  # low-level ArrayShare::Core raises them too); this file documents them.
  #
  # ArrayShare::Error is a *module* included in every exception class of
  # the library, so one `rescue ArrayShare::Error` catches them all, while
  # each class also derives from the Ruby built-in that fits it, so
  # `rescue IndexError`, `rescue ArgumentError`, ... work as Ruby code
  # expects. Every error has #code (the ASH_E_* number, nil for ClosedError
  # and UnknownError classes) and #name (the code's name, e.g. "NOENT");
  # #message is the library's detail message.
  #
  #   code      name      class                     superclass
  #   -1001     INVAL     InvalidArgument           ::ArgumentError
  #   -1002     NAME      InvalidName               ::ArgumentError
  #   -1003     EXIST     Exists                    ::StandardError
  #   -1004     NOENT     NotFound                  ::StandardError
  #   -1005     PERM      PermissionDenied          ::StandardError
  #   -1006     NOSPC     NoSpace                   ::StandardError
  #   -1007     NOMEM     OutOfMemory               ::StandardError
  #   -1008     DTYPE     DtypeError                ::TypeError
  #   -1009     SHAPE     ShapeError                ::ArgumentError
  #   -1010     OVERFLOW  OverflowError             ::RangeError
  #   -1011     INDEX     ArrayShare::IndexError    ::IndexError
  #   -1012     RDONLY    ReadOnlyError             ::FrozenError
  #   -1013     CORRUPT   CorruptError              ::StandardError
  #   -1014     VERSION   VersionError              ::StandardError
  #   -1015     TRUNC     TruncatedError            ::StandardError
  #   -1016     VALUE     ValueError                ::RangeError
  #   -1017     FULL      FullError                 ::StandardError
  #   -1018     DESC      DescriptorError           ::ArgumentError
  #   -1019     CONTIG    NotContiguous             ::StandardError
  #   -1020     BUSY      BusyError                 ::StandardError
  #   -1021     SYS       ArrayShare::SystemError   ::StandardError
  #   -1022     AXIS      AxisError                 ::IndexError
  #   -1023     SIGNATURE SignatureError            ::ArgumentError
  #   -1024     LIBRARY   LibraryError              ::StandardError
  #   -1025     OVERLAP   OverlapError              ::ArgumentError
  #   (none)    CLOSED    ClosedError               ::IOError
  #   other     UNKNOWN   UnknownError              ::StandardError
  #
  # Wrong Ruby types (a String where an Integer is needed, ...) raise the
  # plain built-in ::TypeError / ::ArgumentError, not an ArrayShare::Error.
  module Error
    # The exception class for a numeric code (UnknownError if none).
    def self.for_code(code)
      ERRORS.fetch(code, UnknownError)
    end
  end
end
