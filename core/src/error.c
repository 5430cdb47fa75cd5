/* SPDX-License-Identifier: MIT */
/* Status codes, messages and the thread-local detail. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char ash__detail[1024];
static _Thread_local int ash__code;
static _Thread_local int ash__quiet; /* > 0: work on no caller's behalf */

void ash__quiet_begin(void) { ash__quiet++; }
void ash__quiet_end(void) { ash__quiet--; }

const char *ash_strerror(int code) {
  switch (code) {
  case ASH_OK:
    return "success";
#define ASH__ERR_MSG(suffix, value, msg)                                       \
  case ASH_E_##suffix:                                                         \
    return msg;
    ASH_ERRNO_MAP(ASH__ERR_MSG)
#undef ASH__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *ash_err_name(int code) {
  switch (code) {
  case ASH_OK:
    return "OK";
#define ASH__ERR_NAME(suffix, value, msg)                                      \
  case ASH_E_##suffix:                                                         \
    return #suffix;
    ASH_ERRNO_MAP(ASH__ERR_NAME)
#undef ASH__ERR_NAME
  default:
    return "UNKNOWN";
  }
}

const char *ash_last_error(void) { return ash__detail; }

int ash_last_error_code(void) { return ash__code; }

int ash__err(int code, const char *fmt, ...) {
  if (ash__quiet)
    return code; /* a release or a cache trim: the caller's error stays */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ash__detail, sizeof ash__detail, fmt, ap);
  va_end(ap);
  ash__code = code;
  return code;
}

int ash__syserr(int err, const char *op, const char *what) {
  int code;
  switch (err) {
  case ENOENT:
    code = ASH_E_NOENT;
    break;
  case EEXIST:
    code = ASH_E_EXIST;
    break;
  case EACCES:
  case EPERM:
    code = ASH_E_PERM;
    break;
  case ENOSPC:
  case EDQUOT:
  case EFBIG:
    code = ASH_E_NOSPC;
    break;
  case ENOMEM:
    code = ASH_E_NOMEM;
    break;
  case ENAMETOOLONG:
    code = ASH_E_NAME;
    break;
  case EINVAL:
    code = ASH_E_INVAL;
    break;
  default:
    code = ASH_E_SYS;
    break;
  }
  return ash__err(code, "%s \"%s\": %s", op, what, strerror(err));
}
