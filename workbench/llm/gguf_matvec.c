/* y = x @ W^T for the embedded model's GGUF weight blocks, for token-by-token decoding.

   W stays in the GGUF's own quantized blocks (Q4_1: 20 bytes per 32 weights; Q8_0: 34 bytes) and each
   weight is rebuilt in float32 exactly as transformers' dequantization does it (Q4_1: d*q + m with d*q
   exact, so one rounding, which an FMA also does; Q8_0: d*q, exact), then multiplied with x in float32.
   The weights are therefore bit-identical to the float32 model's; only the summation order differs
   from MKL's. Decoding reads 5x fewer bytes per token than the float32 model (the point: one-token
   steps are memory-bound).

   x: [M, K] float32 row-major, W: N rows of K/32 blocks, y: [M, N] float32. Rows of W are split across
   `threads` OpenMP threads (torch's own libgomp, already loaded by the time this library is).
   Built by workbench/llm/decode.py with `cc -O3 -march=native -fopenmp -shared`. */
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>
#define GGUF_SIMD 1
#endif

typedef struct { uint16_t d, m; uint8_t qs[16]; } block_q4_1;  /* qs: low nibbles = 0..15, high = 16..31 */
typedef struct { uint16_t d; int8_t qs[32]; } block_q8_0;

static float half_to_float(uint16_t h) {
#ifdef GGUF_SIMD
    return _cvtsh_ss(h);
#else
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {  /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000 | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
#endif
}

#ifdef GGUF_SIMD
static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* One row of W against R (<= 4) rows of x; two accumulators per x row. */
static inline __attribute__((always_inline)) void row_q4_1(const block_q4_1 *b, int nb, const float *x,
                                                          long K, int R, float *out, long N) {
    __m256 a0[4], a1[4];
    for (int r = 0; r < R; r++) a0[r] = a1[r] = _mm256_setzero_ps();
    const __m128i low = _mm_set1_epi8(0x0f);
    for (int i = 0; i < nb; i++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(b[i].d)), m = _mm256_set1_ps(_cvtsh_ss(b[i].m));
        const __m128i raw = _mm_loadu_si128((const __m128i *)b[i].qs);
        const __m128i lo = _mm_and_si128(raw, low), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), low);
        const __m256 w0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)), d, m);
        const __m256 w1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))), d, m);
        const __m256 w2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)), d, m);
        const __m256 w3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))), d, m);
        for (int r = 0; r < R; r++) {
            const float *xr = x + r * K + 32 * i;
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xr), a0[r]);
            a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xr + 8), a1[r]);
            a0[r] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(xr + 16), a0[r]);
            a1[r] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(xr + 24), a1[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r * N] = hsum(_mm256_add_ps(a0[r], a1[r]));
}

static inline __attribute__((always_inline)) void row_q8_0(const block_q8_0 *b, int nb, const float *x,
                                                          long K, int R, float *out, long N) {
    __m256 a0[4], a1[4];
    for (int r = 0; r < R; r++) a0[r] = a1[r] = _mm256_setzero_ps();
    for (int i = 0; i < nb; i++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(b[i].d));
        const __m256i q = _mm256_loadu_si256((const __m256i *)b[i].qs);
        const __m128i ql = _mm256_castsi256_si128(q), qh = _mm256_extracti128_si256(q, 1);
        const __m256 w0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(ql)), d);
        const __m256 w1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(ql, 8))), d);
        const __m256 w2 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qh)), d);
        const __m256 w3 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(qh, 8))), d);
        for (int r = 0; r < R; r++) {
            const float *xr = x + r * K + 32 * i;
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xr), a0[r]);
            a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xr + 8), a1[r]);
            a0[r] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(xr + 16), a0[r]);
            a1[r] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(xr + 24), a1[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r * N] = hsum(_mm256_add_ps(a0[r], a1[r]));
}
#else
static void row_q4_1(const block_q4_1 *b, int nb, const float *x, long K, int R, float *out, long N) {
    for (int r = 0; r < R; r++) {
        float acc = 0.0f;
        for (int i = 0; i < nb; i++) {
            const float d = half_to_float(b[i].d), m = half_to_float(b[i].m);
            for (int j = 0; j < 16; j++) {
                acc += (d * (float)(b[i].qs[j] & 0x0f) + m) * x[r * K + 32 * i + j];
                acc += (d * (float)(b[i].qs[j] >> 4) + m) * x[r * K + 32 * i + 16 + j];
            }
        }
        out[r * N] = acc;
    }
}

static void row_q8_0(const block_q8_0 *b, int nb, const float *x, long K, int R, float *out, long N) {
    for (int r = 0; r < R; r++) {
        float acc = 0.0f;
        for (int i = 0; i < nb; i++) {
            const float d = half_to_float(b[i].d);
            for (int j = 0; j < 32; j++) acc += d * (float)b[i].qs[j] * x[r * K + 32 * i + j];
        }
        out[r * N] = acc;
    }
}
#endif

/* The R-specialised copies let the compiler unroll the loop over x rows. */
#define DISPATCH(fn, b, nb, x, K, R, out, N)                  \
    switch (R) {                                              \
        case 1: fn(b, nb, x, K, 1, out, N); break;            \
        case 2: fn(b, nb, x, K, 2, out, N); break;            \
        case 3: fn(b, nb, x, K, 3, out, N); break;            \
        default: fn(b, nb, x, K, 4, out, N); break;           \
    }

void matvec_q4_1(const float *x, long M, long K, const void *w, long N, float *y, int threads) {
    const int nb = (int)(K / 32);
    const block_q4_1 *blocks = (const block_q4_1 *)w;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (long n = 0; n < N; n++) {
        for (long r0 = 0; r0 < M; r0 += 4) {
            const int R = (int)(M - r0 < 4 ? M - r0 : 4);
            DISPATCH(row_q4_1, blocks + n * nb, nb, x + r0 * K, K, R, y + r0 * N + n, N)
        }
    }
}

void matvec_q8_0(const float *x, long M, long K, const void *w, long N, float *y, int threads) {
    const int nb = (int)(K / 32);
    const block_q8_0 *blocks = (const block_q8_0 *)w;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (long n = 0; n < N; n++) {
        for (long r0 = 0; r0 < M; r0 += 4) {
            const int R = (int)(M - r0 < 4 ? M - r0 : 4);
            DISPATCH(row_q8_0, blocks + n * nb, nb, x + r0 * K, K, R, y + r0 * N + n, N)
        }
    }
}
