/* Signals that arrive while the guest copies with `rep movsl` and compares with glibc's SSE
 * memcmp (see tests/robustness.rs): natively it prints "bad 0"; a stale EIP at an asynchronous
 * stop used to resume the interrupted context at the wrong instruction (SIGSEGV). */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/time.h>
static volatile int hits;
static void h(int s) { (void)s; hits++; }
int main(int argc, char **argv) {
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, 0);
    static unsigned src[1 << 14], dst[1 << 14];
    for (int i = 0; i < (1 << 14); i++) src[i] = i * 2654435761u;
    long bad = 0;
    for (int round = 0; round < 2000; round++) {
        void *d = dst, *s = src; unsigned n = 1 << 14;
        __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
        if (d != (void *)(dst + (1 << 14)) || s != (void *)(src + (1 << 14)) || n != 0) bad++;
        if (memcmp(dst, src, sizeof src)) bad += 1000;
    }
    printf("bad %ld hits>0 %d\ndone \n", bad, hits > 0);
    return 0;
}
