#pragma once
/* The wire between virtmode and virtmode-bench-forker (forker.c): one request, one reply, each a
 * fixed-size struct over a pipe. Both ends are built from this tree, so no versioning. */
#include <stdint.h>

enum forker_op {
	FORKER_PING = 0,         /* answer at once: the server runs */
	FORKER_FORK_EXIT = 1,    /* n times: fork, child exit(0), waitpid */
	FORKER_FORK_EXEC = 2,    /* n times: fork, child execve(argv[1]), waitpid, exit status 0 */
};

struct forker_request {
	uint64_t op, n;
};

#define FORKER_FAILED UINT64_MAX

struct forker_reply {
	uint64_t elapsed_ns;     /* FORKER_FAILED when an iteration failed */
	uint64_t preempted;      /* the server's involuntary context switches during the loop */
};
