#ifndef SERVER_SERVER_COMMANDS_H
#define SERVER_SERVER_COMMANDS_H

#include "commands/command.h"

/* Command groups that need the server itself (connections, configuration,
 * introspection). Their handlers reach the server through ctx->server. */
extern const command_def cmd_connection_defs[];
extern const command_def cmd_server_defs[];
extern const command_def cmd_command_defs[];
/* DUMP and RESTORE: they need persist/rdb, which the commands layer may not
 * include. */
extern const command_def cmd_dump_defs[];
/* REPLICAOF, REPLCONF, PSYNC, SYNC, WAIT. */
extern const command_def cmd_replication_defs[];
/* MIGRATE: DUMP payloads sent to another instance over its own blocking
 * connections (server/migrate_conn.h). */
extern const command_def cmd_migrate_defs[];
/* CLUSTER and its subcommands. */
extern const command_def cmd_cluster_defs[];
/* MULTI, EXEC, DISCARD, WATCH, UNWATCH (server/multi.h). */
extern const command_def cmd_multi_defs[];

#endif
