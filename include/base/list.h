#ifndef BASE_LIST_H
#define BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Intrusive circular doubly-linked list. A list_node embedded in a struct
 * lets that struct sit on a list without an allocation; container_of gets
 * the struct back. An unlinked node points at itself, so unlinking twice is
 * harmless. */

typedef struct list_node {
    struct list_node *prev, *next;
} list_node;

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(list_node *head) {
    head->prev = head->next = head;
}

static inline bool list_empty(const list_node *head) {
    return head->next == head;
}

static inline bool list_linked(const list_node *n) {
    return n->next != n;
}

static inline void list_insert_after(list_node *at, list_node *n) {
    n->prev = at;
    n->next = at->next;
    at->next->prev = n;
    at->next = n;
}

/* Appends n at the tail of the list headed by head. */
static inline void list_push_back(list_node *head, list_node *n) {
    list_insert_after(head->prev, n);
}

static inline void list_unlink(list_node *n) {
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

#define list_foreach(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
/* Safe against unlinking pos inside the loop. */
#define list_foreach_safe(pos, tmp, head)                                                          \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
