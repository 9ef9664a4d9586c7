/* A dynamically linked program checks what the kernel told its ELF interpreter in the auxiliary vector:
   AT_BASE is where ld-linux-armhf.so.3 was loaded, AT_PHDR/AT_PHNUM/AT_PHENT describe the program's own
   program headers, AT_ENTRY is its entry point (_start), AT_EXECFN its path. */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern void _start(void);
static int seen;

static int visit(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    if (seen++ == 0) { /* the program itself comes first */
        printf("phdr matches=%d phnum matches=%d\n", (unsigned long)info->dlpi_phdr == getauxval(AT_PHDR),
               info->dlpi_phnum == getauxval(AT_PHNUM));
        int has_interp = 0;
        for (int i = 0; i < info->dlpi_phnum; i++) has_interp |= info->dlpi_phdr[i].p_type == PT_INTERP;
        printf("program has PT_INTERP=%d\n", has_interp);
    } else if (strstr(info->dlpi_name, "ld-linux")) {
        printf("AT_BASE is the interpreter's load address=%d\n", info->dlpi_addr == getauxval(AT_BASE));
    }
    return 0;
}

int main(int argc, char **argv) {
    printf("AT_ENTRY is _start=%d\n", getauxval(AT_ENTRY) == (unsigned long)&_start);
    printf("AT_PHENT=%lu AT_PAGESZ=%lu base nonzero=%d\n", getauxval(AT_PHENT), getauxval(AT_PAGESZ),
           getauxval(AT_BASE) != 0);
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN is argv[0]=%d\n", strcmp(fn, argv[0]) == 0);
    dl_iterate_phdr(visit, NULL);
    printf("objects>=3: %d\n", seen >= 3); /* the program, libc, the interpreter (and the vdso under Linux) */
    return argc;
}
