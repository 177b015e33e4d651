#ifndef SERVER_SERVER_COMMANDS_H
#define SERVER_SERVER_COMMANDS_H

#include "commands/command.h"

/* Command groups that need the server itself (connections, configuration,
 * introspection). Their handlers reach the server through ctx->server. */
extern const command_def cmd_connection_defs[];
extern const command_def cmd_server_defs[];
extern const command_def cmd_command_defs[];

/* Shared by the groups: the HELP reply layout ("<CMD> <subcommand> ...",
 * the given lines, then HELP). lines ends with NULL. */
struct cmd_ctx;
void cmd_reply_help(struct cmd_ctx *ctx, const char *const *lines);
/* "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
 * <CMD> HELP." */
void cmd_reply_subcommand_error(struct cmd_ctx *ctx);

#endif
