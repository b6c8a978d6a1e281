// An agreeing program for `emu386 diff`: file I/O, a socketpair, a fork, stdin.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    char buf[64];
    int fd = open("diff-agree.txt", O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0)
        return 10;
    write(fd, "hello file\n", 11);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    unlink("diff-agree.txt");
    printf("file read %zd\n", n);
    n = read(0, buf, sizeof buf);
    printf("stdin read %zd\n", n);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 11;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        write(sv[1], "from child", 10);
        _exit(3);
    }
    close(sv[1]);
    n = read(sv[0], buf, sizeof buf);
    int status = 0;
    waitpid(pid, &status, 0);
    printf("socket read %zd, child exit %d\n", n, WEXITSTATUS(status));
    fprintf(stderr, "done\n");
    return 0;
}
