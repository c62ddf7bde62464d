/* fcgi/dispatch.h — the generic rules every route gets before its handler runs. */
#ifndef TT_DISPATCH_H
#define TT_DISPATCH_H

#include <fcgiapp.h>

#include "../common/app.h"

/* Routes rq (404/405), authenticates (401/403/503), reads the body (400/413) from in, then calls
 * the handler. Always leaves a complete response in rs. */
void dispatch(struct app *app, struct req *rq, struct resp *rs, FCGX_Stream *in);

#endif
