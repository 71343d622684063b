/* The program fork_exec executes: linked statically, so the measurement is the kernel's exec and
 * page-table work, not the dynamic loader's. */
int main(void)
{
	return 0;
}
