/**
 * @file api.c  The API module: listener, event fan-out, lifecycle
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/audit.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "api"


static void bus_handler(const char *event, json_t *data, void *arg)
{
	api_ws_event(arg, event, data);
}


/* Entries go to the consoles that may read the trail, as the trail
 * shows them (audit.list), detail as an object. */
static void audit_hook(const struct audit_entry *e, void *arg)
{
	json_t *detail = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
	json_t *j;

	(void)arg;
	j = json_pack("{s:I, s:I, s:s, s:s?, s:s, s:s?, s:s, s:o?}",
		      "seq", (json_int_t)e->seq, "ts", (json_int_t)e->ts_ms,
		      "actor", e->actor, "position", e->position,
		      "action", e->action, "object", e->object,
		      "result", e->result, "detail", detail);
	if (j)
		bus_publish("audit.entry", j);
	json_decref(j);
}


static void api_destructor(void *data)
{
	struct api *api = data;

	audit_set_hook(api->ctx.audit, NULL, NULL);
	mem_deref(api->bus);
	api->ctx.phone = NULL;   /* consoles closed by a shutdown are not
				    lost consoles (ws.c) */
	list_flush(&api->clients);
	list_flush(&api->video);   /* open video channels: viewers, locks */
	mem_deref(api->ws);
	mem_deref(api->https);
}


int api_alloc(struct api **apip, const struct api_ctx *ctx)
{
	struct api *api;
	struct sa laddr;
	int err;

	if (!apip || !ctx || !ctx->conf)
		return EINVAL;

	api = mem_zalloc(sizeof(*api), api_destructor);
	if (!api)
		return ENOMEM;

	api->ctx = *ctx;
	api->started = (int64_t)tmr_jiffies();

	err = sa_decode(&laddr, ctx->conf->https_addr,
			strlen(ctx->conf->https_addr));
	if (err) {
		log_error(MOD, "bad listen address %s", ctx->conf->https_addr);
		goto out;
	}

	err = websock_alloc(&api->ws, NULL, NULL);
	if (err)
		goto out;

	err = bus_subscribe(&api->bus, "", bus_handler, api);
	if (err)
		goto out;

	audit_set_hook(ctx->audit, audit_hook, api);

	err = https_listen(&api->https, &laddr, ctx->conf->tls_cert,
			   api_http_handler, api);
	if (err) {
		log_error(MOD, "cannot listen on https://%J: %m", &laddr, err);
		goto out;
	}

	/* libre listens with a backlog of 5: a control room's consoles all
	 * reconnecting after a network blip would see refused connects */
	err = tcp_sock_listen(http_sock_tcp(api->https), API_BACKLOG);
	if (err) {
		log_error(MOD, "listen backlog: %m", err);
		goto out;
	}

	log_notice(MOD, "console at https://%J/", &laddr);

 out:
	if (err)
		mem_deref(api);
	else
		*apip = api;
	return err;
}


void api_set_conf(struct api *api, const struct conf *conf)
{
	if (api && conf)
		api->ctx.conf = conf;
}


void api_shutdown(struct api *api)
{
	if (!api)
		return;
	/* replies held for the audit go out (and let go of their consoles)
	 * before the consoles are closed */
	(void)audit_settle(api->ctx.audit);
	api_ws_close_all(api);
}
