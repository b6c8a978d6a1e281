// Benchmark: start-up cost. Prints one line and exits.
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
