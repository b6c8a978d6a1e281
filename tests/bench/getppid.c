// Benchmark: syscall round trip. 1,000,000 getppid() calls (glibc does not cache getppid, each
// one enters the kernel, or the emulator's syscall path).
#include <stdio.h>
#include <unistd.h>

#define CALLS 1000000

int main(void)
{
    long sum = 0;
    for (int i = 0; i < CALLS; i++)
        sum += getppid() != 0;
    printf("getppid calls with a parent: %ld\n", sum);
    return 0;
}
