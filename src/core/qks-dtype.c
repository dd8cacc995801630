/* qks-dtype.c: element types of stored tensors and their conversions to float
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-dtype.h"

static const struct
{
  const char *name;
  gsize       size;
} dtypes[QKS_DTYPE_N_TYPES] = {
  [QKS_DTYPE_F32]     = { "F32", 4 },
  [QKS_DTYPE_F16]     = { "F16", 2 },
  [QKS_DTYPE_BF16]    = { "BF16", 2 },
  [QKS_DTYPE_F64]     = { "F64", 8 },
  [QKS_DTYPE_F8_E5M2] = { "F8_E5M2", 1 },
  [QKS_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
  [QKS_DTYPE_I64]     = { "I64", 8 },
  [QKS_DTYPE_I32]     = { "I32", 4 },
  [QKS_DTYPE_I16]     = { "I16", 2 },
  [QKS_DTYPE_I8]      = { "I8", 1 },
  [QKS_DTYPE_U64]     = { "U64", 8 },
  [QKS_DTYPE_U32]     = { "U32", 4 },
  [QKS_DTYPE_U16]     = { "U16", 2 },
  [QKS_DTYPE_U8]      = { "U8", 1 },
  [QKS_DTYPE_BOOL]    = { "BOOL", 1 },
};

/**
 * qks_dtype_to_string:
 *
 * Returns: the name the safetensors header uses for @dtype ("F32", "BF16", ...).
 */
const char *
qks_dtype_to_string (QksDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < QKS_DTYPE_N_TYPES, NULL);

  return dtypes[dtype].name;
}

/**
 * qks_dtype_from_string:
 * @string: a dtype name as in a safetensors header; case matters, as it does
 *   for the reference implementation
 * @dtype: (out): set when the name is known
 *
 * Returns: whether @string names a known dtype
 */
gboolean
qks_dtype_from_string (const char *string,
                       QksDtype   *dtype)
{
  g_return_val_if_fail (string != NULL, FALSE);

  for (guint i = 0; i < QKS_DTYPE_N_TYPES; i++)
    if (strcmp (string, dtypes[i].name) == 0)
      {
        *dtype = (QksDtype) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * qks_dtype_size:
 *
 * Returns: the size of one element of @dtype in bytes.
 */
gsize
qks_dtype_size (QksDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < QKS_DTYPE_N_TYPES, 0);

  return dtypes[dtype].size;
}

/**
 * qks_dtype_converts_to_f32:
 *
 * Returns: whether qks_dtype_convert_to_f32() accepts @dtype: F32, F16, BF16
 *   and F64. The FP8 types are recognised but not converted (their scaling
 *   conventions differ between checkpoints).
 */
gboolean
qks_dtype_converts_to_f32 (QksDtype dtype)
{
  return dtype == QKS_DTYPE_F32 || dtype == QKS_DTYPE_F16 ||
         dtype == QKS_DTYPE_BF16 || dtype == QKS_DTYPE_F64;
}

static inline float
float_from_bits (guint32 bits)
{
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

static inline guint32
float_to_bits (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits;
}

/**
 * qks_f16_to_f32:
 * @bits: an IEEE 754 binary16 value
 *
 * Exact: every half value, subnormals included, is a float. Infinities keep
 * their sign and NaNs their sign and payload.
 *
 * Returns: @bits as a float
 */
float
qks_f16_to_f32 (guint16 bits)
{
  guint32 sign = (guint32) (bits & 0x8000) << 16;
  guint32 exponent = (bits >> 10) & 0x1f;
  guint32 mantissa = bits & 0x3ff;

  if (exponent == 0x1f)
    return float_from_bits (sign | 0x7f800000 | (mantissa << 13));

  if (exponent == 0)
    {
      if (mantissa == 0)
        return float_from_bits (sign);

      /* A subnormal half is mantissa × 2⁻²⁴; as a float it is normal, so
       * shift the leading one into the implicit bit. */
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0)
        {
          mantissa <<= 1;
          exponent--;
        }
      mantissa &= 0x3ff;
      return float_from_bits (sign | (exponent << 23) | (mantissa << 13));
    }

  return float_from_bits (sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

/**
 * qks_f32_to_f16:
 *
 * Rounds to the nearest half, ties to even, as IEEE 754 does: values from
 * 65520 up become infinity, values up to 2⁻²⁵ become zero (with their sign),
 * and NaNs stay NaNs (quiet, with the sign and the top of the payload).
 *
 * Returns: @value as IEEE 754 binary16 bits
 */
guint16
qks_f32_to_f16 (float value)
{
  guint32 bits = float_to_bits (value);
  guint16 sign = (guint16) ((bits >> 16) & 0x8000);
  guint32 magnitude = bits & 0x7fffffff;

  if (magnitude > 0x7f800000)
    return sign | 0x7e00 | ((magnitude >> 13) & 0x3ff);
  if (magnitude >= 0x477ff000)          /* 65520 = 65504 + half an ulp */
    return sign | 0x7c00;

  if (magnitude >= 0x38800000)          /* 2⁻¹⁴, the smallest normal half */
    {
      /* Round the 13 dropped bits to even; a carry out of the mantissa
       * correctly bumps the exponent. Then rebias the exponent 127 → 15. */
      magnitude += 0xfff + ((magnitude >> 13) & 1);
      return sign | (guint16) ((magnitude - ((guint32) (127 - 15) << 23)) >> 13);
    }

  if (magnitude < 0x33000000)           /* below 2⁻²⁵: zero, ties included */
    return sign;

  {
    /* A subnormal half: round (1.m × 2^(e−127)) × 2²⁴ to an integer. The
     * result may be 0x400, which is the smallest normal half, as it should. */
    guint32 exponent = magnitude >> 23;
    guint32 significand = (magnitude & 0x7fffff) | 0x800000;
    guint32 shift = 126 - exponent;     /* 14 ≤ shift ≤ 24 */
    guint32 result = significand >> shift;
    guint32 remainder = significand & ((1u << shift) - 1);
    guint32 half = 1u << (shift - 1);

    if (remainder > half || (remainder == half && (result & 1)))
      result++;
    return sign | (guint16) result;
  }
}

/**
 * qks_bf16_to_f32:
 *
 * Exact: bfloat16 is the top half of a float.
 */
float
qks_bf16_to_f32 (guint16 bits)
{
  return float_from_bits ((guint32) bits << 16);
}

/**
 * qks_f32_to_bf16:
 *
 * Rounds to the nearest bfloat16, ties to even; NaNs stay (quiet) NaNs rather
 * than rounding into an infinity.
 */
guint16
qks_f32_to_bf16 (float value)
{
  guint32 bits = float_to_bits (value);

  if ((bits & 0x7fffffff) > 0x7f800000)
    return (guint16) ((bits >> 16) | 0x40);

  bits += 0x7fff + ((bits >> 16) & 1);
  return (guint16) (bits >> 16);
}

/**
 * qks_dtype_convert_to_f32:
 * @dtype: F32, F16, BF16 or F64
 * @src: @n_elements little-endian values of @dtype, with no alignment needed
 *   (a tensor in a mapped file may start at any byte)
 * @out: (out caller-allocates): room for @n_elements floats
 *
 * F64 rounds to the nearest float (overflowing to an infinity).
 */
void
qks_dtype_convert_to_f32 (QksDtype      dtype,
                          const guint8 *src,
                          gsize         n_elements,
                          float        *out)
{
  g_return_if_fail (qks_dtype_converts_to_f32 (dtype));

  switch (dtype)
    {
    case QKS_DTYPE_F32:
      for (gsize i = 0; i < n_elements; i++)
        {
          guint32 bits;

          memcpy (&bits, src + 4 * i, 4);
          out[i] = float_from_bits (GUINT32_FROM_LE (bits));
        }
      break;

    case QKS_DTYPE_F16:
      for (gsize i = 0; i < n_elements; i++)
        {
          guint16 bits;

          memcpy (&bits, src + 2 * i, 2);
          out[i] = qks_f16_to_f32 (GUINT16_FROM_LE (bits));
        }
      break;

    case QKS_DTYPE_BF16:
      for (gsize i = 0; i < n_elements; i++)
        {
          guint16 bits;

          memcpy (&bits, src + 2 * i, 2);
          out[i] = qks_bf16_to_f32 (GUINT16_FROM_LE (bits));
        }
      break;

    case QKS_DTYPE_F64:
      for (gsize i = 0; i < n_elements; i++)
        {
          guint64 bits;
          double value;

          memcpy (&bits, src + 8 * i, 8);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&value, &bits, 8);
          out[i] = (float) value;
        }
      break;

    case QKS_DTYPE_F8_E5M2:
    case QKS_DTYPE_F8_E4M3:
    case QKS_DTYPE_I64:
    case QKS_DTYPE_I32:
    case QKS_DTYPE_I16:
    case QKS_DTYPE_I8:
    case QKS_DTYPE_U64:
    case QKS_DTYPE_U32:
    case QKS_DTYPE_U16:
    case QKS_DTYPE_U8:
    case QKS_DTYPE_BOOL:
    default:
      g_assert_not_reached ();
    }
}
