/* SPDX-License-Identifier: MIT */
/*
 * triple.elf: exceptions raised while another is being delivered (SDM
 * vol. 3 6.15, table 6-5). A word on the command line picks the case:
 *
 *   (none)  With an empty IDT, INT3 cannot be delivered (#GP), nor can
 *           that (#DF), and the CPU shuts down. The VM must end by the
 *           shutdown alone: no write to the exit port.
 *   df      With paging on, the IDT straddles a page boundary: entries
 *           0-11 on a present page, #PF's (14) on a not-present one. A
 *           load from an unmapped address raises #PF, whose delivery
 *           faults on the IDT (#PF at the gate's address), which makes a
 *           #DF; its gate is readable, and its handler checks error code 0
 *           and CR2 = the address of gate 14, then passes.
 *   pf-triple  As df, but both IDT pages are not present: the #DF cannot
 *           be delivered either, and the CPU shuts down.
 *
 * Runs: guest (test kernel).
 */
#include "desc.h"
#include "exit.h"
#include "mode.h"
#include "multiboot.h"
#include "pt.h"
#include "runtime.h"

#define UNMAPPED_VA 0xc0000000u  /* above the identity map */
#define IDT_OFFSET (PAGE_4K - 100) /* gate 12 crosses; gate 14 is past */
#define PAGE_4K 4096u

static uint8_t idt_area[2 * PAGE_4K] __attribute__((aligned(4096)));
static uint32_t idt_base;
volatile uint32_t triple_df_error = 0xffffffffu;

static void empty_idt_int3(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	printf("triple.elf: about to triple fault\n");
	__asm__ volatile("lidt %0\n\t"
			 "int3" : : "m"(empty) : "memory");
}

/* The #DF gate's target: saves the error code, reports (never returns). */
__asm__(".text\n"
	".globl triple_df_entry\n"
	"triple_df_entry:\n\t"
	"popl triple_df_error\n\t"
	"call triple_df_report\n"
	"1:\tcli\n\thlt\n\tjmp 1b\n");
extern char triple_df_entry[];

__attribute__((used, noreturn)) void triple_df_report(void)
{
	uint32_t cr2, want = idt_base + 14 * 8;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("triple.elf: double fault delivered: error %u, cr2 0x%x "
	       "(gate 14 at 0x%x)\n", triple_df_error, cr2, want);
	if (triple_df_error != 0 || cr2 != want) {
		printf("FAIL\n");
		guest_exit(EXIT_FAIL);
	}
	printf("PASS\n");
	guest_exit(EXIT_PASS);
}

/* A 32-bit interrupt gate to handler at vector v of the IDT at idt_base. */
static void set_gate(unsigned int v, uint32_t handler)
{
	volatile uint32_t *g = (volatile uint32_t *)(idt_base + v * 8);

	g[0] = (handler & 0xffffu) | ((uint32_t)SEL_KCODE32 << 16);
	g[1] = (handler & 0xffff0000u) | 0x8e00u;
}

/* Paging on (2-level, 4K identity map of the image and the IDT area), the
 * IDT at idt_area + IDT_OFFSET with a #DF gate only, the second IDT page
 * (and with both_pages the first) not present; then the faulting load. */
static void fault_in_fault(bool both_pages)
{
	static struct pt pt;
	uint32_t first = (uint32_t)idt_area;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;

	idt_base = first + IDT_OFFSET;
	set_gate(8, (uint32_t)triple_df_entry);
	if (pt_init(&pt, PT_2LEVEL) ||
	    pt_identity(&pt, (runtime_image_end() + PT_4M) & ~(PT_4M - 1),
			PT_W) ||
	    pt_set(&pt, first + PAGE_4K, PAGE_4K, 0) ||
	    (both_pages && pt_set(&pt, first, PAGE_4K, 0))) {
		printf("triple.elf: cannot build the page tables\nFAIL\n");
		guest_exit(EXIT_SETUP);
	}
	mode_enter(&pt, 0);
	idtr.limit = 256 * 8 - 1;
	idtr.base = idt_base;
	printf("triple.elf: IDT at 0x%x, gate 14 not present%s; loading "
	       "from 0x%x\n", idt_base, both_pages ? ", gate 8 neither" : "",
	       UNMAPPED_VA);
	__asm__ volatile("cli\n\t"
			 "lidt %0\n\t"
			 "movl (%1), %%eax"
			 : : "m"(idtr), "r"(UNMAPPED_VA) : "eax", "memory");
}

/* True if the command line has 'word' as a space-separated word (a
 * loader may put the kernel's path first). */
static bool cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *s = mb_cmdline(); *s;) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, word, n) && (s[n] == ' ' || !s[n]))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

int guest_main(void)
{
	if (cmdline_has("df"))
		fault_in_fault(false);
	else if (cmdline_has("pf-triple"))
		fault_in_fault(true);
	else
		empty_idt_int3();
	/* Not reached on a correct CPU. Still no exit port: hang, so the
	 * harness sees a timeout, not a pass. */
	printf("triple.elf: still running after the fault\nFAIL\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}
