// Benchmark: CPU-bound guest code, no syscalls in the loop. FNV-1a over a 1 MiB buffer of
// xorshift32 data, ROUNDS times (`cpu [ROUNDS]`, default 400: ~400 MB hashed); prints the hash so
// nothing is optimised away.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BUF_SIZE (1u << 20)

static uint8_t buf[BUF_SIZE];

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 400;
    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < BUF_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
    uint32_t h = 2166136261u;
    for (int r = 0; r < rounds; r++) {
        for (uint32_t i = 0; i < BUF_SIZE; i++)
            h = (h ^ buf[i]) * 16777619u;
        buf[r % BUF_SIZE] ^= (uint8_t)h;
    }
    printf("fnv1a %08x\n", h);
    return 0;
}
