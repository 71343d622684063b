#pragma once
/* Facts that are tables: one row per hypervisor, vendor, driver or feature. Adding one is adding a row. */
#include <stdbool.h>
#include <stdint.h>

#include "detect/vocab.h"

/* CPUID leaf 0x40000000 signatures ("KVMKVMKVM", "XenVMMXenVMM"). HV_NONE when unknown. */
enum hypervisor tables_cpuid_signature(const char *sig);

/* DMI: what a vendor/product string says about the hypervisor and the cloud. */
struct dmi_match {
	enum hypervisor hv; /* HV_NONE: says nothing about the hypervisor */
	enum cloud cloud;   /* CLOUD_NONE: says nothing about the cloud */
};
/* FIELD is which DMI file the value came from: "sys_vendor", "product_name", "bios_vendor", ... */
bool tables_dmi(const char *field, const char *value, struct dmi_match *out);

/* Device-tree compatible strings (Arm and ppc hypervisor nodes). */
enum hypervisor tables_device_tree(const char *compatible);

/* A driver name in a device's sysfs path: which spectrum cell it puts disk/network in. */
struct driver_info {
	const char *name;
	enum cell cell;
	const char *what; /* "Xen PV block frontend (xen-blkfront)" */
};
const struct driver_info *tables_driver(const char *name);

/* PCI vendor ids that name a hypervisor's virtual hardware (for emulated devices' provenance). */
const char *tables_pci_vendor(uint16_t vendor);
/* Emulated chipsets (a PCI host bridge QEMU/Xen/VirtualBox emulate): "i440FX", "Q35", NULL. */
const char *tables_pci_chipset(uint16_t vendor, uint16_t device);

/* XENFEAT_* bit names, xen/include/public/features.h numbering. NULL for an unnamed bit. */
const char *tables_xen_feature(unsigned bit);

/* Interesting kernel modules (the bit in evidence.modules), -1 for others. */
int tables_module(const char *name);
const char *tables_module_name(int index);

/* Clocksources: paravirtual ones and how fast each kind is read. */
enum cell tables_clocksource_cell(const char *name);
