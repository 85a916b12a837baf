#include <stdio.h>
int main(void) { puts("feedd " FEEDD_VERSION); return 0; }
