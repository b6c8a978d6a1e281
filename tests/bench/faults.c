/* 20,000 handled SIGSEGVs: a load from a PROT_NONE page, and a handler that steps over it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <ucontext.h>

static volatile int handled;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    (void)si;
    uc->uc_mcontext.gregs[REG_EIP] += 2; /* movl (%eax), %ecx */
    handled++;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    for (int i = 0; i < 20000; i++)
        __asm__ volatile("movl (%0), %%ecx" : : "a"(page) : "ecx", "memory");
    printf("%d faults handled\n", handled);
    return handled != 20000;
}
