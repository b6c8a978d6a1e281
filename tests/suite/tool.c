/* A helper for the `emu386 suite` tests: one behaviour per first argument.
 *   sleep     sleep (far past any case's time limit)
 *   spin      loop on the CPU forever
 *   cat       copy stdin to stdout
 *   cwd       print the working directory
 *   stderr S  print S and a newline to stderr, exit 0
 *   segv      store through a null pointer
 *   daemon    leave two processes behind outside the process group, as daemons do (fork, setsid,
 *             fork again, sleep), then print "parent done" and exit 0
 *   spew N    write N MiB of numbered lines to stdout (the same MiB N times) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "sleep")) {
        sleep(1000);
        return 0;
    }
    if (!strcmp(mode, "spin")) {
        for (volatile unsigned n = 0;; n++) {
        }
    }
    if (!strcmp(mode, "cat")) {
        char buf[4096];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
        return 0;
    }
    if (!strcmp(mode, "cwd")) {
        char buf[4096];
        puts(getcwd(buf, sizeof buf) ? buf : "(getcwd failed)");
        return 0;
    }
    if (!strcmp(mode, "stderr") && argc > 2) {
        fprintf(stderr, "%s\n", argv[2]);
        return 0;
    }
    if (!strcmp(mode, "segv")) {
        *(volatile int *)0 = 1;
        return 0;
    }
    if (!strcmp(mode, "daemon")) {
        int ready[2];
        if (pipe(ready)) return 1;
        if (fork() == 0) {
            setsid();
            if (fork() == 0) {
                /* The grandchild: closes what it inherited, tells the parent it runs, sleeps. */
                close(ready[0]);
                close(1);
                close(2);
                if (write(ready[1], "g", 1) != 1) _exit(1);
                sleep(1000);
                _exit(0);
            }
            if (write(ready[1], "c", 1) != 1) _exit(1);
            close(1);
            close(2);
            sleep(1000);
            _exit(0);
        }
        close(ready[1]);
        char c[2];
        if (read(ready[0], c, 1) != 1 || read(ready[0], c + 1, 1) != 1) return 1;
        puts("parent done");
        return 0;
    }
    if (!strcmp(mode, "spew") && argc > 2) {
        static char block[1 << 20];
        for (int line = 0; line < (1 << 20) / 16; line++) {
            char text[32];
            snprintf(text, sizeof text, "line %010d\n", line);
            memcpy(block + line * 16, text, 16);
        }
        for (long i = atol(argv[2]); i > 0; i--)
            if (write(1, block, sizeof block) != sizeof block) return 1;
        return 0;
    }
    fprintf(stderr, "usage: tool sleep|spin|cat|cwd|stderr TEXT|segv|daemon|spew MIB\n");
    return 2;
}
