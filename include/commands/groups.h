#ifndef COMMANDS_GROUPS_H
#define COMMANDS_GROUPS_H

#include "commands/command.h"

/* Command tables of the data-command groups (this layer). Each ends with an
 * all-zero row. The server adds its own groups (connection, server admin). */
extern const command_def cmd_string_defs[];
extern const command_def cmd_keys_defs[];

#endif
