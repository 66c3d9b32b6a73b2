/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sample host behind `gpuvirt --demo`, for machines without a GPU: the
 * same host as tests/fixtures/hosts/ubuntu-v100, built in memory so that the
 * demo needs neither /sys nor umockdev.
 */
#include <stdlib.h>
#include <string.h>

#include "core/scan/host-private.h"
#include "core/scan/names.h"

struct demo_dev {
	const char *addr;
	int vendor, device, sub_vendor, sub_device, class_code;
	const char *driver;
	int group;
	int boot_vga;
};

static const struct demo_dev demo_devs[] = {
	{ "0000:00:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, 0, -1 },
	{ "0000:00:01.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", 1, -1 },
	{ "0000:01:00.0", 0x1a03, 0x1150, 0x0000, 0x0000, 0x060400, NULL, 1, -1 },
	{ "0000:02:00.0", 0x1a03, 0x2000, 0x0000, 0x0000, 0x030000, "ast", 1, 1 },
	{ "0000:40:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, 64, -1 },
	{ "0000:40:03.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", 65, -1 },
	{ "0000:41:00.0", 0x10de, 0x1db4, 0x10de, 0x1214, 0x030200, "nouveau", 66, 0 },
	{ "0000:60:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, 80, -1 },
	{ "0000:60:01.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", 81, -1 },
	{ "0000:61:00.0", 0x8086, 0x1521, 0x0000, 0x0000, 0x020000, "igb", 82, -1 },
	{ "0000:61:00.1", 0x8086, 0x1521, 0x0000, 0x0000, 0x020000, "igb", 83, -1 },
};

static char *dup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

int host_demo(struct host **ret)
{
	struct host *h = host_alloc();
	struct names *names = names_new();

	for (size_t i = 0; i < sizeof(demo_devs) / sizeof(demo_devs[0]); i++) {
		const struct demo_dev *dd = &demo_devs[i];
		struct pciaddr a;
		if (pciaddr_parse(dd->addr, &a) < 0)
			abort();
		struct host_device *d = host_add_device(h, &a);
		d->vendor_id = dd->vendor;
		d->device_id = dd->device;
		d->subsys_vendor_id = dd->sub_vendor;
		d->subsys_device_id = dd->sub_device;
		d->class_code = dd->class_code;
		d->driver = dd->driver ? dup(dd->driver) : NULL;
		d->iommu_group = dd->group;
		d->boot_vga = dd->boot_vga;
		if (dd->vendor == 0x10de) {
			struct host_mdev_type *t = host_device_add_mdev_type(d, "nvidia-300");
			t->name = dup("GRID V100-8C");
			t->available_instances = 2;
			t->device_api = dup("vfio-pci");
			t->description = dup("num_heads=1, frl_config=60, framebuffer=8192M, "
					     "max_resolution=4096x2160, max_instance=2");
			t = host_device_add_mdev_type(d, "nvidia-299");
			t->name = dup("GRID V100-4C");
			t->available_instances = 4;
			t->device_api = dup("vfio-pci");
			t->description = dup("num_heads=1, frl_config=60, framebuffer=4096M, "
					     "max_resolution=4096x2160, max_instance=4");
		}
	}
	host_finish(h, names);
	names_free(names);
	for (size_t i = 0; i < h->n_groups; i++)
		h->groups[i].type = dup("DMA-FQ");
	h->cpu_vendor = HOST_CPU_AMD;
	h->cpu_flags = dup("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov svm");
	h->cmdline = dup("BOOT_IMAGE=/boot/vmlinuz-6.8.0-45-generic root=UUID=3f1c2d4e-8a6b-4c1d-9e2f-5a6b7c8d9e0f ro quiet splash");
	h->kernel_release = dup("6.8.0-45-generic");
	*ret = h;
	return 0;
}
