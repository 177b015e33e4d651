/* command_args: argument syntax tables for COMMAND DOCS.
 *
 * One table per command that takes arguments, with nested tables for
 * "oneof" and "block" groups. The tables describe the syntax the handlers
 * accept (names, types, keyword tokens, the version that introduced each
 * argument); they are data, kept apart from the handlers so the command
 * rows stay readable. Lookup is a binary search on the sorted names. */
#include "commands/command_args.h"

#include <stddef.h>
#include <string.h>

static const cmd_arg args_1[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_2[] = {
    {"username", CMD_ARG_STRING, NULL, "6.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"password", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_3[] = {
    {"schedule", CMD_ARG_PURE_TOKEN, "SCHEDULE", "3.2.2", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_4[] = {
    {"normal", CMD_ARG_PURE_TOKEN, "normal", NULL, NULL, -1, 0, NULL, 0},
    {"master", CMD_ARG_PURE_TOKEN, "master", "3.2.0", NULL, -1, 0, NULL, 0},
    {"slave", CMD_ARG_PURE_TOKEN, "slave", NULL, NULL, -1, 0, NULL, 0},
    {"replica", CMD_ARG_PURE_TOKEN, "replica", "5.0.0", NULL, -1, 0, NULL, 0},
    {"pubsub", CMD_ARG_PURE_TOKEN, "pubsub", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_5[] = {
    {"client-id", CMD_ARG_INTEGER, "ID", "2.8.12", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"normal_master_slave_pubsub", CMD_ARG_ONEOF, "TYPE", "2.8.12", NULL, -1, CMD_ARG_OPTIONAL, args_4, 5},
    {"username", CMD_ARG_STRING, "USER", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"ip:port", CMD_ARG_STRING, "ADDR", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"ip:port", CMD_ARG_STRING, "LADDR", "6.2.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"yes/no", CMD_ARG_STRING, "SKIPME", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_6[] = {
    {"ip:port", CMD_ARG_STRING, NULL, NULL, "2.8.12", -1, 0, NULL, 0},
    {"new-format", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, args_5, 6},
};

static const cmd_arg args_7[] = {
    {"filter", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_6, 2},
};

static const cmd_arg args_8[] = {
    {"normal", CMD_ARG_PURE_TOKEN, "normal", NULL, NULL, -1, 0, NULL, 0},
    {"master", CMD_ARG_PURE_TOKEN, "master", NULL, NULL, -1, 0, NULL, 0},
    {"replica", CMD_ARG_PURE_TOKEN, "replica", NULL, NULL, -1, 0, NULL, 0},
    {"pubsub", CMD_ARG_PURE_TOKEN, "pubsub", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_9[] = {
    {"client-id", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_10[] = {
    {"normal_master_replica_pubsub", CMD_ARG_ONEOF, "TYPE", "5.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_8, 4},
    {"id", CMD_ARG_BLOCK, "ID", "6.2.0", NULL, -1, CMD_ARG_OPTIONAL, args_9, 1},
};

static const cmd_arg args_11[] = {
    {"on", CMD_ARG_PURE_TOKEN, "ON", NULL, NULL, -1, 0, NULL, 0},
    {"off", CMD_ARG_PURE_TOKEN, "OFF", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_12[] = {
    {"enabled", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_11, 2},
};

static const cmd_arg args_13[] = {
    {"on", CMD_ARG_PURE_TOKEN, "ON", NULL, NULL, -1, 0, NULL, 0},
    {"off", CMD_ARG_PURE_TOKEN, "OFF", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_14[] = {
    {"enabled", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_13, 2},
};

static const cmd_arg args_15[] = {
    {"on", CMD_ARG_PURE_TOKEN, "ON", NULL, NULL, -1, 0, NULL, 0},
    {"off", CMD_ARG_PURE_TOKEN, "OFF", NULL, NULL, -1, 0, NULL, 0},
    {"skip", CMD_ARG_PURE_TOKEN, "SKIP", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_16[] = {
    {"on_off_skip", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_15, 3},
};

static const cmd_arg args_17[] = {
    {"libname", CMD_ARG_STRING, "LIB-NAME", NULL, NULL, -1, 0, NULL, 0},
    {"libver", CMD_ARG_STRING, "LIB-VER", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_18[] = {
    {"attr", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_17, 2},
};

static const cmd_arg args_19[] = {
    {"connection-name", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_20[] = {
    {"command-name", CMD_ARG_STRING, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL|CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_21[] = {
    {"command-name", CMD_ARG_STRING, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL|CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_22[] = {
    {"module-name", CMD_ARG_STRING, "MODULE", NULL, NULL, -1, 0, NULL, 0},
    {"category", CMD_ARG_STRING, "ACLCAT", NULL, NULL, -1, 0, NULL, 0},
    {"pattern", CMD_ARG_PATTERN, "PATTERN", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_23[] = {
    {"filterby", CMD_ARG_ONEOF, "FILTERBY", NULL, NULL, -1, CMD_ARG_OPTIONAL, args_22, 3},
};

static const cmd_arg args_24[] = {
    {"parameter", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_25[] = {
    {"parameter", CMD_ARG_BLOCK, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, args_24, 1},
};

static const cmd_arg args_26[] = {
    {"parameter", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_27[] = {
    {"parameter_value", CMD_ARG_BLOCK, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, args_26, 2},
};

static const cmd_arg args_28[] = {
    {"source", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"destination", CMD_ARG_KEY, NULL, NULL, NULL, 1, 0, NULL, 0},
    {"destination-db", CMD_ARG_INTEGER, "DB", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"replace", CMD_ARG_PURE_TOKEN, "REPLACE", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_29[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_30[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"decrement", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_31[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_32[] = {
    {"message", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_33[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_34[] = {
    {"nx", CMD_ARG_PURE_TOKEN, "NX", NULL, NULL, -1, 0, NULL, 0},
    {"xx", CMD_ARG_PURE_TOKEN, "XX", NULL, NULL, -1, 0, NULL, 0},
    {"gt", CMD_ARG_PURE_TOKEN, "GT", NULL, NULL, -1, 0, NULL, 0},
    {"lt", CMD_ARG_PURE_TOKEN, "LT", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_35[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"seconds", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"condition", CMD_ARG_ONEOF, NULL, "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_34, 4},
};

static const cmd_arg args_36[] = {
    {"nx", CMD_ARG_PURE_TOKEN, "NX", NULL, NULL, -1, 0, NULL, 0},
    {"xx", CMD_ARG_PURE_TOKEN, "XX", NULL, NULL, -1, 0, NULL, 0},
    {"gt", CMD_ARG_PURE_TOKEN, "GT", NULL, NULL, -1, 0, NULL, 0},
    {"lt", CMD_ARG_PURE_TOKEN, "LT", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_37[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"unix-time-seconds", CMD_ARG_UNIX_TIME, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"condition", CMD_ARG_ONEOF, NULL, "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_36, 4},
};

static const cmd_arg args_38[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_39[] = {
    {"async", CMD_ARG_PURE_TOKEN, "ASYNC", "4.0.0", NULL, -1, 0, NULL, 0},
    {"sync", CMD_ARG_PURE_TOKEN, "SYNC", "6.2.0", NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_40[] = {
    {"async", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_39, 2},
};

static const cmd_arg args_41[] = {
    {"async", CMD_ARG_PURE_TOKEN, "ASYNC", "4.0.0", NULL, -1, 0, NULL, 0},
    {"sync", CMD_ARG_PURE_TOKEN, "SYNC", "6.2.0", NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_42[] = {
    {"async", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_41, 2},
};

static const cmd_arg args_43[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_44[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_45[] = {
    {"seconds", CMD_ARG_INTEGER, "EX", NULL, NULL, -1, 0, NULL, 0},
    {"milliseconds", CMD_ARG_INTEGER, "PX", NULL, NULL, -1, 0, NULL, 0},
    {"unix-time-seconds", CMD_ARG_UNIX_TIME, "EXAT", NULL, NULL, -1, 0, NULL, 0},
    {"unix-time-milliseconds", CMD_ARG_UNIX_TIME, "PXAT", NULL, NULL, -1, 0, NULL, 0},
    {"persist", CMD_ARG_PURE_TOKEN, "PERSIST", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_46[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"expiration", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_45, 5},
};

static const cmd_arg args_47[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"start", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"end", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_48[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_49[] = {
    {"username", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"password", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_50[] = {
    {"protover", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"username_password", CMD_ARG_BLOCK, "AUTH", NULL, NULL, -1, CMD_ARG_OPTIONAL, args_49, 2},
    {"clientname", CMD_ARG_STRING, "SETNAME", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_51[] = {
    {"arguments", CMD_ARG_BLOCK, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_50, 3},
};

static const cmd_arg args_52[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_53[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"increment", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_54[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"increment", CMD_ARG_DOUBLE, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_55[] = {
    {"section", CMD_ARG_STRING, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL|CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_56[] = {
    {"pattern", CMD_ARG_PATTERN, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_57[] = {
    {"event", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_58[] = {
    {"event", CMD_ARG_STRING, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL|CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_59[] = {
    {"key1", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"key2", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"len", CMD_ARG_PURE_TOKEN, "LEN", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"idx", CMD_ARG_PURE_TOKEN, "IDX", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"len", CMD_ARG_INTEGER, "MINMATCHLEN", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"withmatchlen", CMD_ARG_PURE_TOKEN, "WITHMATCHLEN", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_60[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"count", CMD_ARG_INTEGER, "SAMPLES", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_61[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_62[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"db", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_63[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_64[] = {
    {"key_value", CMD_ARG_BLOCK, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, args_63, 2},
};

static const cmd_arg args_65[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_66[] = {
    {"key_value", CMD_ARG_BLOCK, NULL, NULL, NULL, -1, CMD_ARG_MULTIPLE, args_65, 2},
};

static const cmd_arg args_67[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_68[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_69[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_70[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_71[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_72[] = {
    {"nx", CMD_ARG_PURE_TOKEN, "NX", NULL, NULL, -1, 0, NULL, 0},
    {"xx", CMD_ARG_PURE_TOKEN, "XX", NULL, NULL, -1, 0, NULL, 0},
    {"gt", CMD_ARG_PURE_TOKEN, "GT", NULL, NULL, -1, 0, NULL, 0},
    {"lt", CMD_ARG_PURE_TOKEN, "LT", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_73[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"milliseconds", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"condition", CMD_ARG_ONEOF, NULL, "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_72, 4},
};

static const cmd_arg args_74[] = {
    {"nx", CMD_ARG_PURE_TOKEN, "NX", NULL, NULL, -1, 0, NULL, 0},
    {"xx", CMD_ARG_PURE_TOKEN, "XX", NULL, NULL, -1, 0, NULL, 0},
    {"gt", CMD_ARG_PURE_TOKEN, "GT", NULL, NULL, -1, 0, NULL, 0},
    {"lt", CMD_ARG_PURE_TOKEN, "LT", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_75[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"unix-time-milliseconds", CMD_ARG_UNIX_TIME, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"condition", CMD_ARG_ONEOF, NULL, "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_74, 4},
};

static const cmd_arg args_76[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_77[] = {
    {"message", CMD_ARG_STRING, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_78[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"milliseconds", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_79[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_80[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"newkey", CMD_ARG_KEY, NULL, NULL, NULL, 1, 0, NULL, 0},
};

static const cmd_arg args_81[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"newkey", CMD_ARG_KEY, NULL, NULL, NULL, 1, 0, NULL, 0},
};

static const cmd_arg args_82[] = {
    {"cursor", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"pattern", CMD_ARG_PATTERN, "MATCH", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"count", CMD_ARG_INTEGER, "COUNT", NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"type", CMD_ARG_STRING, "TYPE", "6.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_83[] = {
    {"index", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_84[] = {
    {"nx", CMD_ARG_PURE_TOKEN, "NX", NULL, NULL, -1, 0, NULL, 0},
    {"xx", CMD_ARG_PURE_TOKEN, "XX", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_85[] = {
    {"seconds", CMD_ARG_INTEGER, "EX", "2.6.12", NULL, -1, 0, NULL, 0},
    {"milliseconds", CMD_ARG_INTEGER, "PX", "2.6.12", NULL, -1, 0, NULL, 0},
    {"unix-time-seconds", CMD_ARG_UNIX_TIME, "EXAT", "6.2.0", NULL, -1, 0, NULL, 0},
    {"unix-time-milliseconds", CMD_ARG_UNIX_TIME, "PXAT", "6.2.0", NULL, -1, 0, NULL, 0},
    {"keepttl", CMD_ARG_PURE_TOKEN, "KEEPTTL", "6.0.0", NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_86[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"condition", CMD_ARG_ONEOF, NULL, "2.6.12", NULL, -1, CMD_ARG_OPTIONAL, args_84, 2},
    {"get", CMD_ARG_PURE_TOKEN, "GET", "6.2.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"expiration", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_85, 5},
};

static const cmd_arg args_87[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"seconds", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_88[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_89[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"offset", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_90[] = {
    {"nosave", CMD_ARG_PURE_TOKEN, "NOSAVE", NULL, NULL, -1, 0, NULL, 0},
    {"save", CMD_ARG_PURE_TOKEN, "SAVE", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_91[] = {
    {"nosave_save", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_90, 2},
    {"now", CMD_ARG_PURE_TOKEN, "NOW", "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"force", CMD_ARG_PURE_TOKEN, "FORCE", "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"abort", CMD_ARG_PURE_TOKEN, "ABORT", "7.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_92[] = {
    {"count", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_93[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_94[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"start", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"end", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_95[] = {
    {"index1", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"index2", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_96[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_97[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_98[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_99[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, CMD_ARG_MULTIPLE, NULL, 0},
};

static const cmd_arg args_100[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
};

static const cmd_arg args_101[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"ttl", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"serialized-value", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"replace", CMD_ARG_PURE_TOKEN, "REPLACE", "3.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"absttl", CMD_ARG_PURE_TOKEN, "ABSTTL", "5.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"seconds", CMD_ARG_INTEGER, "IDLETIME", "5.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"frequency", CMD_ARG_INTEGER, "FREQ", "5.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
};

static const cmd_arg args_102[] = {
    {"key", CMD_ARG_KEY, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"empty_string", CMD_ARG_PURE_TOKEN, "", NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_103[] = {
    {"username", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"password", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
};

static const cmd_arg args_104[] = {
    {"password", CMD_ARG_STRING, "AUTH", "4.0.7", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"username_password", CMD_ARG_BLOCK, "AUTH2", "6.0.0", NULL, -1, CMD_ARG_OPTIONAL, args_103, 2},
};

static const cmd_arg args_105[] = {
    {"host", CMD_ARG_STRING, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"port", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"key_or_empty_string", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, 0, args_102, 2},
    {"destination-db", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"timeout", CMD_ARG_INTEGER, NULL, NULL, NULL, -1, 0, NULL, 0},
    {"copy", CMD_ARG_PURE_TOKEN, "COPY", "3.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"replace", CMD_ARG_PURE_TOKEN, "REPLACE", "3.0.0", NULL, -1, CMD_ARG_OPTIONAL, NULL, 0},
    {"authentication", CMD_ARG_ONEOF, NULL, NULL, NULL, -1, CMD_ARG_OPTIONAL, args_104, 2},
    {"key", CMD_ARG_KEY, "KEYS", "3.0.6", NULL, 1, CMD_ARG_OPTIONAL | CMD_ARG_MULTIPLE, NULL, 0},
};

static const struct {
    const char *command;
    const cmd_arg *args;
    int count;
} arg_tables[] = {
    {"append", args_1, 2},
    {"auth", args_2, 2},
    {"bgsave", args_3, 1},
    {"client|kill", args_7, 1},
    {"client|list", args_10, 2},
    {"client|no-evict", args_12, 1},
    {"client|no-touch", args_14, 1},
    {"client|reply", args_16, 1},
    {"client|setinfo", args_18, 1},
    {"client|setname", args_19, 1},
    {"command|docs", args_20, 1},
    {"command|info", args_21, 1},
    {"command|list", args_23, 1},
    {"config|get", args_25, 1},
    {"config|set", args_27, 1},
    {"copy", args_28, 4},
    {"decr", args_29, 1},
    {"decrby", args_30, 2},
    {"del", args_31, 1},
    {"dump", args_100, 1},
    {"echo", args_32, 1},
    {"exists", args_33, 1},
    {"expire", args_35, 3},
    {"expireat", args_37, 3},
    {"expiretime", args_38, 1},
    {"flushall", args_40, 1},
    {"flushdb", args_42, 1},
    {"get", args_43, 1},
    {"getdel", args_44, 1},
    {"getex", args_46, 2},
    {"getrange", args_47, 3},
    {"getset", args_48, 2},
    {"hello", args_51, 1},
    {"incr", args_52, 1},
    {"incrby", args_53, 2},
    {"incrbyfloat", args_54, 2},
    {"info", args_55, 1},
    {"keys", args_56, 1},
    {"latency|history", args_57, 1},
    {"latency|reset", args_58, 1},
    {"lcs", args_59, 6},
    {"memory|usage", args_60, 2},
    {"mget", args_61, 1},
    {"migrate", args_105, 9},
    {"move", args_62, 2},
    {"mset", args_64, 1},
    {"msetnx", args_66, 1},
    {"object|encoding", args_67, 1},
    {"object|freq", args_68, 1},
    {"object|idletime", args_69, 1},
    {"object|refcount", args_70, 1},
    {"persist", args_71, 1},
    {"pexpire", args_73, 3},
    {"pexpireat", args_75, 3},
    {"pexpiretime", args_76, 1},
    {"ping", args_77, 1},
    {"psetex", args_78, 3},
    {"pttl", args_79, 1},
    {"rename", args_80, 2},
    {"renamenx", args_81, 2},
    {"restore", args_101, 7},
    {"restore-asking", args_101, 7},
    {"scan", args_82, 4},
    {"select", args_83, 1},
    {"set", args_86, 5},
    {"setex", args_87, 3},
    {"setnx", args_88, 2},
    {"setrange", args_89, 3},
    {"shutdown", args_91, 4},
    {"slowlog|get", args_92, 1},
    {"strlen", args_93, 1},
    {"substr", args_94, 3},
    {"swapdb", args_95, 2},
    {"touch", args_96, 1},
    {"ttl", args_97, 1},
    {"type", args_98, 1},
    {"unlink", args_99, 1},
    {"watch", args_33, 1},
};

const cmd_arg *command_args_for(const char *fullname, int *count) {
    size_t lo = 0, hi = sizeof(arg_tables) / sizeof(arg_tables[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(arg_tables[mid].command, fullname);
        if (cmp == 0) {
            *count = arg_tables[mid].count;
            return arg_tables[mid].args;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *count = 0;
    return NULL;
}

const char *command_arg_type_name(enum cmd_arg_type t) {
    static const char *const names[] = {"string",    "integer",    "double", "key",  "pattern",
                                        "unix-time", "pure-token", "oneof",  "block"};
    return names[t];
}
