#pragma once
/* The words detect speaks: one enum per kind of answer, each with one string table (vocab.c), so the JSON,
 * the human output and the Prometheus labels never drift apart. Names follow systemd-detect-virt where it
 * has a word. */

enum hypervisor {
	HV_NONE, HV_KVM, HV_AMAZON, HV_QEMU, HV_BOCHS, HV_XEN, HV_UML, HV_VMWARE, HV_ORACLE, HV_MICROSOFT,
	HV_ZVM, HV_PARALLELS, HV_BHYVE, HV_QNX, HV_ACRN, HV_POWERVM, HV_APPLE, HV_SRE, HV_GOOGLE, HV_VM_OTHER,
	HV_COUNT
};

enum container {
	CT_NONE, CT_OPENVZ, CT_LXC, CT_LXC_LIBVIRT, CT_SYSTEMD_NSPAWN, CT_DOCKER, CT_PODMAN, CT_RKT, CT_WSL,
	CT_PROOT, CT_POUCH, CT_CONTAINER_OTHER,
	CT_COUNT
};

enum cloud {
	CLOUD_NONE, CLOUD_AWS, CLOUD_GOOGLE, CLOUD_AZURE, CLOUD_ALIBABA, CLOUD_ORACLE, CLOUD_DIGITALOCEAN,
	CLOUD_HETZNER, CLOUD_OPENSTACK, CLOUD_TENCENT, CLOUD_HUAWEI, CLOUD_LINODE, CLOUD_VULTR, CLOUD_SCALEWAY,
	CLOUD_EXOSCALE, CLOUD_UPCLOUD, CLOUD_IBM,
	CLOUD_COUNT
};

enum xen_mode { XEN_MODE_UNKNOWN, XEN_MODE_PV, XEN_MODE_HVM, XEN_MODE_HVM_PV_DRIVERS, XEN_MODE_PVHVM, XEN_MODE_PVH, XEN_MODE_COUNT };
enum xen_domain { XEN_DOMAIN_UNKNOWN, XEN_DOMAIN_DOM0, XEN_DOMAIN_DOMU, XEN_DOMAIN_COUNT };

/* A cell of the virtualization spectrum: emulated in software, hardware-virtualized, paravirtualized. */
enum cell { CELL_NULL, CELL_VS, CELL_VH, CELL_P, CELL_COUNT };

/* The four columns of Xen's virtualization-spectrum diagram, in its order. */
enum column { COL_DISK_NETWORK, COL_INTERRUPTS_TIMERS, COL_MOTHERBOARD_BOOT, COL_PRIVILEGED_PAGETABLES, COL_COUNT };

enum dev_class { DEV_DISK, DEV_NET, DEV_CLASS_COUNT };

enum confidence { CONF_HIGH, CONF_MEDIUM, CONF_LOW, CONF_COUNT };

const char *vocab_hypervisor_to_string(enum hypervisor h);
const char *vocab_hypervisor_to_human(enum hypervisor h); /* "Xen", "KVM", "Microsoft Hyper-V" */
const char *vocab_container_to_string(enum container c);
const char *vocab_cloud_to_string(enum cloud c);
const char *vocab_xen_mode_to_string(enum xen_mode m);
const char *vocab_xen_domain_to_string(enum xen_domain d);
const char *vocab_cell_to_string(enum cell c);           /* NULL for CELL_NULL */
const char *vocab_column_to_string(enum column c);       /* "disk_network" */
const char *vocab_column_to_human(enum column c);        /* "disk & network" */
const char *vocab_dev_class_to_string(enum dev_class c);
const char *vocab_confidence_to_string(enum confidence c);

/* -1 when the name is not known. */
int vocab_hypervisor_from_string(const char *s);
int vocab_container_from_string(const char *s); /* also the aliases containers write in container= */
int vocab_xen_mode_from_string(const char *s);
