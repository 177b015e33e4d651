/* monitor: formatting and delivery of MONITOR lines.
 *
 * The line is built once and appended to every monitor's output queue;
 * monitors are flushed with everything else before the loop sleeps. */
#include "server/monitor.h"

#include <stdio.h>
#include <sys/time.h>

#include "base/buf.h"
#include "base/list.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/server.h"

void monitor_repr(buf *dst, const char *p, size_t len) {
    buf_append_char(dst, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\': buf_append(dst, "\\\\", 2); break;
        case '"': buf_append(dst, "\\\"", 2); break;
        case '\n': buf_append(dst, "\\n", 2); break;
        case '\r': buf_append(dst, "\\r", 2); break;
        case '\t': buf_append(dst, "\\t", 2); break;
        case '\a': buf_append(dst, "\\a", 2); break;
        case '\b': buf_append(dst, "\\b", 2); break;
        default:
            if (ch >= 32 && ch < 127)
                buf_append_char(dst, (char)ch);
            else
                buf_printf(dst, "\\x%02x", ch);
        }
    }
    buf_append_char(dst, '"');
}

void monitor_feed(server *srv, client *from, int argc, const resp_arg *argv) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    buf line;
    buf_init(&line);
    buf_printf(&line, "+%ld.%06ld [%d %s]", (long)tv.tv_sec, (long)tv.tv_usec, from->sess.db,
               from->addr);
    for (int i = 0; i < argc; i++) {
        buf_append_char(&line, ' ');
        monitor_repr(&line, argv[i].ptr, argv[i].len);
    }
    buf_append(&line, "\r\n", 2);
    list_node *pos;
    list_foreach(pos, server_monitors(srv)) {
        client *m = container_of(pos, client, monitor);
        if (m->flags & CLIENT_CLOSE_ASAP) continue;
        reply_raw(&m->out, line.data, line.len);
        server_queue_write(srv, m);
    }
    buf_fini(&line);
}
