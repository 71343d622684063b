#!/usr/bin/env python3
"""Builds the derived snapshot roots in tests/roots/ from the real ones, and writes each one's README with
exactly what was changed. Every derived root starts as `virtmode --root tests/roots/BASE collect` of a real
capture (the files virtmode reads, links kept) and then gets the edits listed for it below; nothing else.

    VIRTMODE=build/src/virtmode tests/roots/derive.py [NAME...]

Rerun it after changing a derivation; the output is committed so that the roots can be read and used with
--root without running anything."""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VIRTMODE = os.environ.get("VIRTMODE", os.path.join(HERE, "..", "..", "build", "src", "virtmode"))


class Root:
    def __init__(self, name, base, why):
        self.name, self.base, self.why = name, base, why
        self.dir = os.path.join(HERE, name)
        self.notes = []
        shutil.rmtree(self.dir, ignore_errors=True)
        subprocess.run([VIRTMODE, "--root", os.path.join(HERE, base), "collect", self.dir], check=True)
        for f in ("collected.txt", "README.md"):
            if os.path.exists(os.path.join(self.dir, f)):
                os.remove(os.path.join(self.dir, f))

    def p(self, rel):
        return os.path.join(self.dir, rel)

    def write(self, rel, text, note=None, binary=False):
        os.makedirs(os.path.dirname(self.p(rel)) or ".", exist_ok=True)
        if os.path.lexists(self.p(rel)) and os.path.islink(self.p(rel)):
            os.remove(self.p(rel))
        with open(self.p(rel), "wb" if binary else "w") as f:
            f.write(text)
        self.notes.append(note or f"`{rel}` set to `{text.strip() if not binary else repr(text)}`")

    def rm(self, rel, note=None):
        path = self.p(rel)
        if os.path.islink(path) or os.path.isfile(path):
            os.remove(path)
        elif os.path.isdir(path):
            shutil.rmtree(path)
        self.notes.append(note or f"`{rel}` removed")

    def link(self, rel, target, note=None):
        os.makedirs(os.path.dirname(self.p(rel)), exist_ok=True)
        if os.path.lexists(self.p(rel)):
            self.rm(rel, note="")
            self.notes.pop()
        os.symlink(target, self.p(rel))
        self.notes.append(note or f"`{rel}` → `{target}` (link)")

    def mkdir(self, rel, note=None):
        os.makedirs(self.p(rel), exist_ok=True)
        self.notes.append(note or f"`{rel}/` created")

    def sub(self, rel, pattern, repl, note):
        with open(self.p(rel), errors="surrogateescape") as f:
            text = f.read()
        new, n = re.subn(pattern, repl, text, flags=re.M)
        if n == 0:
            raise SystemExit(f"{self.name}: {rel}: /{pattern}/ matched nothing")
        with open(self.p(rel), "w", errors="surrogateescape") as f:
            f.write(new)
        self.notes.append(note)

    def cpuid(self, leaf, eax=None, ebx=None, ecx=None, edx=None, note=None, file="cpuid.txt"):
        regs = dict(eax=eax, ebx=ebx, ecx=ecx, edx=edx)
        with open(self.p(file)) as f:
            lines = f.read().splitlines()
        key = f"   0x{leaf:08x} 0x00:"
        for i, line in enumerate(lines):
            if line.startswith(key):
                cur = dict(re.findall(r"(e[abcd]x)=0x([0-9a-f]{8})", line))
                cur = {k: int(v, 16) for k, v in cur.items()}
                for k, v in regs.items():
                    if v is not None:
                        cur[k] = v(cur[k]) if callable(v) else v
                lines[i] = key + " " + " ".join(f"{k}=0x{cur[k]:08x}" for k in ("eax", "ebx", "ecx", "edx"))
                break
        else:
            raise SystemExit(f"{self.name}: {file} has no leaf 0x{leaf:x}")
        with open(self.p(file), "w") as f:
            f.write("\n".join(lines) + "\n")
        self.notes.append(note)

    def signature(self, sig, leaf=0x40000000, eax=0x40000001):
        b = sig.encode().ljust(12, b"\0")
        r = [int.from_bytes(b[i:i + 4], "little") for i in (0, 4, 8)]
        self.cpuid(leaf, eax=eax, ebx=r[0], ecx=r[1], edx=r[2],
                   note=f"`cpuid.txt` leaf 0x{leaf:08x}: signature `{sig}` (ebx/ecx/edx), eax 0x{eax:08x}")

    def dmi(self, **fields):
        for k, v in fields.items():
            self.write(f"sys/devices/virtual/dmi/id/{k}", v + "\n", note=f"DMI `{k}` set to `{v}`")

    def clocksource(self, current, available):
        d = "sys/devices/system/clocksource/clocksource0/"
        self.write(d + "current_clocksource", current + "\n", note=f"clocksource `{current}`, available `{available}`")
        self.write(d + "available_clocksource", available + " \n", note="")
        self.notes.pop()

    def pci_device(self, slot, vendor, device, cls, driver, note):
        """A PCI function at sys/devices/pci0000:00/SLOT with its ids and driver link, listed in sys/bus/pci."""
        d = f"sys/devices/pci0000:00/{slot}"
        os.makedirs(self.p(d), exist_ok=True)
        for k, v in (("vendor", vendor), ("device", device), ("class", cls)):
            with open(self.p(f"{d}/{k}"), "w") as f:
                f.write(f"0x{v:0{6 if k == 'class' else 4}x}\n")
        if driver:
            if os.path.lexists(self.p(f"{d}/driver")):
                os.remove(self.p(f"{d}/driver"))
            os.symlink(f"../../../bus/pci/drivers/{driver}", self.p(f"{d}/driver"))
        os.makedirs(self.p("sys/bus/pci/devices"), exist_ok=True)
        if not os.path.lexists(self.p(f"sys/bus/pci/devices/{slot}")):
            os.symlink(f"../../../devices/pci0000:00/{slot}", self.p(f"sys/bus/pci/devices/{slot}"))
        self.notes.append(note)

    def finish(self):
        with open(self.p("README.md"), "w") as f:
            f.write(f"# {self.name} (derived)\n\n{self.why}\n\n"
                    f"Derived from the real capture `tests/roots/{self.base}` by `tests/roots/derive.py`: "
                    f"`virtmode --root tests/roots/{self.base} collect` (only the files virtmode reads, links "
                    f"kept), then exactly these changes:\n\n")
            for n in self.notes:
                if n:
                    f.write(f"- {n}\n")


# ---- helpers for recurring edits ----

def kvm(r):
    """QEMU with KVM instead of TCG: what changes in the guest's view of the qemu-tcg capture."""
    r.signature("KVMKVMKVM")
    r.clocksource("kvm-clock", "kvm-clock tsc hpet acpi_pm")
    r.sub("dmesg.txt", r"Booting paravirtualized kernel on bare hardware", "Booting paravirtualized kernel on KVM",
          "`dmesg.txt`: \"Booting paravirtualized kernel on bare hardware\" → \"... on KVM\"")
    r.sub("dmesg.txt", r"^(\[\s*0\.000000\] )(tsc: Fast TSC calibration using PIT)$",
          r"\1Hypervisor detected: KVM\n\1kvm-clock: Using msrs 4b564d01 and 4b564d00\n\1\2",
          "`dmesg.txt`: \"Hypervisor detected: KVM\" and \"kvm-clock: Using msrs ...\" added before the TSC calibration line")


def invariant_tsc(r):
    r.sub("proc/cpuinfo", r"^(flags\s*:.*)$", r"\1 constant_tsc nonstop_tsc",
          "`proc/cpuinfo`: `constant_tsc nonstop_tsc` appended to the flags")
    r.sub("dmesg.txt", r"^.*tsc: Marking TSC unstable.*\n", "", "`dmesg.txt`: the \"Marking TSC unstable\" line removed")


def retarget_disk_net(r, disk=None, net=None):
    """Moves vda/eth0 of the qemu-tcg capture onto other PCI functions with other drivers."""
    if disk:
        slot, vendor, device, driver, name = disk
        r.rm("sys/block/vda", note="")
        r.notes.pop()
        r.pci_device(slot, vendor, device, 0x010802, driver,
                     f"disk `{name}` at PCI {slot} ({vendor:04x}:{device:04x}, driver `{driver}`) instead of virtio `vda`")
        os.makedirs(r.p(f"sys/devices/pci0000:00/{slot}/{driver}/{name[:-2]}/{name}"), exist_ok=True)
        os.symlink(f"../devices/pci0000:00/{slot}/{driver}/{name[:-2]}/{name}", r.p(f"sys/block/{name}"))
    if net:
        slot, vendor, device, driver = net
        r.pci_device(slot, vendor, device, 0x020000, driver,
                     f"`eth0` at PCI {slot} ({vendor:04x}:{device:04x}, driver `{driver}`) instead of virtio")
        os.makedirs(r.p(f"sys/devices/pci0000:00/{slot}/net/eth0"), exist_ok=True)
        os.remove(r.p("sys/class/net/eth0"))
        os.symlink(f"../../devices/pci0000:00/{slot}/net/eth0", r.p("sys/class/net/eth0"))


def xen_pv_devices(r):
    """xvda and eth0 through xen-blkfront/xen-netfront, laid out as in the PVHVM capture."""
    if os.path.lexists(r.p("sys/block/sda")):
        r.rm("sys/block/sda")
    os.makedirs(r.p("sys/devices/vbd-51712/block/xvda"), exist_ok=True)
    os.makedirs(r.p("sys/block"), exist_ok=True)
    os.symlink("../../bus/xen/drivers/vbd", r.p("sys/devices/vbd-51712/driver"))
    os.symlink("../devices/vbd-51712/block/xvda", r.p("sys/block/xvda"))
    os.makedirs(r.p("sys/devices/vif-0/net/eth0"), exist_ok=True)
    os.symlink("../../bus/xen/drivers/vif", r.p("sys/devices/vif-0/driver"))
    os.remove(r.p("sys/class/net/eth0"))
    os.symlink("../../devices/vif-0/net/eth0", r.p("sys/class/net/eth0"))
    os.makedirs(r.p("sys/bus/xen/devices"), exist_ok=True)
    os.symlink("../../../devices/vbd-51712", r.p("sys/bus/xen/devices/vbd-51712"))
    os.symlink("../../../devices/vif-0", r.p("sys/bus/xen/devices/vif-0"))
    r.notes.append("`xvda` on xenbus `vbd-51712` (driver `vbd`) and `eth0` on `vif-0` (driver `vif`) replace "
                   "the emulated devices, as in the PVHVM capture")


def container_env(r, value):
    os.makedirs(r.p("proc/1"), exist_ok=True)
    r.write("proc/1/environ", f"container={value}\0".encode(), binary=True,
            note=f"`proc/1/environ` set to `container={value}` (NUL-terminated)")
    if os.path.exists(r.p(".errors.txt")):
        r.rm(".errors.txt", note="`.errors.txt` removed (it said proc/1/environ was unreadable)")


def undocker(r):
    r.rm(".dockerenv")


# ---- the derivations ----

DERIVED = {}


def derived(name, base, why):
    def wrap(fn):
        DERIVED[name] = (base, why, fn)
        return fn
    return wrap


@derived("kvm", "qemu-tcg", "QEMU with KVM acceleration (the same i440FX machine, virtio disk and NIC).")
def _(r):
    kvm(r)


@derived("amazon-nitro", "qemu-tcg", "An EC2 Nitro instance: KVM-based, DMI \"Amazon EC2\", NVMe disk and ENA NIC "
         "(Amazon PCI ids 1d0f:8061 and 1d0f:ec20), invariant TSC, kvm-clock in use.")
def _(r):
    kvm(r)
    invariant_tsc(r)
    r.dmi(sys_vendor="Amazon EC2", product_name="m5.large", bios_vendor="Amazon EC2", board_vendor="Amazon EC2")
    retarget_disk_net(r, disk=("0000:00:04.0", 0x1d0f, 0x8061, "nvme", "nvme0n1"),
                      net=("0000:00:05.0", 0x1d0f, 0xec20, "ena"))


@derived("google", "qemu-tcg", "A Google Compute Engine VM: KVM, DMI \"Google\" / \"Google Compute Engine\", gVNIC network.")
def _(r):
    kvm(r)
    r.dmi(sys_vendor="Google", product_name="Google Compute Engine", bios_vendor="Google")
    retarget_disk_net(r, net=("0000:00:05.0", 0x1ae0, 0x0042, "gve"))


@derived("alibaba", "qemu-tcg", "An Alibaba Cloud ECS instance: KVM, DMI \"Alibaba Cloud\" / \"Alibaba Cloud ECS\".")
def _(r):
    kvm(r)
    r.dmi(sys_vendor="Alibaba Cloud", product_name="Alibaba Cloud ECS")


@derived("firecracker", "kvm-docker", "A Firecracker microVM without a container: the real kvm-docker capture "
         "(this project's own machine) less the docker marker.")
def _(r):
    undocker(r)


@derived("digitalocean", "qemu-tcg", "A DigitalOcean droplet: KVM, DMI \"DigitalOcean\" / \"Droplet\".")
def _(r):
    kvm(r)
    r.dmi(sys_vendor="DigitalOcean", product_name="Droplet")


@derived("hetzner", "qemu-tcg", "A Hetzner Cloud server: KVM, DMI \"Hetzner\" / \"vServer\".")
def _(r):
    kvm(r)
    r.dmi(sys_vendor="Hetzner", product_name="vServer")


@derived("oracle-cloud", "qemu-tcg", "An Oracle Cloud (OCI) VM: KVM, DMI \"QEMU\" with OCI's fixed chassis asset tag.")
def _(r):
    kvm(r)
    r.dmi(chassis_asset_tag="OracleCloud.com")


@derived("microsoft-azure", "qemu-tcg", "An Azure VM on Hyper-V: \"Microsoft Hv\" CPUID, DMI Microsoft "
         "\"Virtual Machine\" with Azure's fixed chassis asset tag, the Hyper-V TSC page clocksource, synthetic "
         "network (hv_netvsc) on VMBus.")
def _(r):
    r.signature("Microsoft Hv", eax=0x4000000c)
    r.clocksource("hyperv_clocksource_tsc_page", "hyperv_clocksource_tsc_page acpi_pm")
    r.dmi(sys_vendor="Microsoft Corporation", product_name="Virtual Machine",
          chassis_asset_tag="7783-7084-3265-9085-8269-3286-77")
    g = "sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/000d3a6e-4548-000d-3a6e-4548000d3a6e"
    os.makedirs(r.p(g + "/net/eth0"), exist_ok=True)
    os.symlink("../../../../../../bus/vmbus/drivers/hv_netvsc", r.p(g + "/driver"))
    os.remove(r.p("sys/class/net/eth0"))
    os.symlink("../../" + g[4:] + "/net/eth0", r.p("sys/class/net/eth0"))
    r.notes.append(f"`eth0` moved onto VMBus device `{g}` with driver `hv_netvsc`")
    d = "sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/f8b3781b-1e82-4818-a1c3-63d806ec15bb"
    os.makedirs(r.p(d + "/host0/target0:0:0/0:0:0:0/block/sda"), exist_ok=True)
    os.symlink("../../../../../../bus/vmbus/drivers/hv_storvsc", r.p(d + "/driver"))
    os.symlink("../../../../../../../../../bus/scsi/drivers/sd", r.p(d + "/host0/target0:0:0/0:0:0:0/driver"))
    os.remove(r.p("sys/block/vda"))
    os.symlink("../" + d[4:] + "/host0/target0:0:0/0:0:0:0/block/sda", r.p("sys/block/sda"))
    r.notes.append(f"`sda` on VMBus device `{d}` (driver `hv_storvsc`, SCSI disk `sd`) replaces virtio `vda`")


@derived("vmware", "qemu-tcg", "A VMware guest: \"VMwareVMware\" CPUID, DMI \"VMware, Inc.\", vmxnet3 NIC.")
def _(r):
    r.signature("VMwareVMware", eax=0x40000010)
    r.clocksource("tsc", "tsc hpet acpi_pm")
    r.dmi(sys_vendor="VMware, Inc.", product_name="VMware Virtual Platform")
    retarget_disk_net(r, net=("0000:00:05.0", 0x15ad, 0x07b0, "vmxnet3"))


@derived("virtualbox", "qemu-tcg", "A VirtualBox guest with the KVM paravirtualization interface: \"KVMKVMKVM\" "
         "CPUID but DMI \"innotek GmbH\" / \"VirtualBox\" (systemd-detect-virt: oracle), emulated e1000 NIC.")
def _(r):
    kvm(r)
    r.dmi(sys_vendor="innotek GmbH", product_name="VirtualBox", bios_vendor="innotek GmbH")
    retarget_disk_net(r, net=("0000:00:05.0", 0x8086, 0x100e, "e1000"))


@derived("parallels", "qemu-tcg", "A Parallels Desktop guest: \" lrpepyh  vr\" CPUID signature, DMI \"Parallels\".")
def _(r):
    r.signature(" lrpepyh  vr")
    r.dmi(sys_vendor="Parallels Software International Inc.", product_name="Parallels Virtual Platform")


@derived("bhyve", "qemu-tcg", "A FreeBSD bhyve guest: \"bhyve bhyve \" CPUID, DMI \"BHYVE\", virtio devices.")
def _(r):
    r.signature("bhyve bhyve ")
    r.dmi(sys_vendor="FreeBSD", product_name="BHYVE")


@derived("acrn", "qemu-tcg", "An ACRN guest: \"ACRNACRNACRN\" CPUID.")
def _(r):
    r.signature("ACRNACRNACRN")


@derived("bare-metal", "qemu-tcg", "A physical machine: no hypervisor bit, no hypervisor CPUID leaves, a server's "
         "DMI, NVMe disk and an Intel NIC.")
def _(r):
    r.cpuid(1, ecx=lambda v: v & 0x7fffffff, note="`cpuid.txt` leaf 1: ecx bit 31 (hypervisor) cleared")
    for base in (0x40000000, 0x40000100):
        for k in range(0x11):
            r.cpuid(base + k, eax=0, ebx=0, ecx=0, edx=0, note="")
            r.notes.pop()
    r.notes.append("`cpuid.txt` leaves 0x40000000–0x40000010 and 0x40000100–0x40000110 zeroed")
    r.sub("proc/cpuinfo", r" hypervisor\b", "", "`proc/cpuinfo`: the `hypervisor` flag removed")
    r.clocksource("tsc", "tsc hpet acpi_pm")
    r.dmi(sys_vendor="Dell Inc.", product_name="PowerEdge R640", bios_vendor="Dell Inc.", product_version="")
    retarget_disk_net(r, disk=("0000:00:04.0", 0x144d, 0xa808, "nvme", "nvme0n1"),
                      net=("0000:00:05.0", 0x8086, 0x1533, "igb"))


@derived("xen-pv-domu", "xen-pv-dom0", "A Xen PV domU: the PV dom0 capture less what makes it dom0, with PV "
         "disk and network (there is no real PV domU capture yet).")
def _(r):
    r.write("proc/xen/capabilities", "\n", note="`proc/xen/capabilities` emptied (no `control_d`)")
    r.write("sys/hypervisor/properties/features", "000220f0\n",
            note="`sys/hypervisor/properties/features` 000228f0 → 000220f0 (XENFEAT_dom0, bit 11, cleared)")
    xen_pv_devices(r)
    r.rm("sys/class/dmi", note="DMI removed (a PV domU has no firmware)")


@derived("xen-pvh-domu", "xen-pvh-dom0", "A Xen PVH domU: the PVH dom0 capture less what makes it dom0, with PV "
         "disk and network (there is no real PVH domU capture yet).")
def _(r):
    r.write("proc/xen/capabilities", "\n", note="`proc/xen/capabilities` emptied (no `control_d`)")
    r.write("sys/hypervisor/properties/features", "00012305\n",
            note="`sys/hypervisor/properties/features` 00012b05 → 00012305 (XENFEAT_dom0, bit 11, cleared)")
    xen_pv_devices(r)
    r.rm("sys/class/dmi", note="DMI removed (a PVH domU has no firmware)")
    r.rm("sys/bus/pci", note="`sys/bus/pci` removed (a PVH domU has no emulated PCI bus)")


@derived("xen-hvm-pv-drivers", "xen-pvhvm-domu", "A Xen \"HVM with PV drivers\" domU: what the PVHVM capture's "
         "guest looks like booted with `xen_no_vector_callback` (events through the platform PCI interrupt, so "
         "no Xen clocksource, no per-CPU Xen timers).")
def _(r):
    r.sub("proc/cmdline", r"$", " xen_no_vector_callback", "`proc/cmdline`: `xen_no_vector_callback` appended")
    r.sub("dmesg.txt", r"^.*Xen HVM callback vector for event delivery is enabled\n", "",
          "`dmesg.txt`: the \"Xen HVM callback vector ... enabled\" line removed")
    r.sub("dmesg.txt", r"^.*(clocksource: xen:|Switched to clocksource xen|Xen: using vcpuop timer|installing Xen timer).*\n", "",
          "`dmesg.txt`: the Xen clocksource/timer lines removed")
    r.clocksource("hpet", "hpet acpi_pm")
    r.sub("proc/interrupts", r"^.*xen-percpu.*\n", "", "`proc/interrupts`: every xen-percpu line removed")
    r.sub("proc/interrupts", r"^(\s*28:.*)$|\Z", "  28:        812          0   IO-APIC  28-fasteoi   xen-platform-pci\n",
          "`proc/interrupts`: an IO-APIC line for xen-platform-pci added")


@derived("xen-docker-pvhvm", "xen-pvhvm-domu", "A docker container inside the Xen PVHVM domU: nested layers.")
def _(r):
    r.write(".dockerenv", "", note="`.dockerenv` created (empty)")


@derived("xen-ec2-hvm", "xen-pvhvm-domu", "An EC2 instance of the Xen generation (PVHVM): DMI BIOS version "
         "\"4.11.amazon\".")
def _(r):
    r.dmi(bios_version="4.11.amazon", product_version="4.11.amazon")


@derived("xen-arm", "xen-pvhvm-domu", "A Xen guest on Arm64: no CPUID at all, the device tree's hypervisor node "
         "names Xen (Arm has one Xen guest type, built like PVH).")
def _(r):
    r.rm("sys/bus/pci", note="`sys/bus/pci` removed (no PCI chipset on this machine type)")
    r.rm("cpuid.txt")
    r.rm("cpuid-xen-forced.txt")
    r.rm("sys/hypervisor/guest_type")
    r.rm("sys/class/dmi", note="DMI removed (a guest booted from the device tree)")
    os.makedirs(r.p("proc/device-tree/hypervisor"), exist_ok=True)
    r.write("proc/device-tree/hypervisor/compatible", b"xen,xen-4.17\0xen,xen\0", binary=True,
            note="`proc/device-tree/hypervisor/compatible` set to `xen,xen-4.17\\0xen,xen\\0`")
    r.write("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
            "CPU implementer\t: 0x41\nCPU architecture: 8\n\n",
            note="`proc/cpuinfo` replaced by an Arm64 one (no x86 flags)")
    r.sub("dmesg.txt", r"^.*Hypervisor detected: Xen HVM\n", "", "`dmesg.txt`: the x86 \"Hypervisor detected\" line removed")


@derived("kvm-arm", "qemu-tcg", "A KVM guest on Arm64 (QEMU virt machine with UEFI): no CPUID, DMI \"QEMU\" / "
         "\"KVM Virtual Machine\".")
def _(r):
    r.rm("sys/bus/pci", note="`sys/bus/pci` removed (no PCI chipset on this machine type)")
    r.rm("cpuid.txt")
    r.rm("cpuid-xen-forced.txt")
    r.write("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm cpuid\n"
            "CPU implementer\t: 0x41\n\n", note="`proc/cpuinfo` replaced by an Arm64 one (no x86 flags)")
    r.dmi(product_name="KVM Virtual Machine", chassis_vendor="QEMU")
    r.clocksource("arch_sys_counter", "arch_sys_counter")


@derived("s390x-zvm", "qemu-tcg", "A Linux guest of z/VM on s390x: no CPUID or DMI; /proc/sysinfo names the "
         "control program.")
def _(r):
    r.rm("sys/bus/pci", note="`sys/bus/pci` removed (no PCI chipset on this machine type)")
    r.rm("cpuid.txt")
    r.rm("cpuid-xen-forced.txt")
    r.rm("sys/class/dmi", note="DMI removed (s390x has none)")
    r.write("proc/cpuinfo", "vendor_id       : IBM/S390\n# processors    : 2\nfeatures\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx sie\n",
            note="`proc/cpuinfo` replaced by an s390x one")
    r.write("proc/sysinfo", "Manufacturer:         IBM\nType:                 8561\nVM00 Name:            LINUX01\n"
            "VM00 Control Program: z/VM    7.3.0\nVM00 Adjustment:      100\n",
            note="`proc/sysinfo` added with `VM00 Control Program: z/VM    7.3.0`")


@derived("ppc64-powervm", "qemu-tcg", "An LPAR on a PowerVM machine: no CPUID or DMI; the device tree has "
         "ibm,partition-name.")
def _(r):
    r.rm("sys/bus/pci", note="`sys/bus/pci` removed (no PCI chipset on this machine type)")
    r.rm("cpuid.txt")
    r.rm("cpuid-xen-forced.txt")
    r.rm("sys/class/dmi", note="DMI removed (ppc64 has none)")
    r.write("proc/cpuinfo", "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nplatform\t: pSeries\n",
            note="`proc/cpuinfo` replaced by a ppc64 one")
    os.makedirs(r.p("proc/device-tree"), exist_ok=True)
    r.write("proc/device-tree/compatible", b"IBM,9009-22A\0", binary=True, note="`proc/device-tree/compatible` = `IBM,9009-22A`")
    r.write("proc/device-tree/ibm,partition-name", b"lpar01\0", binary=True, note="`proc/device-tree/ibm,partition-name` = `lpar01`")


def container_root(name, why, edit):
    @derived(name, "kvm-docker", why)
    def _(r):
        undocker(r)
        edit(r)


container_root("podman", "A podman container in the same KVM guest: /run/.containerenv and container=podman.",
               lambda r: (r.write("run/.containerenv", "engine=\"podman-4.3.1\"\n"), container_env(r, "podman")))
container_root("lxc", "An LXC container: container=lxc in PID 1's environment.", lambda r: container_env(r, "lxc"))
container_root("lxc-libvirt", "A libvirt-lxc container: container=lxc-libvirt.", lambda r: container_env(r, "lxc-libvirt"))
container_root("systemd-nspawn", "A systemd-nspawn container: container=systemd-nspawn and /run/host/container-manager.",
               lambda r: (container_env(r, "systemd-nspawn"), r.write("run/host/container-manager", "systemd-nspawn\n")))
container_root("rkt", "A rkt pod: container=rkt.", lambda r: container_env(r, "rkt"))
container_root("openvz", "An OpenVZ container: /proc/vz without /proc/bc.",
               lambda r: r.write("proc/vz/veinfo", "       101     0     4     10.0.0.101\n"))


def _proot(r):
    status = os.path.join("proc", os.readlink(r.p("proc/self")), "status")
    r.sub(status, r"^TracerPid:\s*\d+$", "TracerPid:\t4242", f"`{status}`: TracerPid 4242")
    r.write("proc/4242/comm", "proot\n")


container_root("proot", "A proot session: our process is traced by proot.", _proot)


@derived("wsl", "microsoft-azure", "WSL 2 (a Linux kernel in a Hyper-V VM, named a container by systemd-detect-virt): "
         "the kernel release says microsoft-standard-WSL2.")
def _(r):
    os.makedirs(r.p("proc/sys/kernel"), exist_ok=True)
    r.write("proc/sys/kernel/osrelease", "5.15.153.1-microsoft-standard-WSL2\n")
    r.rm("sys/class/dmi", note="DMI removed (WSL has none)")


if __name__ == "__main__":
    names = sys.argv[1:] or list(DERIVED)
    for name in names:
        base, why, fn = DERIVED[name]
        r = Root(name, base, why)
        fn(r)
        r.finish()
        print(f"{name}: {len([n for n in r.notes if n])} changes from {base}")
