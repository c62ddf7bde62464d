/* fcgi/notify.h — sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef TT_NOTIFY_H
#define TT_NOTIFY_H

void sd_notify_msg(const char *msg);

#endif
