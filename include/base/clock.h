#ifndef BASE_CLOCK_H
#define BASE_CLOCK_H

#include <stdint.h>

/* Time sources. Monotonic time measures durations; wall time stamps things a
 * user sees (TTLs are absolute Unix milliseconds, as in Redis). Tests can
 * replace both with a fake clock. */

int64_t clock_mono_us(void);
int64_t clock_mono_ms(void);
int64_t clock_wall_us(void);
int64_t clock_wall_ms(void);

/* Test hook: when fake is non-zero, clock_wall_* return it (microseconds) and
 * clock_mono_* return it too. Pass 0 to go back to the real clocks. */
void clock_set_fake_us(int64_t fake_us);

#endif
