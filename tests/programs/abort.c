/* abort(): the guest raises SIGABRT on itself. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    puts("calling abort");
    fflush(stdout);
    abort();
}
