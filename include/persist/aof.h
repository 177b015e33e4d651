#ifndef PERSIST_AOF_H
#define PERSIST_AOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/check.h"
#include "protocol/resp_parser.h"

/* The append-only file on disk, in Redis 7.0's multi-part layout, and a
 * reader for the command stream inside it. Nothing here runs commands or
 * decides policy (fsync, when to rewrite): the server does that and calls in.
 *
 * Layout: `dir/appenddirname/` holds a manifest `<appendfilename>.manifest`
 * naming one optional BASE file (`<appendfilename>.<seq>.base.rdb` or
 * `.base.aof`), HISTORY files (bases and incrs made obsolete by a rewrite,
 * waiting to be deleted) and the INCR files (`<appendfilename>.<seq>.incr.aof`)
 * that hold the write commands since the base, in order. The manifest is
 * replaced atomically: written as `temp-<appendfilename>.manifest`, fsynced,
 * renamed, and the directory fsynced. */

/* ---- paths and names ---- */

/* Where the files live. dir is the server's `dir` (may be "." after the
 * server chdir()s there); dirname and filename are the appenddirname and
 * appendfilename settings, plain names without '/'. */
typedef struct aof_paths {
    const char *dir;
    const char *dirname;
    const char *filename;
} aof_paths;

/* Sets out to "<dir>/<dirname>/<name>". */
void aof_path(const aof_paths *p, const char *name, buf *out);
/* "<filename>.manifest" and the temporary "temp-<filename>.manifest". */
void aof_manifest_name(const char *filename, buf *out);
void aof_temp_manifest_name(const char *filename, buf *out);
/* "temp-<filename>.incr": the incr file used while AOF is being switched on
 * (renamed to a real incr name when that first rewrite succeeds). */
void aof_temp_incr_name(const char *filename, buf *out);
/* True when name is a plain file name: not empty, no '/' or '\\', not "."
 * or "..". */
bool aof_name_is_plain(const char *name);

/* ---- manifest ---- */

enum aof_file_type {
    AOF_FILE_BASE = 'b',
    AOF_FILE_HIST = 'h',
    AOF_FILE_INCR = 'i',
};

typedef struct aof_file_info {
    char *name; /* file name inside the AOF directory (owned) */
    int64_t seq;
    char type; /* enum aof_file_type */
} aof_file_info;

/* A manifest. The lists keep Redis's order, which is also the order of the
 * lines written: base, history (newest first), incr (oldest first). */
typedef struct aof_manifest {
    aof_file_info *base; /* NULL when there is no base file */
    aof_file_info *history;
    size_t history_len, history_cap;
    aof_file_info *incr;
    size_t incr_len, incr_cap;
    int64_t base_seq; /* sequence of the current base (0 if none yet) */
    int64_t incr_seq; /* highest incr sequence handed out so far */
    bool dirty;       /* changed since loaded or last persisted */
} aof_manifest;

/* Why a manifest was refused: the line it is on (0 when the problem is not
 * one line's) and Redis's own reason text, e.g. "Found duplicate base file
 * information". */
typedef struct aof_manifest_error {
    int line;
    const char *reason;
} aof_manifest_error;

#define AOF_MANIFEST_MAX_LINE 1024 /* bytes per line, '\n' included */

void aof_manifest_init(aof_manifest *m);
void aof_manifest_fini(aof_manifest *m);
/* Deep copy into dst (which must not be initialised): the server edits a
 * copy and swaps it in only once the copy has been persisted. */
void aof_manifest_copy(aof_manifest *dst, const aof_manifest *src);
bool aof_manifest_equal(const aof_manifest *a, const aof_manifest *b);

/* Parses manifest text into m (initialised, empty). Redis's rules: one
 * `file <name> seq <n> type <b|h|i>` per line, keys in any order and any
 * case, unknown key/value pairs ignored, names quoted as in redis.conf, lines
 * starting with '#' skipped, every line (the last one too) ends with '\n'
 * and is at most AOF_MANIFEST_MAX_LINE bytes. Stricter than Redis where
 * Redis would read garbage: seq must be a positive integer, type one letter,
 * the name non-empty and free of NUL bytes. On failure m is left empty, e
 * (if not NULL) says where and why, and err gets the message; returns
 * ERR_SYNTAX. */
MUST_USE int aof_manifest_parse(aof_manifest *m, const char *data, size_t len,
                                aof_manifest_error *e, buf *err);
/* Appends the manifest text: what Redis writes, byte for byte. */
void aof_manifest_format(const aof_manifest *m, buf *out);

/* Loads dir/dirname/<filename>.manifest into m (initialised, empty).
 * -ENOENT (no message) when the directory or the manifest does not exist:
 * a fresh start or an old single-file AOF to upgrade. */
MUST_USE int aof_manifest_load(const aof_paths *p, aof_manifest *m, aof_manifest_error *e,
                               buf *err);
/* Writes m to dir/dirname/<filename>.manifest through the temporary name,
 * fsyncs file and directory. Does nothing when m is not dirty; clears dirty
 * on success. The directory must exist (aof_dir_create). */
MUST_USE int aof_manifest_persist(aof_manifest *m, const aof_paths *p, buf *err);
/* Creates dir/dirname if missing. */
MUST_USE int aof_dir_create(const aof_paths *p, buf *err);

/* The incr file to append to: the last one, or a new one when there is
 * none (then *created is true and m is dirty). The name is owned by m. */
const char *aof_manifest_last_incr(aof_manifest *m, const char *filename, bool *created);
/* Start of a rewrite (and AOF switched on): appends a new incr file
 * "<filename>.<seq+1>.incr.aof" and returns its name (owned by m). */
const char *aof_manifest_new_incr(aof_manifest *m, const char *filename);
/* Rewrite done, step 1: the current base (if any) becomes the newest history
 * entry and a new base "<filename>.<seq+1>.base.rdb" (".aof" when rdb is
 * false) takes its place. Returns the new base's name (owned by m). */
const char *aof_manifest_new_base(aof_manifest *m, const char *filename, bool rdb);
/* Rewrite done, step 2: the incr files the new base covers become history.
 * keep_last keeps the newest incr (the one being appended to; true whenever
 * AOF is on). */
void aof_manifest_incr_to_history(aof_manifest *m, bool keep_last);
/* Both steps for a rewrite while AOF is on. While AOF is being switched on
 * (appendonly yes at run time), Redis instead does new_base, renames the
 * temporary incr file to aof_manifest_new_incr's name, then
 * incr_to_history(keep_last = true). */
const char *aof_manifest_rewrite_done(aof_manifest *m, const char *filename, bool rdb);
/* After the history files were deleted: empties the list, marks m dirty. */
void aof_manifest_clear_history(aof_manifest *m);
/* Unlinks every history file of m (a missing file is not an error), then
 * clears the list. The caller persists m afterwards. */
MUST_USE int aof_delete_history(const aof_paths *p, aof_manifest *m, buf *err);

/* Total size of the base and incr files (history excluded). A file the
 * manifest names but the disk lacks is -ENOENT with its name in err: Redis
 * treats that as fatal. */
MUST_USE int aof_files_size(const aof_paths *p, const aof_manifest *m, int64_t *total, buf *err);

/* Upgrade from a pre-7.0 single file: true when dir/<filename> exists and
 * the AOF directory is missing, or the manifest names no file, or it names
 * only a base called <filename> that is not in the directory yet (an
 * upgrade interrupted halfway). */
MUST_USE int aof_upgrade_needed(const aof_paths *p, const aof_manifest *m, bool *needed);
/* Performs it: creates the directory, makes the old file the base (seq 1),
 * persists the manifest, then moves the file into the directory. A crash at
 * any point leaves a state aof_upgrade_needed recognises. */
MUST_USE int aof_upgrade(const aof_paths *p, aof_manifest *m, buf *err);

/* ---- files ---- */

/* A base file (or an old-style AOF) starts with an RDB snapshot when its
 * first five bytes are "REDIS"; anything else is read as commands. */
bool aof_has_rdb_preamble(const void *data, size_t len);
MUST_USE int aof_file_has_rdb_preamble(const char *path, bool *yes, buf *err);
/* Cuts path to offset bytes and fsyncs it (aof-load-truncated). */
MUST_USE int aof_truncate(const char *path, int64_t offset, buf *err);

/* ---- command reader ---- */

enum aof_read_status {
    AOF_READ_COMMAND = 0, /* argc/argv/offset/end describe the next command */
    AOF_READ_END,         /* clean end of input, no transaction left open */
    AOF_READ_TRUNCATED,   /* input ends inside a command or a transaction */
    AOF_READ_CORRUPT,     /* bytes at error_offset are not a command */
    AOF_READ_IO_ERROR,    /* read(2) failed; err has the reason */
};

/* Reads "*<n>\r\n$<len>\r\n<bytes>\r\n..." commands one at a time, from a
 * file descriptor or a memory buffer, through a window of a few KiB that
 * grows only to hold one command: a huge file or a huge announced length
 * costs no more memory than the bytes actually there. Lines starting with
 * '#' between commands are annotations and are skipped (at most
 * AOF_MANIFEST_MAX_LINE - 1 bytes with the newline, as for Redis).
 *
 * Transactions: the reader notes where a MULTI starts and when EXEC closes
 * it. Input that ends cleanly while a MULTI is open is reported as
 * AOF_READ_TRUNCATED with in_multi set; the server, which queues the
 * commands between MULTI and EXEC instead of running them, drops the queue
 * and cuts the file at aof_reader_cut_offset(). */
typedef struct aof_reader {
    /* The last command (AOF_READ_COMMAND), valid until the next call. */
    int argc;
    resp_arg *argv;
    int64_t offset; /* where the command starts */
    int64_t end;    /* where it ends (offset of what follows) */

    int64_t valid_up_to;  /* end of the last complete command (0 before any) */
    bool in_multi;        /* a MULTI was read and its EXEC not yet */
    int64_t multi_offset; /* where that MULTI starts (-1 when not in_multi) */
    int64_t error_offset; /* CORRUPT: where the bad command starts;
                           * TRUNCATED: where the incomplete tail starts */
    uint64_t commands;    /* complete commands returned so far */
    buf err;              /* reason for CORRUPT / TRUNCATED / IO_ERROR */

    /* Internals. */
    resp_parser parser;
    int fd;          /* -1 when reading from memory */
    const char *mem; /* source bytes (memory mode) */
    size_t mem_len;
    int64_t src_pos;  /* next byte to read from the source */
    int64_t win_base; /* source offset of win[0] */
    char *win;
    size_t win_start, win_len, win_cap;
    size_t chunk; /* bytes asked of the source per read */
    bool eof;
    int done; /* final status once reached, 0 while running */
} aof_reader;

#define AOF_READ_CHUNK (16 * 1024)

/* Reads fd from byte start_offset on (after an RDB preamble, say), with
 * pread: fd's file position is not used. Offsets reported are the file's. */
void aof_reader_init_fd(aof_reader *r, int fd, int64_t start_offset);
/* Reads data[0..len) (copied through the same window as a file). */
void aof_reader_init_mem(aof_reader *r, const void *data, size_t len);
/* Bytes per read (tests use tiny reads to exercise the window). */
void aof_reader_set_chunk(aof_reader *r, size_t chunk);
void aof_reader_fini(aof_reader *r);

/* Next command, or how the input ended. Once a status other than
 * AOF_READ_COMMAND is returned, every later call returns it again. */
enum aof_read_status aof_reader_next(aof_reader *r);

/* Where to cut the file after AOF_READ_TRUNCATED so that what is left is
 * whole commands and whole transactions: the start of an open MULTI, else
 * the end of the last complete command. (Redis 7.0 cuts a torn command
 * inside a transaction right after the last complete command, leaving the
 * MULTI open in the file; we cut before the MULTI.) */
int64_t aof_reader_cut_offset(const aof_reader *r);

/* Redis's log text for a file that failed to load, for the server to log:
 * corruption ("Bad file format reading the append only file <name>: make a
 * backup of your AOF file, then use ./redis-check-aof --fix
 * <filename.manifest>") or a torn tail with aof-load-truncated off
 * ("Unexpected end of file reading the append only file <name>. You can:
 * ..."). Appends to out, followed by the offset and reason. */
void aof_reader_failure_text(const aof_reader *r, enum aof_read_status st, const char *name,
                             buf *out);

#endif
