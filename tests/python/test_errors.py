# SPDX-License-Identifier: MIT
"""The exception hierarchy: one class per code, derived from the built-in a
Python user would catch."""
import pytest

import arrayshare
from arrayshare import core as c

EXPECTED = {
    "INVAL": ("InvalidArgumentError", (ValueError,)),
    "NAME": ("InvalidNameError", (ValueError,)),
    "EXIST": ("ExistsError", (FileExistsError,)),
    "NOENT": ("NotFoundError", (FileNotFoundError,)),
    "PERM": ("PermissionDeniedError", (PermissionError,)),
    "NOSPC": ("NoSpaceError", (OSError,)),
    "NOMEM": ("OutOfMemoryError", (MemoryError,)),
    "DTYPE": ("DtypeError", (ValueError, TypeError)),
    "SHAPE": ("ShapeError", (ValueError,)),
    "OVERFLOW": ("SizeOverflowError", (OverflowError,)),
    "INDEX": ("IndexOutOfRangeError", (IndexError,)),
    "RDONLY": ("ReadOnlyError", (ValueError,)),
    "CORRUPT": ("CorruptError", ()),
    "VERSION": ("VersionError", ()),
    "TRUNC": ("TruncatedError", ()),
    "VALUE": ("ConversionError", (ValueError,)),
    "FULL": ("FullError", ()),
    "DESC": ("DescriptorError", (ValueError,)),
    "CONTIG": ("ContiguityError", (ValueError,)),
    "BUSY": ("BusyError", ()),
    "SYS": ("SysError", (OSError,)),
    "AXIS": ("AxisError", (IndexError, ValueError)),
    "SIGNATURE": ("SignatureError", (ValueError,)),
    "LIBRARY": ("LibraryError", (OSError,)),
    "OVERLAP": ("OverlapError", (ValueError,)),
    "TIMEOUT": ("TimeoutError", (TimeoutError,)),
    "OWNERDEAD": ("OwnerDeadError", ()),
    "NOTRECOVERABLE": ("NotRecoverableError", ()),
    "TORN": ("TornError", ()),
    "DEADLOCK": ("DeadlockError", (RuntimeError,)),
    "NOTOWNER": ("NotOwnerError", (RuntimeError,)),
    "OVERRUN": ("OverrunError", ()),
}


@pytest.mark.parametrize("err", sorted(EXPECTED))
def test_class_per_code(err):
    clsname, builtins = EXPECTED[err]
    cls = getattr(arrayshare, clsname)
    assert arrayshare.error_classes[err] is cls
    assert issubclass(cls, arrayshare.Error) and issubclass(cls, Exception)
    for b in builtins:
        assert issubclass(cls, b)
    assert cls.name == err
    assert cls.code == getattr(c, "ASH_E_" + err)
    assert cls.__module__ == "arrayshare" and cls.__doc__
    e = cls("message")
    assert str(e) == "message" and e.code == cls.code
    with pytest.raises(arrayshare.Error):
        raise e


def test_base_and_closed():
    assert arrayshare.Error.__mro__[1] is Exception
    assert arrayshare.Error.code is None
    assert issubclass(arrayshare.ClosedError, arrayshare.InvalidArgumentError)
    assert issubclass(arrayshare.ClosedError, ValueError)
    assert arrayshare.ClosedError.name == "INVAL"
    assert set(arrayshare.__all__) >= {cls.__name__ for cls in
                                       arrayshare.error_classes.values()}


def test_detail_in_message(name):
    with pytest.raises(arrayshare.NotFoundError) as ei:
        arrayshare.attach(name)
    e = ei.value
    assert e.detail and name in e.detail
    assert str(e) == "%s [NOENT]" % e.detail
    assert e.args == (str(e),)
