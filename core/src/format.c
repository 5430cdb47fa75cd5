/* SPDX-License-Identifier: MIT */
/* The on-memory format: layout at creation, header and entry validation.
 * docs/format.md is the normative description. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

uint64_t ash__array_align(uint64_t nbytes) {
  return nbytes >= ASH__LARGE ? ASH__PAGE : ASH__ALIGN;
}

uint64_t ash__array_alloc(uint64_t nbytes) {
  uint64_t n = ash__round_up(nbytes, ASH__ALIGN);
  return n < ASH__ALIGN ? ASH__ALIGN : n;
}

/* FNV-1a, 32 bits: the name index holds it for every array, so a lookup
 * compares 4 bytes per array instead of touching every entry. */
uint32_t ash__name_hash(const char *name) {
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

int ash__layout_make(uint64_t arena_bytes, uint32_t max_arrays,
                     uint32_t max_attachers, const char *name,
                     struct ash__seglayout *out) {
  if (max_arrays < 1 || max_arrays > ASH__MAX_ARRAYS)
    return ash__err(ASH_E_INVAL, "max_arrays %u: must be 1 to %d", max_arrays,
                    ASH__MAX_ARRAYS);
  if (max_attachers == 0)
    max_attachers = ASH__ATTACH_CAP_DEFAULT;
  if (max_attachers > ASH__ATTACH_CAP_MAX)
    return ash__err(ASH_E_INVAL, "max_attachers %u: must be 1 to %d",
                    max_attachers, ASH__ATTACH_CAP_MAX);
  uint64_t index_offset = ash__round_up(
      ASH__ATTACH_OFFSET + (uint64_t)max_attachers * ASH__SLOT_SIZE,
      ASH__ALIGN);
  uint64_t dir_offset = ash__round_up(
      index_offset + (uint64_t)max_arrays * sizeof(uint32_t), ASH__ALIGN);
  uint64_t arena_offset = ash__round_up(
      dir_offset + (uint64_t)max_arrays * ASH__ENTRY_SIZE, ASH__PAGE);
  uint64_t arena = ash__round_up(arena_bytes ? arena_bytes : 1, ASH__PAGE);
  uint64_t total;
  if (arena_bytes > (UINT64_C(1) << 62) ||
      !ash__add_u64(arena_offset, arena, &total) ||
      total > (uint64_t)INT64_MAX / 2)
    return ash__err(ASH_E_OVERFLOW,
                    "create \"%s\": arena of %llu bytes is too large", name,
                    (unsigned long long)arena_bytes);
  out->attach_cap = max_attachers;
  out->dir_cap = max_arrays;
  out->index_offset = (uint32_t)index_offset;
  out->dir_offset = dir_offset;
  out->arena_offset = arena_offset;
  out->arena_size = total - arena_offset;
  out->total = total;
  return ASH_OK;
}

void ash__hdr_init(struct ash__hdr *h, const struct ash__seglayout *lay,
                   int policy, uint32_t hflags, uint32_t uid,
                   const char *display_name) {
  memset(h, 0, sizeof *h);
  h->fmt_major = ASH_FORMAT_MAJOR;
  h->fmt_minor = ASH_FORMAT_MINOR;
  h->byte_order = ASH__BYTE_ORDER_LE;
  h->lock_kind = ASH__LOCK_KIND_OFD;
  h->header_size = (uint32_t)lay->arena_offset;
  h->state = ASH__STATE_READY;
  h->total_size = lay->total;
  h->arena_offset = lay->arena_offset;
  h->arena_size = lay->arena_size;
  h->ctime_ns = ash__now_ns();
  h->creator_pid = ash__getpid();
  h->creator_start = ash__self_start();
  h->creator_uid = uid;
  h->policy = (uint32_t)policy;
  h->flags = hflags;
  h->attach_cap = lay->attach_cap;
  h->attach_offset = ASH__ATTACH_OFFSET;
  h->dir_cap = lay->dir_cap;
  h->dir_offset = lay->dir_offset;
  h->entry_size = ASH__ENTRY_SIZE;
  h->lock_offset = ASH__LOCK_OFFSET;
  h->slot_size = ASH__SLOT_SIZE;
  h->index_offset = lay->index_offset;
  ash__copy_str(h->name, display_name, sizeof h->name);
}

/* Checks a private copy of the header against the real size. */
int ash__validate_header(const struct ash__hdr *h, uint64_t real_size,
                         const char *name) {
  if (h->magic != ASH__MAGIC)
    return ash__err(ASH_E_CORRUPT,
                    "\"%s\" is not an arrayshare segment (bad magic)", name);
  if (h->fmt_major != ASH_FORMAT_MAJOR)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\" has format %u.%u; this library reads %d.x",
                    name, h->fmt_major, h->fmt_minor, ASH_FORMAT_MAJOR);
  if (h->byte_order != ASH__BYTE_ORDER_LE)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": unsupported byte order %u",
                    name, h->byte_order);
  if (h->lock_kind != ASH__LOCK_KIND_OFD)
    return ash__err(ASH_E_VERSION, "segment \"%s\": unknown lock kind %u", name,
                    h->lock_kind);
  if (h->total_size > real_size)
    return ash__err(
        ASH_E_TRUNC,
        "segment \"%s\": header says %llu bytes but only %llu exist "
        "(truncated by another process?)",
        name, (unsigned long long)h->total_size, (unsigned long long)real_size);
  uint64_t attach_end, dir_end, dir_bytes, arena_end, index_end = 0;
  bool ok = h->entry_size == ASH__ENTRY_SIZE &&
            h->slot_size == ASH__SLOT_SIZE &&
            h->lock_offset == ASH__LOCK_OFFSET &&
            h->attach_offset == ASH__ATTACH_OFFSET && h->attach_cap >= 1 &&
            h->attach_cap <= ASH__ATTACH_CAP_MAX && h->dir_cap >= 1 &&
            h->dir_cap <= ASH__MAX_ARRAYS && h->policy <= ASH_POLICY_PERSIST;
  ok = ok &&
       ash__add_u64(h->attach_offset, (uint64_t)h->attach_cap * ASH__SLOT_SIZE,
                    &attach_end) &&
       ash__mul_u64(h->dir_cap, ASH__ENTRY_SIZE, &dir_bytes) &&
       ash__add_u64(h->dir_offset, dir_bytes, &dir_end) &&
       h->arena_offset >= dir_end && h->arena_offset % ASH__PAGE == 0 &&
       h->header_size == h->arena_offset &&
       ash__add_u64(h->arena_offset, h->arena_size, &arena_end) &&
       arena_end == h->total_size && h->arena_used <= h->arena_size;
  if (ok && h->index_offset != 0) { /* the name index (minor >= 1) */
    index_end = h->index_offset + (uint64_t)h->dir_cap * sizeof(uint32_t);
    ok = h->index_offset >= attach_end && h->index_offset % 4 == 0 &&
         h->dir_offset >= index_end;
  }
  ok = ok && h->dir_offset >= attach_end &&
       h->dir_offset % (h->fmt_minor >= 1 ? ASH__ALIGN : 8) == 0;
  if (!ok)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": header fields out of range (corrupted)",
                    name);
  return ASH_OK;
}

int ash__validate_entry(const struct ash__hdr *h, const struct ash__entry *src,
                        uint32_t index, const char *seg, struct ash__array *a) {
  struct ash__entry e;
  memcpy(&e, src, offsetof(struct ash__entry, sync)); /* private copy */
  if (memchr(e.name, '\0', sizeof e.name) == NULL)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array %u has an unterminated name", seg,
                    index);
  if (ash__name_check(e.name, 1) != ASH_OK)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array %u has an invalid name", seg, index);
  if (!ash__dtype_valid((int)e.dtype))
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" has unknown dtype %u", seg,
                    e.name, e.dtype);
  if (e.ndim > ASH_MAX_NDIM)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": array \"%s\" has ndim %u",
                    seg, e.name, e.ndim);
  uint64_t nbytes;
  if (ash__shape_nbytes((int)e.dtype, (int)e.ndim, e.shape, &nbytes, NULL) ||
      nbytes != e.nbytes)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" has an inconsistent shape "
                    "and byte size",
                    seg, e.name);
  uint64_t end;
  if (e.offset < h->arena_offset || e.offset % ASH__ALIGN != 0 ||
      !ash__add_u64(e.offset, e.nbytes, &end) || end > h->total_size)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" lies outside the arena "
                    "(offset %llu, %llu bytes)",
                    seg, e.name, (unsigned long long)e.offset,
                    (unsigned long long)e.nbytes);
  uint64_t ctl_end;
  if (e.kind == ASH__KIND_RING && h->index_offset != 0 &&
      (e.ndim < 1 || e.shape[0] < 1 || e.shape[0] > ASH__RING_MAX_SLOTS ||
       e.ring_cons > ASH_RING_MAX_CONSUMERS || e.ring_ctl % ASH__ALIGN ||
       e.ring_ctl < h->arena_offset ||
       !ash__add_u64(e.ring_ctl,
                     ash__ring_ctl_bytes((uint64_t)e.shape[0], e.ring_cons),
                     &ctl_end) ||
       ctl_end > e.offset))
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": ring \"%s\" has a control block out of "
                    "place (offset %llu)",
                    seg, e.name, (unsigned long long)e.ring_ctl);
  memset(a, 0, sizeof *a);
  if (e.kind == ASH__KIND_RING && h->index_offset != 0) {
    a->ring_ctl = e.ring_ctl;
    a->ring_flags = e.ring_flags;
    a->ring_cons = e.ring_cons;
  }
  memcpy(a->name, e.name, strlen(e.name) + 1);
  a->dtype = (int)e.dtype;
  a->ndim = (int)e.ndim;
  a->index = index;
  a->offset = e.offset;
  a->nbytes = e.nbytes;
  memcpy(a->shape, e.shape, sizeof(int64_t) * e.ndim);
  return ASH_OK;
}
