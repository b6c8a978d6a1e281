/* A page wholly past the end of a mapped file: syscalls reading or writing it get EFAULT (the
 * kernel's copy_from_user fails); touching it from user space is SIGBUS. emu386 must answer
 * EFAULT, not die of SIGBUS itself. Also shared anonymous memory grown past its end by mremap. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    int fd = open("empty", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); /* beyond EOF: SIGBUS on touch */
    long r = syscall(SYS_nanosleep, p, NULL);
    printf("nanosleep(beyond-EOF page) = %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_write, 1, p, 4);
    printf("write(beyond-EOF page) = %ld %s\n", r, r < 0 ? strerror(errno) : "");
    char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    q = mremap(q, 4096, 8192, MREMAP_MAYMOVE);
    r = syscall(SYS_pipe2, q + 4096, 0);
    printf("pipe2(grown shared memory) = %ld %s\n", r, r < 0 ? strerror(errno) : "");
    return 0;
}
