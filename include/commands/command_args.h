#ifndef COMMANDS_COMMAND_ARGS_H
#define COMMANDS_COMMAND_ARGS_H

/* The argument syntax of each command, as COMMAND DOCS reports it (redis-cli
 * builds its hints and HELP output from it). */

enum cmd_arg_type {
    CMD_ARG_STRING,
    CMD_ARG_INTEGER,
    CMD_ARG_DOUBLE,
    CMD_ARG_KEY,
    CMD_ARG_PATTERN,
    CMD_ARG_UNIX_TIME,
    CMD_ARG_PURE_TOKEN,
    CMD_ARG_ONEOF,
    CMD_ARG_BLOCK,
};

enum cmd_arg_flags {
    CMD_ARG_OPTIONAL = 1 << 0,
    CMD_ARG_MULTIPLE = 1 << 1,
    CMD_ARG_MULTIPLE_TOKEN = 1 << 2,
};

typedef struct cmd_arg {
    const char *name;
    enum cmd_arg_type type;
    const char *token; /* literal keyword introducing the argument, or NULL */
    const char *since;
    const char *deprecated_since;
    int key_spec_index; /* -1 unless the argument is a key */
    int flags;          /* enum cmd_arg_flags */
    const struct cmd_arg *args; /* ONEOF/BLOCK members */
    int nargs;
} cmd_arg;

/* The arguments of a command by full name ("set", "client|kill"); NULL
 * (and *count 0) for commands without arguments. */
const cmd_arg *command_args_for(const char *fullname, int *count);
/* Name of an argument type as COMMAND DOCS spells it ("pure-token"...). */
const char *command_arg_type_name(enum cmd_arg_type t);

#endif
