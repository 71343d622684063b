/* The convert summary: what changed in the image, and what the user changes outside it. */
#include "convert/convert.h"

#include <string.h>

/* Steps outside the image, one row per platform. IMAGE stands for the output image's name. */
static const struct {
	const char *platform;
	const char *steps;
} summary_platforms[] = {
	{ "xen-xl",
	  "in the domain's xl config set type = \"hvm\", remove the kernel=/ramdisk=/bootloader= (pygrub, "
	  "pvgrub) lines and point disk= at IMAGE" },
	{ "xcp-ng",
	  "import IMAGE as the VM's disk (xe vdi-import), then xe vm-param-set uuid=<vm> "
	  "HVM-boot-policy=\"BIOS order\" HVM-boot-params:order=c PV-bootloader=\"\" PV-args=\"\"" },
	{ "aws",
	  "upload IMAGE and import it as a snapshot (aws ec2 import-snapshot, format raw), then register it as "
	  "an HVM image: aws ec2 register-image --virtualization-type hvm --root-device-name /dev/xvda "
	  "--block-device-mappings DeviceName=/dev/xvda,Ebs={SnapshotId=snap-...}" },
	{ "kvm",
	  "boot IMAGE as a raw disk on an emulated IDE/SATA controller (virt-install --import --disk "
	  "path=...,format=raw,bus=sata); switch to virtio once the guest's initramfs carries virtio_blk" },
};

/* The platform's steps with IMAGE replaced by the output path. */
static void summary_steps(char *buf, size_t n, const char *steps, const char *image)
{
	const char *at = strstr(steps, "IMAGE");

	if (at)
		snprintf(buf, n, "%.*s%s%s", (int)(at - steps), steps, image, at + 5);
	else
		snprintf(buf, n, "%s", steps);
}

static bool summary_pvh_capable(const struct plan *p)
{
	for (size_t i = 0; i < p->n_kernels; i++)
		if (p->kernels[i].pvh == 1 && !p->kernels[i].xen_only)
			return true;
	return false;
}

static void summary_human_size(char *buf, size_t n, unsigned long long b)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void summary_print(const struct convert_result *res, const struct convert_opts *o, FILE *out, bool color)
{
	const struct plan *p = res->plan;
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	char disk[32], fs[32], copied[32];

	summary_human_size(disk, sizeof disk, res->disk_size);
	summary_human_size(fs, sizeof fs, res->fs_bytes_after);
	summary_human_size(copied, sizeof copied, res->copied_bytes);
	fprintf(out, "%s%s%s: HVM disk image written from %s\n", bold, o->output, off, o->input);
	fprintf(out, "  disk: %s, msdos label, partition 1 at 1 MiB (bootable, type 83) holding the %s filesystem (%s%s)\n",
		disk, p->fs_type ? p->fs_type : "ext", fs, res->grown ? ", grown" : "");
	fprintf(out, "  copied %s of used data in %.2f s; the rest is left as holes (sparse file)\n", copied,
		res->seconds_copy);
	fprintf(out, "  boot loader: GRUB 2 (i386-pc) in the MBR, core.img at LBA 1-%u, %u modules in /boot/grub/i386-pc\n",
		res->core_sectors, res->grub_files);
	fprintf(out, "  root filesystem named as %s%s\n", p->root_spec ? p->root_spec : "?",
		p->legacy_configfile ? "; GRUB 2 reads the guest's menu.lst through legacy_configfile" : "");

	fprintf(out, "\n%sChanged inside the image%s (originals kept as *.virtmode-orig):\n", bold, off);
	for (size_t i = 0; i < p->n_edits; i++) {
		fprintf(out, "  %s: %s\n", p->edits[i].path, p->edits[i].reason ? p->edits[i].reason : "rewritten");
		for (size_t k = 0; k < p->edits[i].n_changes; k++)
			fprintf(out, "      %s\n", p->edits[i].changes[k]);
	}
	for (size_t i = 0; i < p->n_mkdirs; i++)
		fprintf(out, "  %s: directory created\n", p->mkdirs[i]);
	for (size_t i = 0; i < p->n_creates; i++)
		fprintf(out, "  %s: created (%s)\n", p->creates[i].path, p->creates[i].reason ? p->creates[i].reason : "new");
	for (size_t i = 0; i < p->n_link_removes; i++)
		fprintf(out, "  %s: link removed (pointed at %s): %s\n", p->link_removes[i].path,
			p->link_removes[i].target, p->link_removes[i].reason ? p->link_removes[i].reason : "");
	for (size_t i = 0; i < p->n_link_adds; i++)
		fprintf(out, "  %s -> %s: link created: %s\n", p->link_adds[i].path, p->link_adds[i].target,
			p->link_adds[i].reason ? p->link_adds[i].reason : "");
	if (p->set_label)
		fprintf(out, "  filesystem label set to \"%s\" (the rewritten configs use LABEL=%s)\n", p->set_label,
			p->set_label);
	fprintf(out, "  /boot/grub/i386-pc: GRUB 2 modules installed\n");
	for (size_t i = 0; i < p->n_warnings; i++)
		fprintf(out, "%swarning%s: %s%s%s\n", color ? "\033[33m" : "", off, p->warnings[i].reason,
			p->warnings[i].fix && *p->warnings[i].fix ? "; " : "", p->warnings[i].fix ? p->warnings[i].fix : "");

	fprintf(out, "\n%sOutside the image%s:\n", bold, off);
	for (size_t i = 0; i < sizeof summary_platforms / sizeof summary_platforms[0]; i++) {
		if (!strcmp(summary_platforms[i].platform, "kvm") && o->plan.target != PLAN_TARGET_KVM)
			continue;
		char buf[2048];
		summary_steps(buf, sizeof buf, summary_platforms[i].steps, o->output);
		fprintf(out, "  %-7s %s\n", summary_platforms[i].platform, buf);
	}
	if (summary_pvh_capable(p))
		fprintf(out, "  note: the guest's kernel supports PVH (CONFIG_XEN_PVH): on Xen it can run as PVH with "
			     "no conversion at all: keep the original image and set type = \"pvh\" in the xl config\n");
}

struct json_object *summary_json(const struct convert_result *res, const struct convert_opts *o)
{
	struct json_object *j = json_object_new_object(), *disk = json_object_new_object();
	struct json_object *steps = json_object_new_object();

	json_object_object_add(j, "input", json_object_new_string(o->input));
	json_object_object_add(j, "output", json_object_new_string(o->output));
	json_object_object_add(disk, "size", json_object_new_int64((int64_t)res->disk_size));
	json_object_object_add(disk, "label", json_object_new_string("msdos"));
	json_object_object_add(disk, "partition_start", json_object_new_int64((int64_t)CONVERT_PART_OFFSET));
	json_object_object_add(disk, "partition_size", json_object_new_int64((int64_t)res->part_size));
	json_object_object_add(disk, "fs_size_before", json_object_new_int64((int64_t)res->fs_bytes_before));
	json_object_object_add(disk, "fs_size", json_object_new_int64((int64_t)res->fs_bytes_after));
	json_object_object_add(disk, "grown", json_object_new_boolean(res->grown));
	json_object_object_add(disk, "copied_bytes", json_object_new_int64((int64_t)res->copied_bytes));
	json_object_object_add(disk, "copy_seconds", json_object_new_double(res->seconds_copy));
	json_object_object_add(disk, "total_seconds", json_object_new_double(res->seconds_total));
	json_object_object_add(disk, "grub_core_sectors", json_object_new_int((int)res->core_sectors));
	json_object_object_add(disk, "grub_files", json_object_new_int((int)res->grub_files));
	json_object_object_add(j, "disk", disk);
	json_object_object_add(j, "plan", plan_to_json(res->plan));
	for (size_t i = 0; i < sizeof summary_platforms / sizeof summary_platforms[0]; i++) {
		char buf[2048];
		summary_steps(buf, sizeof buf, summary_platforms[i].steps, o->output);
		json_object_object_add(steps, summary_platforms[i].platform, json_object_new_string(buf));
	}
	json_object_object_add(j, "outside_steps", steps);
	json_object_object_add(j, "pvh_needs_no_conversion", json_object_new_boolean(summary_pvh_capable(res->plan)));
	return j;
}
