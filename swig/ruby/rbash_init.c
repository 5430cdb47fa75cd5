/* SPDX-License-Identifier: MIT */
/* rbash_init.c - the module's setup: the error classes (made from the one
 * table, swig/common/ash_swig_errors.h), the ArrayShare::Segment and
 * Arrayshare_core::List handles, the releasing module functions written by
 * hand, and ArrayShare::View's C methods. */
#include "rbash.h"

VALUE rbash_cView = Qnil;              /* class ArrayShare::View          */
VALUE rbash_cSegment = Qnil;           /* class ArrayShare::Segment       */
VALUE rbash_cList = Qnil;              /* class Arrayshare_core::List     */
VALUE rbash_eClosed = Qnil;            /* ArrayShare::ClosedError         */
static VALUE rbash_mArrayShare = Qnil; /* module ArrayShare            */
static VALUE rbash_mError = Qnil;      /* module ArrayShare::Error        */
static VALUE rbash_eUnknown = Qnil;    /* ArrayShare::UnknownError        */
static VALUE rbash_err_classes[ASH_SWIG_NERRORS]; /* by table row      */

VALUE rbash_error_class(int code) {
  for (int i = 0; i < ASH_SWIG_NERRORS; i++)
    if (ash_swig_errors[i].code == code && rbash_err_classes[i] != 0)
      return rbash_err_classes[i];
  return rbash_eUnknown;
}

/* ArrayShare::Error#code / #name: set when raised by the binding, else the
 * class's CODE constant. */
static VALUE rbash_err_code(VALUE self) {
  VALUE c = rb_attr_get(self, rb_intern("@code"));
  if (NIL_P(c))
    c = rb_const_get(rb_obj_class(self), rb_intern("CODE"));
  return c;
}

static VALUE rbash_err_name(VALUE self) {
  VALUE n = rb_attr_get(self, rb_intern("@name"));
  if (NIL_P(n)) {
    VALUE c = rb_const_get(rb_obj_class(self), rb_intern("CODE"));
    n = NIL_P(c) ? rb_str_new_cstr("CLOSED")
                 : rb_str_new_cstr(ash_err_name(NUM2INT(c)));
  }
  return n;
}

static VALUE rbash_define_error(const char *name, VALUE super, VALUE code) {
  VALUE k = rb_define_class_under(rbash_mArrayShare, name, super);
  rb_include_module(k, rbash_mError);
  rb_define_const(k, "CODE", code);
  return k;
}

/* ---------------------------------------------------------------------- */
/* ArrayShare::Segment and Arrayshare_core::List: the pointer as DATA       */
/* ---------------------------------------------------------------------- */

static void rbash_segment_free(void *p) { ash_segment_close(p); }
static void rbash_list_free(void *p) { ash_list_free(p); }
static size_t rbash_handle_memsize(const void *p) {
  (void)p;
  return sizeof(void *);
}

const rb_data_type_t rbash_segment_type = RBASH_DATA_TYPE(
    "ArrayShare::Segment", rbash_segment_free, rbash_handle_memsize);
const rb_data_type_t rbash_list_type = RBASH_DATA_TYPE(
    "Arrayshare_core::List", rbash_list_free, rbash_handle_memsize);

/* Wraps handle @p (owned); the object is made first so a failed
 * allocation cannot leak it (the caller still holds @p then). */
VALUE rbash_handle_wrap(VALUE klass, const rb_data_type_t *type, void *p) {
  VALUE obj = TypedData_Wrap_Struct(klass, type, NULL);
  RTYPEDDATA_DATA(obj) = p;
  return obj;
}

static void *rbash_handle_get(VALUE obj, const rb_data_type_t *type,
                              const char *closed) {
  void *p = rb_check_typeddata(obj, type);
  if (p == NULL)
    rb_raise(rbash_eClosed, "%s", closed);
  return p;
}

ash_segment *rbash_segment_get(VALUE obj) {
  return rbash_handle_get(obj, &rbash_segment_type, "segment is closed");
}

ash_list *rbash_list_get(VALUE obj) {
  return rbash_handle_get(obj, &rbash_list_type, "list is freed");
}

/* Releases the handle of @obj now (nil: nothing); idempotent. */
static VALUE rbash_handle_release(VALUE obj, const rb_data_type_t *type) {
  if (!NIL_P(obj)) {
    void *p = rb_check_typeddata(obj, type);
    RTYPEDDATA_DATA(obj) = NULL;
    if (p)
      type->function.dfree(p);
  }
  return Qnil;
}

static VALUE rbash_segment_close_m(VALUE self) {
  return rbash_handle_release(self, &rbash_segment_type);
}

static VALUE rbash_segment_closed_p(VALUE self) {
  return rb_check_typeddata(self, &rbash_segment_type) == NULL ? Qtrue : Qfalse;
}

/* ---------------------------------------------------------------------- */
/* Explicit release functions of the low-level module                      */
/* ---------------------------------------------------------------------- */

/* Arrayshare_core.ash_view_release(view): closes that object (nil: no-op). */
static VALUE rbash_core_view_release(VALUE mod, VALUE obj) {
  (void)mod;
  if (!NIL_P(obj))
    rbash_view_close_obj(obj);
  return Qnil;
}

/* Arrayshare_core.ash_view_retain(view): a new object holding one more
 * reference on the same C view. */
static VALUE rbash_core_view_retain(VALUE mod, VALUE obj) {
  (void)mod;
  return rbash_view_wrap(ash_view_retain(rbash_view_get(obj)->v));
}

static VALUE rbash_core_segment_close(VALUE mod, VALUE obj) {
  (void)mod;
  return rbash_handle_release(obj, &rbash_segment_type);
}

static VALUE rbash_core_list_free(VALUE mod, VALUE obj) {
  (void)mod;
  return rbash_handle_release(obj, &rbash_list_type);
}

void rbash_init(VALUE core) {
  rbash_mArrayShare = rb_define_module("ArrayShare");
  rb_define_const(rbash_mArrayShare, "Core", core);

  /* errors */
  rbash_mError = rb_define_module_under(rbash_mArrayShare, "Error");
  rb_define_method(rbash_mError, "code", rbash_err_code, 0);
  rb_define_method(rbash_mError, "name", rbash_err_name, 0);
  VALUE supers[] = {
      [ASH_RB_STD] = rb_eStandardError, [ASH_RB_ARG] = rb_eArgError,
      [ASH_RB_TYPE] = rb_eTypeError,    [ASH_RB_INDEX] = rb_eIndexError,
      [ASH_RB_RANGE] = rb_eRangeError,  [ASH_RB_FROZEN] = rb_eFrozenError,
      [ASH_RB_THREAD] = rb_eThreadError};
  VALUE table = rb_hash_new();
  for (int i = 0; i < ASH_SWIG_NERRORS; i++) {
    const struct ash_swig_error *d = &ash_swig_errors[i];
    VALUE k =
        rbash_define_error(d->rb_class, supers[d->rb_super], INT2NUM(d->code));
    rbash_err_classes[i] = k;
    rb_gc_register_mark_object(k);
    rb_hash_aset(table, INT2NUM(d->code), k);
  }
  rbash_eUnknown = rbash_define_error("UnknownError", rb_eStandardError, Qnil);
  rbash_eClosed = rbash_define_error("ClosedError", rb_eIOError, Qnil);
  rb_obj_freeze(table);
  rb_define_const(rbash_mArrayShare, "ERRORS", table);

  /* views */
  rbash_cView = rb_define_class_under(rbash_mArrayShare, "View", rb_cObject);
  rbash_view_define(rbash_cView);
  rbash_memview_register(rbash_cView);

  /* segments and lists */
  rbash_cSegment =
      rb_define_class_under(rbash_mArrayShare, "Segment", rb_cObject);
  rb_undef_alloc_func(rbash_cSegment);
  rb_define_method(rbash_cSegment, "close", rbash_segment_close_m, 0);
  rb_define_method(rbash_cSegment, "closed?", rbash_segment_closed_p, 0);
  rbash_cList = rb_define_class_under(core, "List", rb_cObject);
  rb_undef_alloc_func(rbash_cList);

  /* the releasing functions of the C API, by hand (see %ignore above) */
  rb_define_module_function(core, "ash_view_release", rbash_core_view_release,
                            1);
  rb_define_module_function(core, "ash_view_retain", rbash_core_view_retain, 1);
  rb_define_module_function(core, "ash_segment_close", rbash_core_segment_close,
                            1);
  rb_define_module_function(core, "ash_list_free", rbash_core_list_free, 1);

  /* the C globals above must never move (GC.compact) nor be collected */
  VALUE globals[] = {rbash_mArrayShare, rbash_mError, rbash_cView,
                     rbash_cSegment,    rbash_cList,  rbash_eClosed,
                     rbash_eUnknown};
  for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++)
    rb_gc_register_mark_object(globals[i]);
}
