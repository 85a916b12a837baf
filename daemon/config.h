/* config: placeholder, replaced by the foundation work. */
#ifndef FEEDD_CONFIG_H
#define FEEDD_CONFIG_H
int config_placeholder(void);
#endif
