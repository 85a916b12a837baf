#include <stdio.h>
int main(void) { puts("feedctl " FEEDD_VERSION); return 0; }
