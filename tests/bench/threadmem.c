/* Host memory per live guest thread: start COUNT threads that all wait on one barrier, then let
 * them go and join them.  threadmem COUNT. The benchmark runs it with COUNT and with 0 and divides
 * the difference in peak RSS by COUNT. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t all_up;

static void *wait_all(void *unused) {
    (void)unused;
    pthread_barrier_wait(&all_up);
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100;
    pthread_t *t = calloc(n > 0 ? n : 1, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    if (!t || pthread_barrier_init(&all_up, NULL, n + 1)) return 1;
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, wait_all, NULL)) { perror("pthread_create"); return 1; }
    pthread_barrier_wait(&all_up);
    for (long i = 0; i < n; i++) pthread_join(t[i], NULL);
    printf("%ld threads\n", n);
    return 0;
}
