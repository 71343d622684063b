/* Classification from struct literals: each rule of the precedence, without any file. */
#include <string.h>

#include "detect/classify.h"
#include "tap.h"

/* A CPUID dump with one hypervisor signature at 0x40000000 (and the hypervisor bit when HV_BIT). */
static struct cpuid_dump sig(const char *s, bool hv_bit)
{
	struct cpuid_dump d = { .state = CPUID_OK, .n = 2 };
	uint32_t r[3] = { 0 };
	memcpy(r, s, strlen(s) < 12 ? strlen(s) : 12);
	d.leaves[0] = (struct cpuid_leaf){ .leaf = 1, .ecx = hv_bit ? 0x80000000u : 0 };
	d.leaves[1] = (struct cpuid_leaf){ .leaf = 0x40000000, .eax = 0x40000005, .ebx = r[0], .ecx = r[1], .edx = r[2] };
	return d;
}

static struct verdict v;

static void test_pv_forced_cpuid_beats_plain(void)
{
	/* A Xen PV guest on QEMU TCG: plain CPUID shows TCG, only the forced form shows Xen. */
	struct evidence ev = { .cpuid = sig("TCGTCGTCGTCG", true), .cpuid_forced = sig("XenVMMXenVMM", true) };
	classify(&ev, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "xen", "forced CPUID Xen beats plain TCG");
	TAP_STR_EQ(vocab_xen_mode_to_string(v.xen_mode), "pv", "forced CPUID means PV");
	TAP_OK(v.n_layers == 2 && v.layers[1].id == HV_QEMU, "plain CPUID in PV gives the outer layer");
}

static void test_sysfs_type_beats_cpuid(void)
{
	struct evidence ev = { .cpuid = sig("TCGTCGTCGTCG", true) };
	strcpy(ev.hv_type, "xen");
	strcpy(ev.hv_guest_type, "PVH");
	ev.xen_control_d = ev.xen_caps_present = true;
	classify(&ev, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "xen", "sys/hypervisor/type beats plain CPUID");
	TAP_STR_EQ(vocab_xen_mode_to_string(v.xen_mode), "pvh", "guest_type PVH");
	TAP_STR_EQ(vocab_xen_domain_to_string(v.xen_domain), "dom0", "control_d means dom0");
	TAP_STR_EQ(vocab_cell_to_string(v.spectrum[COL_MOTHERBOARD_BOOT]), "P", "PVH: no emulated motherboard");
	TAP_STR_EQ(vocab_cell_to_string(v.spectrum[COL_PRIVILEGED_PAGETABLES]), "VH", "PVH: hardware page tables");
}

static void test_tcg_tsc_is_emulated(void)
{
	/* Found by the live test bed: a TCG guest whose kernel picked the tsc clocksource. */
	struct evidence ev = { .cpuid = sig("TCGTCGTCGTCG", true) };
	strcpy(ev.clock_current, "tsc");
	classify(&ev, &v);
	TAP_STR_EQ(vocab_cell_to_string(v.spectrum[COL_INTERRUPTS_TIMERS]), "VS", "TCG: tsc is emulated, VS");

	struct evidence kvm = { .cpuid = sig("KVMKVMKVM", true) };
	strcpy(kvm.clock_current, "tsc");
	classify(&kvm, &v);
	TAP_STR_EQ(vocab_cell_to_string(v.spectrum[COL_INTERRUPTS_TIMERS]), "VH", "KVM: tsc is the CPU's, VH");
}

static void test_hvm_family(void)
{
	struct evidence ev = { .cpuid = sig("XenVMMXenVMM", true) };
	classify(&ev, &v);
	TAP_STR_EQ(vocab_xen_mode_to_string(v.xen_mode), "hvm", "plain Xen CPUID, nothing PV: hvm");
	TAP_STR_EQ(vocab_xen_domain_to_string(v.xen_domain), "domU", "no Xen drivers at all: domU");

	ev.n_xenbus = 1;
	strcpy(ev.xenbus[0].name, "vbd-768");
	strcpy(ev.xenbus[0].driver, "vbd");
	classify(&ev, &v);
	TAP_STR_EQ(vocab_xen_mode_to_string(v.xen_mode), "hvm-pv-drivers", "a bound vbd: hvm-pv-drivers");

	ev.irq_xen_percpu_virq = 2;
	classify(&ev, &v);
	TAP_STR_EQ(vocab_xen_mode_to_string(v.xen_mode), "pvhvm", "xen-percpu timer virqs: pvhvm");
}

static void test_xen_rows(void)
{
	enum cell row[COL_COUNT];
	static const struct { enum xen_mode m; const char *cells; } rows[] = {
		{ XEN_MODE_HVM, "VS VS VS VH" }, { XEN_MODE_HVM_PV_DRIVERS, "P VS VS VH" },
		{ XEN_MODE_PVHVM, "P P VS VH" }, { XEN_MODE_PVH, "P P P VH" }, { XEN_MODE_PV, "P P P P" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char got[32] = "";
		classify_xen_row(rows[i].m, row);
		for (int c = 0; c < COL_COUNT; c++) {
			strcat(got, vocab_cell_to_string(row[c]));
			if (c + 1 < COL_COUNT)
				strcat(got, " ");
		}
		TAP_STR_EQ(got, rows[i].cells, "spectrum row of %s", vocab_xen_mode_to_string(rows[i].m));
	}
}

static void test_dmi_names_kvm_platforms(void)
{
	struct evidence ev = { .cpuid = sig("KVMKVMKVM", true), .dmi_present = true };
	strcpy(ev.dmi_sys_vendor, "Amazon EC2");
	classify(&ev, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "amazon", "KVM CPUID + DMI Amazon EC2: amazon");
	TAP_STR_EQ(vocab_cloud_to_string(v.cloud), "aws", "cloud aws");

	struct evidence q = { .cpuid = sig("KVMKVMKVM", true), .dmi_present = true };
	strcpy(q.dmi_sys_vendor, "QEMU");
	classify(&q, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "kvm", "KVM CPUID + DMI QEMU: kvm");
}

static void test_hyperv_enlightenments(void)
{
	/* KVM offering Hyper-V enlightenments: "Microsoft Hv" at 0x40000000, KVM at 0x40000100. */
	struct evidence ev = { .cpuid = sig("Microsoft Hv", true) };
	ev.cpuid.leaves[ev.cpuid.n++] = (struct cpuid_leaf){ .leaf = 0x40000100, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };
	classify(&ev, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "kvm", "Hyper-V enlightenments on KVM: kvm");
	struct evidence h = { .cpuid = sig("Microsoft Hv", true) };
	classify(&h, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "microsoft", "Microsoft Hv alone: microsoft");
}

static void test_containers(void)
{
	struct evidence ev = { .dockerenv = true };
	TAP_OK(classify_container(&ev, NULL) == CT_DOCKER, ".dockerenv: docker");
	struct evidence e2 = { .dockerenv = true };
	strcpy(e2.env_container, "podman");
	TAP_OK(classify_container(&e2, NULL) == CT_PODMAN, "container=podman beats .dockerenv");
	struct evidence e3 = { .proc_vz = true, .proc_bc = true };
	TAP_OK(classify_container(&e3, NULL) == CT_NONE, "proc/vz with proc/bc is the OpenVZ host");
	e3.proc_bc = false;
	TAP_OK(classify_container(&e3, NULL) == CT_OPENVZ, "proc/vz alone: openvz");
	struct evidence e4 = { 0 };
	strcpy(e4.osrelease, "5.15.90.1-microsoft-standard-WSL2");
	TAP_OK(classify_container(&e4, NULL) == CT_WSL, "WSL kernel release: wsl");
	struct evidence e5 = { 0 };
	strcpy(e5.tracer_comm, "proot");
	TAP_OK(classify_container(&e5, NULL) == CT_PROOT, "traced by proot: proot");
}

static void test_bare_metal(void)
{
	struct evidence ev = { .cpuid = sig("", false), .cpuinfo_present = true };
	classify(&ev, &v);
	TAP_STR_EQ(vocab_hypervisor_to_string(v.hypervisor), "none", "no hypervisor bit: none");
	TAP_OK(v.spectrum[0] == CELL_NULL && v.spectrum[3] == CELL_NULL, "bare metal: no spectrum");
}

static void test_clocksource_advice(void)
{
	struct evidence ev = { .cpuid = sig("XenVMMXenVMM", true), .flag_constant_tsc = true, .flag_nonstop_tsc = true };
	strcpy(ev.clock_current, "xen");
	strcpy(ev.clock_available[0], "xen");
	strcpy(ev.clock_available[1], "tsc");
	ev.n_clock_available = 2;
	classify(&ev, &v);
	TAP_STR_EQ(v.clock_faster, "tsc", "invariant TSC available: tsc is faster");
	bool found = false;
	for (int i = 0; i < v.n_advice; i++)
		found |= !strcmp(v.advice[i].id, "clocksource-tsc");
	TAP_OK(found, "advice clocksource-tsc");
	ev.dmesg.found |= 1u << DMESG_TSC_UNSTABLE;
	classify(&ev, &v);
	TAP_OK(v.clock_faster == NULL, "a TSC marked unstable is not advised");
}

int main(void)
{
	test_pv_forced_cpuid_beats_plain();
	test_sysfs_type_beats_cpuid();
	test_tcg_tsc_is_emulated();
	test_hvm_family();
	test_xen_rows();
	test_dmi_names_kvm_platforms();
	test_hyperv_enlightenments();
	test_containers();
	test_bare_metal();
	test_clocksource_advice();
	return tap_done();
}
