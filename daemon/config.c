#include "config.h"
int config_placeholder(void) { return 0; }
