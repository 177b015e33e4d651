/* clock: thin wrappers over clock_gettime, with a switch for a fake time so
 * unit tests of expiry and timeouts do not sleep. */
#include "base/clock.h"

#include <time.h>

static int64_t fake_us;

static int64_t read_us(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void) {
    return fake_us ? fake_us : read_us(CLOCK_MONOTONIC);
}

int64_t clock_mono_ms(void) {
    return clock_mono_us() / 1000;
}

int64_t clock_wall_us(void) {
    return fake_us ? fake_us : read_us(CLOCK_REALTIME);
}

int64_t clock_wall_ms(void) {
    return clock_wall_us() / 1000;
}

void clock_set_fake_us(int64_t us) {
    fake_us = us;
}
