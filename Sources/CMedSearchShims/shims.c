#include "CMedSearchShims.h"
#include <errno.h>
#include <string.h>
#include <sys/random.h>

void medsearch_zeroize(void *pointer, size_t count) {
    if (pointer == NULL || count == 0) { return; }
    volatile unsigned char *p = (volatile unsigned char *)pointer;
    while (count--) { *p++ = 0; }
    __asm__ __volatile__("" : : "r"(pointer) : "memory");
}

int medsearch_constant_time_compare(const void *a, const void *b, size_t count) {
    const volatile unsigned char *x = (const volatile unsigned char *)a;
    const volatile unsigned char *y = (const volatile unsigned char *)b;
    unsigned char difference = 0;
    for (size_t i = 0; i < count; i++) { difference |= x[i] ^ y[i]; }
    return difference;
}

int medsearch_getrandom(void *buffer, size_t count) {
    unsigned char *p = (unsigned char *)buffer;
    while (count > 0) {
        ssize_t n = getrandom(p, count, 0);
        if (n < 0) {
            if (errno == EINTR) { continue; }
            return errno;
        }
        p += n;
        count -= (size_t)n;
    }
    return 0;
}
