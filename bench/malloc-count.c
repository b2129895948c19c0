// malloc-count.c: an LD_PRELOAD shim that counts heap allocations, for bench/run.sh.
//
//   cc -O2 -shared -fPIC -o malloc-count.so bench/malloc-count.c
//   MALLOC_COUNT_FILE=/dev/shm/count LD_PRELOAD=./malloc-count.so PROGRAM ...
//   kill -USR2 PID    # writes "<allocations>\n" to MALLOC_COUNT_FILE
//
// Counts malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc and
// pvalloc calls (not free) with a relaxed atomic, and forwards to glibc's own entry points
// (__libc_*), so there is no dlsym bootstrap problem and no extra allocation of our own.
// The count is written from the SIGUSR2 handler with open/write/close only (async-signal-safe),
// so reading it costs the measured program nothing between readings; it is also written at
// exit (the exporter exits through exit(0) on SIGTERM, so destructors run).
// Put MALLOC_COUNT_FILE on tmpfs (/dev/shm) so the readings are no storage writes of the program.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_ulong allocations;
static char count_path[4096];

static inline void count(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *valloc(size_t size) { count(); return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size); }
void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    count();
    return __libc_memalign(page, (size + page - 1) & ~(page - 1));
}
int posix_memalign(void **out, size_t alignment, size_t size) {
    // The same argument checks as glibc: a power of two multiple of sizeof(void *).
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
    count();
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

// Writes the count as decimal text; only async-signal-safe calls, errno preserved.
static void write_count(void) {
    if (count_path[0] == 0) return;
    int saved = errno;
    char text[32];
    unsigned long value = atomic_load_explicit(&allocations, memory_order_relaxed);
    int at = sizeof text;
    text[--at] = '\n';
    do { text[--at] = (char)('0' + value % 10); value /= 10; } while (value > 0);
    int fd = open(count_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t ignored = write(fd, text + at, sizeof text - at);
        (void)ignored;
        close(fd);
    }
    errno = saved;
}

static void on_usr2(int signal_number) { (void)signal_number; write_count(); }

__attribute__((constructor)) static void start(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path == NULL || strlen(path) >= sizeof count_path) return;
    strcpy(count_path, path);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr2;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR2, &action, NULL);
}

__attribute__((destructor)) static void finish(void) { write_count(); }
