// Clock and time stamp counter readings, printed: clock_gettime (the 32-bit and the time64 call),
// gettimeofday, time, rdtsc and rdtscp.
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

struct ts32 { int32_t sec, nsec; };
struct ts64 { int64_t sec, nsec; };

int main(void) {
    clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_COARSE};
    for (int i = 0; i < 4; i++) {
        struct timespec ts;
        int r = clock_gettime(clocks[i], &ts);
        printf("clock_gettime(%d) = %d: %lld.%09ld\n", clocks[i], r, (long long)ts.tv_sec, ts.tv_nsec);
    }
    struct ts32 t32;
    long r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t32);
    printf("SYS_clock_gettime = %ld: %d.%09d\n", r, t32.sec, t32.nsec);
    struct ts64 t64;
    r = syscall(SYS_clock_gettime64, CLOCK_MONOTONIC, &t64);
    printf("SYS_clock_gettime64 = %ld: %lld.%09lld\n", r, (long long)t64.sec, (long long)t64.nsec);
    struct timeval tv;
    r = gettimeofday(&tv, NULL);
    printf("gettimeofday = %ld: %lld.%06ld\n", r, (long long)tv.tv_sec, (long)tv.tv_usec);
    time_t t = 0;
    printf("time = %lld, stored %lld\n", (long long)time(&t), (long long)t);
    unsigned long long a = __rdtsc();
    unsigned aux = 0;
    unsigned long long b = __rdtscp(&aux);
    printf("rdtsc %llu, rdtscp %llu (aux %u), later: %d\n", a, b, aux, b >= a);
    return 0;
}
