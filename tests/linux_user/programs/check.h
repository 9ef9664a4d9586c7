/* Shared by the system call test programs: print a call's result, or the errno name when it failed. */
#ifndef CHECK_H
#define CHECK_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void check(const char *what, long r) {
    if (r < 0)
        printf("%s: error %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}
#endif
