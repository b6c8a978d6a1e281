/* Threads and code churn: one thread creates and joins THREADS short threads, one after the other,
 * while another thread maps small code buffers, writes a function into each, runs it and unmaps it,
 * until the threads are done and at least BUFFERS times. Prints a checksum of the threads' results
 * so nothing is optimised away.  churn [THREADS [BUFFERS]]
 *
 * For an emulator each new thread is a new CPU, and each code buffer is code to translate and then
 * throw away because its pages go. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void *work(void *arg) { return (void *)((uintptr_t)arg * 3 + 1); }

static long buffers;
static volatile int threads_done;
static volatile uint32_t code_sum;

static void *churn_code(void *unused) {
    (void)unused;
    /* mov $imm32, %eax; ret */
    unsigned char code[] = {0xb8, 0, 0, 0, 0, 0xc3};
    for (long i = 0; i < buffers || !threads_done; i++) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); exit(1); }
        uint32_t v = (uint32_t)i * 2654435761u;
        memcpy(code + 1, &v, 4);
        memcpy(p, code, sizeof code);
        code_sum += ((uint32_t (*)(void))p)();
        munmap(p, 4096);
    }
    return NULL;
}

int main(int argc, char **argv) {
    long threads = argc > 1 ? atol(argv[1]) : 1000;
    buffers = argc > 2 ? atol(argv[2]) : 1000;
    pthread_t coder;
    if (pthread_create(&coder, NULL, churn_code, NULL)) return 1;
    uintptr_t sum = 0;
    for (long i = 0; i < threads; i++) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, work, (void *)(uintptr_t)i) || pthread_join(t, &r)) return 1;
        sum += (uintptr_t)r;
    }
    threads_done = 1;
    pthread_join(coder, NULL);
    printf("threads %lu\n", (unsigned long)sum);
    return 0;
}
