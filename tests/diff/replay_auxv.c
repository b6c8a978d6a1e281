// The 16 AT_RANDOM bytes the kernel puts on the stack (glibc's stack protector and pointer guard
// come from them).
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM:");
    for (int i = 0; r && i < 16; i++)
        printf(" %02x", r[i]);
    printf("\n");
    return 0;
}
