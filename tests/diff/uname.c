// Prints the kernel release uname(2) reports: `emu386 diff --kernel-release X` diverges here.
#include <stdio.h>
#include <sys/utsname.h>

int main(void) {
    struct utsname u;
    if (uname(&u) != 0)
        return 1;
    printf("%s\n", u.release);
    return 0;
}
