/*
 * The hello-world server (seed 002, libevent's sample/hello-world.c): each
 * connection gets a message, the connection is freed once it is flushed,
 * and SIGINT exits cleanly two seconds later. Changes for the test harness
 * only: 127.0.0.1 port 0 (the seed used 9995) and the port printed.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char MESSAGE[] = "Hello, World!\n";

static void conn_writecb(struct bufferevent *bev, void *user_data) {
  struct evbuffer *output = bufferevent_get_output(bev);
  (void)user_data;
  if (evbuffer_get_length(output) == 0) {
    printf("flushed answer\n");
    fflush(stdout);
    bufferevent_free(bev);
  }
}

static void conn_eventcb(struct bufferevent *bev, short events, void *user_data) {
  (void)user_data;
  if (events & BEV_EVENT_EOF) printf("Connection closed.\n");
  else if (events & BEV_EVENT_ERROR) printf("Got an error on the connection: %s\n", strerror(errno));
  /* None of the other events can happen here, since we haven't enabled timeouts */
  bufferevent_free(bev);
}

static void listener_cb(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                        int socklen, void *user_data) {
  struct event_base *base = user_data;
  struct bufferevent *bev;
  (void)listener;
  (void)sa;
  (void)socklen;
  bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    fprintf(stderr, "Error constructing bufferevent!");
    event_base_loopbreak(base);
    return;
  }
  bufferevent_setcb(bev, NULL, conn_writecb, conn_eventcb, NULL);
  bufferevent_enable(bev, EV_WRITE);
  bufferevent_disable(bev, EV_READ);
  bufferevent_write(bev, MESSAGE, strlen(MESSAGE));
}

static void signal_cb(evutil_socket_t sig, short events, void *user_data) {
  struct event_base *base = user_data;
  struct timeval delay = {2, 0};
  (void)sig;
  (void)events;
  printf("Caught an interrupt signal; exiting cleanly in two seconds.\n");
  fflush(stdout);
  event_base_loopexit(base, &delay);
}

int main(void) {
  struct event_base *base;
  struct evconnlistener *listener;
  struct event *signal_event;
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);

  base = event_base_new();
  if (!base) {
    fprintf(stderr, "Could not initialize libevent!\n");
    return 1;
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(0);
  listener = evconnlistener_new_bind(base, listener_cb, (void *)base,
                                     LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1,
                                     (struct sockaddr *)&sin, sizeof(sin));
  if (!listener) {
    fprintf(stderr, "Could not create a listener!\n");
    return 1;
  }
  signal_event = evsignal_new(base, SIGINT, signal_cb, (void *)base);
  if (!signal_event || event_add(signal_event, NULL) < 0) {
    fprintf(stderr, "Could not create/add a signal event!\n");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("port %d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(base);
  evconnlistener_free(listener);
  event_free(signal_event);
  event_base_free(base);
  printf("done\n");
  return 0;
}
