// A hash table seeded from getrandom (as hash-flooding defences do): the seed decides the bucket of
// each key, so the printed order differs between runs with different random bytes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

static uint32_t hash(uint32_t seed, const char *s) {
    uint32_t h = 2166136261u ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int main(void) {
    uint32_t seed;
    ssize_t n = getrandom(&seed, sizeof seed, 0);
    printf("getrandom: %zd\n", n);
    const char *keys[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
    enum { BUCKETS = 16 };
    const char *table[BUCKETS] = {0};
    for (int i = 0; i < 8; i++) {
        uint32_t b = hash(seed, keys[i]) % BUCKETS;
        while (table[b])
            b = (b + 1) % BUCKETS;
        table[b] = keys[i];
    }
    printf("iteration order:");
    for (int b = 0; b < BUCKETS; b++)
        if (table[b])
            printf(" %s", table[b]);
    printf("\n");
    // Another draw; its length can be changed for the emulated run alone (`emu386 diff -E
    // REPLAY_LONGER=1`), which makes it stop matching the recording there.
    unsigned char big[64];
    size_t len = getenv("REPLAY_LONGER") ? 64 : 48;
    n = getrandom(big, len, GRND_NONBLOCK);
    printf("getrandom %zu, GRND_NONBLOCK: %zd, first bytes %02x%02x\n", len, n, big[0], big[1]);
    return 0;
}
