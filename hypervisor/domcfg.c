/* SPDX-License-Identifier: MIT */
/*
 * Parsing domain files (the xl.cfg subset of shale/domcfg.h) inside Shale.
 * tools/shale-run checks the same files first, for friendlier messages;
 * Shale checks them again because they are input like any other.
 * Runs: host root mode and host unit tests.
 */
#include <shale/compiler.h>
#include <shale/domcfg.h>
#include <shale/errno.h>
#include <shale/printk.h>
#include <shale/string.h>

enum value_kind { VAL_STRING, VAL_INT };

struct value {
	enum value_kind kind;
	char str[DOMCFG_CMDLINE_MAX + 1];
	u64 num;
};

struct parser {
	const char *p, *end;
	unsigned int line;
	char *err;
	size_t err_size;
};

#define BAD(ps, ...) (sh_snprintf((ps)->err, (ps)->err_size, __VA_ARGS__), -SH_EINVAL)

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && is_blank(*ps->p))
		ps->p++;
}

/* True at end of line: newline, end of text, or a comment. */
static bool at_eol(struct parser *ps)
{
	skip_blanks(ps);
	return ps->p == ps->end || *ps->p == '\n' || *ps->p == '#';
}

static void skip_line(struct parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
}

static int parse_string(struct parser *ps, const char *key, struct value *v)
{
	char quote = *ps->p++;
	size_t n = 0;

	while (ps->p < ps->end && *ps->p != quote && *ps->p != '\n') {
		char c = *ps->p++;

		if (c == '\\' && ps->p < ps->end && *ps->p != '\n')
			c = *ps->p++;
		if (n == sizeof(v->str) - 1)
			return BAD(ps, "line %u: key '%s': string longer than %u bytes",
				   ps->line, key, DOMCFG_CMDLINE_MAX);
		v->str[n++] = c;
	}
	if (ps->p == ps->end || *ps->p != quote)
		return BAD(ps, "line %u: key '%s': unterminated string", ps->line, key);
	ps->p++;
	v->str[n] = '\0';
	v->kind = VAL_STRING;
	return 0;
}

static int parse_int(struct parser *ps, const char *key, struct value *v)
{
	u64 n = 0;
	const char *start = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		if (n > (~0ULL - 9) / 10)
			return BAD(ps, "line %u: key '%s': number too large", ps->line, key);
		n = n * 10 + (u64)(*ps->p++ - '0');
	}
	if (ps->p == start)
		return BAD(ps, "line %u: key '%s': expected a value", ps->line, key);
	v->num = n;
	v->kind = VAL_INT;
	return 0;
}

/* Reads "key = value" from the current line into key/v. */
static int parse_assignment(struct parser *ps, char *key, size_t key_size,
			    struct value *v)
{
	size_t n = 0;

	while (ps->p < ps->end && (*ps->p == '_' || (*ps->p >= 'a' && *ps->p <= 'z') ||
				   (*ps->p >= 'A' && *ps->p <= 'Z') ||
				   (*ps->p >= '0' && *ps->p <= '9'))) {
		if (n == key_size - 1)
			return BAD(ps, "line %u: key too long", ps->line);
		key[n++] = *ps->p++;
	}
	key[n] = '\0';
	if (!n)
		return BAD(ps, "line %u: expected 'key = value'", ps->line);
	skip_blanks(ps);
	if (ps->p == ps->end || *ps->p != '=')
		return BAD(ps, "line %u: key '%s': expected '='", ps->line, key);
	ps->p++;
	skip_blanks(ps);
	if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
		if (parse_string(ps, key, v))
			return -SH_EINVAL;
	} else if (ps->p < ps->end && *ps->p == '[') {
		return BAD(ps, "line %u: key '%s': lists are not accepted here",
			   ps->line, key);
	} else if (parse_int(ps, key, v)) {
		return -SH_EINVAL;
	}
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == ';')
		ps->p++;
	if (!at_eol(ps))
		return BAD(ps, "line %u: key '%s': unexpected text after the value",
			   ps->line, key);
	return 0;
}

enum key_id { K_NAME, K_TYPE, K_KERNEL, K_RAMDISK, K_CMDLINE, K_MEMORY,
	      K_MAXMEM, K_VCPUS, K_HAP, K_SHADOW, K_NR };

static const char *const key_names[K_NR] = {
	"name", "type", "kernel", "ramdisk", "cmdline", "memory", "maxmem",
	"vcpus", "hap", "shadow_memory",
};

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > DOMCFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

/* Stores one checked value into cfg. */
static int apply(struct parser *ps, enum key_id k, const struct value *v,
		 struct domcfg *cfg)
{
	static const struct { u64 min, max; } range[K_NR] = {
		[K_MEMORY] = { 1, 1048576 }, [K_MAXMEM] = { 1, 1048576 },
		[K_VCPUS] = { 1, 64 }, [K_HAP] = { 0, 1 }, [K_SHADOW] = { 0, 65536 },
	};
	const char *key = key_names[k];
	bool want_int = k >= K_MEMORY;

	if (want_int && v->kind != VAL_INT)
		return BAD(ps, "line %u: key '%s': expected an integer from %lu to %lu",
			   ps->line, key, range[k].min, range[k].max);
	if (!want_int && v->kind != VAL_STRING)
		return BAD(ps, "line %u: key '%s': expected a quoted string",
			   ps->line, key);
	if (want_int && (v->num < range[k].min || v->num > range[k].max))
		return BAD(ps, "line %u: key '%s': expected an integer from %lu to %lu, got %lu",
			   ps->line, key, range[k].min, range[k].max, v->num);
	switch (k) {
	case K_NAME:
		if (!name_ok(v->str))
			return BAD(ps, "line %u: key 'name': 1 to %u of A-Z a-z 0-9 _ . -",
				   ps->line, DOMCFG_NAME_MAX);
		sh_strlcpy(cfg->name, v->str, sizeof(cfg->name));
		break;
	case K_TYPE:
		if (!strcmp(v->str, "pv"))
			cfg->type = DOMAIN_PV;
		else if (!strcmp(v->str, "hvm"))
			cfg->type = DOMAIN_HVM;
		else
			return BAD(ps, "line %u: key 'type': expected \"pv\" or \"hvm\"",
				   ps->line);
		break;
	case K_KERNEL:
		break; /* the launcher's: the kernel arrives as a module */
	case K_RAMDISK:
		cfg->has_ramdisk = v->str[0] != '\0';
		break;
	case K_CMDLINE:
		sh_strlcpy(cfg->cmdline, v->str, sizeof(cfg->cmdline));
		break;
	case K_MEMORY:
		cfg->memory_mib = v->num;
		break;
	case K_MAXMEM:
		cfg->maxmem_mib = v->num;
		break;
	case K_VCPUS:
		cfg->vcpus = (u32)v->num;
		break;
	case K_HAP:
		cfg->hap = v->num;
		break;
	case K_SHADOW:
		cfg->shadow_memory_set = true;
		cfg->shadow_memory_mib = v->num;
		break;
	default:
		break;
	}
	return 0;
}

static int check_complete(struct parser *ps, const bool seen[K_NR],
			  struct domcfg *cfg)
{
	static const enum key_id required[] = { K_NAME, K_TYPE, K_KERNEL, K_MEMORY };

	for (unsigned int i = 0; i < ARRAY_SIZE(required); i++)
		if (!seen[required[i]])
			return BAD(ps, "key '%s' is required", key_names[required[i]]);
	if (!seen[K_MAXMEM])
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib)
		return BAD(ps, "key 'maxmem': %lu is below memory (%lu)",
			   cfg->maxmem_mib, cfg->memory_mib);
	return 0;
}

int domcfg_parse(const char *text, size_t len, struct domcfg *cfg, char *err,
		 size_t err_size)
{
	struct parser ps = { text, text + len, 1, err, err_size };
	static struct value v; /* one parse at a time (boot CPU) */
	bool seen[K_NR] = { false };
	unsigned int seen_line[K_NR] = { 0 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->vcpus = 1;
	cfg->hap = true;
	if (len > DOMCFG_TEXT_MAX)
		return BAD(&ps, "file longer than %u bytes", DOMCFG_TEXT_MAX);
	if (memchr(text, '\0', len))
		return BAD(&ps, "NUL byte in the file");
	for (; ps.p < ps.end; ps.line++) {
		char key[32];
		unsigned int k;

		if (!at_eol(&ps)) {
			if (parse_assignment(&ps, key, sizeof(key), &v))
				return -SH_EINVAL;
			for (k = 0; k < K_NR && strcmp(key, key_names[k]); k++)
				;
			if (k == K_NR)
				return BAD(&ps, "line %u: unknown key '%s'", ps.line, key);
			if (seen[k])
				return BAD(&ps, "line %u: key '%s' repeats line %u",
					   ps.line, key, seen_line[k]);
			seen[k] = true;
			seen_line[k] = ps.line;
			if (apply(&ps, (enum key_id)k, &v, cfg))
				return -SH_EINVAL;
		}
		skip_line(&ps);
		if (ps.p < ps.end)
			ps.p++; /* the newline */
	}
	return check_complete(&ps, seen, cfg);
}
