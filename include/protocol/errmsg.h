#ifndef PROTOCOL_ERRMSG_H
#define PROTOCOL_ERRMSG_H

/* Error texts clients see, without the leading '-' and trailing CRLF.
 * Redis compat: each one is byte for byte what Redis 7.0 sends, because
 * clients and tools branch on them. Keep them here, in one place, so the
 * compatibility tests have one list to check. */

#define ERRMSG_SYNTAX "ERR syntax error"
#define ERRMSG_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERRMSG_NOT_INTEGER "ERR value is not an integer or out of range"
#define ERRMSG_NOT_FLOAT "ERR value is not a valid float"
#define ERRMSG_OUT_OF_RANGE "ERR value is out of range"
/* Arguments parsed as a C int (SELECT, SWAPDB, MOVE, COPY DB). */
#define ERRMSG_INT_RANGE "ERR value is out of range, value must between -2147483648 and 2147483647"
#define ERRMSG_OVERFLOW "ERR increment or decrement would overflow"
#define ERRMSG_DECR_OVERFLOW "ERR decrement would overflow"
#define ERRMSG_NAN_INF "ERR increment would produce NaN or Infinity"
#define ERRMSG_NO_SUCH_KEY "ERR no such key"
#define ERRMSG_SAME_OBJECT "ERR source and destination objects are the same"
#define ERRMSG_DB_RANGE "ERR DB index is out of range"
#define ERRMSG_OFFSET_RANGE "ERR offset is out of range"
#define ERRMSG_STRING_TOO_BIG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERRMSG_INVALID_CURSOR "ERR invalid cursor"
#define ERRMSG_NOAUTH "NOAUTH Authentication required."
#define ERRMSG_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define ERRMSG_OOM "OOM command not allowed when used memory > 'maxmemory'."
#define ERRMSG_BUSYKEY "BUSYKEY Target key name already exists."
#define ERRMSG_RESTORE_TTL "ERR Invalid TTL value, must be >= 0"
#define ERRMSG_RESTORE_IDLETIME "ERR Invalid IDLETIME value, must be >= 0"
#define ERRMSG_RESTORE_FREQ "ERR Invalid FREQ value, must be >= 0 and <= 255"
#define ERRMSG_DUMP_PAYLOAD "ERR DUMP payload version or checksum are wrong"
#define ERRMSG_BAD_DATA_FORMAT "ERR Bad data format"
#define ERRMSG_MIGRATE_KEYS                                                                        \
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
/* MIGRATE's I/O failures; the first keeps Redis's wording ("the client"). */
#define ERRMSG_MIGRATE_CONNECT "IOERR error or timeout connecting to the client"
#define ERRMSG_MIGRATE_WRITE "IOERR error or timeout writing to target instance"
#define ERRMSG_MIGRATE_READ "IOERR error or timeout reading to target instance"
#define ERRMSG_MIGRATE_TARGET_PREFIX "ERR Target instance replied with error: "
#define ERRMSG_LOADING "LOADING Redis is loading the dataset in memory"
#define ERRMSG_READONLY "READONLY You can't write against a read only replica."
#define ERRMSG_EXECABORT "EXECABORT Transaction discarded because of previous errors."
#define ERRMSG_MISCONF                                                                             \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "  \
    "disk. Commands that may modify the data set are disabled, because this instance is "          \
    "configured to report errors during writes if RDB snapshotting fails "                         \
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB " \
    "error."
#define ERRMSG_NOPROTO "NOPROTO unsupported protocol version"
#define ERRMSG_MAX_CLIENTS "ERR max number of clients reached"
#define ERRMSG_CLUSTER_DISABLED "ERR This instance has cluster support disabled"
#define ERRMSG_SELECT_CLUSTER "ERR SELECT is not allowed in cluster mode"
#define ERRMSG_MOVE_CLUSTER "ERR MOVE is not allowed in cluster mode"
#define ERRMSG_SWAPDB_CLUSTER "ERR SWAPDB is not allowed in cluster mode"
#define ERRMSG_COPY_CLUSTER "ERR Copying to another database is not allowed in cluster mode"
#define ERRMSG_NX_XX_GT_LT                                                                         \
    "ERR NX and XX, GT or LT options at the same time are not compatible"
#define ERRMSG_GT_LT "ERR GT and LT options at the same time are not compatible"
#define ERRMSG_LFU_NOT_SELECTED                                                                    \
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "      \
    "that when switching between policies at runtime LRU and LFU data will take some time to "     \
    "adjust."
#define ERRMSG_LFU_SELECTED                                                                        \
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "       \
    "switching between policies at runtime LRU and LFU data will take some time to adjust."
#define ERRMSG_DEBUG_NOT_ALLOWED                                                                   \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "  \
    "can run it from a local connection, otherwise you need to set this option in the "           \
    "configuration file, and then restart the server."
#define ERRMSG_AUTH_NOPASS                                                                         \
    "ERR AUTH <password> called without any password configured for the default user. Are you "   \
    "sure your configuration is correct?"
#define ERRMSG_HELLO_NOAUTH                                                                        \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "      \
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "        \
    "protocol version at the same time"

#endif
