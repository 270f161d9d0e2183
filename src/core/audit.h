/**
 * @file audit.h  Hash-chained, keyed audit trail
 *
 * Every entry carries the hash of the one before:
 *   hash[n] = HMAC-SHA256(key, prev || seq || ts || actor || position ||
 *                         action || object || result || detail)
 * so altering, removing or reordering an entry breaks the chain at that
 * point, and without the key (a file readable only by the daemon's user)
 * nobody can forge a consistent chain.  The head (last seq and hash) is
 * also kept in "<store>.audit-head" so a truncated tail is found too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

struct audit;
struct store;

struct audit_entry {
	uint64_t seq;          /* set by audit_append                      */
	int64_t  ts_ms;        /* set by audit_append (wall clock, ms)     */
	const char *actor;     /* operator username, "system" or "iccsctl" */
	const char *position;  /* position id or NULL                      */
	const char *action;    /* e.g. "login", "login.failed", "denied"   */
	const char *object;    /* what it acted on, or NULL                */
	const char *result;    /* "ok", "denied", "failed" ...             */
	const char *detail;    /* compact JSON object text, or NULL        */
};

/* Problem found by audit_verify(): seq of the entry and what is wrong */
typedef void (audit_problem_h)(uint64_t seq, const char *what, void *arg);

int  audit_alloc(struct audit **ap, struct store *st, const char *keyfile);
int  audit_append(struct audit *a, struct audit_entry *e);
/* Convenience: detail given as a jansson object (may be NULL, is not
 * consumed). */
int  audit_log(struct audit *a, const char *actor, const char *position,
	       const char *action, const char *object, const char *result,
	       json_t *detail);
/* Returns 0 when intact, EBADMSG when any problem was reported */
int  audit_verify(struct audit *a, audit_problem_h *ph, void *arg,
		  uint64_t *countp);
/* JSON lines, one entry per line, oldest first */
int  audit_export(struct audit *a, FILE *f);
/* Newest first, at most limit entries with seq < before (0: no bound) */
int  audit_query(struct audit *a, uint64_t before, unsigned limit,
		 json_t **entriesp);
uint64_t audit_count(const struct audit *a);

/*
 * iccsd appends on a writer thread (audit_writer.c): audit_log() queues
 * and returns.  audit_when_durable() runs h on the main loop once every
 * entry queued so far is committed (at once when nothing is pending):
 * replies wait for it, so acknowledged means audited.  audit_flush()
 * blocks until the queue is written (reads of the trail, shutdown);
 * ETIMEDOUT after 10 s.  Without a writer all of them are immediate.
 */
typedef void (audit_durable_h)(void *arg);
int  audit_writer_start(struct audit *a);
int  audit_when_durable(struct audit *a, audit_durable_h *h, void *arg);
bool audit_pending(const struct audit *a);
int  audit_flush(struct audit *a);
/* audit_flush(), then run the waiting audit_when_durable() handlers: at
 * shutdown, before whoever waits goes away */
int  audit_settle(struct audit *a);

/* Called after each committed append (consoles show the trail live) */
typedef void (audit_entry_h)(const struct audit_entry *e, void *arg);
void audit_set_hook(struct audit *a, audit_entry_h *h, void *arg);
