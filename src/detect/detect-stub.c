/* placeholder until the detect engine lands */
int detect_placeholder(void);
int detect_placeholder(void) { return 0; }
