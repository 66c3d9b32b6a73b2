/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The host model: one scan of /sys and /proc gives one immutable snapshot of
 * the host's PCI functions, IOMMU groups, SR-IOV links, mediated devices and
 * the firmware and kernel facts (core/scan/firmware.h). A rescan makes a new snapshot; nothing in it changes
 * after host_scan() returns. Every getter returns memory owned by the
 * snapshot, valid until host_free().
 *
 * A missing or unreadable attribute is recorded as unknown (-1 or NULL) and
 * logged once through gv_log(); the scan goes on.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scan/firmware.h"
#include "core/util/error.h"
#include "core/util/pciaddr.h"

struct firmware;
struct host;

struct host_mdev_type {
	char *id;                 /* "nvidia-300" */
	char *name;               /* "GRID V100-8C", NULL if unknown */
	int available_instances;  /* -1 if unknown */
	char *device_api;         /* "vfio-pci", NULL if unknown */
	char *description;        /* NULL if unknown */
};

/* An mdev instance: it exists (is active) under its parent, the device
 * whose mdevs list holds it. Defined ones are in the configuration
 * snapshot (core/scan/mdevconf.h). */
struct host_mdev {
	char *uuid;
	char *type;               /* mdev type id, NULL if unknown */
	int iommu_group;          /* -1 when it has none */
};

/* A vGPU type an NVIDIA VF can take (vGPU 17+, nvidia/creatable_vgpu_types). */
struct host_vgpu_type {
	int id;                   /* 1145 */
	char *name;               /* "NVIDIA L40S-1B" */
};

/* Whether a PF's driver sets the VF count when sriov_numvfs is written:
 * the kernel hands the write to the driver's sriov_configure, and answers
 * ENOENT without one (SRIOV-MDEV-VM.md §1.2). */
enum host_sriov_driver {
	HOST_SRIOV_DRIVER_UNKNOWN,  /* a driver gpuvirt has no facts about: the kernel decides */
	HOST_SRIOV_DRIVER_NONE,     /* no driver bound */
	HOST_SRIOV_DRIVER_CAN,      /* the i915 SR-IOV build or xe (a max_vfs parameter), NIC drivers */
	HOST_SRIOV_DRIVER_CANNOT,   /* stock i915 (no max_vfs parameter), nouveau, amdgpu */
};

struct host_device {
	struct pciaddr addr;
	char address[PCIADDR_STRLEN];   /* canonical text form */
	char *syspath;                  /* "/sys/bus/pci/devices/ADDRESS" */
	int vendor_id, device_id;       /* 0..0xffff, -1 unknown */
	int subsys_vendor_id, subsys_device_id;
	int32_t class_code;             /* 24 bits (0x030000), -1 unknown */
	char *vendor_name, *device_name;/* from pci.ids; never NULL */
	char *class_name;               /* "3D controller"; never NULL */
	char *driver;                   /* bound driver, NULL when none */
	char *driver_module;            /* the driver's module (its "module" link:
					 * xhci_hcd -> xhci_pci); NULL when none
					 * is bound or it is built into the kernel */
	int iommu_group;                /* -1 when none */
	int boot_vga;                   /* 1, 0, or -1 when the file is absent */
	/* SR-IOV: sriov_total < 0 when the function is not a PF */
	int sriov_total, sriov_num;
	char **vfs; size_t n_vfs;       /* VF addresses, ordered by virtfn index */
	char *physfn;                   /* PF address for a VF, else NULL */
	int sriov_offset, sriov_stride; /* routing ID of VF 0 from the PF's, and
					 * between VFs; -1 unknown */
	int sriov_vf_device;            /* the VFs' device id; -1 unknown */
	int sriov_autoprobe;            /* sriov_drivers_autoprobe: 1, 0, -1 unknown */
	enum host_sriov_driver sriov_driver;
	int sriov_driver_max_vfs;       /* the driver's max_vfs parameter now
					 * (i915, xe, igb); -1 none or unreadable */
	int vfio_open;                  /* bound to vfio-pci: 1 when a user (a VM)
					 * has it open ("enable"), 0 not; -1 other drivers */
	struct host_mdev_type *mdev_types; size_t n_mdev_types;
	struct host_mdev *mdevs; size_t n_mdevs;
	/* NVIDIA vGPU 17+ on kernel 6.8 and later (a VF that stays on nvidia,
	 * no mdev bus): vgpu_current is nvidia/current_vgpu_type (0: none set),
	 * -1 when the function has no such interface; the types it can take
	 * now, none once the GPU's framebuffer is used up. */
	int vgpu_current;
	struct host_vgpu_type *vgpu_types; size_t n_vgpu_types;
};

struct host_iommu_group {
	int id;
	char *type;                     /* "DMA", "DMA-FQ", "identity"; NULL */
	const struct host_device **devices; size_t n_devices; /* address order */
};


/* Scan the running host (as the process sees /sys and /proc). Returns 0 and
 * an owned snapshot; an empty or unreadable /sys gives an empty snapshot and
 * a log line, never an error. Negative errno is reserved for running out of
 * resources. */
int host_scan(struct host **ret, struct gv_error *err);

/* Free a snapshot; NULL is fine. */
void host_free(struct host *h);

/* Devices in address order. */
size_t host_n_devices(const struct host *h);
const struct host_device *host_device(const struct host *h, size_t i);
/* By canonical or short address; NULL when absent. */
const struct host_device *host_find(const struct host *h, const char *address);

/* IOMMU groups in id order; none when the IOMMU is off. */
size_t host_n_groups(const struct host *h);
const struct host_iommu_group *host_group(const struct host *h, size_t i);
const struct host_iommu_group *host_find_group(const struct host *h, int id);

/* The firmware and kernel facts, read with the devices (core/scan/firmware.h
 * has their getters); owned by the snapshot. */
const struct firmware *host_firmware(const struct host *h);

/* The facts most callers want: CPU vendor and flags from /proc/cpuinfo, the
 * running command line (/proc/cmdline, NULL if unreadable), kernel release
 * (/proc/sys/kernel/osrelease, NULL if unreadable). */
enum host_cpu_vendor host_cpu_vendor(const struct host *h);
bool host_cpu_has_flag(const struct host *h, const char *flag);
const char *host_cmdline(const struct host *h);
const char *host_kernel_release(const struct host *h);

/* Whether the device D of snapshot H is still what the scan saw at its
 * address: its vendor and device ids are read again (the sample host answers
 * from memory). 0, or -ENODEV with ERR "ADDRESS: the device is gone (...)" or
 * "ADDRESS: now VVVV:DDDD, but ... when scanned". */
int host_device_recheck(const struct host *h, const struct host_device *d, struct gv_error *err);

/* Device classification. */
bool host_device_is_display(const struct host_device *d);   /* class 03xxxx */
bool host_device_is_bridge(const struct host_device *d);    /* class 06xxxx */

/* True when d shares its IOMMU group with a function outside its own slot,
 * so it cannot be passed to a VM alone. */
bool host_device_shares_group(const struct host *h, const struct host_device *d);

/* The number of display devices that are not VFs: "the only GPU". */
size_t host_n_gpus(const struct host *h);

/* ---- mediated devices and vGPU (core/scan/host-mdev.c) ---- */

/* The mdev instance UUID (any case), and in *RET_PARENT its parent when not
 * NULL; NULL when the host has no such instance. */
const struct host_mdev *host_find_mdev(const struct host *h, const char *uuid,
				       const struct host_device **ret_parent);
/* D's mdev type ID; NULL when it has none of that name. */
const struct host_mdev_type *host_device_mdev_type(const struct host_device *d, const char *id);

/* The VM that has NEEDLE (an mdev UUID or a PCI address) on its QEMU
 * command line: its name (-name, or Proxmox's -id) and pid, "web01 (QEMU
 * pid 4242)"; NULL when no running QEMU names it. Borrowed. */
const char *host_vm_using(const struct host *h, const char *needle);

/* The index of VF among the VFs NVIDIA PF D makes once they are on (its
 * VFs are off); -1 when VF is not one of them. */
int host_vgpu_vf_index(const struct host_device *d, const struct pciaddr *vf);

/* True when the module NVIDIA's vGPU host driver needs is loaded
 * (nvidia_vgpu_vfio, which registers the mdev parents). */
bool host_vgpu_driver_loaded(const struct host *h);

/* True for an Intel iGPU whose generation has GVT-g (Broadwell to Comet
 * Lake: i915's gvt covers BDW, SKL, KBL, BXT, CFL, CML), whether or not it
 * is on now (i915.enable_gvt=1 and kvmgt make its mdev types appear). */
bool host_device_gvtg_capable(const struct host_device *d);

/* Paths in the running host's sysfs, for the sample host too (its plans
 * list the writes they would make). Owned. */
/* DEVICE/mdev_supported_types/TYPE/create */
char *host_mdev_create_path(const char *parent, const char *type);
/* PARENT/UUID/ATTR: an instance's attribute ("remove") */
char *host_mdev_attr_path(const char *parent, const char *uuid, const char *attr);
/* VF/nvidia/current_vgpu_type; the VF need not exist yet */
char *host_vgpu_type_path(const char *vf);

/* The path of attribute ATTR of D in the running host's sysfs
 * ("/sys/bus/pci/devices/ADDRESS/ATTR"), also for the sample host, whose
 * plans list the writes they would make. ADDRESS may name a function the
 * snapshot does not have yet (a VF a plan makes). Owned. */
char *host_device_attr_path(const struct host_device *d, const char *attr);
char *host_address_attr_path(const char *address, const char *attr);
/* The path of the PCI bus attribute ATTR ("/sys/bus/pci/drivers_probe"). Owned. */
char *host_pci_bus_attr_path(const char *attr);

/* The address of VF I of PF D, from its offset and stride (PCI SR-IOV
 * routing IDs: PF + offset + I * stride). Returns 0, or -ENOENT when the
 * offset or stride is unknown, -ERANGE past the bus numbers. */
int host_device_vf_address(const struct host_device *d, unsigned i, char ret[PCIADDR_STRLEN]);

/* "can", "cannot", "no-driver", "unknown". */
const char *host_sriov_driver_name(enum host_sriov_driver s);
