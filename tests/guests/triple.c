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
 *   pt-stack  The stack is the unused top of a page table in use (it maps
 *           one page at 0x80000000, read once so that a shadow-paging
 *           hypervisor shadows it): INT 0x80 pushes EFLAGS, CS and EIP
 *           there, and the gate's handler returns. The three words must
 *           be in the table, the mapping still good, and INT 0x80 run once.
 *   int-stack  INT 0x80, INT3 and INTO (with OF set), each with the stack
 *           on a page whose PTE has A and D clear (under shadow paging
 *           the pushes fault into the hypervisor, which must deliver the
 *           event again as the instruction would: once, with the address
 *           after it pushed). Each handler must run once, see that return
 *           address, and find A and D set in the PTE.
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

/* The INT 0x80 gate's target: counts and returns. */
volatile uint32_t triple_int80_count;
__asm__(".text\n"
	".globl triple_int80_entry\n"
	"triple_int80_entry:\n\t"
	"incl triple_int80_count\n\t"
	"iret\n");
extern char triple_int80_entry[];

static uint32_t mapped_page[1024] __attribute__((aligned(4096)));

/* Paging on (2-level, 4K identity map), one page mapped at PT_STACK_VA
 * through a table of its own whose top 12 bytes then take INT 0x80's
 * pushes; checks what landed there and that the mapping still reads. */
#define PT_STACK_VA 0x80000000u
static void push_onto_page_table(void)
{
	static struct pt pt;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;
	volatile uint32_t *table, *probe = (volatile uint32_t *)PT_STACK_VA;
	uint32_t eflags, eip, seen;
	bool ok;

	mapped_page[0] = 0x5a17c0deu;
	idt_base = (uint32_t)idt_area;
	set_gate(0x80, (uint32_t)triple_int80_entry);
	if (pt_init(&pt, PT_2LEVEL) ||
	    pt_identity(&pt, (runtime_image_end() + PT_4M) & ~(PT_4M - 1),
			PT_W) ||
	    pt_map(&pt, PT_STACK_VA, (uint32_t)mapped_page, PT_4K, PT_W)) {
		printf("triple.elf: cannot build the page tables\nFAIL\n");
		guest_exit(EXIT_SETUP);
	}
	table = (volatile uint32_t *)(uint32_t)(pt_get(&pt, PT_STACK_VA, PT_4M) &
						~0xfffull);
	mode_enter(&pt, 0);
	idtr.limit = 256 * 8 - 1;
	idtr.base = idt_base;
	seen = *probe; /* the table is in use: shadowed from here on */
	printf("triple.elf: stack at the top of the page table at 0x%x, "
	       "which maps 0x%x (reads 0x%x)\n", (uint32_t)table, PT_STACK_VA,
	       seen);
	__asm__ volatile("cli\n\t"
			 "lidt %3\n\t"
			 "pushfl\n\t"
			 "popl %0\n\t"
			 "movl %%esp, %%ebx\n\t"
			 "movl %2, %%esp\n\t"
			 "movl $1f, %1\n"
			 "1:\tint $0x80\n\t"
			 "movl %%ebx, %%esp"
			 : "=&r"(eflags), "=&r"(eip)
			 : "r"((uint32_t)table + 4096), "m"(idtr)
			 : "ebx", "memory");
	ok = triple_int80_count == 1 && table[1023] == (eflags & ~0x10000u) &&
	     (table[1022] & 0xffff) == SEL_KCODE32 && table[1021] == eip + 2 &&
	     *probe == 0x5a17c0deu && seen == 0x5a17c0deu;
	printf("triple.elf: INT 0x80 ran %u time(s); pushed EIP 0x%x CS 0x%x "
	       "EFLAGS 0x%x (expected 0x%x, 0x%x, 0x%x); 0x%x reads 0x%x\n",
	       triple_int80_count, table[1021], table[1022] & 0xffff,
	       table[1023], eip + 2, SEL_KCODE32, eflags & ~0x10000u,
	       PT_STACK_VA, *probe);
	printf(ok ? "PASS\n" : "FAIL\n");
	guest_exit(ok ? EXIT_PASS : EXIT_FAIL);
}

/* The #BP and #OF gates' targets: count and return. */
volatile uint32_t triple_bp_count, triple_of_count;
__asm__(".text\n"
	".globl triple_bp_entry\n"
	"triple_bp_entry:\n\t"
	"incl triple_bp_count\n\t"
	"iret\n"
	".globl triple_of_entry\n"
	"triple_of_entry:\n\t"
	"incl triple_of_count\n\t"
	"iret\n");
extern char triple_bp_entry[], triple_of_entry[];

/* True if one usable RAM range holds [pa, pa + len). */
static bool ram_has(uint64_t pa, uint64_t len)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);

	for (int i = 0; i < n; i++)
		if (r[i].base <= pa && pa + len <= r[i].base + r[i].len)
			return true;
	return false;
}

/* Runs one of INT 0x80 (which = 0), INT3 (1) or INTO after an addition
 * that sets OF (2), with ESP at the top of the page at va; returns the
 * address of the instruction after it. */
static uint32_t raise_on_stack(int which, uint32_t va)
{
	uint32_t after;

	switch (which) {
	case 0:
		__asm__ volatile("movl %%esp, %%ebx\n\t"
				 "movl %1, %%esp\n\t"
				 "int $0x80\n"
				 "1:\tmovl %%ebx, %%esp\n\t"
				 "movl $1b, %0"
				 : "=r"(after) : "r"(va + PAGE_4K)
				 : "ebx", "memory");
		break;
	case 1:
		__asm__ volatile("movl %%esp, %%ebx\n\t"
				 "movl %1, %%esp\n\t"
				 "int3\n"
				 "1:\tmovl %%ebx, %%esp\n\t"
				 "movl $1b, %0"
				 : "=r"(after) : "r"(va + PAGE_4K)
				 : "ebx", "memory");
		break;
	default:
		__asm__ volatile("movl %%esp, %%ebx\n\t"
				 "movl %1, %%esp\n\t"
				 "movb $0x7f, %%al\n\t"
				 "addb $1, %%al\n\t" /* 0x7f + 1 overflows: OF = 1 */
				 "into\n"
				 "1:\tmovl %%ebx, %%esp\n\t"
				 "movl $1b, %0"
				 : "=r"(after) : "r"(va + PAGE_4K)
				 : "eax", "ebx", "cc", "memory");
		break;
	}
	return after;
}

/* Paging on (2-level, 4K identity map); for each software event, the
 * page at SOFT_STACK_VA mapped with A and D clear to a page of RAM
 * nothing has touched (from SOFT_STACK_PA, one per event and 2 MiB
 * apart: under populate-on-demand, which may back 2 MiB at a time, each
 * first write faults into the hypervisor too),
 * then the event raised with the stack there; checks the handler's count,
 * the pushed return address and the PTE's A and D. */
#define SOFT_STACK_VA 0x80000000u
#define SOFT_STACK_PA 0x2000000u /* 32 MiB: above the image, in RAM */
#define SOFT_STACK_STRIDE 0x200000u
static void software_events_on_a_fresh_stack(void)
{
	static const char *const names[3] = { "INT 0x80", "INT3", "INTO" };
	volatile uint32_t *const counts[3] = { &triple_int80_count,
					       &triple_bp_count,
					       &triple_of_count };
	static struct pt pt;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;
	volatile uint32_t *stack = (volatile uint32_t *)SOFT_STACK_VA;
	bool ok = true;

	if (!ram_has(SOFT_STACK_PA, 3 * SOFT_STACK_STRIDE) ||
	    runtime_image_end() > SOFT_STACK_PA) {
		printf("triple.elf: no free RAM at 0x%x\nFAIL\n", SOFT_STACK_PA);
		guest_exit(EXIT_SETUP);
	}
	idt_base = (uint32_t)idt_area;
	set_gate(0x80, (uint32_t)triple_int80_entry);
	set_gate(3, (uint32_t)triple_bp_entry);
	set_gate(4, (uint32_t)triple_of_entry);
	if (pt_init(&pt, PT_2LEVEL) ||
	    pt_identity(&pt, (runtime_image_end() + PT_4M) & ~(PT_4M - 1),
			PT_W) ||
	    pt_map(&pt, SOFT_STACK_VA, SOFT_STACK_PA, PT_4K, PT_W)) {
		printf("triple.elf: cannot build the page tables\nFAIL\n");
		guest_exit(EXIT_SETUP);
	}
	mode_enter(&pt, 0);
	idtr.limit = 256 * 8 - 1;
	idtr.base = idt_base;
	__asm__ volatile("cli\n\tlidt %0" : : "m"(idtr) : "memory");
	for (int i = 0; i < 3; i++) {
		uint32_t after, pte;

		pt_set(&pt, SOFT_STACK_VA, PT_4K,
		       (SOFT_STACK_PA + i * SOFT_STACK_STRIDE) | PT_P | PT_W);
		__asm__ volatile("invlpg (%0)" : : "r"(SOFT_STACK_VA) : "memory");
		after = raise_on_stack(i, SOFT_STACK_VA);
		pte = (uint32_t)pt_get(&pt, SOFT_STACK_VA, PT_4K);
		printf("triple.elf: %s ran %u time(s); pushed EIP 0x%x "
		       "(expected 0x%x), CS 0x%x; PTE 0x%x\n", names[i],
		       *counts[i], stack[1021], after, stack[1022] & 0xffff, pte);
		ok = ok && *counts[i] == 1 && stack[1021] == after &&
		     (stack[1022] & 0xffff) == SEL_KCODE32 &&
		     (pte & (PT_A | PT_D)) == (PT_A | PT_D);
	}
	printf(ok ? "PASS\n" : "FAIL\n");
	guest_exit(ok ? EXIT_PASS : EXIT_FAIL);
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
	else if (cmdline_has("pt-stack"))
		push_onto_page_table();
	else if (cmdline_has("int-stack"))
		software_events_on_a_fresh_stack();
	else
		empty_idt_int3();
	/* Not reached on a correct CPU. Still no exit port: hang, so the
	 * harness sees a timeout, not a pass. */
	printf("triple.elf: still running after the fault\nFAIL\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}
