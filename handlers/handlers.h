/* handlers/handlers.h — every handler the route table (handlers/routes.c) points at. */
#ifndef TT_HANDLERS_H
#define TT_HANDLERS_H

#include "../common/app.h"
#include "../common/route.h"

extern const struct route routes[];
extern const size_t nroutes;

/* health.c */
int health_get(struct req *rq, struct resp *rs);
/* meta.c */
int meta_get(struct req *rq, struct resp *rs);
/* admin_keys.c */
int admin_keys_list(struct req *rq, struct resp *rs);
int admin_keys_create(struct req *rq, struct resp *rs);
int admin_keys_revoke(struct req *rq, struct resp *rs);

#endif
