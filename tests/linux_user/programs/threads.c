/* Threads: exact totals under contention (a mutex, C11 atomics, a spin lock on LDREX/STREX), a condition
   variable hand-off, thread-local storage, join values, and pthread_exit.  Every number printed is
   deterministic, so the output can be compared with qemu-arm's. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
static int rounds = 20000;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_total;
static atomic_long atomic_total;
static atomic_flag spin = ATOMIC_FLAG_INIT;
static long spin_total;
static __thread long mine;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&lock);
        locked_total += id + 1;
        pthread_mutex_unlock(&lock);
        atomic_fetch_add(&atomic_total, 2);
        while (atomic_flag_test_and_set_explicit(&spin, memory_order_acquire))
            ;
        spin_total += 3;
        atomic_flag_clear_explicit(&spin, memory_order_release);
        mine += id;
    }
    return (void *)(mine * 10 + id);
}

/* a bounded queue of one slot: producer and consumer take turns through a condition variable */
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int slot, full, done;

static void *consumer(void *arg) {
    long sum = 0;
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (!full && !done)
            pthread_cond_wait(&changed, &lock);
        if (!full && done) {
            pthread_mutex_unlock(&lock);
            break;
        }
        sum += slot;
        full = 0;
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
    }
    pthread_exit((void *)sum);
}

int main(int argc, char **argv) {
    if (argc > 1)
        rounds = atoi(argv[1]);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            return 1;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("worker %d returned %ld\n", i, (long)r);
    }
    printf("mutex total %ld (want %ld)\n", locked_total, (long)rounds * (1 + 2 + 3 + 4));
    printf("atomic total %ld (want %ld)\n", (long)atomic_total, (long)rounds * 2 * THREADS);
    printf("spin total %ld (want %ld)\n", spin_total, (long)rounds * 3 * THREADS);
    printf("main's thread-local %ld\n", mine);

    pthread_t c;
    pthread_create(&c, NULL, consumer, NULL);
    for (int v = 1; v <= 1000; v++) {
        pthread_mutex_lock(&lock);
        while (full)
            pthread_cond_wait(&changed, &lock);
        slot = v;
        full = 1;
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    while (full)
        pthread_cond_wait(&changed, &lock);
    done = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    void *sum;
    pthread_join(c, &sum);
    printf("consumer sum %ld (want %d)\n", (long)sum, 1000 * 1001 / 2);
    return 0;
}
