/* Classification: evidence in, verdict out, nothing read or printed. Each conclusion leaves "why" lines
 * naming the evidence that supports it. */
#include "detect/classify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect/tables.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 4, 5)))
static void why(struct verdict *v, const char *source, const char *supports, const char *fmt, ...)
{
	if (!v || v->n_why >= V_MAX_WHY)
		return;
	struct v_why *w = &v->why[v->n_why++];
	va_list ap;
	snprintf(w->source, sizeof w->source, "%s", source);
	snprintf(w->supports, sizeof w->supports, "%s", supports);
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof w->text, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void advise(struct verdict *v, const char *id, const char *fmt, ...)
{
	if (v->n_advice >= V_MAX_ADVICE)
		return;
	struct v_advice *a = &v->advice[v->n_advice++];
	va_list ap;
	a->id = id;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof a->text, fmt, ap);
	va_end(ap);
}

/* ---- CPUID ---- */

static bool cpuid_hypervisor_bit(const struct cpuid_dump *d)
{
	const struct cpuid_leaf *l = cpuid_find(d, 1, 0);
	return l && (l->ecx & 0x80000000u);
}

/* The hypervisor CPUID names, looking past Hyper-V enlightenments: KVM and Xen put "Microsoft Hv" at
 * 0x40000000 for Windows guests and their own signature at 0x40000100. SIG gets the deciding signature. */
static enum hypervisor cpuid_hypervisor(const struct cpuid_dump *d, char sig[13], uint32_t *leaf)
{
	enum hypervisor found = HV_NONE;
	char s[13];

	sig[0] = 0;
	if (d->state != CPUID_OK)
		return HV_NONE;
	for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100) {
		if (!cpuid_signature(d, base, s) || !s[0])
			continue;
		enum hypervisor h = tables_cpuid_signature(s);
		if (h == HV_NONE && found == HV_NONE && base == 0x40000000) {
			found = HV_VM_OTHER;
			snprintf(sig, 13, "%s", s);
			*leaf = base;
			continue;
		}
		if (h == HV_NONE)
			continue;
		if (found == HV_NONE || found == HV_VM_OTHER || (found == HV_MICROSOFT && h != HV_MICROSOFT)) {
			found = h;
			snprintf(sig, 13, "%s", s);
			*leaf = base;
		}
	}
	return found;
}

static enum hypervisor dmesg_hypervisor(const char *name)
{
	static const struct { const char *prefix; enum hypervisor hv; } rows[] = {
		{ "Xen", HV_XEN }, { "KVM", HV_KVM }, { "VMware", HV_VMWARE }, { "Microsoft Hyper-V", HV_MICROSOFT },
		{ "ACRN", HV_ACRN }, { "Bhyve", HV_BHYVE }, { "Jailhouse", HV_VM_OTHER },
	};
	for (size_t i = 0; i < N(rows); i++)
		if (!strncmp(name, rows[i].prefix, strlen(rows[i].prefix)))
			return rows[i].hv;
	return HV_NONE;
}

/* What DMI's vendor/product fields name, and which field said it. */
static enum hypervisor dmi_hypervisor(const struct evidence *ev, const char **field, const char **value)
{
	const struct { const char *name; const char *value; } fields[] = {
		{ "product_name", ev->dmi_product_name }, { "sys_vendor", ev->dmi_sys_vendor },
		{ "board_vendor", ev->dmi_board_vendor }, { "bios_vendor", ev->dmi_bios_vendor },
		{ "product_version", ev->dmi_product_version }, { "chassis_asset_tag", ev->dmi_chassis_asset_tag },
	};
	for (size_t i = 0; i < N(fields); i++) {
		struct dmi_match m;
		if (tables_dmi(fields[i].name, fields[i].value, &m) && m.hv != HV_NONE) {
			*field = fields[i].name;
			*value = fields[i].value;
			return m.hv;
		}
	}
	return HV_NONE;
}

static void add_layer(struct verdict *v, bool container, int id)
{
	for (int i = 0; i < v->n_layers; i++)
		if (v->layers[i].container == container && v->layers[i].id == id)
			return;
	if (v->n_layers < V_MAX_LAYERS)
		v->layers[v->n_layers++] = (struct v_layer){ container, id };
}

/* The precedence between the sources, in one place. The first rule that names a hypervisor decides; what
 * the others say about layers underneath is kept as outer layers (see classify_outer_layers). */
enum hypervisor classify_hypervisor(const struct evidence *ev, struct verdict *v)
{
	char sig[13], fsig[13];
	uint32_t leaf = 0, fleaf = 0;
	enum hypervisor plain = cpuid_hypervisor(&ev->cpuid, sig, &leaf);
	enum hypervisor forced = cpuid_hypervisor(&ev->cpuid_forced, fsig, &fleaf);
	const char *dfield = NULL, *dvalue = NULL;
	enum hypervisor dmi = dmi_hypervisor(ev, &dfield, &dvalue);

	/* 1. Xen's forced-emulation CPUID only works inside a Xen PV guest (elsewhere it is an invalid opcode),
	 *    and there it is the only CPUID Xen sees: plain CPUID in PV is not trapped and reports whatever
	 *    runs under Xen. So a Xen answer here beats everything, plain CPUID included. */
	if (forced == HV_XEN) {
		why(v, "cpuid-xen-forced 0x40000000", "hypervisor=xen", "forced-emulation CPUID signature \"%s\"", fsig);
		return HV_XEN;
	}
	/* 2. /sys/hypervisor/type is written by Xen's own guest drivers (PV, PVH, PVHVM, dom0 alike): the kernel
	 *    talked to Xen. It outranks plain CPUID, which a PV dom0 sees from the layer below Xen. */
	if (!strcmp(ev->hv_type, "xen")) {
		why(v, "sys/hypervisor/type", "hypervisor=xen", "xen");
		return HV_XEN;
	}
	/* 3. Plain CPUID: the hypervisor bit of leaf 1 and the signature leaves. Every hypervisor that wants to be
	 *    found answers here, and it cannot be spoofed from inside the guest. */
	if (plain != HV_NONE && (cpuid_hypervisor_bit(&ev->cpuid) || plain == HV_XEN)) {
		char sup[48];
		/* 3a. Some platforms run KVM but are named by their firmware: EC2 Nitro, GCE, VirtualBox's and
		 *     Parallels' KVM interface. systemd-detect-virt reads DMI first for exactly these. */
		if (plain == HV_KVM && (dmi == HV_AMAZON || dmi == HV_GOOGLE || dmi == HV_ORACLE || dmi == HV_PARALLELS)) {
			why(v, "cpuid 0x40000000", "hypervisor=kvm", "signature \"%s\"", sig);
			snprintf(sup, sizeof sup, "hypervisor=%s", vocab_hypervisor_to_string(dmi));
			why(v, "sys/class/dmi/id", sup, "%s \"%s\": a KVM-based platform that names itself", dfield, dvalue);
			return dmi;
		}
		snprintf(sup, sizeof sup, "hypervisor=%s", vocab_hypervisor_to_string(plain));
		why(v, leaf == 0x40000100 ? "cpuid 0x40000100" : "cpuid 0x40000000", sup, "signature \"%s\"", sig);
		return plain;
	}
	/* 4. The kernel's own boot-time detection, for snapshots without cpuid.txt. */
	if (dmesg_has(&ev->dmesg, DMESG_HYPERVISOR_DETECTED)) {
		enum hypervisor h = dmesg_hypervisor(ev->dmesg.value[DMESG_HYPERVISOR_DETECTED]);
		if (h != HV_NONE) {
			char sup[48];
			snprintf(sup, sizeof sup, "hypervisor=%s", vocab_hypervisor_to_string(h));
			why(v, "dmesg", sup, "%s", ev->dmesg.line[DMESG_HYPERVISOR_DETECTED]);
			return h;
		}
	}
	/* 5. The device tree's hypervisor node: Arm has no CPUID, and Xen and KVM on Arm say so here. */
	if (ev->dt_hypervisor_compatible[0]) {
		enum hypervisor h = tables_device_tree(ev->dt_hypervisor_compatible);
		if (h != HV_NONE) {
			why(v, "proc/device-tree/hypervisor/compatible", "hypervisor", "%s", ev->dt_hypervisor_compatible);
			return h;
		}
	}
	/* 6. s390x: z/VM or KVM names itself in /proc/sysinfo. ppc64: an LPAR has a partition name; under
	 *    QEMU the machine is "qemu,pseries". */
	if (ev->s390_vm_cp[0]) {
		enum hypervisor h = strstr(ev->s390_vm_cp, "z/VM") ? HV_ZVM : strstr(ev->s390_vm_cp, "KVM") ? HV_KVM : HV_VM_OTHER;
		why(v, "proc/sysinfo", "hypervisor", "VM00 Control Program: %s", ev->s390_vm_cp);
		return h;
	}
	if (ev->dt_compatible[0] && tables_device_tree(ev->dt_compatible) != HV_NONE) {
		why(v, "proc/device-tree/compatible", "hypervisor=kvm", "%s", ev->dt_compatible);
		return tables_device_tree(ev->dt_compatible);
	}
	if (ev->dt_ibm_partition) {
		why(v, "proc/device-tree/ibm,partition-name", "hypervisor=powervm", "an LPAR of a PowerVM machine");
		return HV_POWERVM;
	}
	/* 7. DMI alone: firmware strings can be set by anyone configuring a VM, so they come after every source
	 *    the hypervisor itself answers. Arm guests with UEFI (EC2 Graviton) are found here. */
	if (dmi != HV_NONE) {
		char sup[48];
		snprintf(sup, sizeof sup, "hypervisor=%s", vocab_hypervisor_to_string(dmi));
		why(v, "sys/class/dmi/id", sup, "%s \"%s\"", dfield, dvalue);
		return dmi;
	}
	/* 8. The CPU says a hypervisor is there but nothing names it. */
	if (ev->flag_hypervisor || cpuid_hypervisor_bit(&ev->cpuid)) {
		why(v, ev->flag_hypervisor ? "proc/cpuinfo" : "cpuid 0x1", "hypervisor=vm-other",
		    "the \"hypervisor\" CPU flag is set, and no source names the hypervisor");
		return HV_VM_OTHER;
	}
	if (ev->cpuid.state == CPUID_OK)
		why(v, "cpuid 0x1", "hypervisor=none", "the hypervisor bit (leaf 1 ecx bit 31) is clear");
	return HV_NONE;
}

/* Layers under the innermost VM, visible only in special cases. */
static void classify_outer_layers(const struct evidence *ev, struct verdict *v)
{
	char sig[13];
	uint32_t leaf;
	enum hypervisor plain = cpuid_hypervisor(&ev->cpuid, sig, &leaf);
	const char *f, *val;
	enum hypervisor dmi = dmi_hypervisor(ev, &f, &val);

	if (v->hypervisor != HV_XEN)
		return;
	/* In a PV guest plain CPUID is not trapped: it reports the hypervisor Xen itself runs under. */
	if (v->xen_mode == XEN_MODE_PV && plain != HV_NONE && plain != HV_XEN) {
		why(v, "cpuid 0x40000000", "layer", "plain CPUID in a PV guest shows what Xen runs on: \"%s\"", sig);
		add_layer(v, false, plain);
	}
	/* dom0 sees the machine's own firmware: DMI naming a hypervisor means Xen runs inside a VM. */
	if (v->xen_domain == XEN_DOMAIN_DOM0 && dmi != HV_NONE && dmi != HV_XEN) {
		why(v, "sys/class/dmi/id", "layer", "dom0 sees the real firmware: %s \"%s\"", f, val);
		add_layer(v, false, dmi);
	}
}

/* ---- containers ---- */

enum container classify_container(const struct evidence *ev, struct verdict *v)
{
	int c;

	/* systemd-detect-virt's order. OpenVZ: /proc/vz without /proc/bc (the host has both). */
	if (ev->proc_vz && !ev->proc_bc) {
		why(v, "proc/vz", "container=openvz", "present, and proc/bc absent");
		return CT_OPENVZ;
	}
	/* WSL writes its name into the kernel release. */
	if (strstr(ev->osrelease, "Microsoft") || strstr(ev->osrelease, "WSL")) {
		why(v, "proc/sys/kernel/osrelease", "container=wsl", "%s", ev->osrelease);
		return CT_WSL;
	}
	/* proot is a ptrace-based chroot: the tracer is proot. */
	if (!strcmp(ev->tracer_comm, "proot")) {
		why(v, "proc/self/status", "container=proot", "TracerPid is a process named proot");
		return CT_PROOT;
	}
	/* What the container manager says about itself (systemd's and podman's convention). */
	if (ev->container_manager[0] && (c = vocab_container_from_string(ev->container_manager)) > 0) {
		why(v, "run/host/container-manager", "container", "%s", ev->container_manager);
		return (enum container)c;
	}
	/* container= in PID 1's environment: lxc, lxc-libvirt, systemd-nspawn, docker, podman, rkt. */
	if (ev->env_container[0]) {
		c = vocab_container_from_string(ev->env_container);
		why(v, "proc/1/environ", "container", "container=%s", ev->env_container);
		return c > 0 ? (enum container)c : CT_CONTAINER_OTHER;
	}
	/* The files docker and podman put into every container. */
	if (ev->dockerenv) {
		why(v, ".dockerenv", "container=docker", "present");
		return CT_DOCKER;
	}
	if (ev->containerenv) {
		why(v, "run/.containerenv", "container=podman", "present");
		return CT_PODMAN;
	}
	/* Cgroup paths, when PID 1's environment could not be read (virt-what's fallback). */
	if (ev->cgroup_hint[0]) {
		enum container h = strstr(ev->cgroup_hint, "docker") || strstr(ev->cgroup_hint, "kubepods") ? CT_DOCKER
				   : strstr(ev->cgroup_hint, "lxc") ? CT_LXC
				   : strstr(ev->cgroup_hint, "libpod") ? CT_PODMAN
								       : CT_NONE;
		if (h != CT_NONE) {
			why(v, "proc/1/cgroup", "container", "a cgroup path containing \"%s\"", ev->cgroup_hint);
			return h;
		}
	}
	return CT_NONE;
}

/* ---- cloud ---- */

enum cloud classify_cloud(const struct evidence *ev, enum hypervisor hv)
{
	const struct { const char *name; const char *value; } fields[] = {
		{ "sys_vendor", ev->dmi_sys_vendor }, { "product_name", ev->dmi_product_name },
		{ "chassis_asset_tag", ev->dmi_chassis_asset_tag }, { "bios_version", ev->dmi_bios_version },
		{ "product_version", ev->dmi_product_version }, { "board_vendor", ev->dmi_board_vendor },
		{ "bios_vendor", ev->dmi_bios_vendor },
	};
	for (size_t i = 0; i < N(fields); i++) {
		struct dmi_match m;
		if (tables_dmi(fields[i].name, fields[i].value, &m) && m.cloud != CLOUD_NONE)
			return m.cloud;
	}
	if (hv == HV_AMAZON)
		return CLOUD_AWS;
	if (hv == HV_GOOGLE)
		return CLOUD_GOOGLE;
	/* Drivers that exist on one cloud only. */
	for (int i = 0; i < ev->n_devices; i++)
		for (int k = 0; k < 4 && ev->devices[i].drivers[k][0]; k++) {
			if (!strcmp(ev->devices[i].drivers[k], "ena"))
				return CLOUD_AWS;
			if (!strcmp(ev->devices[i].drivers[k], "gve"))
				return CLOUD_GOOGLE;
		}
	return CLOUD_NONE;
}

/* ---- Xen ---- */

static bool xen_pv_drivers_bound(const struct evidence *ev)
{
	for (int i = 0; i < ev->n_xenbus; i++)
		if (!strcmp(ev->xenbus[i].driver, "vbd") || !strcmp(ev->xenbus[i].driver, "vif"))
			return true;
	for (int i = 0; i < ev->n_devices; i++)
		if (!strcmp(ev->devices[i].drivers[0], "vbd") || !strcmp(ev->devices[i].drivers[0], "vif"))
			return true;
	return false;
}

static bool xen_callback_vector(const struct evidence *ev, struct verdict *v)
{
	if (dmesg_has(&ev->dmesg, DMESG_XEN_CALLBACK_VECTOR)) {
		why(v, "dmesg", "xen.mode=pvhvm", "%s", ev->dmesg.line[DMESG_XEN_CALLBACK_VECTOR]);
		return true;
	}
	/* Per-CPU timer VIRQs need event delivery by vector: without it there are no xen-percpu timers. */
	if (ev->irq_xen_percpu_virq > 0) {
		why(v, "proc/interrupts", "xen.mode=pvhvm", "%d xen-percpu virq line(s): timers are Xen events",
		    ev->irq_xen_percpu_virq);
		return true;
	}
	if (!strcmp(ev->clock_current, "xen")) {
		why(v, "sys/devices/system/clocksource/clocksource0/current_clocksource", "xen.mode=pvhvm",
		    "xen (the Xen clocksource needs the callback vector in an HVM guest)");
		return true;
	}
	return false;
}

/* How interrupts reach the guest, for --explain: event channels (PV) or an emulated interrupt controller. */
static void xen_interrupt_evidence(const struct evidence *ev, struct verdict *v)
{
	if (ev->irq_xen_pirq)
		why(v, "proc/interrupts", "interrupts", "%d xen-pirq line(s): device interrupts delivered as event channels",
		    ev->irq_xen_pirq);
	if (ev->irq_xen_dyn)
		why(v, "proc/interrupts", "interrupts", "%d xen-dyn line(s): PV devices' event channels", ev->irq_xen_dyn);
	if (ev->irq_xen_platform)
		why(v, "proc/interrupts", "interrupts", "xen-platform-pci has an emulated interrupt: events arrive through it");
	if (dmesg_has(&ev->dmesg, DMESG_XEN_PV_SPINLOCKS))
		why(v, "dmesg", "interrupts", "%s", ev->dmesg.line[DMESG_XEN_PV_SPINLOCKS]);
	if (dmesg_has(&ev->dmesg, DMESG_XEN_VCPUOP_TIMER))
		why(v, "dmesg", "interrupts", "%s", ev->dmesg.line[DMESG_XEN_VCPUOP_TIMER]);
}

/* The precedence for the mode: the kernel's own word first, then what only one mode can produce. */
enum xen_mode classify_xen_mode(const struct evidence *ev, struct verdict *v)
{
	enum xen_mode m = XEN_MODE_UNKNOWN;
	char sig[13];
	uint32_t leaf;

	/* 1. guest_type: Linux (4.16+) writes what it booted as. */
	if (!strcmp(ev->hv_guest_type, "PV")) {
		why(v, "sys/hypervisor/guest_type", "xen.mode=pv", "PV");
		return XEN_MODE_PV;
	}
	if (!strcmp(ev->hv_guest_type, "PVH")) {
		why(v, "sys/hypervisor/guest_type", "xen.mode=pvh", "PVH");
		return XEN_MODE_PVH;
	}
	if (!strcmp(ev->hv_guest_type, "HVM")) {
		why(v, "sys/hypervisor/guest_type", "xen.mode=hvm-family", "HVM (fully virtualized container; PV parts decided below)");
		m = XEN_MODE_HVM;
	}
	/* 2. Only a PV guest survives the forced-emulation prefix. */
	if (m == XEN_MODE_UNKNOWN && cpuid_hypervisor(&ev->cpuid_forced, sig, &leaf) == HV_XEN) {
		why(v, "cpuid-xen-forced 0x40000000", "xen.mode=pv", "forced-emulation CPUID works: a PV guest");
		return XEN_MODE_PV;
	}
	/* 3. The boot line names the entry point the kernel took. */
	if (m == XEN_MODE_UNKNOWN && dmesg_has(&ev->dmesg, DMESG_BOOT_XEN_PVH)) {
		why(v, "dmesg", "xen.mode=pvh", "%s", ev->dmesg.line[DMESG_BOOT_XEN_PVH]);
		return XEN_MODE_PVH;
	}
	if (m == XEN_MODE_UNKNOWN && dmesg_has(&ev->dmesg, DMESG_BOOT_XEN_PV)) {
		why(v, "dmesg", "xen.mode=pv", "%s", ev->dmesg.line[DMESG_BOOT_XEN_PV]);
		return XEN_MODE_PV;
	}
	if (m == XEN_MODE_UNKNOWN && dmesg_has(&ev->dmesg, DMESG_HYPERVISOR_DETECTED) &&
	    !strcmp(ev->dmesg.value[DMESG_HYPERVISOR_DETECTED], "Xen PV")) {
		why(v, "dmesg", "xen.mode=pv", "%s", ev->dmesg.line[DMESG_HYPERVISOR_DETECTED]);
		return XEN_MODE_PV;
	}
	/* 4. Otherwise an HVM container: plain CPUID or the kernel found Xen through the HVM interface. */
	if (m == XEN_MODE_UNKNOWN) {
		if (dmesg_has(&ev->dmesg, DMESG_BOOT_XEN_HVM))
			why(v, "dmesg", "xen.mode=hvm-family", "%s", ev->dmesg.line[DMESG_BOOT_XEN_HVM]);
		else if (dmesg_has(&ev->dmesg, DMESG_HYPERVISOR_DETECTED))
			why(v, "dmesg", "xen.mode=hvm-family", "%s", ev->dmesg.line[DMESG_HYPERVISOR_DETECTED]);
		m = XEN_MODE_HVM;
	}
	/* Within HVM, how much is paravirtualized: event delivery by callback vector makes interrupts and
	 * timers PV (PVHVM); PV disk/network drivers alone are "HVM with PV drivers"; neither is plain HVM. */
	if (xen_callback_vector(ev, v))
		return XEN_MODE_PVHVM;
	if (xen_pv_drivers_bound(ev)) {
		why(v, "sys/bus/xen/devices", "xen.mode=hvm-pv-drivers",
		    "PV disk/network frontends are bound, but events arrive through the emulated platform-PCI interrupt");
		return XEN_MODE_HVM_PV_DRIVERS;
	}
	if (dmesg_has(&ev->dmesg, DMESG_BOOT_BARE))
		why(v, "dmesg", "xen.mode=hvm", "%s: the kernel uses no Xen interface", ev->dmesg.line[DMESG_BOOT_BARE]);
	else
		why(v, "sys/bus/xen/devices", "xen.mode=hvm", "no PV frontend bound and no Xen event delivery: fully emulated");
	return XEN_MODE_HVM;
}

enum xen_domain classify_xen_domain(const struct evidence *ev, struct verdict *v)
{
	/* 1. xenfs says control_d only in the control domain. */
	if (ev->xen_control_d) {
		why(v, "proc/xen/capabilities", "xen.domain=dom0", "control_d");
		return XEN_DOMAIN_DOM0;
	}
	/* 2. XENFEAT_dom0: Xen offers dom0 operation to the control domain only. */
	if (ev->hv_features_known && (ev->hv_features & (1u << 11))) {
		why(v, "sys/hypervisor/properties/features", "xen.domain=dom0", "%08x has XENFEAT_dom0", ev->hv_features);
		return XEN_DOMAIN_DOM0;
	}
	if (ev->xen_caps_present) {
		why(v, "proc/xen/capabilities", "xen.domain=domU", "no control_d");
		return XEN_DOMAIN_DOMU;
	}
	if (ev->hv_features_known) {
		why(v, "sys/hypervisor/properties/features", "xen.domain=domU", "%08x lacks XENFEAT_dom0", ev->hv_features);
		return XEN_DOMAIN_DOMU;
	}
	/* 3. No Xen driver in the kernel at all: a dom0 cannot run without them, so this is a guest. */
	if (!ev->hv_type[0] && !ev->xen_caps_present) {
		why(v, "sys/hypervisor", "xen.domain=domU", "absent: the kernel uses no Xen driver, which a dom0 needs");
		return XEN_DOMAIN_DOMU;
	}
	return XEN_DOMAIN_UNKNOWN;
}

/* Xen's virtualization-spectrum diagram (Lars Kurth; Brendan Gregg's "What color is your Xen?"), one row
 * per mode: disk & network, interrupts & timers, emulated motherboard & legacy boot, privileged
 * instructions & page tables. */
void classify_xen_row(enum xen_mode m, enum cell row[COL_COUNT])
{
	static const enum cell rows[XEN_MODE_COUNT][COL_COUNT] = {
		[XEN_MODE_HVM] = { CELL_VS, CELL_VS, CELL_VS, CELL_VH },
		[XEN_MODE_HVM_PV_DRIVERS] = { CELL_P, CELL_VS, CELL_VS, CELL_VH },
		[XEN_MODE_PVHVM] = { CELL_P, CELL_P, CELL_VS, CELL_VH },
		[XEN_MODE_PVH] = { CELL_P, CELL_P, CELL_P, CELL_VH },
		[XEN_MODE_PV] = { CELL_P, CELL_P, CELL_P, CELL_P },
	};
	memcpy(row, rows[(unsigned)m < XEN_MODE_COUNT ? m : XEN_MODE_UNKNOWN], sizeof rows[0]);
}

/* ---- devices ---- */

static bool generic_driver(const char *d)
{
	static const char *const generic[] = { "sd", "sr", "virtio-pci", "pcieport", "scsi", "virtio-mmio",
					       "xen-platform-pci", "nvme-core" };
	for (size_t i = 0; i < N(generic); i++)
		if (!strcmp(d, generic[i]))
			return true;
	return false;
}

static void classify_devices(const struct evidence *ev, struct verdict *v)
{
	bool native = v->hypervisor == HV_NONE || (v->xen && v->xen_domain == XEN_DOMAIN_DOM0);

	for (int i = 0; i < ev->n_devices; i++) {
		const struct ev_device *d = &ev->devices[i];
		struct v_device *o = &v->devices[v->n_devices++];
		const struct driver_info *info = NULL;
		memset(o, 0, sizeof *o);
		snprintf(o->name, sizeof o->name, "%s", d->name);
		o->cls = d->cls;
		for (int k = 0; k < 4 && d->drivers[k][0] && !info; k++)
			if ((info = tables_driver(d->drivers[k])))
				snprintf(o->driver, sizeof o->driver, "%s", d->drivers[k]);
		if (!info)
			for (int k = 0; k < 4 && d->drivers[k][0] && !o->driver[0]; k++)
				if (!generic_driver(d->drivers[k]))
					snprintf(o->driver, sizeof o->driver, "%s", d->drivers[k]);
		o->what = info ? info->what : NULL;
		o->cell = info ? info->cell : CELL_NULL;
		/* QEMU's NVMe is a device model (vendor 1b36), not a controller in hardware. */
		if (info && !strcmp(info->name, "nvme") && d->pci_vendor == 0x1b36) {
			o->cell = CELL_VS;
			o->what = "emulated NVMe (QEMU)";
		}
		/* Bare metal, and a dom0, drive real hardware with native drivers: nothing is virtualized. */
		if (native && (!info || info->cell != CELL_P)) {
			/* The table describes the device as a guest sees it; here the kernel drives it directly. */
			o->native = true;
			o->cell = CELL_NULL;
			o->what = NULL;
		}
		if (o->driver[0]) {
			char src[64];
			snprintf(src, sizeof src, "sys/%s/%s", d->cls == DEV_DISK ? "block" : "class/net", d->name);
			why(v, src, "devices", "driver %s: %s", o->driver,
			    o->native ? (v->xen ? "dom0 drives the hardware directly" : "native hardware")
				      : o->what ? o->what : "not in virtmode's driver table");
		}
		if (!strcmp(o->driver, "vbd") && v->n_xen_pv_drivers < 4)
			v->xen_pv_drivers[v->n_xen_pv_drivers++] = "xen-blkfront";
		if (!strcmp(o->driver, "vif") && v->n_xen_pv_drivers < 4)
			v->xen_pv_drivers[v->n_xen_pv_drivers++] = "xen-netfront";
	}
}

/* The slowest path in use decides a column that several devices share: VS < P < VH. */
static enum cell worst_device_cell(const struct verdict *v)
{
	static const int rank[CELL_COUNT] = { [CELL_NULL] = 99, [CELL_VS] = 0, [CELL_P] = 1, [CELL_VH] = 2 };
	enum cell w = CELL_NULL;
	for (int i = 0; i < v->n_devices; i++)
		if (v->devices[i].cell != CELL_NULL && rank[v->devices[i].cell] < rank[w])
			w = v->devices[i].cell;
	return w;
}

static bool emulated_motherboard(const struct evidence *ev, const char **what)
{
	for (int i = 0; i < ev->n_pci; i++)
		if ((*what = tables_pci_chipset(ev->pci[i].vendor, ev->pci[i].device)))
			return true;
	*what = NULL;
	return ev->dmi_present;
}

static void classify_spectrum(const struct evidence *ev, struct verdict *v)
{
	for (int c = 0; c < COL_COUNT; c++)
		v->spectrum[c] = CELL_NULL;
	if (v->hypervisor == HV_NONE)
		return;

	enum cell dev = worst_device_cell(v);
	if (v->xen) {
		classify_xen_row(v->xen_mode, v->spectrum);
		/* A domU's disk and network are what its devices are (an SR-IOV NIC makes PV into VH, an emulated
		 * disk in PVHVM keeps it VS). A dom0 is the backend and drives the hardware natively: the
		 * diagram's row stands. */
		if (v->xen_domain != XEN_DOMAIN_DOM0 && dev != CELL_NULL)
			v->spectrum[COL_DISK_NETWORK] = dev;
		return;
	}

	/* Other hypervisors, column by column from what this guest actually uses. */
	v->spectrum[COL_DISK_NETWORK] = dev;
	/* Timers: a paravirtual clock (kvm-clock, Hyper-V TSC page) is P, the TSC itself VH, an emulated timer
	 * chip (HPET, ACPI PM) VS. */
	v->spectrum[COL_INTERRUPTS_TIMERS] = ev->clock_current[0] ? tables_clocksource_cell(ev->clock_current) : CELL_NULL;
	/* Under TCG the TSC is a counter QEMU emulates, not the CPU's: no timer runs on hardware there. */
	if (v->hypervisor == HV_QEMU && v->spectrum[COL_INTERRUPTS_TIMERS] == CELL_VH)
		v->spectrum[COL_INTERRUPTS_TIMERS] = CELL_VS;

	const char *chipset;
	if (v->hypervisor == HV_AMAZON) {
		/* Nitro moves the device models into dedicated hardware: nothing is emulated in software. */
		v->spectrum[COL_MOTHERBOARD_BOOT] = CELL_VH;
	} else if (emulated_motherboard(ev, &chipset)) {
		v->spectrum[COL_MOTHERBOARD_BOOT] = CELL_VS;
		if (chipset)
			why(v, "sys/bus/pci/devices", "spectrum.motherboard_boot=VS", "emulated %s host bridge", chipset);
	} else if (v->platform && !strcmp(v->platform, "firecracker")) {
		/* No firmware, no PCI chipset or legacy devices: the kernel is entered directly (PVH boot). */
		v->spectrum[COL_MOTHERBOARD_BOOT] = CELL_P;
	}
	/* TCG emulates the CPU itself; every other hypervisor here runs guest code on VT-x/AMD-V/SIE/... */
	v->spectrum[COL_PRIVILEGED_PAGETABLES] = v->hypervisor == HV_QEMU ? CELL_VS : CELL_VH;
}

/* ---- clocksource ---- */

static bool clock_available(const struct evidence *ev, const char *name)
{
	for (int i = 0; i < ev->n_clock_available; i++)
		if (!strcmp(ev->clock_available[i], name))
			return true;
	return false;
}

static bool tsc_invariant(const struct evidence *ev)
{
	const struct cpuid_leaf *l = cpuid_find(&ev->cpuid, 0x80000007, 0);
	if (l && (l->edx & (1u << 8)))
		return true;
	return ev->flag_constant_tsc && ev->flag_nonstop_tsc;
}

static void classify_clocksource(const struct evidence *ev, struct verdict *v)
{
	snprintf(v->clock_current, sizeof v->clock_current, "%s", ev->clock_current);
	v->n_clock_available = ev->n_clock_available;
	memcpy(v->clock_available, ev->clock_available, sizeof v->clock_available);
	if (!ev->clock_current[0] || !strcmp(ev->clock_current, "tsc"))
		return;
	/* The TSC is read without leaving the guest; only worth it when it is invariant and the kernel has
	 * not found it unreliable. */
	if (clock_available(ev, "tsc") && tsc_invariant(ev) && !dmesg_has(&ev->dmesg, DMESG_TSC_UNSTABLE)) {
		v->clock_faster = "tsc";
		return;
	}
	/* An emulated timer chip when a paravirtual clock is on offer. */
	if (tables_clocksource_cell(ev->clock_current) == CELL_VS)
		for (int i = 0; i < ev->n_clock_available; i++)
			if (tables_clocksource_cell(ev->clock_available[i]) == CELL_P) {
				v->clock_faster = v->clock_available[i];
				return;
			}
}

/* ---- platform ---- */

static const char *classify_platform(const struct evidence *ev, const struct verdict *v)
{
	if (v->hypervisor == HV_AMAZON)
		return "nitro";
	if (v->hypervisor == HV_XEN && v->cloud == CLOUD_AWS)
		return "ec2-xen";
	/* Firecracker gives its guests no SMBIOS at all; QEMU, cloud-hypervisor and every cloud do. */
	if (v->hypervisor == HV_KVM && ev->cpuid.state == CPUID_OK && ev->cpuinfo_present && !ev->dmi_present)
		return "firecracker";
	return NULL;
}

/* ---- advice ---- */

static bool kernel_at_least(const char *release, int major, int minor)
{
	int a = 0, b = 0;
	if (sscanf(release, "%d.%d", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

static bool cmdline_has(const struct evidence *ev, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = ev->cmdline; (p = strstr(p, word)); p += n)
		if ((p == ev->cmdline || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '='))
			return true;
	return false;
}

static void classify_advice(const struct evidence *ev, struct verdict *v)
{
	bool domu = v->xen && v->xen_domain != XEN_DOMAIN_DOM0;

	if (v->xen && v->xen_mode == XEN_MODE_PV && domu)
		advise(v, "xen-pv-to-hvm",
		       "This is a PV guest: every page-table update and system call goes through Xen. On CPUs with "
		       "VT-x/AMD-V an HVM guest with PV drivers (PVHVM) or a PVH guest is faster. Convert the disk "
		       "image with `virtmode check IMAGE` then `virtmode convert IMAGE OUT.img`, and boot it with "
		       "type = \"hvm\" (or \"pvh\") in the domain's xl.cfg.");
	if (v->xen && v->xen_mode == XEN_MODE_PV && v->xen_domain == XEN_DOMAIN_DOM0)
		advise(v, "xen-dom0-pvh",
		       "This dom0 runs PV: page-table updates trap to Xen. Xen 4.12+ can run dom0 as PVH "
		       "(dom0=pvh on Xen's command line; needs an IOMMU and a kernel with CONFIG_XEN_PVH).");
	if (v->xen && v->xen_mode == XEN_MODE_HVM) {
		bool nopv = cmdline_has(ev, "xen_nopv") || cmdline_has(ev, "nopv");
		int blk = tables_module("xen_blkfront"), net = tables_module("xen_netfront");
		bool loaded = ev->modules_present && (ev->modules & ((1u << blk) | (1u << net)));
		advise(v, "xen-load-pv-drivers",
		       "Disk and network are emulated by QEMU in dom0. %s%s the emulated disk and NIC are unplugged at "
		       "boot and xvda/eth0 come through the PV rings.",
		       nopv ? "The kernel command line has xen_nopv/nopv, which turns every Xen interface off: remove it. " : "",
		       loaded && !nopv ? "xen-blkfront/xen-netfront are loaded but nothing is bound to them: give the domain "
					 "PV devices (xen_platform_pci=1, vdev names xvda in xl.cfg);"
				       : "Load the PV frontends, `modprobe xen-blkfront xen-netfront` (CONFIG_XEN_BLKDEV_FRONTEND, "
					 "CONFIG_XEN_NETDEV_FRONTEND, CONFIG_XEN_PVHVM):");
	}
	if (v->xen && v->xen_mode == XEN_MODE_HVM_PV_DRIVERS)
		advise(v, "xen-callback-vector",
		       "Disk and network are PV, but interrupts and timers are still emulated (events arrive through "
		       "the platform PCI interrupt). %sWith the callback vector (CONFIG_XEN_PVHVM, Xen 4.0+) the guest "
		       "becomes PVHVM: PV timers, PV spinlocks, event channels for interrupts.",
		       cmdline_has(ev, "xen_no_vector_callback") ? "Remove xen_no_vector_callback from the kernel command line. " : "");
	if (domu && v->xen_mode != XEN_MODE_PVH && v->xen_mode != XEN_MODE_UNKNOWN &&
	    (ev->kconfig_xen_pvh == 1 || (ev->kconfig_xen_pvh < 0 && kernel_at_least(ev->kernel_release, 4, 11))))
		advise(v, "xen-pvh-capable",
		       "This kernel (%s%s) can boot as PVH: no emulated motherboard or legacy boot, hardware page "
		       "tables. Set type = \"pvh\" in the domain's xl.cfg (Xen 4.10+; a PV guest's image boots as is).",
		       ev->kernel_release, ev->kconfig_xen_pvh == 1 ? ", CONFIG_XEN_PVH=y" : ", 4.11 or later");
	if (v->clock_faster && !strcmp(v->clock_faster, "tsc"))
		advise(v, "clocksource-tsc",
		       "The clocksource is %s, but this CPU's TSC is invariant (constant_tsc, nonstop_tsc): reading "
		       "the TSC does not leave the guest. `echo tsc > /sys/devices/system/clocksource/clocksource0/"
		       "current_clocksource`; to keep it, add clocksource=tsc tsc=reliable to the kernel command line.",
		       ev->clock_current);
	else if (v->clock_faster)
		advise(v, "clocksource-pv",
		       "The clocksource is %s, an emulated timer; the paravirtual %s is available: `echo %s > "
		       "/sys/devices/system/clocksource/clocksource0/current_clocksource`.",
		       ev->clock_current, v->clock_faster, v->clock_faster);
	for (int i = 0; i < v->n_devices; i++) {
		if (domu && !strcmp(v->devices[i].driver, "vif")) {
			advise(v, "xen-sriov",
			       "%s goes through netfront and netback in dom0. Where the host offers SR-IOV (on EC2: "
			       "enhanced networking, ena or ixgbevf), the guest gets a virtual function of the NIC "
			       "itself: lower latency, higher packet rates, no dom0 CPU.",
			       v->devices[i].name);
			break;
		}
	}
	if (!v->xen && v->hypervisor != HV_NONE)
		for (int i = 0; i < v->n_devices; i++)
			if (v->devices[i].cell == CELL_VS) {
				advise(v, "paravirtual-devices",
				       "%s uses %s, an emulated device. Use the hypervisor's paravirtual device instead "
				       "(virtio-blk/virtio-net on KVM/QEMU, vmxnet3/pvscsi on VMware, netvsc/storvsc "
				       "on Hyper-V).",
				       v->devices[i].name, v->devices[i].driver);
				break;
			}
	if (v->hypervisor == HV_QEMU)
		advise(v, "qemu-kvm",
		       "QEMU is emulating the CPU in software (TCG): everything runs many times slower than with "
		       "hardware virtualization. Start QEMU with -accel kvm where /dev/kvm exists.");
	for (int i = 0; i < ev->n_problems; i++)
		if (!strcmp(ev->problems[i].path, "dmesg (kernel log)")) {
			advise(v, "dmesg-restricted",
			       "The kernel log could not be read (kernel.dmesg_restrict): run as root or with "
			       "CAP_SYSLOG for the boot-time evidence.");
			break;
		}
}

static enum confidence classify_confidence(const struct evidence *ev, const struct verdict *v)
{
	int sources = 0;
	for (int i = 0; i < v->n_why; i++)
		if (!strncmp(v->why[i].supports, "hypervisor", 10))
			sources++;
	if (!ev->cpuinfo_present && ev->cpuid.state == CPUID_ABSENT && !ev->dmesg_present && !ev->dmi_present)
		return CONF_LOW;
	if (v->xen && (v->xen_domain == XEN_DOMAIN_UNKNOWN || v->xen_mode == XEN_MODE_UNKNOWN))
		return CONF_MEDIUM;
	if (ev->n_problems > 0)
		return CONF_MEDIUM;
	if (v->hypervisor == HV_VM_OTHER)
		return CONF_MEDIUM;
	return sources >= 1 || v->hypervisor == HV_NONE ? CONF_HIGH : CONF_MEDIUM;
}

void classify(const struct evidence *ev, struct verdict *v)
{
	memset(v, 0, sizeof *v);
	v->container = classify_container(ev, v);
	v->hypervisor = classify_hypervisor(ev, v);
	if (v->container != CT_NONE)
		add_layer(v, true, v->container);
	if (v->hypervisor != HV_NONE)
		add_layer(v, false, v->hypervisor);

	if (v->hypervisor == HV_XEN) {
		v->xen = true;
		v->xen_mode = classify_xen_mode(ev, v);
		v->xen_domain = classify_xen_domain(ev, v);
		xen_interrupt_evidence(ev, v);
		v->xen_features_known = ev->hv_features_known;
		v->xen_features = ev->hv_features;
		snprintf(v->xen_version, sizeof v->xen_version, "%s",
			 ev->hv_version[0] ? ev->hv_version : ev->dmesg.value[DMESG_XEN_VERSION]);
		/* On Arm, Xen has one guest type, built like PVH: HVM containers with PV devices, no emulation. */
		if (ev->dt_hypervisor_compatible[0] && ev->cpuid.state == CPUID_ABSENT && !ev->hv_guest_type[0])
			v->xen_mode = XEN_MODE_PVH;
		classify_outer_layers(ev, v);
	}
	v->cloud = classify_cloud(ev, v->hypervisor);
	v->platform = classify_platform(ev, v);
	classify_devices(ev, v);
	classify_spectrum(ev, v);
	classify_clocksource(ev, v);
	classify_advice(ev, v);
	v->n_problems = ev->n_problems;
	memcpy(v->problems, ev->problems, sizeof v->problems);
	v->dmesg_truncated = ev->dmesg_truncated;
	v->confidence = classify_confidence(ev, v);
}
