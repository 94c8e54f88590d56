/* SPDX-License-Identifier: MIT */
/*
 * The firmware side of the PC platform: the e820 map, the ACPI tables in the
 * BIOS area at 0xe0000, QEMU's fw_cfg, the ACPI PM1 event and control
 * registers (S5 written to PM1a_CNT powers the domain off) and the reset
 * ports (0xcf9, and the keyboard controller's pulse-reset command).
 * Runs: host root mode.
 */
#include <shale/acpi_tables.h>
#include <shale/devices.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/guest_mem.h>
#include <shale/platform.h>
#include <shale/printk.h>

#include "platform_internal.h"

#define KBC_CMD_PORT 0x64
#define KBC_PULSE_RESET 0xfe

static struct platform *plat(struct vcpu *v)
{
	return v->domain->platform;
}

static void fwcfg_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		     u32 *val)
{
	struct platform *p = plat(v);

	spin_lock(&p->lock);
	if (write)
		fwcfg_io_write(&p->fwcfg, port, size, *val);
	else
		*val = fwcfg_io_read(&p->fwcfg, port, size);
	spin_unlock(&p->lock);
}

/* PM1a event block: status (write 1 to clear) at +0, enable at +2; PM1a
 * control at +4, whose SLP_EN with SLP_TYP S5 is the guest powering off
 * (ACPI 6.4 4.8.3.1, 4.8.3.2, 7.4.2). SCI_EN always reads 1: there is no
 * SMM to hand ACPI over from. */
static void pm1_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		   u32 *val)
{
	struct platform *p = plat(v);
	unsigned int off = port - ACPI_PM1A_EVT_PORT;
	bool poweroff = false;

	spin_lock(&p->lock);
	if (!write) {
		u32 regs = p->pm1_sts | (u32)p->pm1_en << 16;

		if (off >= 4)
			*val = (p->pm1_cnt | ACPI_PM1_CNT_SCI_EN) >> (8 * (off - 4));
		else
			*val = regs >> (8 * off);
	} else if (off >= 4) {
		u16 cnt = (u16)(*val << (8 * (off - 4)));

		p->pm1_cnt = cnt & ~ACPI_PM1_CNT_SLP_EN;
		poweroff = (cnt & ACPI_PM1_CNT_SLP_EN) &&
			   ((cnt & ACPI_PM1_CNT_SLP_TYP_MASK) >>
			    ACPI_PM1_CNT_SLP_TYP_SHIFT) == ACPI_SLP_TYP_S5;
	} else if (off < 2) {
		p->pm1_sts &= (u16)~(*val << (8 * off));
	} else {
		p->pm1_en = (u16)(*val << (8 * (off - 2)));
	}
	spin_unlock(&p->lock);
	if (poweroff)
		domain_poweroff(v->domain, "ACPI S5 (poweroff)", false);
}

/* 0xcf9 with the reset bit, or the 8042's pulse-reset command: Shale does
 * not restart domains, so a reset ends the domain cleanly. */
static void reset_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		     u32 *val)
{
	if (!write) {
		*val = port == KBC_CMD_PORT ? 0x1c /* idle, no data */ : 0;
		return;
	}
	if ((port == ACPI_RESET_PORT && (*val & 0x04)) ||
	    (port == KBC_CMD_PORT && (u8)*val == KBC_PULSE_RESET))
		domain_poweroff(v->domain, port == KBC_CMD_PORT ?
				"reset through the keyboard controller" :
				"reset through port 0xcf9", true);
}

/* Builds the ACPI tables for this domain and copies them to 0xe0000. */
static int write_acpi_tables(struct domain *d, struct platform *p)
{
	static u8 buf[ACPI_TABLES_MAX]; /* domains are built one at a time */
	struct acpi_config cfg;
	struct acpi_layout layout;
	int n;

	acpi_config_init(&cfg, d->nr_vcpus);
	n = acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA), &cfg, &layout);
	if (n < 0)
		return n;
	if (guest_phys_write(d, _gpa(ACPI_TABLES_GPA), buf, (size_t)n))
		return -SH_EFAULT;
	p->rsdp_gpa = gpa_x(layout.rsdp);
	return 0;
}

int platform_firmware_init(struct domain *d, struct platform *p)
{
	int rc;

	p->nr_e820 = e820_build(p->e820, E820_MAX_ENTRIES, d->ram_bytes,
				d->cfg.maxmem_mib << 20);
	if (p->nr_e820 < 0)
		return p->nr_e820;
	rc = write_acpi_tables(d, p);
	if (rc)
		return rc;
	fwcfg_init(&p->fwcfg);
	fwcfg_add_u64(&p->fwcfg, FW_CFG_RAM_SIZE, d->ram_bytes);
	fwcfg_add_u16(&p->fwcfg, FW_CFG_NB_CPUS, (u16)d->nr_vcpus);
	fwcfg_add_u16(&p->fwcfg, FW_CFG_MAX_CPUS, (u16)d->nr_vcpus);
	domain_register_io(d, FWCFG_PORT_SEL, FWCFG_NR_PORTS, fwcfg_io);
	domain_register_io(d, ACPI_PM1A_EVT_PORT,
			   ACPI_PM1_EVT_LEN + ACPI_PM1_CNT_LEN, pm1_io);
	domain_register_io(d, ACPI_RESET_PORT, 1, reset_io);
	domain_register_io(d, KBC_CMD_PORT, 1, reset_io);
	return 0;
}

int platform_e820(struct domain *d, struct e820_entry *map, unsigned int max)
{
	struct platform *p = d->platform;
	int n = MIN(p->nr_e820, (int)max);

	for (int i = 0; i < n; i++)
		map[i] = p->e820[i];
	return n;
}

u64 platform_rsdp_gpa(struct domain *d)
{
	return d->platform->rsdp_gpa;
}
