// A 64-bit program: `emu386 diff` cannot compare it (exit 2).
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
