/* qsort with a comparator (indirect calls) and malloc/free churn. */
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 500;
    int *v = malloc(sizeof(int) * n);
    unsigned s = 1;
    for (int i = 0; i < n; i++) { s = s * 1664525u + 1013904223u; v[i] = (int)(s >> 8) - (1 << 23); }
    qsort(v, n, sizeof(int), cmp);
    long long sum = 0;
    for (int i = 0; i < n; i++) { sum += (long long)v[i] * (i + 1); if (i && v[i - 1] > v[i]) return 1; }
    for (int k = 0; k < 200; k++) { char *p = malloc(16 + k * 37); p[0] = (char)k; free(p); }
    printf("sorted %d, weighted sum %lld, min %d max %d\n", n, sum, v[0], v[n - 1]);
    free(v);
    return 0;
}
