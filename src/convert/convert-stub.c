/* placeholder until the convert engine lands */
int convert_placeholder(void);
int convert_placeholder(void) { return 0; }
