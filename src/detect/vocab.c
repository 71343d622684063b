#include "detect/vocab.h"

#include <string.h>

#define LOOKUP(table, s)                                                            \
	do {                                                                        \
		for (int i_ = 0; i_ < (int)(sizeof table / sizeof table[0]); i_++) \
			if (table[i_] && !strcmp(table[i_], s))                     \
				return i_;                                          \
		return -1;                                                          \
	} while (0)

static const char *const hypervisors[HV_COUNT] = {
	[HV_NONE] = "none", [HV_KVM] = "kvm", [HV_AMAZON] = "amazon", [HV_QEMU] = "qemu", [HV_BOCHS] = "bochs",
	[HV_XEN] = "xen", [HV_UML] = "uml", [HV_VMWARE] = "vmware", [HV_ORACLE] = "oracle",
	[HV_MICROSOFT] = "microsoft", [HV_ZVM] = "zvm", [HV_PARALLELS] = "parallels", [HV_BHYVE] = "bhyve",
	[HV_QNX] = "qnx", [HV_ACRN] = "acrn", [HV_POWERVM] = "powervm", [HV_APPLE] = "apple", [HV_SRE] = "sre",
	[HV_GOOGLE] = "google", [HV_VM_OTHER] = "vm-other",
};

static const char *const hypervisors_human[HV_COUNT] = {
	[HV_NONE] = "none (bare metal)", [HV_KVM] = "KVM", [HV_AMAZON] = "Amazon EC2 (Nitro, KVM-based)",
	[HV_QEMU] = "QEMU (TCG, software emulation)", [HV_BOCHS] = "Bochs", [HV_XEN] = "Xen",
	[HV_UML] = "User-mode Linux", [HV_VMWARE] = "VMware", [HV_ORACLE] = "Oracle VirtualBox",
	[HV_MICROSOFT] = "Microsoft Hyper-V", [HV_ZVM] = "IBM z/VM", [HV_PARALLELS] = "Parallels",
	[HV_BHYVE] = "bhyve", [HV_QNX] = "QNX hypervisor", [HV_ACRN] = "ACRN", [HV_POWERVM] = "IBM PowerVM",
	[HV_APPLE] = "Apple Virtualization", [HV_SRE] = "LMHS SRE", [HV_GOOGLE] = "Google Compute Engine (KVM-based)",
	[HV_VM_OTHER] = "an unidentified hypervisor",
};

static const char *const containers[CT_COUNT] = {
	[CT_NONE] = "none", [CT_OPENVZ] = "openvz", [CT_LXC] = "lxc", [CT_LXC_LIBVIRT] = "lxc-libvirt",
	[CT_SYSTEMD_NSPAWN] = "systemd-nspawn", [CT_DOCKER] = "docker", [CT_PODMAN] = "podman", [CT_RKT] = "rkt",
	[CT_WSL] = "wsl", [CT_PROOT] = "proot", [CT_POUCH] = "pouch", [CT_CONTAINER_OTHER] = "container-other",
};

static const char *const clouds[CLOUD_COUNT] = {
	[CLOUD_NONE] = "none", [CLOUD_AWS] = "aws", [CLOUD_GOOGLE] = "google", [CLOUD_AZURE] = "azure",
	[CLOUD_ALIBABA] = "alibaba", [CLOUD_ORACLE] = "oracle", [CLOUD_DIGITALOCEAN] = "digitalocean",
	[CLOUD_HETZNER] = "hetzner", [CLOUD_OPENSTACK] = "openstack", [CLOUD_TENCENT] = "tencent",
	[CLOUD_HUAWEI] = "huawei", [CLOUD_LINODE] = "linode", [CLOUD_VULTR] = "vultr",
	[CLOUD_SCALEWAY] = "scaleway", [CLOUD_EXOSCALE] = "exoscale", [CLOUD_UPCLOUD] = "upcloud",
	[CLOUD_IBM] = "ibm",
};

static const char *const xen_modes[XEN_MODE_COUNT] = {
	[XEN_MODE_UNKNOWN] = "unknown", [XEN_MODE_PV] = "pv", [XEN_MODE_HVM] = "hvm",
	[XEN_MODE_HVM_PV_DRIVERS] = "hvm-pv-drivers", [XEN_MODE_PVHVM] = "pvhvm", [XEN_MODE_PVH] = "pvh",
};

static const char *const xen_domains[XEN_DOMAIN_COUNT] = {
	[XEN_DOMAIN_UNKNOWN] = "unknown", [XEN_DOMAIN_DOM0] = "dom0", [XEN_DOMAIN_DOMU] = "domU",
};

static const char *const cells[CELL_COUNT] = { [CELL_NULL] = NULL, [CELL_VS] = "VS", [CELL_VH] = "VH", [CELL_P] = "P" };

static const char *const columns[COL_COUNT] = {
	[COL_DISK_NETWORK] = "disk_network", [COL_INTERRUPTS_TIMERS] = "interrupts_timers",
	[COL_MOTHERBOARD_BOOT] = "motherboard_boot", [COL_PRIVILEGED_PAGETABLES] = "privileged_pagetables",
};

static const char *const columns_human[COL_COUNT] = {
	[COL_DISK_NETWORK] = "disk & network", [COL_INTERRUPTS_TIMERS] = "interrupts & timers",
	[COL_MOTHERBOARD_BOOT] = "motherboard & boot", [COL_PRIVILEGED_PAGETABLES] = "privileged & page tables",
};

static const char *const dev_classes[DEV_CLASS_COUNT] = { [DEV_DISK] = "disk", [DEV_NET] = "net" };
static const char *const confidences[CONF_COUNT] = { [CONF_HIGH] = "high", [CONF_MEDIUM] = "medium", [CONF_LOW] = "low" };

#define TO_STRING(table, v, count) ((unsigned)(v) < (count) ? table[v] : NULL)

const char *vocab_hypervisor_to_string(enum hypervisor h) { return TO_STRING(hypervisors, h, HV_COUNT); }
const char *vocab_hypervisor_to_human(enum hypervisor h) { return TO_STRING(hypervisors_human, h, HV_COUNT); }
const char *vocab_container_to_string(enum container c) { return TO_STRING(containers, c, CT_COUNT); }
const char *vocab_cloud_to_string(enum cloud c) { return TO_STRING(clouds, c, CLOUD_COUNT); }
const char *vocab_xen_mode_to_string(enum xen_mode m) { return TO_STRING(xen_modes, m, XEN_MODE_COUNT); }
const char *vocab_xen_domain_to_string(enum xen_domain d) { return TO_STRING(xen_domains, d, XEN_DOMAIN_COUNT); }
const char *vocab_cell_to_string(enum cell c) { return TO_STRING(cells, c, CELL_COUNT); }
const char *vocab_column_to_string(enum column c) { return TO_STRING(columns, c, COL_COUNT); }
const char *vocab_column_to_human(enum column c) { return TO_STRING(columns_human, c, COL_COUNT); }
const char *vocab_dev_class_to_string(enum dev_class c) { return TO_STRING(dev_classes, c, DEV_CLASS_COUNT); }
const char *vocab_confidence_to_string(enum confidence c) { return TO_STRING(confidences, c, CONF_COUNT); }

int vocab_hypervisor_from_string(const char *s) { LOOKUP(hypervisors, s); }
int vocab_xen_mode_from_string(const char *s) { LOOKUP(xen_modes, s); }

int vocab_container_from_string(const char *s)
{
	/* What container managers write into container= or /run/host/container-manager. */
	static const struct { const char *alias; enum container c; } aliases[] = {
		{ "oci", CT_CONTAINER_OTHER }, { "container-other", CT_CONTAINER_OTHER }, { "libpod", CT_PODMAN },
	};
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (!strcmp(aliases[i].alias, s))
			return (int)aliases[i].c;
	LOOKUP(containers, s);
}
