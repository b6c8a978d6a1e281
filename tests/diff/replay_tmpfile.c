// Temporary files under `emu386 diff`: their names come from getrandom or the clock (and glibc's
// tempname starts from a stack address), so they agree only when both runs got the same values.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char name[] = "replay-tmp-XXXXXX";
    int fd = mkstemp(name);
    printf("mkstemp: fd %d, name %s\n", fd, name);
    printf("write %zd\n", write(fd, "data\n", 5));
    close(fd);
    unlink(name);
    char dir[] = "replay-dir-XXXXXX";
    printf("mkdtemp: %s\n", mkdtemp(dir) ? dir : "failed");
    rmdir(dir);
    FILE *f = tmpfile();
    printf("tmpfile: %s\n", f ? "opened" : "failed");
    if (f) {
        fputs("hello\n", f);
        rewind(f);
        char line[16] = "";
        printf("read back: %s", fgets(line, sizeof line, f) ? line : "nothing\n");
        fclose(f);
    }
    if (argc > 1) {
        // Left behind in another directory (as in /tmp): the tool removes what the native run
        // created exclusively before the emulated run, which creates the same names.
        char kept[256], kept_dir[256];
        snprintf(kept, sizeof kept, "%s/kept-XXXXXX", argv[1]);
        snprintf(kept_dir, sizeof kept_dir, "%s/kept-dir-XXXXXX", argv[1]);
        fd = mkstemp(kept);
        printf("kept: fd %d, %s\n", fd, strrchr(kept, '/') + 1);
        printf("kept directory: %s\n", mkdtemp(kept_dir) ? strrchr(kept_dir, '/') + 1 : "failed");
    }
    return 0;
}
