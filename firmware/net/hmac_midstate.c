/*
 * HMAC with its two pad blocks hashed once per key, not once per message (issue 20
 * item 4).
 *
 * Why: the TLS 1.2 PRF (ssl_tls.c, tls_prf_generic) makes 13 HMACs with one key for a
 * resumed session's 256-byte key block and 3 for each Finished, and mbedTLS's HMAC
 * (md.c) hashes the 128-byte inner pad again at every mbedtls_md_hmac_reset and the
 * outer pad again at every mbedtls_md_hmac_finish: two of the four or five SHA-512
 * compressions of each HMAC are the same work over the same key-derived block. On the
 * host that was a fifth of a steady cycle's instructions (the resumed HTTPS and SMTP
 * sessions); on the Cortex-M4, SHA-512's 64-bit arithmetic on a 32-bit core makes it
 * dearer still. The web login's PBKDF2 (web/pbkdf2.cpp: one HMAC-SHA-256 per
 * iteration, one key) goes from four compressions an iteration to two.
 *
 * How: the linker routes every caller's mbedtls_md_hmac_starts, _reset, _finish and
 * mbedtls_md_free here with --wrap (cmake/third_party.cmake). starts runs mbedTLS's
 * own, then keeps the hash state after the inner pad and computes the one after the
 * outer pad, in a slot owned by that context; reset restores the first, finish the
 * second before hashing the inner digest. mbedtls_md_free wipes the slot and gives it
 * back. The hashing stays mbedTLS's SHA-256/SHA-512 code on mbedTLS's own contexts:
 * only the order in which identical work is done changes, and the output is the
 * same bytes (tests/unit/net/hmac_midstate_test.cpp holds it to mbedtls_md_hmac, which
 * md.c calls without the wrap, and to RFC 4231).
 *
 * A context without a slot (all taken, a digest other than SHA-256/384/512, a PSA
 * hash engine) takes mbedTLS's path unchanged: the slots only save work. The states
 * are as secret as the key, so a slot is wiped when its context is freed or another
 * key takes it. Slots: PROBEBOX_HMAC_MIDSTATE_SLOTS (core/limits.h, through the
 * mbedTLS config); the PRF holds one for the length of one call, a login's PBKDF2 one
 * for its derivation, a CBC session's record MAC one each way for its life.
 *
 * Built into the mbedtls library target (it reads mbedTLS's private md_info and
 * md_ctx), so the wrapped references are resolved inside the same archive on every
 * board.
 */
#include "common.h"

#include "md_wrap.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"

#include <stddef.h>
#include <string.h>

int __real_mbedtls_md_hmac_starts(mbedtls_md_context_t *ctx, const unsigned char *key, size_t keylen);
int __real_mbedtls_md_hmac_reset(mbedtls_md_context_t *ctx);
int __real_mbedtls_md_hmac_finish(mbedtls_md_context_t *ctx, unsigned char *output);
void __real_mbedtls_md_free(mbedtls_md_context_t *ctx);

int __wrap_mbedtls_md_hmac_starts(mbedtls_md_context_t *ctx, const unsigned char *key, size_t keylen);
int __wrap_mbedtls_md_hmac_reset(mbedtls_md_context_t *ctx);
int __wrap_mbedtls_md_hmac_finish(mbedtls_md_context_t *ctx, unsigned char *output);
void __wrap_mbedtls_md_free(mbedtls_md_context_t *ctx);

/* How often a reset or finish took its state from a slot, and how often a starts
 * found every slot taken: a test's proof that the wrap is in force, and the bench's
 * view of whether the slots suffice. */
unsigned long probebox_hmac_midstate_hits = 0;
unsigned long probebox_hmac_midstate_no_slot = 0;

#if PROBEBOX_HMAC_MIDSTATE_SLOTS > 0

typedef union {
#if defined(MBEDTLS_SHA256_C)
    mbedtls_sha256_context sha256;
#endif
#if defined(MBEDTLS_SHA384_C) || defined(MBEDTLS_SHA512_C)
    mbedtls_sha512_context sha512;
#endif
    unsigned char none;
} hash_state;

typedef struct {
    const mbedtls_md_context_t *owner; /* NULL: free */
    mbedtls_md_type_t type;
    hash_state inner; /* after the inner pad block */
    hash_state outer; /* after the outer pad block */
} midstate_slot;

static midstate_slot slots[PROBEBOX_HMAC_MIDSTATE_SLOTS];

/* The digests this file knows the legacy context of, on mbedTLS's own engine. */
static int kept_kind(const mbedtls_md_context_t *ctx)
{
#if defined(MBEDTLS_MD_SOME_PSA)
    if (ctx->MBEDTLS_PRIVATE(engine) != MBEDTLS_MD_ENGINE_LEGACY) {
        return 0;
    }
#endif
    switch (ctx->MBEDTLS_PRIVATE(md_info)->type) {
#if defined(MBEDTLS_SHA256_C)
        case MBEDTLS_MD_SHA256:
            return 1;
#endif
#if defined(MBEDTLS_SHA384_C) || defined(MBEDTLS_SHA512_C)
        case MBEDTLS_MD_SHA384:
        case MBEDTLS_MD_SHA512:
            return 1;
#endif
        default:
            return 0;
    }
}

static midstate_slot *slot_of(const mbedtls_md_context_t *ctx)
{
    for (size_t i = 0; i < PROBEBOX_HMAC_MIDSTATE_SLOTS; ++i) {
        if (slots[i].owner == ctx && ctx->MBEDTLS_PRIVATE(md_info) != NULL &&
            slots[i].type == ctx->MBEDTLS_PRIVATE(md_info)->type) {
            return &slots[i];
        }
    }
    return NULL;
}

static void release(midstate_slot *slot)
{
    mbedtls_platform_zeroize(slot, sizeof(*slot));
}

static void release_slots_of(const mbedtls_md_context_t *ctx)
{
    for (size_t i = 0; i < PROBEBOX_HMAC_MIDSTATE_SLOTS; ++i) {
        if (slots[i].owner == ctx) {
            release(&slots[i]);
        }
    }
}

static midstate_slot *free_slot(void)
{
    for (size_t i = 0; i < PROBEBOX_HMAC_MIDSTATE_SLOTS; ++i) {
        if (slots[i].owner == NULL) {
            return &slots[i];
        }
    }
    return NULL;
}

/* The state after one pad block, from mbedTLS's context (inner: starts has just
 * hashed it there) or computed here (outer). */
static int keep_states(midstate_slot *slot, const mbedtls_md_context_t *ctx)
{
    const mbedtls_md_info_t *info = ctx->MBEDTLS_PRIVATE(md_info);
    const unsigned char *opad = (const unsigned char *) ctx->MBEDTLS_PRIVATE(hmac_ctx) + info->block_size;
    slot->type = info->type;
    switch (info->type) {
#if defined(MBEDTLS_SHA256_C)
        case MBEDTLS_MD_SHA256:
            mbedtls_sha256_clone(&slot->inner.sha256, ctx->MBEDTLS_PRIVATE(md_ctx));
            mbedtls_sha256_init(&slot->outer.sha256);
            if (mbedtls_sha256_starts(&slot->outer.sha256, 0) != 0 ||
                mbedtls_sha256_update(&slot->outer.sha256, opad, info->block_size) != 0) {
                return -1;
            }
            return 0;
#endif
#if defined(MBEDTLS_SHA384_C) || defined(MBEDTLS_SHA512_C)
        case MBEDTLS_MD_SHA384:
        case MBEDTLS_MD_SHA512:
            mbedtls_sha512_clone(&slot->inner.sha512, ctx->MBEDTLS_PRIVATE(md_ctx));
            mbedtls_sha512_init(&slot->outer.sha512);
            if (mbedtls_sha512_starts(&slot->outer.sha512, info->type == MBEDTLS_MD_SHA384) != 0 ||
                mbedtls_sha512_update(&slot->outer.sha512, opad, info->block_size) != 0) {
                return -1;
            }
            return 0;
#endif
        default:
            return -1;
    }
}

static void restore(mbedtls_md_context_t *ctx, const hash_state *state, mbedtls_md_type_t type)
{
    switch (type) {
#if defined(MBEDTLS_SHA256_C)
        case MBEDTLS_MD_SHA256:
            mbedtls_sha256_clone(ctx->MBEDTLS_PRIVATE(md_ctx), &state->sha256);
            return;
#endif
#if defined(MBEDTLS_SHA384_C) || defined(MBEDTLS_SHA512_C)
        case MBEDTLS_MD_SHA384:
        case MBEDTLS_MD_SHA512:
            mbedtls_sha512_clone(ctx->MBEDTLS_PRIVATE(md_ctx), &state->sha512);
            return;
#endif
        default:
            return;
    }
}

int __wrap_mbedtls_md_hmac_starts(mbedtls_md_context_t *ctx, const unsigned char *key, size_t keylen)
{
    int ret = __real_mbedtls_md_hmac_starts(ctx, key, keylen);
    if (ctx == NULL) {
        return ret;
    }
    release_slots_of(ctx); /* an earlier key's states never answer for this one */
    if (ret != 0 || !kept_kind(ctx)) {
        return ret;
    }
    midstate_slot *slot = free_slot();
    if (slot == NULL) {
        ++probebox_hmac_midstate_no_slot;
        return 0;
    }
    if (keep_states(slot, ctx) != 0) {
        release(slot);
        return 0;
    }
    slot->owner = ctx;
    return 0;
}

int __wrap_mbedtls_md_hmac_reset(mbedtls_md_context_t *ctx)
{
    midstate_slot *slot = ctx != NULL ? slot_of(ctx) : NULL;
    if (slot == NULL) {
        return __real_mbedtls_md_hmac_reset(ctx);
    }
    restore(ctx, &slot->inner, slot->type);
    ++probebox_hmac_midstate_hits;
    return 0;
}

int __wrap_mbedtls_md_hmac_finish(mbedtls_md_context_t *ctx, unsigned char *output)
{
    midstate_slot *slot = ctx != NULL ? slot_of(ctx) : NULL;
    if (slot == NULL) {
        return __real_mbedtls_md_hmac_finish(ctx, output);
    }
    unsigned char inner[MBEDTLS_MD_MAX_SIZE];
    const unsigned char size = ctx->MBEDTLS_PRIVATE(md_info)->size;
    int ret = mbedtls_md_finish(ctx, inner);
    if (ret == 0) {
        restore(ctx, &slot->outer, slot->type);
        ++probebox_hmac_midstate_hits;
        ret = mbedtls_md_update(ctx, inner, size);
    }
    if (ret == 0) {
        ret = mbedtls_md_finish(ctx, output);
    }
    mbedtls_platform_zeroize(inner, sizeof(inner));
    return ret;
}

void __wrap_mbedtls_md_free(mbedtls_md_context_t *ctx)
{
    if (ctx != NULL) {
        release_slots_of(ctx);
    }
    __real_mbedtls_md_free(ctx);
}

/* For the unit test: how many slots hold a context now. */
size_t probebox_hmac_midstate_slots_in_use(void)
{
    size_t n = 0;
    for (size_t i = 0; i < PROBEBOX_HMAC_MIDSTATE_SLOTS; ++i) {
        n += slots[i].owner != NULL;
    }
    return n;
}

#else /* no slots: mbedTLS's HMAC as it is */

int __wrap_mbedtls_md_hmac_starts(mbedtls_md_context_t *ctx, const unsigned char *key, size_t keylen)
{
    return __real_mbedtls_md_hmac_starts(ctx, key, keylen);
}

int __wrap_mbedtls_md_hmac_reset(mbedtls_md_context_t *ctx)
{
    return __real_mbedtls_md_hmac_reset(ctx);
}

int __wrap_mbedtls_md_hmac_finish(mbedtls_md_context_t *ctx, unsigned char *output)
{
    return __real_mbedtls_md_hmac_finish(ctx, output);
}

void __wrap_mbedtls_md_free(mbedtls_md_context_t *ctx)
{
    __real_mbedtls_md_free(ctx);
}

size_t probebox_hmac_midstate_slots_in_use(void)
{
    return 0;
}

#endif
