/* The tables. Sources: systemd src/basic/virt.c (CPUID signatures, DMI vendors), Xen's
 * xen/include/public/features.h (XENFEAT_* numbering), the Linux drivers' own names as sysfs shows them. */
#include "detect/tables.h"

#include <stddef.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *sig;
	enum hypervisor hv;
} cpuid_signatures[] = {
	{ "XenVMMXenVMM", HV_XEN },
	{ "KVMKVMKVM", HV_KVM },
	{ "Linux KVM Hv", HV_KVM },     /* KVM presenting Hyper-V enlightenments under its own name */
	{ "TCGTCGTCGTCG", HV_QEMU },    /* QEMU without KVM: the CPU itself is emulated */
	{ "VMwareVMware", HV_VMWARE },
	{ "Microsoft Hv", HV_MICROSOFT },
	{ "bhyve bhyve ", HV_BHYVE },
	{ "bhyve bhyve", HV_BHYVE },
	{ "QNXQVMBSQG", HV_QNX },
	{ "ACRNACRNACRN", HV_ACRN },
	{ "SRESRESRESR", HV_SRE },
	{ "VBoxVBoxVBox", HV_ORACLE },
	{ " lrpepyh  vr", HV_PARALLELS },
	{ "prl hyperv", HV_PARALLELS },
	{ "Apple VZ", HV_APPLE },
};

enum hypervisor tables_cpuid_signature(const char *sig)
{
	for (size_t i = 0; i < N(cpuid_signatures); i++)
		if (!strcmp(sig, cpuid_signatures[i].sig))
			return cpuid_signatures[i].hv;
	return HV_NONE;
}

enum match { PREFIX, CONTAINS, EXACT };

static const struct {
	const char *field; /* NULL: any of the vendor/product fields */
	enum match how;
	const char *text;
	enum hypervisor hv;
	enum cloud cloud;
} dmi_rows[] = {
	/* systemd's vendor table: matched against product_name, sys_vendor, board_vendor, bios_vendor,
	 * product_version. */
	{ NULL, PREFIX, "KVM", HV_KVM, CLOUD_NONE },
	{ NULL, PREFIX, "OpenStack", HV_KVM, CLOUD_OPENSTACK },
	{ NULL, PREFIX, "KubeVirt", HV_KVM, CLOUD_NONE },
	{ NULL, PREFIX, "Amazon EC2", HV_AMAZON, CLOUD_AWS },
	{ NULL, PREFIX, "QEMU", HV_QEMU, CLOUD_NONE },
	{ NULL, PREFIX, "VMware", HV_VMWARE, CLOUD_NONE },
	{ NULL, PREFIX, "VMW", HV_VMWARE, CLOUD_NONE },
	{ NULL, PREFIX, "innotek GmbH", HV_ORACLE, CLOUD_NONE },
	{ NULL, PREFIX, "VirtualBox", HV_ORACLE, CLOUD_NONE },
	{ NULL, PREFIX, "Xen", HV_XEN, CLOUD_NONE },
	{ NULL, PREFIX, "Bochs", HV_BOCHS, CLOUD_NONE },
	{ NULL, PREFIX, "Parallels", HV_PARALLELS, CLOUD_NONE },
	{ NULL, PREFIX, "BHYVE", HV_BHYVE, CLOUD_NONE },
	{ NULL, PREFIX, "Hyper-V", HV_MICROSOFT, CLOUD_NONE },
	{ NULL, PREFIX, "Apple Virtualization", HV_APPLE, CLOUD_NONE },
	{ NULL, PREFIX, "Google Compute Engine", HV_GOOGLE, CLOUD_GOOGLE },
	/* Clouds: vendor strings that say where, not what. */
	{ "sys_vendor", PREFIX, "Google", HV_NONE, CLOUD_GOOGLE },
	{ "sys_vendor", PREFIX, "Alibaba Cloud", HV_NONE, CLOUD_ALIBABA },
	{ "product_name", PREFIX, "Alibaba Cloud ECS", HV_NONE, CLOUD_ALIBABA },
	{ "sys_vendor", PREFIX, "DigitalOcean", HV_NONE, CLOUD_DIGITALOCEAN },
	{ "sys_vendor", PREFIX, "Hetzner", HV_NONE, CLOUD_HETZNER },
	{ "sys_vendor", PREFIX, "Tencent Cloud", HV_NONE, CLOUD_TENCENT },
	{ "sys_vendor", PREFIX, "HUAWEICLOUD", HV_NONE, CLOUD_HUAWEI },
	{ "sys_vendor", PREFIX, "Linode", HV_NONE, CLOUD_LINODE },
	{ "sys_vendor", PREFIX, "Akamai", HV_NONE, CLOUD_LINODE },
	{ "sys_vendor", PREFIX, "Vultr", HV_NONE, CLOUD_VULTR },
	{ "sys_vendor", PREFIX, "Scaleway", HV_NONE, CLOUD_SCALEWAY },
	{ "sys_vendor", PREFIX, "Exoscale", HV_NONE, CLOUD_EXOSCALE },
	{ "sys_vendor", PREFIX, "UpCloud", HV_NONE, CLOUD_UPCLOUD },
	{ "product_name", PREFIX, "IBM:Cloud", HV_NONE, CLOUD_IBM },
	/* Azure's fixed chassis asset tag (the same on every Azure VM; Hyper-V elsewhere has another). */
	{ "chassis_asset_tag", EXACT, "7783-7084-3265-9085-8269-3286-77", HV_MICROSOFT, CLOUD_AZURE },
	{ "chassis_asset_tag", EXACT, "OracleCloud.com", HV_NONE, CLOUD_ORACLE },
	/* EC2's Xen generation: "4.2.amazon" in the BIOS version of a Xen HVM domU. */
	{ "bios_version", CONTAINS, "amazon", HV_NONE, CLOUD_AWS },
	{ "product_version", CONTAINS, "amazon", HV_NONE, CLOUD_AWS },
};

bool tables_dmi(const char *field, const char *value, struct dmi_match *out)
{
	static const char *const vendor_fields[] = { "product_name", "sys_vendor", "board_vendor", "bios_vendor",
						     "product_version" };
	bool vendor_field = false, hit = false;

	out->hv = HV_NONE;
	out->cloud = CLOUD_NONE;
	if (!value || !*value)
		return false;
	for (size_t i = 0; i < N(vendor_fields); i++)
		if (!strcmp(field, vendor_fields[i]))
			vendor_field = true;
	for (size_t i = 0; i < N(dmi_rows); i++) {
		if (dmi_rows[i].field ? strcmp(dmi_rows[i].field, field) : !vendor_field)
			continue;
		size_t n = strlen(dmi_rows[i].text);
		bool m = dmi_rows[i].how == PREFIX ? !strncmp(value, dmi_rows[i].text, n)
			 : dmi_rows[i].how == EXACT ? !strcmp(value, dmi_rows[i].text)
						     : strstr(value, dmi_rows[i].text) != NULL;
		if (!m)
			continue;
		if (out->hv == HV_NONE)
			out->hv = dmi_rows[i].hv;
		if (out->cloud == CLOUD_NONE)
			out->cloud = dmi_rows[i].cloud;
		hit = true;
	}
	return hit;
}

static const struct {
	const char *compatible;
	enum hypervisor hv;
} dt_rows[] = {
	{ "xen,xen", HV_XEN },
	{ "linux,kvm", HV_KVM },
	{ "vmware", HV_VMWARE },
	{ "qemu,pseries", HV_KVM }, /* ppc64 pseries under QEMU/KVM */
};

enum hypervisor tables_device_tree(const char *compatible)
{
	for (size_t i = 0; i < N(dt_rows); i++)
		if (!strncmp(compatible, dt_rows[i].compatible, strlen(dt_rows[i].compatible)))
			return dt_rows[i].hv;
	return HV_NONE;
}

static const struct driver_info drivers[] = {
	/* Paravirtual: the guest talks to a backend through shared memory rings. */
	{ "vbd", CELL_P, "Xen PV block frontend (xen-blkfront)" },
	{ "vif", CELL_P, "Xen PV network frontend (xen-netfront)" },
	{ "virtio_blk", CELL_P, "virtio block" },
	{ "virtio_net", CELL_P, "virtio network" },
	{ "virtio_scsi", CELL_P, "virtio SCSI" },
	{ "vmw_pvscsi", CELL_P, "VMware paravirtual SCSI" },
	{ "vmxnet3", CELL_P, "VMware paravirtual network" },
	{ "hv_netvsc", CELL_P, "Hyper-V synthetic network (netvsc)" },
	{ "hv_storvsc", CELL_P, "Hyper-V synthetic storage (storvsc)" },
	{ "storvsc", CELL_P, "Hyper-V synthetic storage (storvsc)" },
	{ "gve", CELL_P, "Google virtual NIC (gVNIC)" },
	/* Hardware-virtualized: SR-IOV virtual functions and NVMe controllers in the device itself. */
	{ "ena", CELL_VH, "Amazon ENA (SR-IOV enhanced networking)" },
	{ "ixgbevf", CELL_VH, "Intel 82599 virtual function (SR-IOV)" },
	{ "iavf", CELL_VH, "Intel adaptive virtual function (SR-IOV)" },
	{ "i40evf", CELL_VH, "Intel XL710 virtual function (SR-IOV)" },
	{ "igbvf", CELL_VH, "Intel 82576 virtual function (SR-IOV)" },
	{ "mlx5_core", CELL_VH, "Mellanox ConnectX (SR-IOV)" },
	{ "mlx4_core", CELL_VH, "Mellanox ConnectX-3 (SR-IOV)" },
	{ "nvme", CELL_VH, "NVMe (hardware or passthrough)" },
	/* Emulated: a device model in software pretends to be old hardware, register by register. */
	{ "ata_piix", CELL_VS, "emulated Intel PIIX IDE" },
	{ "ahci", CELL_VS, "emulated AHCI SATA" },
	{ "pata_oldpiix", CELL_VS, "emulated PIIX IDE" },
	{ "e1000", CELL_VS, "emulated Intel e1000" },
	{ "e1000e", CELL_VS, "emulated Intel e1000e" },
	{ "8139cp", CELL_VS, "emulated Realtek 8139" },
	{ "8139too", CELL_VS, "emulated Realtek 8139" },
	{ "ne2k-pci", CELL_VS, "emulated NE2000" },
	{ "pcnet32", CELL_VS, "emulated AMD PCnet" },
	{ "tulip", CELL_VS, "emulated DEC 21140 (Hyper-V legacy NIC)" },
	{ "mptspi", CELL_VS, "emulated LSI Logic SCSI" },
	{ "mptsas", CELL_VS, "emulated LSI Logic SAS" },
	{ "BusLogic", CELL_VS, "emulated BusLogic SCSI" },
	{ "sym53c8xx", CELL_VS, "emulated LSI 53c8xx SCSI" },
	{ "floppy", CELL_VS, "emulated floppy" },
};

const struct driver_info *tables_driver(const char *name)
{
	for (size_t i = 0; i < N(drivers); i++)
		if (!strcmp(name, drivers[i].name))
			return &drivers[i];
	return NULL;
}

static const struct {
	uint16_t vendor;
	const char *name;
} pci_vendors[] = {
	{ 0x5853, "XenSource" }, { 0x1af4, "virtio (Red Hat)" }, { 0x1b36, "QEMU (Red Hat)" },
	{ 0x15ad, "VMware" },    { 0x80ee, "VirtualBox" },       { 0x1ab8, "Parallels" },
	{ 0x1414, "Microsoft" }, { 0x1d0f, "Amazon" },           { 0x1ae0, "Google" },
};

const char *tables_pci_vendor(uint16_t vendor)
{
	for (size_t i = 0; i < N(pci_vendors); i++)
		if (pci_vendors[i].vendor == vendor)
			return pci_vendors[i].name;
	return NULL;
}

static const struct {
	uint16_t vendor, device;
	const char *name;
} chipsets[] = {
	{ 0x8086, 0x1237, "i440FX" },  /* QEMU pc, Xen HVM */
	{ 0x8086, 0x29c0, "Q35" },     /* QEMU q35 */
	{ 0x8086, 0x7190, "440BX" },   /* VMware */
	{ 0x1106, 0x0691, "VIA (bhyve)" },
};

const char *tables_pci_chipset(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < N(chipsets); i++)
		if (chipsets[i].vendor == vendor && chipsets[i].device == device)
			return chipsets[i].name;
	return NULL;
}

/* xen/include/public/features.h. Bit 12 (grant_map_identity) is deprecated but still named there. */
static const char *const xen_features[] = {
	[0] = "writable_page_tables",
	[1] = "writable_descriptor_tables",
	[2] = "auto_translated_physmap",
	[3] = "supervisor_mode_kernel",
	[4] = "pae_pgdir_above_4gb",
	[5] = "mmu_pt_update_preserve_ad",
	[6] = "highmem_assist",
	[7] = "gnttab_map_avail_bits",
	[8] = "hvm_callback_vector",
	[9] = "hvm_safe_pvclock",
	[10] = "hvm_pirqs",
	[11] = "dom0",
	[12] = "grant_map_identity",
	[13] = "memory_op_vnode_supported",
	[14] = "ARM_SMCCC_supported",
	[15] = "linux_rsdp_unrestricted",
	[16] = "not_direct_mapped",
	[17] = "direct_mapped",
	[18] = "runstate_phys_area",
	[19] = "vcpu_time_phys_area",
};

const char *tables_xen_feature(unsigned bit)
{
	return bit < N(xen_features) ? xen_features[bit] : NULL;
}

static const char *const modules[] = {
	"xen_blkfront", "xen_netfront", "xen_platform_pci", "virtio_blk", "virtio_net", "virtio_pci",
	"ena", "ixgbevf", "nvme", "hv_vmbus", "hv_netvsc", "hv_storvsc", "vmw_balloon", "vmxnet3",
	"vmw_pvscsi", "vboxguest", "kvm", "kvm_intel", "kvm_amd", "xen_privcmd", "gve",
};

int tables_module(const char *name)
{
	for (size_t i = 0; i < N(modules); i++)
		if (!strcmp(name, modules[i]))
			return (int)i;
	return -1;
}

const char *tables_module_name(int index)
{
	return index >= 0 && (size_t)index < N(modules) ? modules[index] : NULL;
}

static const struct {
	const char *name;
	enum cell cell;
} clocksources[] = {
	{ "xen", CELL_P }, { "kvm-clock", CELL_P }, { "hyperv_clocksource_tsc_page", CELL_P },
	{ "hyperv_clocksource_msr", CELL_P }, { "tsc", CELL_VH }, { "arch_sys_counter", CELL_VH },
	{ "hpet", CELL_VS }, { "acpi_pm", CELL_VS }, { "pit", CELL_VS }, { "jiffies", CELL_VS },
	{ "refined-jiffies", CELL_VS },
};

enum cell tables_clocksource_cell(const char *name)
{
	for (size_t i = 0; i < N(clocksources); i++)
		if (!strcmp(name, clocksources[i].name))
			return clocksources[i].cell;
	return CELL_NULL;
}
