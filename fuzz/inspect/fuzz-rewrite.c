/* libFuzzer: every config rewrite rule on the same text, then the fstab validator on the result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/rewrite.h"

typedef int (*rule_fn)(const char *, size_t, const struct rewrite_env *, struct rewrite_out *);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const rule_fn rules[] = { rewrite_fstab, rewrite_grub_legacy, rewrite_grub2_cfg, rewrite_default_grub,
					 rewrite_device_map, rewrite_inittab, rewrite_resume_conf, rewrite_securetty };
	static const struct rewrite_env env = {
		.spec = "UUID=0b7c3c5e-5d38-4b7a-9a4e-8d1f0f6c2a11", .console = "ttyS0", .root_dev = "/dev/xvda1",
		.fs_uuid = "0b7c3c5e-5d38-4b7a-9a4e-8d1f0f6c2a11", .fs_label = "/", .disk_dev = "/dev/sda",
	};
	/* the rules get a buffer that is not NUL-terminated, as they would from a file of that size */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		struct rewrite_out o;
		if (rules[i](text, size, &env, &o) == 0) {
			char *problem = NULL;
			if (i == 0)
				rewrite_fstab_validate(o.text, o.len, &env, &problem);
			free(problem);
			rewrite_out_free(&o);
		}
	}
	struct rewrite_out o = { 0 };
	free(rewrite_cmdline(text, size, &env, "x", &o));
	rewrite_out_free(&o);
	free(rewrite_fstab_root_spec(text, size));
	free(rewrite_cmdline_root(text, size));
	free(text);
	return 0;
}
