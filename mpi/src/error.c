/* SPDX-License-Identifier: MIT */
/* error.c - this library's error messages, MPI error mapping, MPI start-up. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The header promises an int-sized Fortran handle. */
_Static_assert(sizeof(MPI_Fint) == sizeof(ash_mpi_fint),
               "MPI_Fint is not an int on this MPI: adapt ash_mpi_fint");

static _Thread_local char amp_msg[1024];
static _Thread_local int amp_code;

ash_status amp_err(ash_status code, const char *fmt, ...) {
  char buf[sizeof amp_msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  memcpy(amp_msg, buf, sizeof buf);
  amp_code = code;
  return code;
}

ash_status amp_core_err(ash_status code, const char *what) {
  return amp_err(code, "%s: %s", what, ash_last_error());
}

void amp_err_copy(char *buf, size_t size) {
  snprintf(buf, size, "%s", amp_msg);
}

const char *ash_mpi_last_error(void) { return amp_msg; }

int ash_mpi_last_error_code(void) { return amp_code; }

unsigned ash_mpi_version(void) { return ASH_VERSION_HEX; }

/* MPI error classes by what went wrong for the caller. Classes that only a
 * bug or a broken MPI can raise map to ASH_E_SYS. */
ash_status amp_mpi_class_status(int cls) {
  switch (cls) {
  case MPI_SUCCESS:
    return ASH_OK;
  case MPI_ERR_NO_MEM:
    return ASH_E_NOMEM;
  case MPI_ERR_BUFFER:
  case MPI_ERR_COUNT:
  case MPI_ERR_TYPE:
  case MPI_ERR_TAG:
  case MPI_ERR_COMM:
  case MPI_ERR_RANK:
  case MPI_ERR_ROOT:
  case MPI_ERR_GROUP:
  case MPI_ERR_OP:
  case MPI_ERR_ARG:
  case MPI_ERR_DIMS:
  case MPI_ERR_TOPOLOGY:
  case MPI_ERR_WIN:
  case MPI_ERR_DISP:
  case MPI_ERR_SIZE:
  case MPI_ERR_LOCKTYPE:
  case MPI_ERR_ASSERT:
  case MPI_ERR_RMA_SYNC:
  case MPI_ERR_RMA_CONFLICT:
  case MPI_ERR_INFO:
  case MPI_ERR_INFO_KEY:
  case MPI_ERR_INFO_VALUE:
    return ASH_E_INVAL;
  case MPI_ERR_TRUNCATE:
    return ASH_E_SHAPE;
  case MPI_ERR_RMA_RANGE:
    return ASH_E_INDEX;
  default:
    return ASH_E_SYS;
  }
}

ash_status amp_mpi_err(int rc, const char *what, const char *call) {
  int cls = MPI_ERR_UNKNOWN, len = 0;
  char text[MPI_MAX_ERROR_STRING + 1] = "";
  char clsname[MPI_MAX_ERROR_STRING + 1] = "";
  if (MPI_Error_class(rc, &cls) != MPI_SUCCESS)
    cls = MPI_ERR_UNKNOWN;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
    snprintf(text, sizeof text, "MPI error %d", rc);
  /* Open MPI's strings start with the class name ("MPI_ERR_X: ..."); give
   * the class's own string when the code's does not already name it. */
  if (MPI_Error_string(cls, clsname, &len) != MPI_SUCCESS)
    clsname[0] = 0;
  if (clsname[0] && strstr(text, clsname) == NULL &&
      strstr(clsname, text) == NULL)
    return amp_err(amp_mpi_class_status(cls), "%s: %s failed: %s (%s)", what,
                   call, text, clsname);
  return amp_err(amp_mpi_class_status(cls), "%s: %s failed: %s", what, call,
                 text);
}

int amp_mpi_live(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

int amp_mpi_usable(const char *what) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!init) {
    amp_err(ASH_E_INVAL,
            "%s: MPI is not initialised (call MPI_Init, or "
            "ash_mpi_init() from a language without MPI binding)",
            what);
    return 0;
  }
  if (fin) {
    amp_err(ASH_E_INVAL, "%s: MPI is finalised already", what);
    return 0;
  }
  return 1;
}

int amp_ctx_usable(const ash_mpi_ctx *ctx, const char *what) {
  if (!ctx) {
    amp_err(ASH_E_INVAL, "%s: ctx is NULL", what);
    return 0;
  }
  return amp_mpi_usable(what);
}

/* ---- start-up for languages without an MPI binding --------------------- */

static int amp_we_initialised;

/* Open MPI loads its components with dlopen and expects libmpi's symbols to
 * be global; a language's module loader opened us (and libmpi with us)
 * RTLD_LOCAL. Re-opening libmpi RTLD_GLOBAL | RTLD_NOLOAD promotes it. */
static void amp_promote_libmpi(void) {
  Dl_info info;
  if (dladdr((void *)(uintptr_t)&MPI_Init, &info) && info.dli_fname) {
    void *h = dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    (void)h; /* kept open on purpose: libmpi stays loaded */
  }
}

ash_status ash_mpi_init(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (fin)
    return amp_err(ASH_E_INVAL, "ash_mpi_init: MPI was finalised already and "
                                "cannot be initialised again");
  if (init)
    return ASH_OK;
  amp_promote_libmpi();
  int provided = 0;
  int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, "ash_mpi_init", "MPI_Init_thread");
  amp_we_initialised = 1;
  return ASH_OK;
}

ash_status ash_mpi_finalize(void) {
  if (!amp_we_initialised || !amp_mpi_live())
    return ASH_OK;
  amp_we_initialised = 0;
  int rc = MPI_Finalize();
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, "ash_mpi_finalize", "MPI_Finalize");
  return ASH_OK;
}

ash_mpi_fint ash_mpi_comm_world(void) {
  return (ash_mpi_fint)MPI_Comm_c2f(MPI_COMM_WORLD);
}
