/* Benchmark kernels: `kernels NAME N` runs one kernel at size N and prints a checksum.
   Integer and memory kernels, a hash, a sort with a comparator (indirect calls), a bytecode interpreter
   loop (indirect branches) and string functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t crc_table[256];

static uint32_t k_crc(int n) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = 0; i < n; i++) crc = crc_table[(crc ^ (uint8_t)(i * 7)) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t k_sieve(int n) {
    char *s = calloc(n + 1, 1);
    uint32_t count = 0;
    for (int i = 2; i <= n; i++) {
        if (s[i]) continue;
        count++;
        if (i > n / i) continue;
        for (int j = i * i; j <= n; j += i) s[j] = 1;
    }
    free(s);
    return count;
}

static uint32_t k_matmul(int n) {
    int *a = malloc(sizeof(int) * n * n), *b = malloc(sizeof(int) * n * n), *c = malloc(sizeof(int) * n * n);
    for (int i = 0; i < n * n; i++) { a[i] = i % 17 - 8; b[i] = i % 13 - 6; }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int s = 0;
            for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < n * n; i++) h = h * 31 + (uint32_t)c[i];
    free(a); free(b); free(c);
    return h;
}

static uint32_t k_hash(int n) {  /* FNV-1a over a generated buffer, 64-bit */
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++) { h ^= (uint8_t)(i ^ (i >> 8)); h *= 1099511628211ull; }
    return (uint32_t)(h ^ (h >> 32));
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static uint32_t k_sort(int n) {
    int *v = malloc(sizeof(int) * n);
    uint32_t s = 1;
    for (int i = 0; i < n; i++) { s = s * 1664525u + 1013904223u; v[i] = (int)(s >> 4); }
    qsort(v, n, sizeof(int), cmp_int);
    uint32_t h = 0;
    for (int i = 0; i < n; i += 7) h = h * 33 + (uint32_t)v[i];
    free(v);
    return h;
}

enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_DEC, OP_DROP, OP_HALT };

static uint32_t k_bytecode(int n) {  /* switch-dispatch VM: a countdown loop doing arithmetic */
    static const int prog[] = { OP_PUSH, 0, OP_SWAP, /* acc n */
        OP_SWAP, OP_PUSH, 3, OP_MUL, OP_PUSH, 7, OP_ADD, OP_SWAP, OP_DEC, OP_DUP, OP_JNZ, 3, OP_DROP, OP_HALT };
    int st[16], sp = 0, pc = 0;
    st[sp++] = n;
    for (;;) {
        switch (prog[pc++]) {
        case OP_PUSH: st[sp++] = prog[pc++]; break;
        case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
        case OP_DUP: st[sp] = st[sp - 1]; sp++; break;
        case OP_SWAP: { int t = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = t; break; }
        case OP_JNZ: pc = st[--sp] ? prog[pc] : pc + 1; break;
        case OP_DEC: st[sp - 1]--; break;
        case OP_DROP: sp--; break;
        case OP_HALT: return (uint32_t)st[sp - 1];
        }
    }
}

static uint32_t k_strings(int n) {
    char a[512], b[512];
    uint32_t h = 0;
    for (int i = 0; i < n; i++) {
        int len = 100 + i % 300;
        memset(a, 'a' + i % 26, len); a[len] = 0;
        memcpy(b, a, len + 1);
        b[len - 1 - i % 50] ^= 1;
        h += strlen(a) + (uint32_t)(strcmp(a, b) > 0) + (uint32_t)(strchr(b, b[len - 1 - i % 50]) - b);
    }
    return h;
}

static const struct { const char *name; uint32_t (*fn)(int); } kernels[] = {
    {"crc", k_crc}, {"sieve", k_sieve}, {"matmul", k_matmul}, {"hash", k_hash},
    {"sort", k_sort}, {"bytecode", k_bytecode}, {"strings", k_strings},
};

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: kernels NAME N\n"); return 2; }
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (!strcmp(argv[1], kernels[i].name)) {
            printf("%s %s -> %u\n", argv[1], argv[2], kernels[i].fn(atoi(argv[2])));
            return 0;
        }
    fprintf(stderr, "unknown kernel %s\n", argv[1]);
    return 2;
}
