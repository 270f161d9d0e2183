/**
 * @file cam_xq.h  Threads -> main loop: a bounded, mutex-guarded queue of
 *                 malloc'd messages, with a libre mqueue as the wake-up
 *
 * Unlike a bare mqueue, what is still queued when the receiver goes is
 * freed, not leaked, and a stalled main loop does not grow memory: past
 * CAM_XQ_MAX a push fails (ENOSPC) and the sender frees its message.
 */

enum { CAM_XQ_MAX = 4096 };

struct cam_xq;
typedef void (cam_xq_h)(int id, void *data, void *arg);

/* h owns (free()s) each message's data */
int  cam_xq_alloc(struct cam_xq **qp, cam_xq_h *h, void *arg);
/* Any thread; data is malloc'd; on error the caller keeps it */
int  cam_xq_push(struct cam_xq *q, int id, void *data);
