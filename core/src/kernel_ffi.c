/* SPDX-License-Identifier: MIT */
/* Loading kernels (dlopen/dlsym) and libffi call descriptions, prepared once
 * per distinct C signature and shared. Both are serialised by one lock, which
 * fork() leaves usable in the child. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

struct ash__cif {
  struct ash__cif *next;
  long refs; /* under ash__ffi_lock */
  char key[2 * ASH__K_MAXPARAM + 4];
  ffi_cif cif;
  ffi_type *types[ASH__K_MAXPARAM];
};

static pthread_mutex_t ash__ffi_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ash__ffi_once = PTHREAD_ONCE_INIT;
static struct ash__cif *ash__cifs;

static void ash__ffi_prepare(void) { pthread_mutex_lock(&ash__ffi_lock); }
static void ash__ffi_parent(void) { pthread_mutex_unlock(&ash__ffi_lock); }
static void ash__ffi_child(void) { pthread_mutex_init(&ash__ffi_lock, NULL); }
static void ash__ffi_init(void) {
  pthread_atfork(ash__ffi_prepare, ash__ffi_parent, ash__ffi_child);
}

static void ash__ffi_lock_take(void) {
  pthread_once(&ash__ffi_once, ash__ffi_init);
  pthread_mutex_lock(&ash__ffi_lock);
}

static ffi_type *ash__ffi_type(struct ash__ctype t) {
  if (t.ptr)
    return &ffi_type_pointer;
  switch (t.kind) {
  case ASH__C_VOID:
    return &ffi_type_void;
  case ASH__C_BOOL:
  case ASH__C_U8:
    return &ffi_type_uint8;
  case ASH__C_CHAR:
  case ASH__C_I8:
    return &ffi_type_sint8;
  case ASH__C_I16:
    return &ffi_type_sint16;
  case ASH__C_U16:
    return &ffi_type_uint16;
  case ASH__C_I32:
    return &ffi_type_sint32;
  case ASH__C_U32:
    return &ffi_type_uint32;
  case ASH__C_I64:
    return &ffi_type_sint64;
  case ASH__C_U64:
    return &ffi_type_uint64;
  case ASH__C_F32:
    return &ffi_type_float;
  case ASH__C_F64:
    return &ffi_type_double;
  default: /* complex and structs are refused by the parser */
    return NULL;
  }
}

/* One letter per argument class: what libffi needs to know. */
static char ash__ffi_code(struct ash__ctype t) {
  return t.ptr ? 'p' : (char)('a' + t.kind);
}

int ash__cif_get(struct ash__ctype ret, int nargs,
                 const struct ash__ctype *args, ash__cif **out) {
  char key[sizeof((struct ash__cif *)0)->key];
  int n = 0;
  key[n++] = ash__ffi_code(ret);
  key[n++] = ':';
  for (int i = 0; i < nargs; i++)
    key[n++] = ash__ffi_code(args[i]);
  key[n] = '\0';
  ash__ffi_lock_take();
  for (struct ash__cif *c = ash__cifs; c; c = c->next)
    if (strcmp(c->key, key) == 0) {
      c->refs++;
      *out = c;
      pthread_mutex_unlock(&ash__ffi_lock);
      return ASH_OK;
    }
  struct ash__cif *c = calloc(1, sizeof *c);
  if (c == NULL) {
    pthread_mutex_unlock(&ash__ffi_lock);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  memcpy(c->key, key, (size_t)n + 1);
  for (int i = 0; i < nargs; i++)
    c->types[i] = ash__ffi_type(args[i]);
  ffi_status st = ffi_prep_cif(&c->cif, FFI_DEFAULT_ABI, (unsigned)nargs,
                               ash__ffi_type(ret), c->types);
  if (st != FFI_OK) {
    pthread_mutex_unlock(&ash__ffi_lock);
    free(c);
    return ash__err(ASH_E_SIGNATURE,
                    "libffi cannot prepare this call "
                    "(ffi_prep_cif status %d)",
                    (int)st);
  }
  c->refs = 1;
  c->next = ash__cifs;
  ash__cifs = c;
  *out = c;
  pthread_mutex_unlock(&ash__ffi_lock);
  return ASH_OK;
}

void ash__cif_put(ash__cif *c) {
  if (c == NULL)
    return;
  ash__ffi_lock_take();
  if (--c->refs == 0) {
    struct ash__cif **pp = &ash__cifs;
    while (*pp != c)
      pp = &(*pp)->next;
    *pp = c->next;
    free(c);
  }
  pthread_mutex_unlock(&ash__ffi_lock);
}

ffi_cif *ash__cif_ffi(ash__cif *c) { return &c->cif; }

int ash__dl_open(const char *library, const char *symbol, void **handle,
                 void (**fn)(void)) {
  bool self = library == NULL || library[0] == '\0';
  int rc = ASH_OK;
  ash__ffi_lock_take();
  (void)dlerror();
  void *h = dlopen(self ? NULL : library, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *e = dlerror();
    rc = ash__err(ASH_E_LIBRARY, "cannot open library \"%s\": %s",
                  self ? "(the program)" : library, e ? e : "unknown error");
    goto out;
  }
  (void)dlerror();
  void *sym = dlsym(h, symbol);
  if (sym == NULL) {
    const char *e = dlerror();
    rc =
        ash__err(ASH_E_LIBRARY, "symbol \"%s\" not found in \"%s\": %s", symbol,
                 self ? "(the program)" : library, e ? e : "it is NULL");
    dlclose(h);
    goto out;
  }
  memcpy(fn, &sym, sizeof *fn); /* object to function pointer, as POSIX */
  *handle = h;
out:
  pthread_mutex_unlock(&ash__ffi_lock);
  return rc;
}

void ash__dl_close(void *handle) {
  if (handle == NULL)
    return;
  ash__ffi_lock_take();
  dlclose(handle);
  pthread_mutex_unlock(&ash__ffi_lock);
}
