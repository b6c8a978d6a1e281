/* A helper for the `emu386 suite` tests: one behaviour per first argument.
 *   sleep     sleep (far past any case's time limit)
 *   spin      loop on the CPU forever
 *   cat       copy stdin to stdout
 *   cwd       print the working directory
 *   stderr S  print S and a newline to stderr, exit 0
 *   segv      store through a null pointer */
#include <signal.h>
#include <stdio.h>
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
    fprintf(stderr, "usage: tool sleep|spin|cat|cwd|stderr TEXT|segv\n");
    return 2;
}
