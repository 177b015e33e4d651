#ifndef SERVER_CONFIG_INTERNAL_H
#define SERVER_CONFIG_INTERNAL_H

/* Shared by the three files of the config module: config.c (state, loading,
 * GET/SET), config_table.c (the option table and the special options) and
 * config_rewrite.c (CONFIG REWRITE). Nothing outside the module includes it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "server/config.h"

enum cfg_type { CFG_T_BOOL, CFG_T_NUM, CFG_T_STR, CFG_T_ENUM, CFG_T_SPECIAL };

enum cfg_flag {
    CFG_F_IMMUTABLE = 1 << 0,    /* only at start-up, never by CONFIG SET */
    CFG_F_SENSITIVE = 1 << 1,    /* value is a secret */
    CFG_F_MULTI_ARG = 1 << 2,    /* takes several arguments */
    CFG_F_HIDDEN = 1 << 3,       /* CONFIG GET shows it only when asked by exact name */
    CFG_F_PROTECTED = 1 << 4,    /* CONFIG SET needs enable-protected-configs */
    CFG_F_DENY_LOADING = 1 << 5, /* CONFIG SET refuses while a dataset loads */
    CFG_F_EMPTY_NULL = 1 << 6,   /* strings: "" is stored as "unset" (NULL) */
};

enum cfg_num_flag {
    CFG_N_MEMORY = 1 << 0,   /* accepts 1k, 5mb, 2gb ... */
    CFG_N_PERCENT = 1 << 1,  /* accepts "n%", stored as -n */
    CFG_N_OCTAL = 1 << 2,    /* parsed and shown in base 8 */
    CFG_N_UNSIGNED = 1 << 3, /* bounds compare as unsigned (C unsigned field in Redis) */
    CFG_N_CLAMP_HZ = 1 << 4, /* hz: out-of-range values are clamped to 1..500 */
};

/* Where a value is mirrored in config_values. */
enum cfg_mirror { CFG_M_NONE, CFG_M_BOOL, CFG_M_INT, CFG_M_I64, CFG_M_STR };

typedef struct cfg_enum_item {
    const char *name;
    int value;
} cfg_enum_item;

/* Every option's value lives in one slot: num for bool/number/enum, str
 * (owned, NULL = unset) for strings. Special options keep their state in
 * cfg_special_state instead. */
typedef struct cfg_slot {
    int64_t num;
    char *str;
} cfg_slot;

#define CFG_OOM_CLASSES 3

typedef struct cfg_special_state {
    config_save_point save[CONFIG_MAX_SAVE_POINTS];
    int save_count;
    char *bind[CONFIG_MAX_BIND];
    int bind_count;
    config_obuf_limit obuf[CFG_OBUF_CLASSES];
    int oom[CFG_OOM_CLASSES];
    int notify;
    double *pct;
    int pct_count;
    char *dir; /* absolute */
    char *replicaof_host; /* NULL: not a replica */
    int replicaof_port;
} cfg_special_state;

/* How the special options (save, bind, dir, ...) parse, show and rewrite
 * themselves. set() works on the live state; it returns 0, or -1 with the
 * reason appended to err. */
typedef struct cfg_rewrite_state cfg_rewrite_state;
typedef struct cfg_special_ops {
    int (*set)(config *c, int argc, char **argv, buf *err);
    void (*get)(const config *c, buf *out);
    void (*rewrite)(const config *c, cfg_rewrite_state *rw, int opt);
} cfg_special_ops;

typedef struct cfg_option {
    const char *name;
    const char *alias;
    uint8_t type;      /* enum cfg_type */
    uint8_t flags;     /* enum cfg_flag */
    uint8_t num_flags; /* enum cfg_num_flag */
    uint8_t apply;     /* enum config_apply */
    uint8_t mirror;    /* enum cfg_mirror */
    uint16_t mirror_off;
    int64_t dflt; /* bool, number, enum */
    int64_t lo, hi;
    const char *dflt_str; /* strings; NULL = unset */
    const cfg_enum_item *items;
    bool bitflags; /* enum values OR together (shutdown-on-sig*) */
    /* Extra validation after parsing; returns 0, or -1 with a reason. */
    int (*check)(const config *c, int64_t num, const char *str, buf *err);
    const cfg_special_ops *special;
} cfg_option;

extern const cfg_option cfg_options[];
extern const int cfg_option_count;

struct config {
    config_values v; /* mirrors, refreshed after every change */
    cfg_slot *slots; /* one per entry of cfg_options */
    cfg_special_state sp;
    char *file;
    config_apply_fn hook;
    void *hook_ctx;
    bool in_load;     /* a file or text is being loaded */
    bool save_loaded; /* the first `save` line of the load replaced the defaults */
    int include_depth;
};

/* config_table.c */
/* Sets every slot and the special state to the defaults. */
void cfg_table_defaults(config *c);
/* Frees what the special state owns. */
void cfg_special_fini(cfg_special_state *sp);
void cfg_special_copy(cfg_special_state *dst, const cfg_special_state *src);
/* Names of an enum value (space separated for bitflags), or "unknown". */
void cfg_enum_format(const cfg_option *o, int64_t value, buf *out);
/* Bound to the oom-score-adj-values defaults and the obuf defaults. */
extern const config_obuf_limit cfg_obuf_defaults[CFG_OBUF_CLASSES];
extern const int cfg_oom_defaults[CFG_OOM_CLASSES];
const char *cfg_obuf_class_name(int cls, bool for_rewrite);
/* Redis's memtoull: digits plus an optional unit; false on bad syntax. */
bool cfg_parse_memory(const char *s, uint64_t *out);
/* Keyspace-events letters to flags (-1 if a letter is unknown), and back. */
int cfg_notify_parse(const char *s);
void cfg_notify_format(int flags, buf *out);

/* config.c */
/* Index of the option named name or alias (nocase), or -1; *is_alias
 * (optional) tells which of the two matched. */
int cfg_find(const char *name, size_t len, bool *is_alias);
/* CONFIG GET text of option i. */
void cfg_format_value(const config *c, int i, buf *out);
/* Memory amount in the shortest exact unit form ("64mb", "1gb", "100"). */
void cfg_append_memory(buf *out, uint64_t bytes);

/* config_rewrite.c */
/* Replaces (or appends) the line for option opt; force appends it even if
 * the file did not mention the option. Takes over line's content. */
void cfg_rewrite_line(cfg_rewrite_state *rw, int opt, buf *line, bool force);
/* Same, but reuses only an old line for which match(old_line, key) holds. */
void cfg_rewrite_line_where(cfg_rewrite_state *rw, int opt, buf *line, bool force,
                            bool (*match)(const char *old_line, int key), int key);
/* Marks opt as handled without writing a line (its old lines disappear). */
void cfg_rewrite_mark(cfg_rewrite_state *rw, int opt);
/* Generic rewrite for bool, number, string and enum options. */
void cfg_rewrite_plain(const config *c, cfg_rewrite_state *rw, int opt);

#endif
