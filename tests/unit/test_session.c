/* Unit tests for session: defaults and the owned strings (client name,
 * library name and version).
 *
 * The strings come from request arguments, which live in the connection's
 * input buffer and are overwritten by the next request, so the session
 * must keep its own copies, free the old one on every change and return
 * everything on session_fini. mem_used_bytes tells whether it does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "commands/session.h"

static void a_new_session_speaks_resp2_on_db_0(void **state) {
    (void)state;
    session s;
    memset(&s, 0x5a, sizeof(s)); /* init must not rely on zeroed memory */
    session_init(&s, 42);
    assert_int_equal(s.id, 42);
    assert_int_equal(s.db, 0);
    assert_int_equal(s.proto, 2);
    assert_false(s.authenticated);
    assert_int_equal(s.flags, 0);
    assert_null(s.name);
    assert_null(s.lib_name);
    assert_null(s.lib_ver);
    session_fini(&s);
}

static void strings_are_copied_and_replaced_without_leaks(void **state) {
    (void)state;
    size_t before = mem_used_bytes();
    session s;
    session_init(&s, 1);
    /* The argument is a slice of a larger buffer, not NUL-terminated. */
    char input[] = "myconn*3\r\n";
    session_set_string(&s.name, input, 6);
    assert_string_equal(s.name, "myconn");
    assert_ptr_not_equal(s.name, input);
    memset(input, 'z', sizeof(input) - 1); /* the next request arrives */
    assert_string_equal(s.name, "myconn");

    session_set_string(&s.lib_name, "redis-py", 8);
    session_set_string(&s.lib_ver, "5.0.1", 5);
    size_t with_three = mem_used_bytes();
    /* Replacing frees the old copy: the footprint does not grow. */
    for (int i = 0; i < 100; i++) session_set_string(&s.name, "another", 7);
    session_set_string(&s.name, "myconn", 6);
    assert_int_equal(mem_used_bytes(), with_three);
    assert_string_equal(s.lib_name, "redis-py");
    assert_string_equal(s.lib_ver, "5.0.1");

    /* NULL and "" both clear. */
    session_set_string(&s.lib_ver, NULL, 0);
    assert_null(s.lib_ver);
    session_set_string(&s.lib_name, "", 0);
    assert_null(s.lib_name);
    session_set_string(&s.lib_name, "x", 0); /* a zero-length slice is empty too */
    assert_null(s.lib_name);
    session_set_string(&s.name, NULL, 0);
    assert_null(s.name);
    assert_int_equal(mem_used_bytes(), before);

    session_set_string(&s.name, "again", 5);
    session_fini(&s);
    assert_null(s.name);
    assert_int_equal(mem_used_bytes(), before);
    session_fini(&s); /* a second fini is harmless */
    assert_int_equal(mem_used_bytes(), before);
}

static void a_string_can_be_replaced_by_part_of_itself(void **state) {
    (void)state;
    size_t before = mem_used_bytes();
    session s;
    session_init(&s, 1);
    session_set_string(&s.name, "worker-17", 9);
    /* The new value may point into the old one (copying one field to
     * another or trimming in place); it must be read before it is freed. */
    session_set_string(&s.name, s.name, 6);
    assert_string_equal(s.name, "worker");
    session_set_string(&s.lib_name, s.name, strlen(s.name));
    assert_string_equal(s.lib_name, "worker");
    assert_ptr_not_equal(s.lib_name, s.name);
    session_fini(&s);
    assert_int_equal(mem_used_bytes(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_session_speaks_resp2_on_db_0),
        cmocka_unit_test(strings_are_copied_and_replaced_without_leaks),
        cmocka_unit_test(a_string_can_be_replaced_by_part_of_itself),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
