/* A small bytecode interpreter: a switch-dispatch loop (indirect branches) computing primes. */
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MOD, JZ, JMP, LT, PRINT, HALT, DUP, INC };

static int run(const int *code, int limit, int quiet) {
    int stack[64], sp = 0, vars[8] = {0}, pc = 0, count = 0;
    vars[0] = limit;
    for (;;) {
        int op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
        case JMP: pc = code[pc]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case INC: vars[code[pc]]++; pc++; break;
        case PRINT: count++; if (!quiet) printf("%d ", stack[sp - 1]); sp--; break;
        case HALT: return count;
        default: return -1;
        }
    }
}

int main(int argc, char **argv) {
    int limit = argc > 1 ? atoi(argv[1]) : 200;
    /* for n in 2..limit: for d in 2..n-1: if n % d == 0 break; else print n */
    static const int code[] = {
        PUSH, 2, STORE, 1,                       /* 0: n = 2 */
        LOAD, 1, LOAD, 0, LT, JZ, 45,            /* 4: while n < limit */
        PUSH, 2, STORE, 2,                       /* 11: d = 2 */
        LOAD, 2, LOAD, 1, LT, JZ, 36,            /* 15: while d < n */
        LOAD, 1, LOAD, 2, MOD, JZ, 41,           /* 22: if n % d == 0 -> not prime */
        INC, 2, JMP, 15,                         /* 29: d++ */
        0, 0, 0,                                 /* 33: padding */
        LOAD, 1, PRINT, JMP, 41,                 /* 36: prime: print n */
        INC, 1, JMP, 4,                          /* 41: n++ */
        HALT,                                    /* 45 */
    };
    int c = run(code, limit, argc > 2);
    printf("\ncount=%d\n", c);
    return 0;
}
