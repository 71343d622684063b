/* The parent the fork metrics fork from. Forking from virtmode itself measured virtmode's size: its
 * ~70 mappings and 3 MB resident cost 15-25% more per fork here than lmbench's lat_proc, and the
 * figure would move whenever virtmode linked another library or was built with sanitizers. This
 * program is always the same small thing: dynamically linked to libc alone, no heap of its own, not
 * sanitized; while it forks it has lat_proc's shape (23 mappings, 92 KiB anonymous). It times its
 * own loop, so the pipe to virtmode is outside the measurement. */
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/clock.h"
#include "bench/forker.h"

static long forker_involuntary(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nivcsw;
}

static int forker_one(uint64_t op, char *helper)
{
	char *argv[] = { helper, NULL }, *envp[] = { NULL };
	int status;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (p == 0) {
		if (op == FORKER_FORK_EXEC) {
			execve(helper, argv, envp);
			_exit(127);
		}
		/* exit, not _exit: a child leaves as a program does (and as lat_proc's does), through
		 * libc's exit path, whose writes to its copy of libc's data are copy-on-write faults
		 * that a real fork pays for. */
		exit(0);
	}
	if (waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static struct forker_reply forker_serve(const struct forker_request *rq, char *helper)
{
	struct forker_reply rp = { 0, 0 };

	if (rq->op == FORKER_PING)
		return rp;
	if ((rq->op != FORKER_FORK_EXIT && rq->op != FORKER_FORK_EXEC) || (rq->op == FORKER_FORK_EXEC && !helper)) {
		rp.elapsed_ns = FORKER_FAILED;
		return rp;
	}
	long sw0 = forker_involuntary();
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < rq->n; i++)
		if (forker_one(rq->op, helper) < 0) {
			rp.elapsed_ns = FORKER_FAILED;
			return rp;
		}
	rp.elapsed_ns = clock_now_ns() - t0;
	rp.preempted = (uint64_t)(forker_involuntary() - sw0);
	return rp;
}

/* usage: virtmode-bench-forker [EXEC_HELPER], requests on stdin, replies on stdout, until EOF. */
int main(int argc, char **argv)
{
	char *helper = argc > 1 ? argv[1] : NULL;
	struct forker_request rq;

	while (read(0, &rq, sizeof rq) == (ssize_t)sizeof rq) {
		struct forker_reply rp = forker_serve(&rq, helper);
		if (write(1, &rp, sizeof rp) != (ssize_t)sizeof rp)
			return 1;
	}
	return 0;
}
